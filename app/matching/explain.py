"""Why-not answers for the matching page (PRODUCT.md §4: the ranking explains itself, and
the reason an advisor is left out is available on request), as pure functions over a
MatchResult: why an advisor is left out (each hard filter in words), or why they rank where
they do (factor by factor against the advisor above and the top one).

Points come from Ranked.factors, which the engine fills with its own weights: the weights
live in engine.py only. Conflicts of interest are stated without naming anybody."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from app.japan.identifiers import JSIC_DIVISIONS
from app.japan.text import nfkc, search_key
from app.matching.engine import (
    REGION_CONTRIBUTION,
    REGION_MUNICIPALITY,
    RULE_CAPACITY,
    RULE_CONFLICT_CLIENT,
    RULE_CONFLICT_COMPETITOR,
    RULE_ONSITE,
    RULE_RESERVED,
    RULE_STATUS,
    AdvisorProfile,
    Excluded,
    MatchRequest,
    MatchResult,
    Ranked,
    exclusions,
    fold_tool,
    region_tie,
)

KIND_EXCLUDED = "excluded"  # a hard filter leaves the advisor out
KIND_SHOWN = "shown"  # ranked within the top shown on the page
KIND_HIDDEN = "hidden"  # ranked, but below the top shown
TIEBREAK_FACTORS = ("rating", "engagements", "capacity")
NO_NEED_SKILLS = "ご相談のニーズ（{needs}）に対応するスキルの登録がありません。"


@dataclass(frozen=True, slots=True)
class Candidate:
    """One advisor found by the why-not search, with where they stand now."""

    advisor: AdvisorProfile
    rank: int | None  # None when excluded
    reason: str = ""  # the first exclusion reason, when excluded


@dataclass(frozen=True, slots=True)
class Explanation:
    advisor: AdvisorProfile
    kind: str  # KIND_EXCLUDED / KIND_SHOWN / KIND_HIDDEN
    headline: str
    sentences: list[str]
    rank: int | None = None
    total: int = 0  # how many advisors are ranked
    reasons: list[str] = field(default_factory=list)  # the engine's reasons, when ranked


@dataclass(frozen=True, slots=True)
class WhyAnswer:
    query: str
    candidates: list[Candidate]
    explanation: Explanation | None


def _num(value: float) -> str:
    """8, 1.5, 0.07: whole points without decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _points(value: float) -> str:
    """＋8点, ＋1.5点, ＋0.07点 (a gap between two advisors)."""
    return f"＋{_num(value)}点"


def _name(advisor: AdvisorProfile) -> str:
    return f"{advisor.name}さん"


# ---- search ----------------------------------------------------------------------------

def _advisor_key(advisor: AdvisorProfile) -> str:
    return search_key(advisor.name, advisor.name_kana).replace(" ", "")


def find_advisors(query: str, advisors: Iterable[AdvisorProfile],
                  limit: int = 10) -> list[AdvisorProfile]:
    """Advisors whose name or フリガナ contains the query (ひらがな, half-width and variant
    characters folded as in client search), or whose external id contains it. An exact
    external id comes first; then by フリガナ."""
    q = (query or "").strip()
    if not q:
        return []
    key = search_key(q).replace(" ", "")
    code = "".join(nfkc(q).split()).upper()
    found = []
    for a in advisors:
        ext = a.external_id.upper()
        if (code and code in ext) or (key and key in _advisor_key(a)):
            found.append(a)
    found.sort(key=lambda a: (a.external_id.upper() != code, a.name_kana, a.external_id))
    return found[:limit]


def find_candidates(query: str, result: MatchResult, limit: int = 10) -> list[Candidate]:
    """find_advisors over everyone the result knows (ranked and excluded), with their rank
    or first exclusion reason."""
    excluded = {e.advisor.external_id: e for e in result.excluded}
    everyone = [*result.standings.profiles(), *(e.advisor for e in result.excluded)]
    out = []
    for a in find_advisors(query, everyone, limit):
        out_of = excluded.get(a.external_id)
        if out_of:
            out.append(Candidate(a, None, out_of.reason))
        else:
            out.append(Candidate(a, result.standings.rank_of(a.external_id)))
    return out


def why_not(query: str, chosen: str, result: MatchResult, request: MatchRequest, *,
            top: int, limit: int = 10) -> WhyAnswer:
    """The answer for the why-not box: the advisors matching `query`, and the explanation
    for `chosen` (when it matches the query, or the query is empty) or for the only match."""
    query = (query or "").strip()[:100]
    candidates = find_candidates(query, result, limit) if query else []
    target = None
    exact = "".join(nfkc(query).split()).upper()
    if chosen and (not query or any(c.advisor.external_id == chosen for c in candidates)):
        target = chosen
    elif len(candidates) == 1 or (candidates and
                                  candidates[0].advisor.external_id.upper() == exact):
        target = candidates[0].advisor.external_id
    explanation = explain(target, result, request, top=top) if target else None
    return WhyAnswer(query, candidates, explanation)


# ---- explanation --------------------------------------------------------------------------

def explain(external_id: str, result: MatchResult, request: MatchRequest, *,
            top: int | None = None) -> Explanation | None:
    """Why the advisor is where they are in `result` (computed from `request`); None when
    the result does not know the advisor. `top` is how many ranked advisors the page shows."""
    rank = result.standings.rank_of(external_id)
    if rank is not None:
        return _explain_ranked(result, request, rank, top)
    for out in result.excluded:
        if out.advisor.external_id == external_id:
            return _explain_excluded(out.advisor, request)
    return None


def _rule_sentence(rule: Excluded, only: bool) -> str:
    if rule.rule == RULE_STATUS:
        return f"稼働状況：{rule.reason}。稼働中の方だけを候補にしています。"
    if rule.rule == RULE_CAPACITY:
        return f"{rule.reason}。空き枠のある方だけを候補にしています。"
    if rule.rule == RULE_RESERVED:
        return (f"{rule.reason}。ほかの案件で提案中（お客さまの回答待ち）の分も、"
                "枠の予約として数えています。")
    if rule.rule == RULE_CONFLICT_CLIENT:
        return ("利益相反の登録があります（このお客さまが、この方の利益相反先に登録されています）。"
                "この案件には提案できません。")
    if rule.rule == RULE_CONFLICT_COMPETITOR:
        return ("利益相反の登録があります（当金庫が競合先に指定した企業を支援しています）。"
                "この案件には提案できません。")
    if rule.rule == RULE_ONSITE:
        hint = "条件の「訪問対応できる人に限る」を外すと候補に入ります。" if only else ""
        return f"訪問必須の案件ですが、この方は訪問対応をしていません。{hint}"
    return rule.reason


def _explain_excluded(advisor: AdvisorProfile, request: MatchRequest) -> Explanation:
    rules = exclusions(advisor, request)
    sentences = [_rule_sentence(r, only=len(rules) == 1) for r in rules]
    return Explanation(advisor=advisor, kind=KIND_EXCLUDED,
                       headline=f"{_name(advisor)}は候補から外れています", sentences=sentences)


def _explain_ranked(result: MatchResult, request: MatchRequest, rank: int,
                    top: int | None) -> Explanation:
    standings = result.standings
    me = standings[rank - 1]
    total = len(standings)
    shown = top is None or rank <= top
    if rank == 1:
        headline = f"{_name(me.advisor)}は1位です（{total}名中）"
    elif shown:
        headline = f"{_name(me.advisor)}は{rank}位です（{total}名中、画面に表示しています）"
    else:
        headline = (f"{_name(me.advisor)}は{rank}位のため、画面の上位{top}名に入っていません"
                    f"（{total}名中）")
    sentences = [_own_points(me, request)]
    if request.needs and not me.covered:
        sentences.append(NO_NEED_SKILLS.format(needs="・".join(request.needs)))
    if rank == 1:
        if total > 1:
            sentences.append(_comparison(me, standings[1], request, leader=True))
    else:
        # The advisor just above, or the last one shown when this one is not shown; and
        # the top one.
        near = standings[rank - 2] if shown else standings[max(top or 1, 1) - 1]
        sentences.append(_comparison(me, near, request, "" if shown else "表示の最後"))
        if near.rank != 1:
            sentences.append(_comparison(me, standings[0], request))
    return Explanation(advisor=me.advisor, kind=KIND_SHOWN if shown else KIND_HIDDEN,
                       headline=headline, sentences=sentences, rank=rank, total=total,
                       reasons=list(me.reasons))


_FACTOR_LABELS = {"coverage": "ニーズの対応", "industry": "業種経験", "tools": "利用中ツールの経験"}


def _region_label(advisor: AdvisorProfile, request: MatchRequest) -> str:
    return "地元貢献" if region_tie(advisor, request) == REGION_CONTRIBUTION else "出身地"


def _own_points(me: Ranked, request: MatchRequest) -> str:
    """「この方の点数：ニーズの対応 300点・出身地 8点・評価・実績・空き枠 0.63点
    （合計308.63点）」"""
    parts = [f"{_FACTOR_LABELS.get(k) or _region_label(me.advisor, request)} {_num(v)}点"
             for k, v in me.factors.items() if v and k not in TIEBREAK_FACTORS]
    tie = sum(me.factors.get(k, 0.0) for k in TIEBREAK_FACTORS)
    if tie:
        parts.append(f"評価・実績・空き枠 {_num(tie)}点")
    body = "・".join(parts) if parts else "加点なし"
    return f"この方の点数：{body}（合計{_num(me.score)}点）。"


def _region_text(r: Ranked, request: MatchRequest) -> str:
    kind = region_tie(r.advisor, request)
    if kind == REGION_MUNICIPALITY:
        return f"{r.advisor.hometown_municipality}出身"
    if kind == REGION_CONTRIBUTION:
        return f"{request.prefecture}への地元貢献を希望"
    return f"{r.advisor.hometown_prefecture}出身"


def _shared_tools(advisor: AdvisorProfile, request: MatchRequest) -> list[str]:
    names = {}
    for t in request.tools:
        names.setdefault(fold_tool(t), t)
    return [name for key, name in names.items() if key in advisor.tool_keys]


def _level(level: int) -> str:
    return f"レベル{level}" if level else "登録なし"


def _factor_phrase(key: str, winner: Ranked, loser: Ranked, request: MatchRequest,
                   winner_is_me: bool) -> str:
    """One factor where `winner` has more points than `loser`, in words, with the gap."""
    gap = _points(winner.factors[key] - loser.factors.get(key, 0.0))
    other = "相手" if winner_is_me else "この方"
    if key == "coverage":
        needs = []
        for need in dict.fromkeys(request.needs):
            w, lo = winner.advisor.skills.get(need, 0), loser.advisor.skills.get(need, 0)
            if w > lo:
                needs.append(f"{need} {_level(w)}／{other}は{_level(lo)}")
        return f"ニーズの対応（{'、'.join(needs)} {gap}）"
    if key == "industry":
        return f"業種経験（{JSIC_DIVISIONS.get(request.industry, request.industry)}の経験 {gap}）"
    if key == "region":
        theirs = (f"／{other}は{_region_text(loser, request)}"
                  if region_tie(loser.advisor, request) else "")
        return (f"{_region_label(winner.advisor, request)}"
                f"（{_region_text(winner, request)}{theirs} {gap}）")
    if key == "tools":
        tools = "・".join(_shared_tools(winner.advisor, request))
        theirs = _shared_tools(loser.advisor, request)
        mine = f"／{other}は{'・'.join(theirs)}" if theirs else ""
        return f"利用中ツールの経験（{tools}{mine} {gap}）"
    a, b = winner.advisor, loser.advisor
    if key == "rating":
        lo = f"{b.rating:.1f}" if b.rating is not None else "なし"
        return f"評価（{(a.rating or 0):.1f}／{other}は{lo} {gap}）"
    if key == "engagements":
        return f"実績（{a.completed_engagements}件／{other}は{b.completed_engagements}件 {gap}）"
    return f"空き枠（残り{winner.free}／{other}は残り{loser.free} {gap}）"


def _comparison(me: Ranked, other: Ranked, request: MatchRequest, label: str = "",
                leader: bool = False) -> str:
    """「1位の佐藤 花子さんとの差：出身地（北九州市出身 ＋8点）」: the factors where the other
    advisor is ahead, then those where this one is. `leader`: this one ranks first."""
    who = f"{other.rank}位{'（' + label + '）' if label else ''}の{_name(other.advisor)}"
    ahead = [k for k, v in other.factors.items() if v > me.factors.get(k, 0.0)]
    behind = [k for k, v in me.factors.items() if v > other.factors.get(k, 0.0)]
    if me.score == other.score:
        first, second = sorted((me.advisor.external_id, other.advisor.external_id))
        return f"{who}とは点数が同じで、登録番号の順（{first} → {second}）に並んでいます。"
    # Tie-breakers only matter when the main factors are equal: mention them only then.
    main_tied = all(me.factors.get(k) == other.factors.get(k)
                    for k in other.factors if k not in TIEBREAK_FACTORS)
    if not main_tied:
        ahead = [k for k in ahead if k not in TIEBREAK_FACTORS]
        behind = [k for k in behind if k not in TIEBREAK_FACTORS]
    total = f"差は合計{_points(abs(me.score - other.score))}です。"
    if leader:
        edge = "、".join(_factor_phrase(k, me, other, request, True) for k in behind)
        return f"{who}との差：この方が上回る点は{edge or 'ありません'}。{total}"
    gaps = "、".join(_factor_phrase(k, other, me, request, False) for k in ahead)
    text = f"{who}との差：{gaps}。"
    if main_tied:
        text += "主な条件は同じで、評価・実績・空き枠（同点時の順位付け）の差です。"
    if behind:
        edges = "、".join(_factor_phrase(k, me, other, request, True) for k in behind)
        text += f"この方が上回る点：{edges}。"
    if len(ahead) > 1 or behind:
        text += total
    return text
