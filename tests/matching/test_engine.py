"""The matching rules of PRODUCT.md §4 on hand-made profiles (pure engine, no database)."""
import pytest

from app.matching.engine import (
    AdvisorProfile,
    MatchRequest,
    exclusion,
    exclusions,
    match,
    same_municipality,
)

STOCK = "在庫・受発注・生産管理"
HIRING = "採用・採用ブランディング"
WEB = "Web・SNS集客"
APPS = "業務アプリ・ノーコード"
COST = "原価管理・価格転嫁"


def adv(external_id: str, **kw) -> AdvisorProfile:
    values = dict(id=None, external_id=external_id, name=f"{external_id} 氏名",
                  hometown_prefecture="東京都", hometown_municipality="練馬区",
                  skills={STOCK: 2}, onsite=True, capacity=3, active_clients=1, rating=4.0,
                  completed_engagements=3, status="active")
    values.update(kw)
    return AdvisorProfile(**values)


def req(**kw) -> MatchRequest:
    values = dict(needs=(STOCK,), industry="E", prefecture="福岡県", municipality="北九州市",
                  corporate_number="3290001120501", tools=(), onsite_required=False)
    values.update(kw)
    return MatchRequest(**values)


def order(result) -> list[str]:
    return [r.advisor.external_id for r in result.ranked]


def excluded(result) -> dict[str, tuple[str, str]]:
    return {e.advisor.external_id: (e.rule, e.reason) for e in result.excluded}


# ---- hard filters ----------------------------------------------------------------------

@pytest.mark.parametrize("profile,rule,reason", [
    (adv("X", capacity=2, active_clients=2), "capacity", "稼働枠がありません（稼働中2/2件）"),
    (adv("X", capacity=0, active_clients=0), "capacity", "稼働枠がありません（稼働中0/0件）"),
    (adv("X", status="paused"), "status", "現在稼働停止中です（一時休止）"),
    (adv("X", status="inactive"), "status", "現在稼働停止中です"),
    (adv("X", status="left"), "status", "登録を終了しています（退任）"),
    (adv("X", conflicts=frozenset({"3290001120501"})), "conflict_client",
     "お客さまが利益相反先に登録されています"),
    (adv("X", conflicts=frozenset({"7000012050002"})), "conflict_competitor",
     "当金庫が競合先に指定した企業を支援しています（利益相反）"),
    (adv("X", onsite=False), "onsite", "訪問対応不可（訪問必須の案件）"),
])
def test_each_hard_filter_excludes_with_reason(profile, rule, reason):
    request = req(onsite_required=True, competitor_numbers=frozenset({"7000012050002"}))
    result = match(request, [profile, adv("OK")])
    assert order(result) == ["OK"]
    assert excluded(result) == {"X": (rule, reason)}


def test_filters_only_apply_when_their_condition_holds():
    profiles = [adv("A", onsite=False), adv("B", conflicts=frozenset({"7000012050002"})),
                adv("C", capacity=3, active_clients=2)]
    result = match(req(onsite_required=False, competitor_numbers=frozenset()), profiles)
    assert order(result) == ["A", "B", "C"]
    assert result.excluded == []


def test_reservations_fill_the_capacity_with_their_own_reason():
    profiles = [adv("X", capacity=3, active_clients=1), adv("Y", capacity=3, active_clients=1),
                adv("Z", capacity=3, active_clients=0)]
    result = match(req(reservations={"X": 2, "Y": 1, "Z": 9}), profiles)
    assert order(result) == ["Y"]
    assert excluded(result) == {
        "X": ("capacity_reserved",
              "提案中の案件で枠が埋まっています（稼働中1件＋提案中2件／枠3件）"),
        "Z": ("capacity_reserved",
              "提案中の案件で枠が埋まっています（稼働中0件＋提案中9件／枠3件）")}
    assert all(e.full for e in result.excluded)
    y = result.ranked[0]
    assert (y.reserved, y.free, y.capacity_badge) == (1, 1, "提案中で予約あり（予約1・残り1）")
    assert "稼働枠あり（残り1・提案中1件）" in y.reasons


def test_reserved_places_lower_the_free_capacity_tie_breaker():
    result = match(req(reservations={"A": 2}), [adv("A", capacity=5, active_clients=0),
                                                adv("B", capacity=5, active_clients=1)])
    assert order(result) == ["B", "A"]  # A: 3 free after reservations, B: 4
    assert [r.factors["capacity"] for r in result.ranked] == [0.08, 0.06]


def test_exclusions_lists_every_failing_rule_and_exclusion_the_first():
    profile = adv("X", status="paused", capacity=1, active_clients=1, onsite=False,
                  conflicts=frozenset({"3290001120501"}))
    request = req(onsite_required=True)
    assert [e.rule for e in exclusions(profile, request)] == [
        "status", "capacity", "conflict_client", "onsite"]
    assert exclusion(profile, request).rule == "status"
    assert exclusions(adv("OK"), request) == [] and exclusion(adv("OK"), request) is None


def test_standings_rank_everyone_but_explain_on_demand():
    profiles = [adv(f"A{i}", skills={STOCK: 1 + i % 3}) for i in range(10)]
    full = match(req(), profiles)
    top = match(req(), profiles, top=2)
    assert len(top.ranked) == 2 and len(top.standings) == 10
    assert [r.advisor.external_id for r in top.standings] == order(full)
    last = order(full)[-1]
    assert top.standings.rank_of(last) == 10 and top.standings.get(last).rank == 10
    assert top.standings[-1].advisor.external_id == last
    assert top.standings.rank_of("nobody") is None and top.standings.get("nobody") is None
    assert [r.rank for r in full.ranked] == list(range(1, 11))
    assert [p.external_id for p in top.standings.profiles()] == order(full)


def test_status_reported_before_capacity():
    result = match(req(), [adv("X", status="paused", capacity=1, active_clients=1)])
    assert excluded(result)["X"][0] == "status"


# ---- score --------------------------------------------------------------------------------

def test_coverage_dominates_every_other_factor():
    # B has one level more on the needs; A has everything else: industry, hometown, tools,
    # the best track record and the most free capacity.
    a = adv("A", skills={STOCK: 2}, industries=frozenset({"E"}), hometown_prefecture="福岡県",
            hometown_municipality="北九州市", tools=frozenset({"kintone", "Excel", "freee"}),
            rating=5.0, completed_engagements=50, capacity=10, active_clients=0)
    b = adv("B", skills={STOCK: 3}, industries=frozenset(), rating=None,
            completed_engagements=0, capacity=1, active_clients=0)
    result = match(req(tools=("kintone", "Excel", "freee")), [a, b])
    assert order(result) == ["B", "A"]


def test_coverage_counts_levels_over_all_needs():
    profiles = [adv("ONE3", skills={STOCK: 3}), adv("TWO2", skills={STOCK: 2, HIRING: 2}),
                adv("TWO1", skills={STOCK: 1, HIRING: 1}), adv("NONE", skills={WEB: 3})]
    result = match(req(needs=(STOCK, HIRING)), profiles)
    assert order(result) == ["TWO2", "ONE3", "TWO1", "NONE"]
    assert result.ranked[0].covered == [STOCK, HIRING]
    assert result.ranked[-1].covered == []
    assert result.ranked[0].factors["coverage"] == 400.0


def test_industry_then_regional_tie_then_tools():
    profiles = [
        adv("IND", industries=frozenset({"E"})),
        adv("CITY", hometown_prefecture="福岡県", hometown_municipality="北九州市"),
        adv("PREF", hometown_prefecture="福岡県", hometown_municipality="福岡市"),
        adv("CONTRIB", contribution_prefectures=("福岡県",)),
        adv("TOOL", tools=frozenset({"kintone"})),
        adv("NOTHING"),
    ]
    result = match(req(tools=("kintone",)), profiles)
    assert order(result) == ["IND", "CITY", "PREF", "CONTRIB", "TOOL", "NOTHING"]
    reasons = {r.advisor.external_id: r.reasons for r in result.ranked}
    assert "製造業の経験" in reasons["IND"]
    assert "北九州市出身" in reasons["CITY"]
    assert "福岡県出身" in reasons["PREF"]
    assert "福岡県への地元貢献を希望" in reasons["CONTRIB"]
    assert "kintoneの経験" in reasons["TOOL"]


def test_same_municipality_name_in_another_prefecture_is_no_tie():
    # 府中市 exists in 東京都 and in 広島県.
    profiles = [adv("TOKYO", hometown_prefecture="東京都", hometown_municipality="府中市"),
                adv("HIROSHIMA", hometown_prefecture="広島県", hometown_municipality="府中市")]
    result = match(req(prefecture="広島県", municipality="府中市"), profiles)
    assert order(result) == ["HIROSHIMA", "TOKYO"]
    assert result.ranked[1].factors["region"] == 0


def test_designated_city_ward_counts_as_the_city():
    assert same_municipality("北九州市小倉北区", "北九州市")
    assert same_municipality("北九州市", "北九州市八幡西区")
    assert not same_municipality("府中町", "府中市")
    assert not same_municipality("", "北九州市")


def test_tools_compare_case_and_width_insensitively():
    result = match(req(tools=("EXCEL", "Kintone")),
                   [adv("A", tools=frozenset({"ｅｘｃｅｌ", "kintone"})), adv("B")])
    assert order(result) == ["A", "B"]
    assert "EXCEL・Kintoneの経験" in result.ranked[0].reasons


def test_track_record_and_capacity_only_break_ties():
    profiles = [adv("LOW", rating=3.9, completed_engagements=9),
                adv("HIGH", rating=4.8, completed_engagements=9),
                adv("TOOL", rating=1.0, completed_engagements=0, capacity=1, active_clients=0,
                    tools=frozenset({"kintone"}))]
    result = match(req(tools=("kintone",)), profiles)
    assert order(result) == ["TOOL", "HIGH", "LOW"]


def test_free_capacity_breaks_a_tie():
    result = match(req(), [adv("BUSY", capacity=3, active_clients=2),
                           adv("FREE", capacity=3, active_clients=0)])
    assert order(result) == ["FREE", "BUSY"]
    assert "稼働枠あり（残り3）" in result.ranked[0].reasons


def test_exact_tie_is_ordered_by_external_id_whatever_the_input_order():
    profiles = [adv("ADV-9"), adv("ADV-1"), adv("ADV-5")]
    assert order(match(req(), profiles)) == ["ADV-1", "ADV-5", "ADV-9"]
    assert order(match(req(), list(reversed(profiles)))) == ["ADV-1", "ADV-5", "ADV-9"]


def test_every_ranked_advisor_has_reasons_even_without_any_factor():
    result = match(req(needs=()), [adv("A", rating=None, completed_engagements=0)])
    assert result.ranked[0].reasons == ["稼働枠あり（残り2）"]


def test_reasons_follow_the_example_wording():
    a = adv("A", skills={STOCK: 3}, industries=frozenset({"E"}), hometown_prefecture="福岡県",
            hometown_municipality="北九州市", tools=frozenset({"kintone", "Excel"}), rating=4.3,
            completed_engagements=4)
    result = match(req(tools=("kintone", "Excel")), [a])
    assert result.ranked[0].reasons == [
        "在庫・受発注・生産管理（レベル3）", "製造業の経験", "北九州市出身", "kintone・Excelの経験",
        "稼働枠あり（残り2）", "評価4.3・実績4件",
    ]
    assert set(result.ranked[0].factors) == {"coverage", "industry", "region", "tools",
                                             "rating", "engagements", "capacity"}


def test_top_limits_only_the_ranking():
    profiles = [adv(f"A{i}", skills={STOCK: 1 + i % 3}) for i in range(10)]
    full = match(req(), profiles)
    top = match(req(), profiles, top=3)
    assert order(top) == order(full)[:3]
    assert [r.advisor.external_id for r in top.team] == [
        r.advisor.external_id for r in full.team]


# ---- team -----------------------------------------------------------------------------

def test_team_greedy_cover_best_first():
    profiles = [
        adv("BEST", skills={STOCK: 3, APPS: 3}),  # best individual
        adv("HIRE2", skills={HIRING: 2, WEB: 3}),
        adv("HIRE3", skills={HIRING: 3}),  # adds more new level than HIRE2
        adv("COST1", skills={COST: 1}),
        adv("STOCK3", skills={STOCK: 3}),  # adds nothing new
    ]
    result = match(req(needs=(STOCK, APPS, HIRING, COST)), profiles)
    assert [r.advisor.external_id for r in result.team] == ["BEST", "HIRE3", "COST1"]


def test_team_stops_when_nothing_new_is_covered():
    profiles = [adv("ALL", skills={STOCK: 2, HIRING: 2}), adv("MORE", skills={STOCK: 3})]
    result = match(req(needs=(STOCK, HIRING)), profiles)
    assert [r.advisor.external_id for r in result.team] == ["ALL"]


def test_team_ties_go_to_the_better_ranked():
    profiles = [adv("FIRST", skills={STOCK: 3}),
                adv("HIRE-B", skills={HIRING: 2}),
                adv("HIRE-A", skills={HIRING: 2}, industries=frozenset({"E"}))]
    result = match(req(needs=(STOCK, HIRING)), profiles)
    assert [r.advisor.external_id for r in result.team] == ["FIRST", "HIRE-A"]


def test_team_has_at_most_three():
    needs = (STOCK, HIRING, WEB, APPS, COST)
    profiles = [adv(f"A{i}", skills={n: 3}) for i, n in enumerate(needs)]
    result = match(req(needs=needs), profiles)
    assert len(result.team) == 3


def test_no_team_without_needs_or_coverage():
    assert match(req(needs=()), [adv("A")]).team == []
    assert match(req(needs=(COST,)), [adv("A")]).team == []


def test_excluded_advisors_never_join_the_team():
    profiles = [adv("A", skills={STOCK: 3}), adv("X", skills={HIRING: 3}, status="paused")]
    result = match(req(needs=(STOCK, HIRING)), profiles)
    assert [r.advisor.external_id for r in result.team] == ["A"]
