"""The audit log page: 本部 sees its own bank's rows only, the operator all, anyone else 404;
search by person, case, JST period and action, alone and combined; bad dates answer 422
with the filters kept; CSV export (BOM, itself audited); the chain check on demand."""
import codecs
import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.audit import services as audit_services
from app.audit.services import record
from app.extensions import db
from app.models import AuditLog, Bank, Case, Intake, IntakeStatus, Role, User
from tests.admin.conftest import make_user  # one password hash for all: logins stay fast
from tests.factories import csrf_token, login, make_bank, make_branch, make_client


def _case(officer: User, number: str, company: str) -> Case:
    client = make_client(officer.branch, company)
    intake = Intake(client=client, created_by=officer, status=IntakeStatus.COMPLETED)
    db.session.add(intake)
    db.session.flush()
    case = Case(case_number=number, bank_id=officer.bank_id, branch_id=officer.branch_id,
                client=client, intake=intake, officer=officer)
    db.session.add(case)
    db.session.flush()
    return case


@dataclass
class World:
    bank: Bank
    users: dict[str, User]
    cases: dict[str, Case]
    rows: dict[str, int]  # audit row id by name

    def client(self, app, who: str):
        c = app.test_client()
        login(c, self.users[who])
        return c


def _at(monkeypatch, y, m, d, hh, mm):
    """Record the next rows at this UTC moment (the chain stays intact)."""
    moment = datetime(y, m, d, hh, mm, tzinfo=UTC)
    monkeypatch.setattr(audit_services, "utcnow", lambda: moment)


@pytest.fixture
def world(app_ctx, monkeypatch) -> World:
    bank, other = make_bank("みらい信用金庫"), make_bank("はやぶさ信用金庫")
    branch, other_branch = make_branch(bank), make_branch(other, "札幌支店", "北海道", "札幌市")
    users = {
        "officer": make_user(Role.OFFICER, bank, branch, name="担当 一郎"),
        "supervisor": make_user(Role.SUPERVISOR, bank, branch, name="役席 二郎"),
        "manager": make_user(Role.MANAGER, bank, branch, name="支店長 三郎"),
        "hq": make_user(Role.HQ, bank, name="本部 花子"),
        "other_officer": make_user(Role.OFFICER, other, other_branch, name="他金庫 担当"),
        "other_hq": make_user(Role.HQ, other, name="他金庫 本部"),
        "operator": make_user(Role.OPERATOR, name="運営 涼"),
    }
    cases = {"a1": _case(users["officer"], "PTA-2026-000101", "A01"),
             "a2": _case(users["officer"], "PTA-2026-000102", "A02"),
             "b1": _case(users["other_officer"], "PTA-2026-000201", "A01")}
    u, rows = users, {}

    def add(name, actor, action, record_type, record_id, **kw):
        rows[name] = record(actor, action, record_type, record_id, ip="192.0.2.1", **kw).id

    _at(monkeypatch, 2026, 4, 1, 0, 0)  # JST 2026-04-01 09:00
    add("create_a1", u["officer"], "case.create", "case", cases["a1"].id,
        case_id=cases["a1"].id, summary="PTA-2026-000101 案件を作成しました。")
    _at(monkeypatch, 2026, 4, 15, 1, 0)
    add("create_b1", u["other_officer"], "case.create", "case", cases["b1"].id,
        case_id=cases["b1"].id, summary="PTA-2026-000201 案件を作成しました。")
    _at(monkeypatch, 2026, 4, 30, 14, 30)  # JST 2026-04-30 23:30
    add("submit_a1", u["supervisor"], "referral.submit", "referral", 1,
        case_id=cases["a1"].id, summary="紹介稟議を申請しました。")
    _at(monkeypatch, 2026, 4, 30, 23, 30)  # JST 2026-05-01 08:30: May in Japan
    add("create_a2", u["officer"], "case.create", "case", cases["a2"].id,
        case_id=cases["a2"].id, summary="=HYPERLINK(\"http://example.com\") 案件を作成しました。")
    _at(monkeypatch, 2026, 5, 2, 3, 0)
    add("export", u["operator"], "advisor.export", "advisor_roster", "all",
        summary="アドバイザー名簿をCSVで出力しました（3名）。")
    _at(monkeypatch, 2026, 5, 10, 1, 0)
    add("bank", u["hq"], "bank.update", "bank", bank.id, bank_id=bank.id,
        summary="みらい信用金庫の設定を変更しました（本部承認が必要となる年間契約額）",
        before={"hq_approval_threshold": 1_000_000}, after={"hq_approval_threshold": 2_000_000})
    monkeypatch.undo()
    db.session.commit()
    return World(bank, users, cases, rows)


def _ids(html: str) -> set[int]:
    return {int(i) for i in re.findall(r'id="audit-(\d+)"', html)}


def _shown(client, query: str = "", **headers) -> set[int]:
    response = client.get(f"/audit/?{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return _ids(response.get_data(as_text=True))


def _of(world: World, *names: str) -> set[int]:
    return {world.rows[n] for n in names}


OWN = ("create_a1", "submit_a1", "create_a2", "bank")


def test_hq_sees_only_its_own_bank_newest_first(app, world):
    client = world.client(app, "hq")
    page = client.get("/audit/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and _ids(html) == _of(world, *OWN)
    order = [int(i) for i in re.findall(r'id="audit-(\d+)"', html)]
    assert order == sorted(order, reverse=True)
    # Each row: JST time, actor and role, action, record with the case link, IP, changes.
    assert "2026/05/10 10:00:00" in html and "本部 花子" in html and "本部</small>" in html
    assert "信用金庫の設定変更" in html and "192.0.2.1" in html
    assert f'href="/cases/{world.cases["a1"].id}">PTA-2026-000101</a>' in html
    assert "<details" in html and "¥1,000,000" in html and "¥2,000,000" in html
    assert "他金庫" not in html and "アドバイザー名簿" not in html
    # The action select lists only what this bank's rows hold.
    assert 'value="case.create"' in html and 'value="advisor.export"' not in html
    # Another bank's case number finds nothing, even by its exact number.
    assert _shown(client, "case=PTA-2026-000201") == set()
    assert _shown(world.client(app, "other_hq"), "") == _of(world, "create_b1")


def test_operator_sees_every_bank(app, world):
    client = world.client(app, "operator")
    assert _shown(client) == set(world.rows.values())
    assert _shown(client, "case=PTA-2026-000201") == _of(world, "create_b1")


@pytest.mark.parametrize("who", ["officer", "supervisor", "manager"])
def test_branch_roles_get_404_everywhere(app, world, who):
    client = world.client(app, who)
    assert client.get("/audit/").status_code == 404
    assert client.get("/audit/export.csv").status_code == 404
    response = client.post("/audit/verify", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404
    assert 'href="/audit/"' not in client.get("/").get_data(as_text=True)
    assert 'href="/audit/"' in world.client(app, "hq").get("/").get_data(as_text=True)


def test_logged_out_htmx_gets_401_with_redirect(client, world):
    response = client.get("/audit/?actor=a", headers={"HX-Request": "true",
                                                       "HX-Target": "audit-results"})
    assert response.status_code == 401 and "HX-Redirect" in response.headers


@pytest.mark.parametrize("query,expected", [
    ("actor=担当", ("create_a1", "create_a2")),
    ("actor=担当一郎", ("create_a1", "create_a2")),  # spaces in the name do not matter
    ("actor=花子", ("bank",)),
    ("actor=100%25", ()),  # % is a character, not a wildcard
    ("case=PTA-2026-000101", ("create_a1", "submit_a1")),
    ("case=pta－2026－0001", ("create_a1", "submit_a1", "create_a2")),  # prefix, typed loosely
    ("case=PTA-2026-00010", ("create_a1", "submit_a1", "create_a2")),
    ("case=000101", ("create_a1", "submit_a1")),  # digits alone: from the end
    ("case=102", ("create_a2",)),
    ("from=2026-04-01&to=2026-04-30", ("create_a1", "submit_a1")),  # JST days, not UTC
    ("from=2026-05-01&to=2026-05-01", ("create_a2",)),
    ("from=2026/5/1", ("create_a2", "bank")),
    ("to=2026-04-01", ("create_a1",)),
    ("action=case.create", ("create_a1", "create_a2")),
    ("action=advisor.export", ()),  # another scope's action
    ("actor=担当&action=case.create&from=2026-05-01", ("create_a2",)),
    ("case=PTA-2026-0001&to=2026-04-30&action=referral.submit", ("submit_a1",)),
    ("actor=役席&case=PTA-2026-000102", ()),
])
def test_filters_alone_and_combined(app, world, query, expected):
    assert _shown(world.client(app, "hq"), query) == _of(world, *expected)


def test_live_search_answers_the_results_fragment(app, world):
    client = world.client(app, "hq")
    response = client.get("/audit/?action=case.create",
                          headers={"HX-Request": "true", "HX-Target": "audit-results"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.startswith('<div id="audit-results">') and "HX-Request" in response.headers["Vary"]
    assert _ids(html) == _of(world, "create_a1", "create_a2")
    assert "action=case.create" in html  # the CSV link carries the search
    page = client.get("/audit/").get_data(as_text=True)
    assert 'hx-push-url="true"' in page and 'hx-target="#audit-results"' in page


def test_paging_fifty_a_page(app, world):
    for i in range(50):
        record(world.users["hq"], "plan.update", "plan", i, summary=f"変更{i}")
    db.session.commit()
    client = world.client(app, "hq")
    first = client.get("/audit/").get_data(as_text=True)
    assert len(_ids(first)) == 50 and "54</strong>件" in first and "page=2" in first
    second = _shown(client, "page=2")
    assert second == _of(world, "create_a1", "submit_a1", "create_a2", "bank")
    assert _shown(client, "page=2&action=plan.update") == set()


@pytest.mark.parametrize("query,message", [
    ("actor=担当&from=2026-13-01&action=case.create", "開始日「2026-13-01」は日付として読めません"),
    ("actor=担当&to=あした&action=case.create", "終了日「あした」は日付として読めません"),
    ("actor=担当&from=0001-01-01&action=case.create", "開始日「0001-01-01」"),
    ("actor=担当&from=2026-05-02&to=2026-05-01&action=case.create",
     "終了日が開始日より前になっています"),
])
def test_bad_dates_answer_422_with_the_filters_kept(app, world, query, message):
    client = world.client(app, "hq")
    response = client.get(f"/audit/?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    assert _ids(html) == set()  # never the log unfiltered
    assert 'name="actor" value="担当"' in html
    assert '<option value="case.create" selected>' in html
    fragment = client.get(f"/audit/?{query}", headers={"HX-Request": "true",
                                                        "HX-Target": "audit-results"})
    assert fragment.status_code == 422 and message in fragment.get_data(as_text=True)
    assert client.get(f"/audit/export.csv?{query}").status_code == 422


def test_csv_export_of_the_search_with_bom_is_itself_audited(app, world):
    client = world.client(app, "hq")
    response = client.get("/audit/export.csv?action=case.create&actor=担当")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(codecs.BOM_UTF8)
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][:3] == ["ID", "日時（日本時間）", "操作者"]
    assert [int(r[0]) for r in table[1:]] == [world.rows["create_a2"], world.rows["create_a1"]]
    newest = dict(zip(table[0], table[1], strict=True))
    assert newest["日時（日本時間）"] == "2026/05/01 08:30:00"
    assert newest["案件番号"] == "PTA-2026-000102" and newest["役割"] == "担当者"
    assert newest["内容"].startswith("'=HYPERLINK")  # not run as a formula
    bank_csv = client.get("/audit/export.csv?action=bank.update").data.decode("utf-8-sig")
    assert "本部承認が必要となる年間契約額：¥1,000,000 → ¥2,000,000" in bank_csv
    exports = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "audit.export")
                                 .order_by(AuditLog.id)).all()
    assert len(exports) == 2
    assert exports[0].actor_name == "本部 花子" and exports[0].bank_id == world.bank.id
    assert "2行" in exports[0].summary and "操作者「担当」" in exports[0].summary
    assert "操作「案件の作成」" in exports[0].summary  # the action named, not its code
    # The export shows up in the bank's own log; another bank's 本部 does not see it.
    assert exports[0].id in _shown(client, "action=audit.export")
    assert exports[0].id not in _shown(world.client(app, "other_hq"))


def test_chain_check_on_demand_names_a_changed_row(app, world):
    client = world.client(app, "hq")
    assert "改ざん" in client.get("/audit/").get_data(as_text=True)
    assert "検出されませんでした" not in client.get("/audit/").get_data(as_text=True)
    htmx = {"HX-Request": "true", "HX-Target": "verify-result"}
    token = csrf_token(client, "/audit/")
    ok = client.post("/audit/verify", headers={**htmx, "X-CSRFToken": token})
    html = ok.get_data(as_text=True)
    assert ok.status_code == 200 and "<html" not in html
    own = len(_of(world, "create_a1", "submit_a1", "create_a2", "bank"))
    assert f"改ざんは検出されませんでした（当金庫の記録 {own} 行を含む" in html
    operator = world.client(app, "operator")
    html = operator.post("/audit/verify", headers={**htmx, "X-CSRFToken": csrf_token(
        operator, "/audit/")}).get_data(as_text=True)
    assert f"改ざんは検出されませんでした（{len(world.rows)} 行）" in html
    # One byte of one summary changed below the ORM, as someone with database access would.
    target = world.rows["submit_a1"]
    db.session.execute(sa.text("UPDATE audit_log SET summary = :s WHERE id = :id"),
                       {"s": "紹介稟議を申請しました!", "id": target})
    db.session.commit()
    broken = client.post("/audit/verify", headers={**htmx, "X-CSRFToken": token})
    html = broken.get_data(as_text=True)
    assert broken.status_code == 200 and "alert-error" in html
    assert f"ID {target} の行" in html and "一致しません" in html
    # Without JavaScript the form posts and the whole page shows the result.
    page = client.post("/audit/verify", data={"csrf_token": token}).get_data(as_text=True)
    assert "<html" in page and f"ID {target} の行" in page



def test_chain_check_does_not_name_another_banks_row_to_hq(app, world):
    """A changed row of another bank breaks everyone's chain; a bank's 本部 learns that, not
    the row's ID; the operator and that bank's own 本部 see which row."""
    target = world.rows["create_b1"]
    db.session.execute(sa.text("UPDATE audit_log SET summary = :s WHERE id = :id"),
                       {"s": "PTA-2026-000201 案件を作成しました!", "id": target})
    db.session.commit()
    htmx = {"HX-Request": "true", "HX-Target": "verify-result"}

    def check(who: str) -> str:
        client = world.client(app, who)
        response = client.post("/audit/verify", headers={
            **htmx, "X-CSRFToken": csrf_token(client, "/audit/")})
        assert response.status_code == 200 and "alert-error" in response.get_data(as_text=True)
        return response.get_data(as_text=True)

    html = check("hq")
    assert "当金庫以外の記録" in html and f"ID {target}" not in html
    assert f"ID {target} の行" in check("other_hq")
    assert f"ID {target} の行" in check("operator")


def test_actions_and_records_are_shown_in_japanese(app, world):
    """Bank staff read 「利用申込書兼契約書 #7」 and 「電子契約：封緘（締結）」, never the codes;
    a code without a name is shown as stored rather than hidden."""
    bank_id = world.bank.id
    sealed = record(None, "signing.sealed", "subscription_agreement", 7, bank_id=bank_id,
                    case_id=world.cases["a1"].id, summary="PTA-2026-000101 封緘").id
    export = record(world.users["hq"], "audit.export", "audit_log", "search",
                    summary="監査ログをCSVで出力しました").id
    odd = record(world.users["hq"], "mystery.thing", "mystery_type", 5, summary="謎").id
    db.session.commit()
    client = world.client(app, "hq")
    html = client.get("/audit/", headers={"HX-Request": "true", "HX-Target": "audit-results"}
                      ).get_data(as_text=True)
    assert {sealed, export, odd} <= _ids(html)
    assert "電子契約：封緘（締結）" in html and "利用申込書兼契約書 #7" in html
    assert "監査ログのCSV出力" in html and "監査ログ #search" not in html
    assert "案件 #" in html and "信用金庫の設定 #" in html and "紹介稟議 #1" in html
    for code in ("signing.sealed", "subscription_agreement", "audit.export", "audit_log",
                 "case.create", "referral.submit", "bank.update"):
        assert code not in html, code
    assert "mystery.thing" in html and "mystery_type #5" in html
    # The action select names the actions; the codes stay in the option values only.
    page = client.get("/audit/").get_data(as_text=True)
    assert '<option value="signing.sealed" >電子契約：封緘（締結）</option>' in page


def test_csv_export_carries_the_japanese_names_and_the_codes(app, world):
    record(None, "signing.sealed", "subscription_agreement", 7, bank_id=world.bank.id)
    db.session.commit()
    data = world.client(app, "hq").get("/audit/export.csv").data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(data)))
    newest = dict(zip(table[0], table[1], strict=True))
    assert newest["操作"] == "電子契約：封緘（締結）" and newest["操作コード"] == "signing.sealed"
    assert newest["記録の種類"] == "利用申込書兼契約書"
    assert newest["記録の種類コード"] == "subscription_agreement" and newest["記録ID"] == "7"
    rows = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    assert rows[str(world.rows["bank"])]["記録の種類"] == "信用金庫の設定"


@pytest.fixture
def variants(world, app_ctx) -> dict[str, int]:
    """Rows by people whose names are written with variant kanji, and by look-alikes."""
    bank, branch = world.bank, world.users["officer"].branch
    other = db.session.scalar(sa.select(Bank).where(Bank.id != bank.id))
    people = {
        "yoshida": make_user(Role.OFFICER, bank, branch, name="𠮷田 髙志"),
        "plain": make_user(Role.SUPERVISOR, bank, branch, name="吉田 太郎"),
        "yamazaki": make_user(Role.MANAGER, bank, branch, name="山﨑 花"),
        "takahashi": make_user(Role.OFFICER, bank, branch, name="高橋 一"),
        "elsewhere": make_user(Role.HQ, other, name="𠮷田 次郎"),
    }
    rows = {name: record(user, "case.create", "case", i, summary="案件を作成しました。").id
            for i, (name, user) in enumerate(people.items(), start=1)}
    db.session.commit()
    return rows


@pytest.mark.parametrize("typed,expected", [
    ("吉田", ("yoshida", "plain")),  # 「吉田」 finds 「𠮷田 髙志」
    ("𠮷田", ("yoshida", "plain")),  # and the other way round
    ("高志", ("yoshida",)),  # 髙 ↔ 高
    ("吉田　高志", ("yoshida",)),  # spaces aside, both variants at once
    ("𠮷田髙志", ("yoshida",)),
    ("山崎", ("yamazaki",)),  # 﨑 ↔ 崎
    ("髙橋", ("takahashi",)),
    ("吉野", ()),
])
def test_actor_search_treats_variant_kanji_as_equal(app, world, variants, typed, expected):
    client = world.client(app, "hq")
    assert _shown(client, f"actor={typed}") == {variants[n] for n in expected}


def test_actor_search_with_variants_stays_in_scope(app, world, variants):
    both = {variants["yoshida"], variants["plain"]}
    assert _shown(world.client(app, "hq"), "actor=吉田") == both  # not the other bank's
    assert _shown(world.client(app, "operator"), "actor=吉田") == {*both, variants["elsewhere"]}
    data = world.client(app, "hq").get("/audit/export.csv?actor=吉田").data.decode("utf-8-sig")
    assert {int(r[0]) for r in list(csv.reader(io.StringIO(data)))[1:]} == both


def test_name_suggestions_offer_the_common_form(app, world, variants):
    """The person field suggests 「𠮷田 髙志」 to someone typing 「吉田」: the option carries the
    common form as its label (browsers match the label too)."""
    page = world.client(app, "hq").get("/audit/").get_data(as_text=True)
    assert '<option value="𠮷田 髙志" label="吉田 高志">' in page
    assert '<option value="山﨑 花" label="山崎 花">' in page
    assert '<option value="吉田 太郎">' in page and "𠮷田 次郎" not in page


def test_newest_first_means_by_time_shown(app, world):
    """A row written later about an earlier moment (a demo back-dated, an import of old
    events) is listed by its time, not by the order it was written."""
    early = record(world.users["officer"], "case.create", "case", world.cases["a2"].id,
                   case_id=world.cases["a2"].id, summary="過去の日時の行",
                   at=datetime(2026, 3, 1, 0, 0, tzinfo=UTC)).id
    db.session.commit()
    html = world.client(app, "hq").get("/audit/").get_data(as_text=True)
    order = [int(i) for i in re.findall(r'id="audit-(\d+)"', html)]
    assert order[-1] == early and order[0] == world.rows["bank"]
