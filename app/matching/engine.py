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
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
RULE_CAPACITY = "capacity"
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
        object.__setattr__(self, "tiebreak", (
            (self.rating or 0.0) * RATING_PER_POINT
            + min(self.completed_engagements, ENGAGEMENTS_MAX_COUNT) * ENGAGEMENT_EACH
            + min(max(self.free_capacity, 0), CAPACITY_MAX_COUNT) * CAPACITY_EACH
        ))

    @property
    def free_capacity(self) -> int:
        return self.capacity - self.active_clients


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


@dataclass(slots=True)
class Ranked:
    advisor: AdvisorProfile
    score: float
    reasons: list[str]  # Japanese, for the officer
    covered: list[str]  # intake needs the advisor covers, in the intake's order
    factors: dict[str, float]  # score parts, for a "why" display


@dataclass(slots=True)
class Excluded:
    advisor: AdvisorProfile
    rule: str
    reason: str


@dataclass(slots=True)
class MatchResult:
    ranked: list[Ranked]
    excluded: list[Excluded]
    team: list[Ranked]


def same_municipality(client: str, hometown: str) -> bool:
    """'北九州市' matches '北九州市' and, for a designated city, '北九州市小倉北区' either way."""
    if not client or not hometown:
        return False
    if client == hometown:
        return True
    shorter, longer = sorted((client, hometown), key=len)
    return shorter.endswith("市") and longer.startswith(shorter)


def exclusion(advisor: AdvisorProfile, request: MatchRequest) -> Excluded | None:
    """The first hard filter the advisor fails, with its Japanese reason; None if none."""
    if advisor.status != ACTIVE:
        reason = _STATUS_REASONS.get(advisor.status, "現在稼働停止中です")
        return Excluded(advisor, RULE_STATUS, reason)
    if advisor.active_clients >= advisor.capacity:
        return Excluded(advisor, RULE_CAPACITY, "稼働枠がありません"
                        f"（{advisor.active_clients}/{advisor.capacity}件）")
    if request.corporate_number and request.corporate_number in advisor.conflicts:
        return Excluded(advisor, RULE_CONFLICT_CLIENT, "お客さまが利益相反先に登録されています")
    if advisor.conflicts and not advisor.conflicts.isdisjoint(request.competitor_numbers):
        return Excluded(advisor, RULE_CONFLICT_COMPETITOR,
                        "当金庫が競合先に指定した企業を支援しています（利益相反）")
    if request.onsite_required and not advisor.onsite:
        return Excluded(advisor, RULE_ONSITE, "訪問対応不可（訪問必須の案件）")
    return None


def _region(advisor: AdvisorProfile, request: MatchRequest) -> str | None:
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

    rows: list[tuple[float, str, AdvisorProfile, int, bool, str | None, int]] = []
    excluded: list[Excluded] = []
    for a in advisors:
        # Cheap checks first; exclusion() decides the rule and builds the reason.
        if (a.status != ACTIVE or a.active_clients >= a.capacity
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
            region = _region(a, request)
        n_tools = len(client_tools & a.tool_keys) if client_tools and a.tool_keys else 0
        score = (coverage * COVERAGE_PER_LEVEL
                 + (INDUSTRY if has_industry else 0.0)
                 + (REGION_WEIGHTS[region] if region else 0.0)
                 + min(n_tools, TOOLS_MAX_COUNT) * TOOL_EACH
                 + a.tiebreak)
        rows.append((-score, a.external_id, a, coverage, has_industry, region, n_tools))
    rows.sort(key=lambda r: (r[0], r[1]))

    def explain(row) -> Ranked:
        neg_score, _, a, coverage, has_industry, region, n_tools = row
        return _ranked(a, -neg_score, needs, request, coverage, has_industry, region,
                       [name for key, name in tool_names.items() if key in a.tool_keys])

    shown = rows if top is None else rows[:max(top, 0)]
    ranked = [explain(r) for r in shown]
    by_id = {r.advisor.external_id: r for r in ranked}
    team = [by_id.get(r[1]) or explain(r) for r in _team_rows(rows, needs)]
    return MatchResult(ranked=ranked, excluded=excluded, team=team)


def _team_rows(rows: list, needs: tuple[str, ...]) -> list:
    """Greedy weighted cover: the best individual first, then whoever adds the most level on
    needs nobody in the team covers yet (ties: the better-ranked); stop when nothing new."""
    if not needs or not rows or rows[0][3] == 0:
        return []
    candidates = [r for r in rows if r[3] > 0]  # only advisors covering something can help
    team = [candidates[0]]
    uncovered = {n for n in needs if not candidates[0][2].skills.get(n)}
    while len(team) < TEAM_MAX and uncovered:
        best, best_gain = None, 0
        for r in candidates:
            skills = r[2].skills
            gain = sum(skills.get(n, 0) for n in uncovered)
            if gain > best_gain:  # strict: on a tie the earlier (better-ranked) one stays
                best, best_gain = r, gain
        if best is None:
            break
        team.append(best)
        uncovered = {n for n in uncovered if not best[2].skills.get(n)}
    return team


def _ranked(a: AdvisorProfile, score: float, needs: tuple[str, ...], request: MatchRequest,
            coverage: int, has_industry: bool, region: str | None,
            shared_tools: list[str]) -> Ranked:
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
    reasons.append(f"稼働枠あり（残り{a.free_capacity}）")
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
        "capacity": round(min(a.free_capacity, CAPACITY_MAX_COUNT) * CAPACITY_EACH, 4),
    }
    return Ranked(advisor=a, score=round(score, 4), reasons=reasons, covered=covered,
                  factors=factors)
