"""Advisor matching (PRODUCT.md §4) as a pure function: hard filters, a scored and explained
ranking, and a proposed team. No Flask, no database: callers build the profiles.

Scoring. Each factor adds points; the weights are chosen so that the order of PRODUCT.md §4
holds by construction:

- need coverage: ``COVERAGE_PER_LEVEL`` per skill level on each intake need the advisor
  covers. One level point (100) outweighs every other factor together (at most 23.3), so
  coverage always decides first;
- industry experience in the client's JSIC division: ``INDUSTRY``;
- regional tie: born in the client's municipality > born in its prefecture > lists the
  prefecture as a contribution region (``REGION_WEIGHTS``);
- tools the client uses that the advisor knows: ``TOOL_EACH`` per tool, at most
  ``TOOLS_MAX_COUNT`` tools;
- tie-breakers (rating, completed engagements, remaining capacity): together at most 0.8,
  less than the smallest real factor step (one shared tool, 1.5), so they only order advisors
  who are otherwise equal.

The final tie-break is the external id, so the ranking is deterministic.

Capacity counts reservations: ``MatchRequest.reservations`` says, per advisor, how many other
open cases have proposed them (the caller counts them; see services.count_reservations). Free
capacity = capacity − active clients − reserved; an advisor with none left is excluded, with a
reason that says whether active clients or open proposals used it up.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import overload

from app.japan.identifiers import JSIC_DIVISIONS

COVERAGE_PER_LEVEL = 100.0
INDUSTRY = 10.0
REGION_MUNICIPALITY = "municipality"
REGION_PREFECTURE = "prefecture"
REGION_CONTRIBUTION = "contribution"
REGION_WEIGHTS = {REGION_MUNICIPALITY: 8.0, REGION_PREFECTURE: 5.0, REGION_CONTRIBUTION: 3.0}
TOOL_EACH = 1.5
TOOLS_MAX_COUNT = 3
RATING_PER_POINT = 0.1  # rating 0–5 → at most 0.5
ENGAGEMENT_EACH = 0.01
ENGAGEMENTS_MAX_COUNT = 20  # → at most 0.2
CAPACITY_EACH = 0.02
CAPACITY_MAX_COUNT = 5  # → at most 0.1

TEAM_MAX = 3
ACTIVE = "active"

# Exclusion rule codes (Excluded.rule), in the order they are checked.
RULE_STATUS = "status"
RULE_CAPACITY = "capacity"  # active clients alone fill the capacity
RULE_RESERVED = "capacity_reserved"  # active clients plus open proposals fill it
CAPACITY_RULES = frozenset({RULE_CAPACITY, RULE_RESERVED})
RULE_CONFLICT_CLIENT = "conflict_client"
RULE_CONFLICT_COMPETITOR = "conflict_competitor"
RULE_ONSITE = "onsite"

_STATUS_REASONS = {
    "paused": "現在稼働停止中です（一時休止）",
    "inactive": "現在稼働停止中です",
    "left": "登録を終了しています（退任）",
}


def fold_tool(name: str) -> str:
    """Comparison key for a tool name: 'Ｅｘｃｅｌ', 'excel', 'Microsoft365' match their kin."""
    return "".join(unicodedata.normalize("NFKC", name).casefold().split())


@dataclass(frozen=True, slots=True)
class AdvisorProfile:
    """What matching needs to know about one advisor (デジタル人材)."""

    id: int | None
    external_id: str
    name: str
    name_kana: str = ""
    hometown_prefecture: str = ""
    hometown_municipality: str = ""
    contribution_prefectures: tuple[str, ...] = ()
    skills: Mapping[str, int] = field(default_factory=dict)  # need tag → level 1–3
    industries: frozenset[str] = frozenset()  # JSIC letters
    tools: frozenset[str] = frozenset()
    onsite: bool = False
    capacity: int = 0
    active_clients: int = 0
    rating: float | None = None
    completed_engagements: int = 0
    status: str = ACTIVE
    conflicts: frozenset[str] = frozenset()  # 法人番号
    bio: str = ""
    # Derived once, so match() does no string work per advisor on the hot path.
    tool_keys: frozenset[str] = field(init=False, repr=False, compare=False)
    tiebreak: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tool_keys", frozenset(fold_tool(t) for t in self.tools))
        object.__setattr__(self, "tiebreak", tiebreak_points(self, 0))

    @property
    def free_capacity(self) -> int:
        """Capacity minus active clients, before reservations (see MatchRequest)."""
        return self.capacity - self.active_clients


def tiebreak_points(advisor: AdvisorProfile, reserved: int) -> float:
    """Rating, completed engagements and remaining capacity (after `reserved`), together."""
    free = advisor.capacity - advisor.active_clients - reserved
    return ((advisor.rating or 0.0) * RATING_PER_POINT
            + min(advisor.completed_engagements, ENGAGEMENTS_MAX_COUNT) * ENGAGEMENT_EACH
            + min(max(free, 0), CAPACITY_MAX_COUNT) * CAPACITY_EACH)


@dataclass(frozen=True, slots=True)
class MatchRequest:
    """One intake as matching sees it: needs (ticked plus accepted-from-notes) and the client."""

    needs: tuple[str, ...]
    industry: str = ""  # JSIC letter
    prefecture: str = ""
    municipality: str = ""
    corporate_number: str = ""
    tools: tuple[str, ...] = ()
    onsite_required: bool = False
    competitor_numbers: frozenset[str] = frozenset()  # the bank's competitor list
    # external_id → open cases (other than this one) whose latest proposal lists the advisor.
    reservations: Mapping[str, int] = field(default_factory=dict, hash=False)


@dataclass(slots=True)
class Ranked:
    advisor: AdvisorProfile
    score: float
    reasons: list[str]  # Japanese, for the officer
    covered: list[str]  # intake needs the advisor covers, in the intake's order
    factors: dict[str, float]  # score parts, for a "why" display
    rank: int = 0  # 1-based position among every ranked advisor
    reserved: int = 0  # held by other open proposals
    free: int = 0  # capacity − active clients − reserved

    @property
    def capacity_badge(self) -> str:
        """空きあり（残りN） or 提案中で予約あり（予約N・残りM）, for the matching page."""
        if self.reserved:
            return f"提案中で予約あり（予約{self.reserved}・残り{self.free}）"
        return f"空きあり（残り{self.free}）"


@dataclass(slots=True)
class Excluded:
    advisor: AdvisorProfile
    rule: str
    reason: str

    @property
    def full(self) -> bool:
        """Left out for capacity (満枠), by active clients or by open proposals."""
        return self.rule in CAPACITY_RULES


class Standings(Sequence[Ranked]):
    """Every ranked advisor, best first. A Ranked (reasons, factors) is built only when read,
    so a page that shows twenty of ten thousand explains twenty, yet the rank of anyone can
    be looked up (the why-not answer)."""

    __slots__ = ("_rows", "_build", "_built", "_index")

    def __init__(self, rows: list[tuple], build: Callable[[tuple, int], Ranked]):
        self._rows = rows
        self._build = build
        self._built: dict[int, Ranked] = {}
        self._index: dict[str, int] | None = None

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, i: int) -> Ranked: ...

    @overload
    def __getitem__(self, i: slice) -> list[Ranked]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self._rows)))]
        if i < 0:
            i += len(self._rows)
        if not 0 <= i < len(self._rows):
            raise IndexError(i)
        ranked = self._built.get(i)
        if ranked is None:
            ranked = self._built[i] = self._build(self._rows[i], i + 1)
        return ranked

    def __iter__(self) -> Iterator[Ranked]:
        return (self[i] for i in range(len(self._rows)))

    def rank_of(self, external_id: str) -> int | None:
        """1-based rank, or None when the advisor is not ranked (excluded or unknown)."""
        if self._index is None:
            self._index = {row[1]: i for i, row in enumerate(self._rows)}
        i = self._index.get(external_id)
        return None if i is None else i + 1

    def get(self, external_id: str) -> Ranked | None:
        rank = self.rank_of(external_id)
        return None if rank is None else self[rank - 1]

    def profiles(self) -> list[AdvisorProfile]:
        """The ranked advisors in order, without building their explanations."""
        return [row[2] for row in self._rows]


@dataclass(slots=True)
class MatchResult:
    ranked: list[Ranked]  # the first `top` of standings
    excluded: list[Excluded]
    team: list[Ranked]
    standings: Standings  # every ranked advisor (len = how many were ranked)


def same_municipality(client: str, hometown: str) -> bool:
    """'北九州市' matches '北九州市' and, for a designated city, '北九州市小倉北区' either way."""
    if not client or not hometown:
        return False
    if client == hometown:
        return True
    shorter, longer = sorted((client, hometown), key=len)
    return shorter.endswith("市") and longer.startswith(shorter)


def exclusions(advisor: AdvisorProfile, request: MatchRequest, *,
               first_only: bool = False) -> list[Excluded]:
    """Every hard filter the advisor fails, in checking order, each with its Japanese reason
    (only the first with `first_only`)."""
    out: list[Excluded] = []
    if advisor.status != ACTIVE:
        reason = _STATUS_REASONS.get(advisor.status, "現在稼働停止中です")
        out.append(Excluded(advisor, RULE_STATUS, reason))
        if first_only:
            return out
    active, capacity = advisor.active_clients, advisor.capacity
    reserved = request.reservations.get(advisor.external_id, 0) if request.reservations else 0
    if active >= capacity:
        out.append(Excluded(advisor, RULE_CAPACITY,
                            f"稼働枠がありません（稼働中{active}/{capacity}件）"))
    elif active + reserved >= capacity:
        out.append(Excluded(advisor, RULE_RESERVED, "提案中の案件で枠が埋まっています"
                            f"（稼働中{active}件＋提案中{reserved}件／枠{capacity}件）"))
    if request.corporate_number and request.corporate_number in advisor.conflicts:
        out.append(Excluded(advisor, RULE_CONFLICT_CLIENT,
                            "お客さまが利益相反先に登録されています"))
    if advisor.conflicts and not advisor.conflicts.isdisjoint(request.competitor_numbers):
        out.append(Excluded(advisor, RULE_CONFLICT_COMPETITOR,
                            "当金庫が競合先に指定した企業を支援しています（利益相反）"))
    if request.onsite_required and not advisor.onsite:
        out.append(Excluded(advisor, RULE_ONSITE, "訪問対応不可（訪問必須の案件）"))
    return out


def exclusion(advisor: AdvisorProfile, request: MatchRequest) -> Excluded | None:
    """The first hard filter the advisor fails, with its Japanese reason; None if none."""
    found = exclusions(advisor, request, first_only=True)
    return found[0] if found else None


def region_tie(advisor: AdvisorProfile, request: MatchRequest) -> str | None:
    """REGION_MUNICIPALITY / REGION_PREFECTURE / REGION_CONTRIBUTION, or None."""
    if request.prefecture and advisor.hometown_prefecture == request.prefecture:
        if same_municipality(request.municipality, advisor.hometown_municipality):
            return REGION_MUNICIPALITY
        return REGION_PREFECTURE
    if request.prefecture and request.prefecture in advisor.contribution_prefectures:
        return REGION_CONTRIBUTION
    return None


def match(request: MatchRequest, advisors: Iterable[AdvisorProfile],
          top: int | None = None) -> MatchResult:
    """Rank the advisors for one request. `top` limits `ranked` (the team and the excluded
    list are computed over everyone)."""
    needs = tuple(dict.fromkeys(request.needs))
    tool_names = {}  # folded → the client's spelling, in the client's order
    for t in request.tools:
        tool_names.setdefault(fold_tool(t), t)
    client_tools = frozenset(tool_names)
    industry = request.industry
    conflict_checks = bool(request.corporate_number or request.competitor_numbers)
    onsite_required = request.onsite_required
    prefecture = request.prefecture
    reservations = request.reservations

    rows: list[tuple[float, str, AdvisorProfile, int, bool, str | None, int, int]] = []
    excluded: list[Excluded] = []
    for a in advisors:
        reserved = reservations.get(a.external_id, 0) if reservations else 0
        # Cheap checks first; exclusion() decides the rule and builds the reason.
        if (a.status != ACTIVE or a.active_clients + reserved >= a.capacity
                or (onsite_required and not a.onsite) or (conflict_checks and a.conflicts)):
            rejected = exclusion(a, request)
            if rejected:
                excluded.append(rejected)
                continue
        skills = a.skills
        coverage = 0
        for need in needs:
            level = skills.get(need)
            if level:
                coverage += level
        has_industry = industry in a.industries
        region = None
        if prefecture and (a.hometown_prefecture == prefecture
                           or prefecture in a.contribution_prefectures):
            region = region_tie(a, request)
        n_tools = len(client_tools & a.tool_keys) if client_tools and a.tool_keys else 0
        score = (coverage * COVERAGE_PER_LEVEL
                 + (INDUSTRY if has_industry else 0.0)
                 + (REGION_WEIGHTS[region] if region else 0.0)
                 + min(n_tools, TOOLS_MAX_COUNT) * TOOL_EACH
                 + (tiebreak_points(a, reserved) if reserved else a.tiebreak))
        rows.append((-score, a.external_id, a, coverage, has_industry, region, n_tools,
                     reserved))
    rows.sort(key=itemgetter(0, 1))

    def explain(row: tuple, rank: int) -> Ranked:
        neg_score, _, a, coverage, has_industry, region, _, reserved = row
        return _ranked(a, -neg_score, needs, request, coverage, has_industry, region,
                       [name for key, name in tool_names.items() if key in a.tool_keys],
                       reserved, rank)

    standings = Standings(rows, explain)
    ranked = standings[:len(rows) if top is None else max(top, 0)]
    team = [standings[i] for i in _team_rows(rows, needs)]
    return MatchResult(ranked=ranked, excluded=excluded, team=team, standings=standings)


def _team_rows(rows: list, needs: tuple[str, ...]) -> list[int]:
    """Positions in `rows` of the team. Greedy weighted cover: the best individual first,
    then whoever adds the most level on needs nobody in the team covers yet (ties: the
    better-ranked); stop when nothing new."""
    if not needs or not rows or rows[0][3] == 0:
        return []
    # Only advisors covering something can help.
    candidates = [(i, r[2].skills) for i, r in enumerate(rows) if r[3] > 0]
    team = [0]
    uncovered = {n for n in needs if not rows[0][2].skills.get(n)}
    while len(team) < TEAM_MAX and uncovered:
        best, best_gain = None, 0
        for i, skills in candidates:
            gain = sum(skills.get(n, 0) for n in uncovered)
            if gain > best_gain:  # strict: on a tie the earlier (better-ranked) one stays
                best, best_gain = i, gain
        if best is None:
            break
        team.append(best)
        uncovered = {n for n in uncovered if not rows[best][2].skills.get(n)}
    return team


def _ranked(a: AdvisorProfile, score: float, needs: tuple[str, ...], request: MatchRequest,
            coverage: int, has_industry: bool, region: str | None,
            shared_tools: list[str], reserved: int, rank: int) -> Ranked:
    reasons: list[str] = []
    covered: list[str] = []
    for need in needs:
        level = a.skills.get(need)
        if level:
            covered.append(need)
            reasons.append(f"{need}（レベル{level}）")
    if has_industry:
        reasons.append(f"{JSIC_DIVISIONS.get(request.industry, request.industry)}の経験")
    if region == REGION_MUNICIPALITY:
        reasons.append(f"{a.hometown_municipality}出身")
    elif region == REGION_PREFECTURE:
        reasons.append(f"{a.hometown_prefecture}出身")
    elif region == REGION_CONTRIBUTION:
        reasons.append(f"{request.prefecture}への地元貢献を希望")
    if shared_tools:
        reasons.append(f"{'・'.join(shared_tools)}の経験")
    free = a.capacity - a.active_clients - reserved
    # Starts with 稼働枠: the proposal leaves such internal reasons out (client_reasons).
    reasons.append(f"稼働枠あり（残り{free}・提案中{reserved}件）" if reserved
                   else f"稼働枠あり（残り{free}）")
    if a.rating is not None and a.completed_engagements:
        reasons.append(f"評価{a.rating:.1f}・実績{a.completed_engagements}件")
    elif a.rating is not None:
        reasons.append(f"評価{a.rating:.1f}")
    elif a.completed_engagements:
        reasons.append(f"実績{a.completed_engagements}件")
    factors = {
        "coverage": coverage * COVERAGE_PER_LEVEL,
        "industry": INDUSTRY if has_industry else 0.0,
        "region": REGION_WEIGHTS[region] if region else 0.0,
        "tools": min(len(shared_tools), TOOLS_MAX_COUNT) * TOOL_EACH,
        "rating": round((a.rating or 0.0) * RATING_PER_POINT, 4),
        "engagements": round(min(a.completed_engagements, ENGAGEMENTS_MAX_COUNT)
                             * ENGAGEMENT_EACH, 4),
        "capacity": round(min(max(free, 0), CAPACITY_MAX_COUNT) * CAPACITY_EACH, 4),
    }
    return Ranked(advisor=a, score=round(score, 4), reasons=reasons, covered=covered,
                  factors=factors, rank=rank, reserved=reserved, free=free)
