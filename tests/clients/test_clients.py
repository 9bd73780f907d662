"""Client companies through the web: validation, normalisation, search, scope."""
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ClientCompany, Role
from tests.factories import (
    DATA,
    company_values,
    csrf_token,
    login,
    make_bank,
    make_branch,
    make_client,
    make_user,
)


@pytest.fixture
def officer(app_ctx):
    bank = make_bank()
    branch = make_branch(bank)
    user = make_user(Role.OFFICER, bank, branch)
    db.session.commit()
    return user


def _post_company(client, values: dict):
    data = {**values, "csrf_token": csrf_token(client, "/clients/new")}
    return client.post("/clients/", data=data)


def test_create_stores_normalised_values(client, officer):
    login(client, officer)
    values = company_values("A01", postal_code="８０２ー０００１", phone="093-541-0000",
                            corporate_number="３２９０－００１１－２０５０１",
                            name_kana="きたきゅうせいき")
    response = _post_company(client, values)
    assert response.status_code == 303
    stored = db.session.scalar(sa.select(ClientCompany))
    assert stored.postal_code == "802-0001"
    assert stored.phone == "0935410000"
    assert stored.corporate_number == "3290001120501"
    assert stored.name_kana == "キタキュウセイキ"
    assert stored.branch_id == officer.branch_id


def test_invalid_form_is_422_keeps_typing_and_saves_nothing(client, officer):
    login(client, officer)
    values = company_values("A01", corporate_number="8000012050002", postal_code="802-001",
                            address="小倉北区浅野3丁目8-1 テスト入力")
    response = _post_company(client, values)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "チェックデジットが一致しません" in html
    assert "郵便番号は7桁" in html
    assert "小倉北区浅野3丁目8-1 テスト入力" in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ClientCompany)) == 0


# Company rows here; the budget rows go through the intake wizard (tests/intake).
COMPANY_ROWS = [r for r in json.loads((DATA / "inputs.json").read_text(encoding="utf-8"))
                if r[0] != "budget_monthly_max"]


@pytest.mark.parametrize("row", COMPANY_ROWS, ids=lambda r: f"{r[0]}:{r[1]}")
def test_input_corpus_through_the_web_form(client, officer, row):
    field, typed, expected = row
    login(client, officer)
    response = _post_company(client, company_values("A01", **{field: typed}))
    stored = db.session.scalar(sa.select(ClientCompany))
    if isinstance(expected, dict):
        assert response.status_code == 422
        assert stored is None
        assert 'class="error"' in response.get_data(as_text=True)
    else:
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert getattr(stored, field) == expected


def test_duplicate_corporate_number_in_same_bank_is_a_field_error(client, officer):
    make_client(officer.branch)
    db.session.commit()
    login(client, officer)
    response = _post_company(client, company_values("A01"))
    assert response.status_code == 422
    assert "すでに登録されています" in response.get_data(as_text=True)


def test_live_search_by_name_kana_and_number(client, officer):
    make_client(officer.branch, "A01")
    make_client(officer.branch, "A08")
    db.session.commit()
    login(client, officer)
    headers = {"HX-Request": "true", "HX-Target": "client-results"}
    for query, expected in [("北九", "北九精機"), ("きたきゅう", "北九精機"), ("ｷﾀｷｭｳ", "北九精機"),
                            ("3290001120", "北九精機"), ("𠮷野", "𠮷野髙﨑工務店"),
                            ("ヨシノタカサキ", "𠮷野髙﨑工務店")]:
        response = client.get("/clients/", query_string={"q": query}, headers=headers)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert expected in html, query
        assert "<html" not in html  # a fragment, not the page
        assert "HX-Request" in response.headers.get("Vary", "")
    page = client.get("/clients/", query_string={"q": "北九"})
    assert "<html" in page.get_data(as_text=True)
    none = client.get("/clients/", query_string={"q": "存在しない会社"}, headers=headers)
    assert "北九精機" not in none.get_data(as_text=True)


def test_stale_edit_is_refused(client, officer):
    company = make_client(officer.branch)
    db.session.commit()
    login(client, officer)
    token = csrf_token(client, f"/clients/{company.id}/edit")
    values = company_values("A01", name="株式会社北九精機（改）", version=str(company.version))
    first = client.post(f"/clients/{company.id}/edit", data={**values, "csrf_token": token})
    assert first.status_code == 303
    second = client.post(f"/clients/{company.id}/edit",
                         data={**values, "name": "別の変更", "csrf_token": token})
    assert second.status_code == 422
    assert "先に更新しました" in second.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(ClientCompany, company.id).name == "株式会社北九精機（改）"


def test_postal_lookup_offers_candidates(client, officer):
    login(client, officer)
    html = client.get("/clients/postal", query_string={"postal_code": "８０２ー０００１"},
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'data-municipality="北九州市"' in html
    assert 'data-town="小倉北区浅野"' in html
    many = client.get("/clients/postal", query_string={"postal_code": "498-0000"}).get_data(
        as_text=True)
    assert "愛知県" in many and "三重県" in many  # one code, two prefectures


def test_scope_other_bank_and_other_branch_are_404(client, app_ctx):
    bank = make_bank()
    branch_a = make_branch(bank)
    branch_b = make_branch(bank, "旭川支店", "北海道", "旭川市")
    other_bank_branch = make_branch(make_bank("よそ信用金庫"))
    officer = make_user(Role.OFFICER, bank, branch_a)
    hq = make_user(Role.HQ, bank)
    own = make_client(branch_a, "A01")
    sibling = make_client(branch_b, "A02")
    foreign = make_client(other_bank_branch, "A03")
    db.session.commit()
    login(client, officer)
    assert client.get(f"/clients/{own.id}").status_code == 200
    assert client.get(f"/clients/{sibling.id}").status_code == 404
    assert client.get(f"/clients/{foreign.id}").status_code == 404
    assert client.get(f"/clients/{foreign.id}/edit").status_code == 404
    listing = client.get("/clients/").get_data(as_text=True)
    assert own.name in listing and sibling.name not in listing and foreign.name not in listing
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, hq)
    assert client.get(f"/clients/{sibling.id}").status_code == 200
    assert client.get(f"/clients/{foreign.id}").status_code == 404
