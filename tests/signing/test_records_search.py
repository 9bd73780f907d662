"""契約書検索 (/agreements): 電子帳簿保存法 search by 締結日 range, amount range and
counterparty, combined; status; scope (branch / bank / all); bad input 422 with the
filters kept; htmx fragment; paging; scoped PDF downloads."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.japan.dates import today_jst
from app.models import Role
from app.signing import records_views
from tests.factories import login, make_branch, make_user
from tests.signing.signer_world import (
    approved_case,
    fake_pdf,
    jst_noon,
    make_officer,
    send,
    setup_world,
    sign_directly,
)


class World(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def world(app_ctx):
    plans = setup_world()
    officer = make_officer("みらい信用金庫", "北九州支店")
    bank = officer.bank
    other_officer = make_user(Role.OFFICER, bank, make_branch(bank, "旭川支店"), name="旭川 担当")
    foreign_officer = make_officer("はやぶさ信用金庫", "新潟支店")
    today = today_jst()
    days = {"a1": today - timedelta(days=60), "a2": today - timedelta(days=14),
            "a3": today - timedelta(days=30), "b1": today - timedelta(days=20)}

    def signed(case_id, who, plan, key):
        sent = send(approved_case(case_id, who, plans[plan]), who, render=fake_pdf)
        return sign_directly(sent, at=jst_noon(days[key]))

    a1 = signed("A01", officer, "standard", "a1")  # 株式会社北九精機 ¥660,000
    a2 = signed("A04", officer, "premium", "a2")  # 株式会社門司プレス工業 ¥1,320,000
    a3 = signed("A02", other_officer, "light", "a3")  # 有限会社旭川ダイニング ¥396,000
    b1 = signed("A08", foreign_officer, "standard", "b1")  # 株式会社𠮷野髙﨑工務店 (other bank)
    a4 = send(approved_case("A09", officer, plans["standard"]), officer,
              render=fake_pdf).agreement  # 株式会社小倉フーズ, waiting for the signature
    hq = make_user(Role.HQ, bank, name="本部 花子")
    operator = make_user(Role.OPERATOR, name="運営 太郎")
    db.session.commit()
    return World(officer=officer, other_officer=other_officer, hq=hq, operator=operator,
                 foreign_officer=foreign_officer, a1=a1, a2=a2, a3=a3, a4=a4, b1=b1, days=days)


def listed(response, world) -> set[str]:
    return {k for k in ("a1", "a2", "a3", "a4", "b1") if world[k].document_id in response.text}


def search(client, **args):
    return client.get("/agreements/", query_string=args)


def test_default_lists_signed_agreements_in_scope(client, world):
    login(client, world.hq)
    response = search(client)
    assert response.status_code == 200
    assert listed(response, world) == {"a1", "a2", "a3"}  # not the unsigned one, not bank B
    assert "契約書検索" in response.text and "¥1,320,000" in response.text
    assert f'href="/agreements/{world.a1.id}/signed.pdf"' in response.text
    assert f'href="/agreements/{world.a1.id}/agreement.pdf"' in response.text
    assert f'href="/cases/{world.a1.case_id}"' in response.text


@pytest.mark.parametrize("who, expected", [
    ("officer", {"a1", "a2"}),
    ("other_officer", {"a3"}),
    ("hq", {"a1", "a2", "a3"}),
    ("foreign_officer", {"b1"}),
    ("operator", {"a1", "a2", "a3", "b1"}),
])
def test_scope(client, world, who, expected):
    login(client, world[who])
    assert listed(search(client), world) == expected


def test_filters_combine(client, world):
    login(client, world.operator)
    d = world.days
    assert listed(search(client, **{"from": d["a3"].isoformat(), "to": d["a2"].isoformat()}),
                  world) == {"a2", "a3", "b1"}
    assert listed(search(client, **{"from": d["a3"].isoformat(), "to": d["a2"].isoformat(),
                                    "min": "500,000"}), world) == {"a2", "b1"}
    assert listed(search(client, **{"from": d["a3"].isoformat(), "min": "500000",
                                    "max": "700000"}), world) == {"b1"}
    assert listed(search(client, min="６６０，０００円", max="660000"), world) == {"a1", "b1"}
    assert listed(search(client, q="門司"), world) == {"a2"}
    assert listed(search(client, q="もじぷれす", max="2000000"), world) == {"a2"}
    assert listed(search(client, q="吉野", **{"to": d["b1"].isoformat()}), world) == {"b1"}
    # The company form alone is folded away: no filter.
    assert listed(search(client, q="株式会社"), world) == {"a1", "a2", "a3", "b1"}
    assert listed(search(client, q="存在しない会社"), world) == set()
    # JST day boundaries: the day itself is included at both ends.
    day = d["a1"].isoformat()
    assert listed(search(client, **{"from": day, "to": day}), world) == {"a1"}


def test_status_filter(client, world):
    login(client, world.officer)
    waiting = search(client, status="sent")
    assert listed(waiting, world) == {"a4"}
    assert "<th>締結日／送付日</th>" in waiting.text and "送付 " in waiting.text
    today = today_jst().isoformat()
    assert listed(search(client, status="sent", **{"from": today}), world) == {"a4"}
    assert listed(search(client, status="all"), world) == {"a1", "a2", "a4"}
    assert listed(search(client, status="declined"), world) == set()


@pytest.mark.parametrize("args, field, message", [
    ({"from": "2026-13-01"}, "from", "開始日「2026-13-01」は日付として読めません"),
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to", "終了日が開始日より前"),
    ({"min": "約5万円"}, "min", "金額（下限）「約5万円」は金額として読めません"),
    ({"min": "900000", "max": "100000"}, "max", "金額の上限が下限より小さく"),
    ({"status": "bogus"}, "status", "状態の指定が正しくありません"),
])
def test_bad_input_is_422_with_filters_kept(client, world, args, field, message):
    login(client, world.hq)
    response = search(client, q="北九", **args)
    assert response.status_code == 422
    assert message in response.text
    assert 'value="北九"' in response.text
    assert listed(response, world) == set()  # never an unfiltered list
    if field in ("from", "min"):
        assert f'value="{args[field]}"' in response.text


def test_htmx_gets_the_results_only(client, world):
    login(client, world.hq)
    headers = {"HX-Request": "true", "HX-Target": "agreement-results"}
    response = client.get("/agreements/", query_string={"q": "門司"}, headers=headers)
    assert response.status_code == 200 and "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="agreement-results">')
    assert "HX-Request" in response.headers.get("Vary", "")
    assert listed(response, world) == {"a2"}
    bad = client.get("/agreements/", query_string={"min": "abc"}, headers=headers)
    assert bad.status_code == 422 and "<html" not in bad.text and "金額として読めません" in bad.text
    page = client.get("/agreements/")
    assert 'hx-target="#agreement-results"' in page.text


def test_login_required(client, world):
    response = client.get("/agreements/")
    assert response.status_code == 302 and "/auth/login" in response.location
    htmx = client.get("/agreements/", headers={"HX-Request": "true"})
    assert htmx.status_code == 401 and "/auth/login" in htmx.headers["HX-Redirect"]
    assert client.get(f"/agreements/{world.a1.id}/signed.pdf").status_code == 302


def test_paging(client, world, monkeypatch):
    monkeypatch.setattr(records_views, "PAGE_SIZE", 2)
    login(client, world.hq)
    first = search(client)
    assert listed(first, world) == {"a2", "a3"}  # newest signing dates first
    assert "page=2" in first.text and "3</strong>件" in first.text
    second = search(client, page="2")
    assert listed(second, world) == {"a1"}


def test_downloads_are_scoped(client, world):
    login(client, world.officer)
    signed = client.get(f"/agreements/{world.a1.id}/signed.pdf")
    assert signed.status_code == 200 and signed.mimetype == "application/pdf"
    assert signed.headers["Content-Disposition"].startswith("attachment")
    assert signed.data == world.a1.signed_pdf
    sent = client.get(f"/agreements/{world.a1.id}/agreement.pdf")
    assert sent.status_code == 200 and sent.data == world.a1.pdf
    assert client.get(f"/agreements/{world.a4.id}/signed.pdf").status_code == 404  # unsigned
    for other in ("a3", "b1"):  # another branch, another bank
        assert client.get(f"/agreements/{world[other].id}/signed.pdf").status_code == 404
        assert client.get(f"/agreements/{world[other].id}/agreement.pdf").status_code == 404
    assert client.get("/agreements/999999/signed.pdf").status_code == 404


@pytest.mark.parametrize("who", ["officer", "hq", "operator"])
def test_menu_link(client, world, who):
    login(client, world[who])
    assert 'href="/agreements/"' in client.get("/").text


def test_amounts_typed_with_man_and_sen(client, world):
    """Staff type 30万, ３０万, 5万円, 39万6千, 1,320,000円: all read as yen (a1 and b1
    ¥660,000, a2 ¥1,320,000, a3 ¥396,000)."""
    login(client, world.operator)
    assert listed(search(client, min="50万", max="７０万円"), world) == {"a1", "b1"}
    assert listed(search(client, min="６６万"), world) == {"a1", "a2", "b1"}
    assert listed(search(client, max="39万6千"), world) == {"a3"}
    assert listed(search(client, max="39万5千"), world) == set()
    assert listed(search(client, min="1,320,000円", max="132万"), world) == {"a2"}
    response = search(client, min="30万", max="1.5万")
    assert response.status_code == 422 and "上限が下限より小さく" in response.text
    assert 'value="30万"' in response.text and 'value="1.5万"' in response.text


@pytest.mark.parametrize("typed", ["50万くらい", "五十万", "1万20000"])
def test_unreadable_amount_keeps_the_message_and_the_typing(client, world, typed):
    login(client, world.hq)
    response = search(client, max=typed)
    assert response.status_code == 422
    assert f"金額（上限）「{typed}」は金額として読めません" in response.text
    assert "「万」「千」" in response.text  # says how it may be typed
    assert f'value="{typed}"' in response.text
    assert listed(response, world) == set()


def test_amounts_beyond_any_agreement_are_searched_not_refused(client, world):
    """30億 and more does not fit the amount column: a lower bound that high finds nothing,
    an upper bound that high leaves everything in (no database error, on PostgreSQL too)."""
    login(client, world.operator)
    for huge in ("30億", "99999999999999999999999"):
        low = search(client, min=huge)
        assert low.status_code == 200 and listed(low, world) == set()
        high = search(client, max=huge)
        assert high.status_code == 200 and listed(high, world) == {"a1", "a2", "a3", "b1"}
    assert listed(search(client, min="66万", max="30億"), world) == {"a1", "a2", "b1"}
