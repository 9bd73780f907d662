"""Why-not on the matching page: every hard filter in words, a lower rank explained factor by
factor against the advisor above and the top one, the search among all advisors, and the htmx
endpoint GET /matching/<case_id>/why."""
import pytest

from app.extensions import db
from app.matching.engine import AdvisorProfile, MatchRequest, match
from app.matching.explain import (
    KIND_EXCLUDED,
    KIND_HIDDEN,
    KIND_SHOWN,
    explain,
    find_advisors,
    why_not,
)
from app.models import Case, CaseStatus, Proposal, Role
from tests.factories import login, make_bank, make_branch, make_user
from tests.matching.test_engine import HIRING, STOCK, adv, req
from tests.proposal_cases import import_acceptance_advisors, make_case

CLIENT_NUMBER = "3290001120501"  # req()'s client
COMPETITOR = "7000012050002"


def why(external_id: str, profiles: list[AdvisorProfile], request: MatchRequest,
        top: int | None = None):
    return explain(external_id, match(request, profiles, top=top), request, top=top)


# ---- hard filters ---------------------------------------------------------------------

@pytest.mark.parametrize("profile,request_kw,sentence", [
    (adv("X", status="paused"), {},
     "稼働状況：現在稼働停止中です（一時休止）。稼働中の方だけを候補にしています。"),
    (adv("X", capacity=2, active_clients=2), {},
     "稼働枠がありません（稼働中2/2件）。空き枠のある方だけを候補にしています。"),
    (adv("X", capacity=3, active_clients=1), {"reservations": {"X": 2}},
     "提案中の案件で枠が埋まっています（稼働中1件＋提案中2件／枠3件）。"),
    (adv("X", conflicts=frozenset({CLIENT_NUMBER})), {}, "利益相反の登録があります"),
    (adv("X", conflicts=frozenset({COMPETITOR})), {"competitor_numbers": frozenset({COMPETITOR})},
     "利益相反の登録があります（当金庫が競合先に指定した企業を支援しています）。"),
    (adv("X", onsite=False), {"onsite_required": True},
     "訪問必須の案件ですが、この方は訪問対応をしていません。"
     "条件の「訪問対応できる人に限る」を外すと候補に入ります。"),
])
def test_each_hard_filter_in_words(profile, request_kw, sentence):
    answer = why("X", [profile, adv("OK")], req(**request_kw))
    assert answer.kind == KIND_EXCLUDED
    assert answer.headline == "X 氏名さんは候補から外れています"
    assert len(answer.sentences) == 1
    assert answer.sentences[0].startswith(sentence)


def test_conflicts_name_nobody():
    answer = why("X", [adv("X", conflicts=frozenset({CLIENT_NUMBER, COMPETITOR}))],
                 req(competitor_numbers=frozenset({COMPETITOR})))
    text = "".join(answer.sentences)
    assert text.count("利益相反の登録があります") == 2
    assert CLIENT_NUMBER not in text and COMPETITOR not in text


def test_every_failing_rule_is_listed_and_the_onsite_hint_only_when_alone():
    profile = adv("X", status="paused", capacity=1, active_clients=1, onsite=False)
    answer = why("X", [profile], req(onsite_required=True))
    assert [s.split("。")[0] for s in answer.sentences] == [
        "稼働状況：現在稼働停止中です（一時休止）", "稼働枠がありません（稼働中1/1件）",
        "訪問必須の案件ですが、この方は訪問対応をしていません"]
    assert "外すと候補に入ります" not in "".join(answer.sentences)


# ---- ranked lower -------------------------------------------------------------------------

def test_lower_rank_names_the_differing_factor():
    top = adv("TOP", name="佐藤 花子", hometown_prefecture="福岡県",
              hometown_municipality="北九州市")
    answer = why("LOW", [top, adv("LOW")], req())
    assert (answer.kind, answer.rank, answer.total) == (KIND_SHOWN, 2, 2)
    assert answer.headline.startswith("LOW 氏名さんは2位です")
    assert "1位の佐藤 花子さんとの差：出身地（北九州市出身 ＋8点）。" in answer.sentences


@pytest.mark.parametrize("better,phrase", [
    (adv("A", skills={STOCK: 3}),
     f"ニーズの対応（{STOCK} レベル3／この方はレベル2 ＋100点）"),
    (adv("A", industries=frozenset({"E"})), "業種経験（製造業の経験 ＋10点）"),
    (adv("A", hometown_prefecture="福岡県", hometown_municipality="福岡市"),
     "出身地（福岡県出身 ＋5点）"),
    (adv("A", contribution_prefectures=("福岡県",)), "地元貢献（福岡県への地元貢献を希望 ＋3点）"),
    (adv("A", tools=frozenset({"kintone", "Excel"})), "利用中ツールの経験（kintone・Excel ＋3点）"),
])
def test_each_factor_in_words(better, phrase):
    answer = why("B", [better, adv("B")], req(tools=("kintone", "Excel")))
    assert phrase in answer.sentences[1], answer.sentences


def test_a_smaller_gap_on_the_same_factor_says_both_sides():
    city = adv("A", hometown_prefecture="福岡県", hometown_municipality="北九州市",
               tools=frozenset({"kintone", "Excel"}))
    pref = adv("B", hometown_prefecture="福岡県", hometown_municipality="福岡市",
               tools=frozenset({"Excel"}))
    sentence = why("B", [city, pref], req(tools=("kintone", "Excel"))).sentences[1]
    assert "出身地（北九州市出身／この方は福岡県出身 ＋3点）" in sentence
    assert "利用中ツールの経験（kintone・Excel／この方はExcel ＋1.5点）" in sentence


def test_missing_need_is_said_and_tie_breakers_stay_out_of_a_real_gap():
    answer = why("B", [adv("A", skills={STOCK: 1, HIRING: 2}, rating=3.0),
                       adv("B", skills={STOCK: 2}, rating=5.0)], req(needs=(STOCK, HIRING)))
    sentence = answer.sentences[1]
    assert f"ニーズの対応（{HIRING} レベル2／この方は登録なし ＋100点）" in sentence
    assert "評価" not in sentence  # B's better rating does not matter against 100 points


def test_tie_breakers_explain_an_otherwise_equal_pair():
    answer = why("B", [adv("A", rating=4.8), adv("B", rating=4.1)], req())
    sentence = answer.sentences[1]
    assert "評価（4.8／この方は4.1 ＋0.07点）" in sentence
    assert "主な条件は同じで、評価・実績・空き枠（同点時の順位付け）の差です。" in sentence


def test_reservations_lower_the_free_places_tie_breaker():
    answer = why("B", [adv("A"), adv("B")], req(reservations={"B": 1}))
    assert "空き枠（残り2／この方は残り1 ＋0.02点）" in answer.sentences[1]


def test_exact_tie_is_the_external_id_order():
    answer = why("B", [adv("A"), adv("B")], req())
    assert ("1位のA 氏名さんとは点数が同じで、登録番号の順（A → B）に並んでいます。"
            in answer.sentences)


def test_compares_with_the_one_above_and_the_top_one():
    profiles = [adv("A", skills={STOCK: 3}), adv("B", industries=frozenset({"E"})), adv("C")]
    answer = why("C", profiles, req())
    assert answer.sentences[1].startswith("2位のB 氏名さんとの差：業種経験")
    assert answer.sentences[2].startswith("1位のA 氏名さんとの差：ニーズの対応")


def test_first_place_says_what_puts_it_ahead():
    answer = why("A", [adv("A", industries=frozenset({"E"})), adv("B")], req())
    assert answer.headline == "A 氏名さんは1位です（2名中）"
    assert answer.sentences[0].startswith("この方の点数：ニーズの対応 200点・業種経験 10点")
    assert answer.sentences[1] == (
        "2位のB 氏名さんとの差：この方が上回る点は業種経験（製造業の経験 ＋10点）。"
        "差は合計＋10点です。")


def test_below_the_shown_top_says_rank_and_compares_with_the_last_shown():
    profiles = [adv("A", skills={STOCK: 3}), adv("B", industries=frozenset({"E"})),
                adv("C", tools=frozenset({"kintone"})), adv("D")]
    answer = why("D", profiles, req(tools=("kintone",)), top=2)
    assert answer.kind == KIND_HIDDEN
    assert answer.headline == "D 氏名さんは4位のため、画面の上位2名に入っていません（4名中）"
    assert answer.sentences[1].startswith("2位（表示の最後）のB 氏名さんとの差：業種経験")
    assert answer.sentences[2].startswith("1位のA 氏名さんとの差：")


def test_no_need_covered_is_said():
    answer = why("B", [adv("A"), adv("B", skills={HIRING: 3})], req())
    assert f"ご相談のニーズ（{STOCK}）に対応するスキルの登録がありません。" in answer.sentences


def test_points_add_up_to_the_score_for_every_acceptance_advisor(imported_advisors):
    from app.matching.services import load_profiles

    request = req(needs=(STOCK, HIRING), tools=("kintone", "Excel"), reservations={"ADV-002": 1})
    result = match(request, load_profiles(), top=3)
    assert len(result.ranked) == 3
    for ranked in result.standings:
        assert sum(ranked.factors.values()) == pytest.approx(ranked.score, abs=1e-3)
        assert result.standings.rank_of(ranked.advisor.external_id) == ranked.rank
        assert explain(ranked.advisor.external_id, result, request, top=3).rank == ranked.rank


# ---- search ---------------------------------------------------------------------------------

def test_find_by_name_kana_hiragana_variant_and_external_id():
    people = [adv("ADV-001", name="髙橋 一郎", name_kana="タカハシ イチロウ"),
              adv("ADV-010", name="佐藤 花子", name_kana="サトウ ハナコ"),
              adv("ADV-100", name="佐藤 次郎", name_kana="サトウ ジロウ")]

    def ids(q):
        return [a.external_id for a in find_advisors(q, people)]

    assert ids("高橋") == ["ADV-001"]  # variant 髙 found by the common form
    assert ids("たかはし") == ["ADV-001"]
    assert ids("ｻﾄｳ") == ["ADV-100", "ADV-010"]  # by フリガナ: ジロウ before ハナコ
    assert ids("佐藤 花子") == ["ADV-010"]
    assert ids("adv-010") == ["ADV-010"]
    assert ids("ＡＤＶ－０１０") == ["ADV-010"]
    assert ids("ADV-10") == ["ADV-100"]
    assert ids("ADV-") == ["ADV-100", "ADV-010", "ADV-001"]  # no exact id: by フリガナ
    assert ids("") == [] and ids("山田") == []


def test_why_not_picks_the_chosen_or_the_only_or_the_exact_id():
    people = [adv("ADV-1", name="佐藤 花子"), adv("ADV-10", name="佐藤 次郎"),
              adv("ADV-2", name="鈴木 一郎", status="paused")]
    request = req()
    result = match(request, people, top=20)
    several = why_not("佐藤", "", result, request, top=20)
    assert [c.advisor.external_id for c in several.candidates] == ["ADV-1", "ADV-10"]
    assert several.explanation is None
    assert [c.rank for c in several.candidates] == [1, 2]
    chosen = why_not("佐藤", "ADV-10", result, request, top=20)
    assert chosen.explanation.advisor.external_id == "ADV-10"
    # The chosen one no longer matches a new query: back to the list.
    assert why_not("鈴木", "ADV-10", result, request, top=20).explanation.kind == KIND_EXCLUDED
    exact = why_not("adv-1", "", result, request, top=20)
    assert exact.explanation.advisor.external_id == "ADV-1"
    only = why_not("鈴木", "", result, request, top=20)
    assert only.candidates[0].rank is None and only.candidates[0].reason
    assert why_not("", "ADV-2", result, request, top=20).explanation.kind == KIND_EXCLUDED


# ---- the endpoint -----------------------------------------------------------------------------

@pytest.fixture
def world(app_ctx):
    import_acceptance_advisors()
    bank = make_bank("みらい信用金庫")
    officer = make_user(Role.OFFICER, bank, make_branch(bank))
    case = make_case("A01", officer=officer)
    other = make_case("A02", officer=officer)
    foreign_bank = make_bank("よそ信用金庫")
    foreign = make_user(Role.OFFICER, foreign_bank, make_branch(foreign_bank))
    db.session.commit()
    return {"officer": officer, "case": case, "other": other, "foreign": foreign}


FRAGMENT = {"HX-Request": "true", "HX-Target": "why"}


def test_endpoint_fragment_explains_with_vary(client, world):
    login(client, world["officer"])
    case = world["case"]
    response = client.get(f"/matching/{case.id}/why", query_string={"q": "中村"},
                          headers=FRAGMENT)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "HX-Request" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"
    assert "<html" not in body and body.lstrip().startswith('<div id="why"')
    assert 'data-why="ADV-002"' in body
    assert "佐藤 花子さんとの差：出身地（北九州市出身 ＋8点）" in body
    assert 'name="advisor" value="ADV-002"' in body  # kept for the next refresh
    assert 'id="why-q"' not in body  # the box is not swapped while the officer types


def test_endpoint_follows_the_page_filters(client, world):
    login(client, world["officer"])
    case = world["case"]
    url = f"/matching/{case.id}/why"
    onsite = client.get(url, query_string={"q": "加藤"}, headers=FRAGMENT).get_data(as_text=True)
    assert "訪問必須の案件ですが、この方は訪問対応をしていません。" in onsite
    relaxed = client.get(url, query_string={
        "q": "加藤", "advisor": "ADV-004", "filtered": "1", "needs": [STOCK], "use_tools": "on"},
        headers=FRAGMENT).get_data(as_text=True)
    assert "訪問必須" not in relaxed and "位です" in relaxed


def test_endpoint_lists_several_and_the_last_advisor_param_wins(client, world):
    login(client, world["officer"])
    url = f"/matching/{world['case'].id}/why"
    several = client.get(url, query_string={"q": "ADV-00"}, headers=FRAGMENT)
    body = several.get_data(as_text=True)
    assert body.count("data-candidate=") == 9 and "data-why=" not in body
    picked = client.get(url, query_string={"q": "ADV-00", "advisor": ["ADV-001", "ADV-003"]},
                        headers=FRAGMENT).get_data(as_text=True)
    assert 'data-why="ADV-003"' in picked and "稼働枠がありません（稼働中2/2件）" in picked
    none = client.get(url, query_string={"q": "存在しない名前"}, headers=FRAGMENT)
    assert "に当てはまるアドバイザーはいません" in none.get_data(as_text=True)


def test_detail_link_fills_the_search_box_out_of_band(client, world):
    login(client, world["officer"])
    case = world["case"]
    page = client.get(f"/matching/{case.id}").get_data(as_text=True)
    assert f"/matching/{case.id}/why?q=ADV-003&amp;fill=1" in page
    body = client.get(f"/matching/{case.id}/why", query_string={"q": "ADV-003", "fill": "1"},
                      headers=FRAGMENT).get_data(as_text=True)
    assert 'data-why="ADV-003"' in body
    assert 'id="why-q"' in body and 'hx-swap-oob="true"' in body and 'value="ADV-003"' in body


def test_endpoint_without_htmx_is_the_whole_page(client, world):
    login(client, world["officer"])
    case = world["case"]
    response = client.get(f"/matching/{case.id}/why", query_string={"q": "ADV-027"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and '<html lang="ja">' in html
    assert 'data-why="ADV-027"' in html
    assert "稼働状況：現在稼働停止中です。" in html
    assert 'value="ADV-027"' in html  # the box shows what was asked
    assert 'data-advisor="ADV-001"' in html  # with the ranking around it


def test_endpoint_scope_and_session(client, world):
    case = world["case"]
    login(client, world["foreign"])
    assert client.get(f"/matching/{case.id}/why?q=a", headers=FRAGMENT).status_code == 404
    assert client.get("/matching/999999/why?q=a", headers=FRAGMENT).status_code == 404
    client.post("/auth/logout", data={"csrf_token": _token(client)})
    response = client.get(f"/matching/{case.id}/why?q=a", headers={
        **FRAGMENT, "HX-Current-URL": f"http://localhost/matching/{case.id}"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == f"/auth/login?next=/matching/{case.id}"
    assert response.get_data(as_text=True) == ""


def test_reserved_advisor_explained_on_the_page(client, world):
    other = world["other"]
    db.session.add(Proposal(case=other, version=1, plan_code="standard", plan_name="スタンダード",
                            monthly_fee=50_000, advisor_external_ids=["ADV-001"],
                            pdf=b"%PDF-test", sha256="0" * 64, size_bytes=9))
    other.status = CaseStatus.PROPOSED
    advisor_case = db.session.get(Case, world["case"].id)
    db.session.commit()
    login(client, world["officer"])
    body = client.get(f"/matching/{advisor_case.id}/why", query_string={"q": "佐藤 花子"},
                      headers=FRAGMENT).get_data(as_text=True)
    assert "提案中で予約あり" not in body  # the why box speaks in sentences …
    assert "稼働枠あり（残り1・提案中1件）" in body  # … and lists the engine's reasons


def _token(client) -> str:
    from tests.factories import csrf_token

    return csrf_token(client)
