"""Defects found by walking through the app as bank staff, each kept as a test."""
import threading

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.clients.validation import clean_company
from app.extensions import db
from app.intake.services import start_intake
from app.japan.postal import lookup
from app.models import ClientCompany, Role
from tests.factories import (
    company_values,
    csrf_token,
    login,
    make_bank,
    make_branch,
    make_client,
    make_user,
)


@pytest.fixture
def bank_staff(app_ctx):
    bank = make_bank()
    branch = make_branch(bank)
    staff = {role: make_user(role, bank, None if role == Role.HQ else branch)
             for role in (Role.OFFICER, Role.HQ)}
    staff[Role.OPERATOR] = make_user(Role.OPERATOR)
    company = make_client(branch, "A01")
    intake = start_intake(company, staff[Role.OFFICER])
    db.session.commit()
    return staff, company, intake


def test_hq_and_operator_cannot_rewrite_a_branch_interview(client, bank_staff):
    staff, company, intake = bank_staff
    for role, status in ((Role.HQ, 403), (Role.OPERATOR, 403)):
        login(client, staff[role])
        token = csrf_token(client)
        response = client.post(f"/intake/{intake.id}/step/1",
                               data={"csrf_token": token, "needs": ["Web・SNS集客"]})
        assert response.status_code == status
        client.post("/auth/logout", data={"csrf_token": token})
    db.session.expire_all()
    assert intake.needs == []


def test_operator_does_not_edit_a_banks_client(client, bank_staff):
    staff, company, _ = bank_staff
    login(client, staff[Role.OPERATOR])
    token = csrf_token(client)
    assert client.get(f"/clients/{company.id}/edit").status_code == 404
    response = client.post(f"/clients/{company.id}/edit",
                           data={**company_values("A01", name="書き換え"), "version": "1",
                                 "csrf_token": token})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(ClientCompany, company.id).name == "株式会社北九精機"


def test_unknown_case_status_filter_is_ignored(client, bank_staff):
    staff, _, _ = bank_staff
    login(client, staff[Role.OFFICER])
    assert client.get("/cases/?status=bogus").status_code == 200


@pytest.mark.parametrize("field,value", [("name", "株式会社\tテスト"), ("name", "A\r\nB"),
                                         ("address", "浅野\n3丁目"), ("name", "テ\ufffdスト"),
                                         ("representative_name", "田中 一郎様"),
                                         ("representative_title", "代表取締役殿")])
def test_single_line_fields_refuse_breaks_and_honorifics(field, value):
    _, errors = clean_company(company_values("A01", **{field: value}))
    assert field in errors


def test_postal_code_and_prefecture_must_agree():
    _, errors = clean_company(company_values("A01", prefecture="北海道"))
    assert "福岡県の番号です" in errors["prefecture"]
    _, errors = clean_company(company_values("A01", postal_code="498-0000", prefecture="三重県",
                                             municipality="桑名郡木曽岬町"))
    assert "prefecture" not in errors  # one code in two prefectures: either is fine


def test_postal_lookup_works_from_other_threads():
    results = []
    threads = [threading.Thread(target=lambda: results.append(lookup("802-0001")))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(r and r[0].municipality == "北九州市" for r in results)


def test_search_finds_variant_characters_by_common_form(client, app_ctx):
    from app.clients.services import search_clients

    bank = make_bank()
    branch = make_branch(bank)
    officer = make_user(Role.OFFICER, bank, branch)
    make_client(branch, "A08")
    db.session.commit()
    assert [c.name for c in search_clients(officer, "吉野高崎")] == ["株式会社𠮷野髙﨑工務店"]


def test_race_on_a_unique_row_answers_409_not_500(app, app_ctx):
    """Two staff completing the same intake at once: one case, and a clear 409 for the
    other — exercised through real concurrent HTTP requests."""
    import http.cookiejar
    import urllib.error
    import urllib.request

    bank = make_bank()
    branch = make_branch(bank)
    officer = make_user(Role.OFFICER, bank, branch)
    company = make_client(branch, "A01")
    intake = start_intake(company, officer)
    intake.needs = ["在庫・受発注・生産管理"]
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        import re

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def token(url):
            html = opener.open(base + url).read().decode()
            return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)[1]

        from tests.factories import PASSWORD
        opener.open(base + "/auth/login", data=f"login_id={officer.login_id}&password={PASSWORD}"
                    f"&csrf_token={token('/auth/login')}".encode())
        t = token(f"/intake/{intake.id}/step/4")
        statuses = []
        barrier = threading.Barrier(4)

        def complete():
            barrier.wait()
            req = urllib.request.Request(f"{base}/intake/{intake.id}/complete",
                                         data=f"csrf_token={t}".encode(),
                                         headers={"HX-Request": "true"})
            try:
                statuses.append(opener.open(req).status)
            except urllib.error.HTTPError as exc:
                statuses.append(exc.code)

        workers = [threading.Thread(target=complete) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        server.shutdown()
    from app.models import Case
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    assert 500 not in statuses, statuses
    assert statuses.count(204) == 1, statuses
