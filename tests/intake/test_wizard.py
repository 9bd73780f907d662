"""The intake wizard: drafts per step, validation, suggestions, completion into a case."""
import json
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, Intake, IntakeStatus, Role
from tests.factories import DATA, csrf_token, login, make_bank, make_branch, make_client, make_user

HX = {"HX-Request": "true"}


@pytest.fixture
def setup(app_ctx):
    bank = make_bank()
    branch = make_branch(bank)
    officer = make_user(Role.OFFICER, bank, branch)
    company = make_client(branch, "A02")
    db.session.commit()
    return officer, company


def _start(client, company) -> Intake:
    token = csrf_token(client, f"/clients/{company.id}")
    response = client.post(f"/intake/start/{company.id}", data={"csrf_token": token})
    assert response.status_code == 303
    return db.session.scalar(sa.select(Intake).order_by(Intake.id.desc()))


def _save(client, intake, step, data, headers=None):
    token = csrf_token(client, f"/intake/{intake.id}/step/{step}")
    return client.post(f"/intake/{intake.id}/step/{step}",
                       data={**data, "csrf_token": token, "direction": "next"},
                       headers=headers or {})


def test_whole_wizard_creates_a_numbered_case(client, setup):
    officer, company = setup
    login(client, officer)
    intake = _start(client, company)
    assert _save(client, intake, 1, {"needs": ["店舗・予約・キャッシュレス"],
                                     "current_situation": "予約は電話のみ"}).status_code == 303
    notes = "予約は電話のみで紙の台帳に書いている。求人を出しても応募が来ない。"
    step2 = {"notes": notes, "accepted_needs": ["採用・採用ブランディング"]}
    assert _save(client, intake, 2, step2).status_code == 303
    assert _save(client, intake, 3, {"tools": "Airレジ、LINE公式アカウント",
                                     "budget_monthly_max": "５０，０００円",
                                     "urgency": "3か月以内"}).status_code == 303
    db.session.expire_all()
    intake = db.session.get(Intake, intake.id)
    assert intake.budget_monthly_max == 50000
    assert intake.tools == ["Airレジ", "LINE公式アカウント"]
    assert intake.all_needs == ["店舗・予約・キャッシュレス", "採用・採用ブランディング"]
    token = csrf_token(client, f"/intake/{intake.id}/step/4")
    response = client.post(f"/intake/{intake.id}/complete", data={"csrf_token": token})
    assert response.status_code == 303
    case = db.session.scalar(sa.select(Case))
    assert re.fullmatch(r"PTA-20[0-9]{2}-[0-9]{6}", case.case_number)
    assert response.headers["Location"].endswith(f"/matching/{case.id}")
    db.session.expire_all()
    assert db.session.get(Intake, intake.id).status == IntakeStatus.COMPLETED


def test_invalid_budget_is_422_and_keeps_what_was_typed(client, setup):
    officer, company = setup
    login(client, officer)
    intake = _start(client, company)
    response = _save(client, intake, 3, {"tools": "Excel、kintone", "budget_monthly_max": "五万円",
                                         "decision_maker": "社長"}, headers=HX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "金額は0以上の整数" in html
    assert "Excel、kintone" in html and "五万円" in html
    assert "<html" not in html  # the wizard fragment, swapped in place
    db.session.expire_all()
    stored = db.session.get(Intake, intake.id)
    assert stored.tools == [] and stored.decision_maker == ""  # nothing saved half-way


BUDGET_ROWS = [(typed, None if isinstance(expected, dict) else expected)
               for field, typed, expected in json.loads((DATA / "inputs.json").read_text("utf-8"))
               if field == "budget_monthly_max"]


@pytest.mark.parametrize("typed,expected", BUDGET_ROWS)
def test_budget_corpus_through_the_wizard(client, setup, typed, expected):
    officer, company = setup
    login(client, officer)
    intake = _start(client, company)
    response = _save(client, intake, 3, {"budget_monthly_max": typed})
    db.session.expire_all()
    if expected is None:
        assert response.status_code == 422
        assert db.session.get(Intake, intake.id).budget_monthly_max is None
    else:
        assert response.status_code == 303
        assert db.session.get(Intake, intake.id).budget_monthly_max == expected


def test_draft_resumes_after_logout_and_start_twice_gives_one_draft(client, setup):
    officer, company = setup
    login(client, officer)
    intake = _start(client, company)
    _save(client, intake, 1, {"needs": ["Web・SNS集客"], "current_situation": "ホームページが古い"})
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, officer)
    again = _start(client, company)
    assert again.id == intake.id
    page = client.get(f"/intake/{intake.id}/step/1").get_data(as_text=True)
    assert "ホームページが古い" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Intake)) == 1


def test_live_suggestions_and_warnings(client, setup):
    officer, company = setup
    login(client, officer)
    intake = _start(client, company)
    token = csrf_token(client, f"/intake/{intake.id}/step/2")
    html = client.post(f"/intake/{intake.id}/analyze", headers=HX, data={
        "csrf_token": token, "notes": "求人を出しても応募が来ない。社長が病気で入院している。"
    }).get_data(as_text=True)
    assert 'value="採用・採用ブランディング"' in html
    assert 'data-warning="sensitive_info"' in html
    html = client.post(f"/intake/{intake.id}/analyze", headers=HX, data={
        "csrf_token": token, "notes": "週3日常駐してくれる社員として来てほしい。"
    }).get_data(as_text=True)
    assert 'data-warning="employment_like"' in html


def test_complete_without_needs_is_refused(client, setup):
    officer, company = setup
    login(client, officer)
    intake = _start(client, company)
    token = csrf_token(client, f"/intake/{intake.id}/step/4")
    response = client.post(f"/intake/{intake.id}/complete", data={"csrf_token": token})
    assert response.status_code == 422
    assert "ニーズ分類を1つ以上" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_other_branch_intake_is_404(client, app_ctx):
    bank = make_bank()
    own, other = make_branch(bank), make_branch(bank, "新潟支店", "新潟県", "新潟市")
    officer = make_user(Role.OFFICER, bank, own)
    stranger = make_user(Role.OFFICER, bank, other)
    company = make_client(own, "A01")
    db.session.commit()
    login(client, officer)
    intake = _start(client, company)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, stranger)
    assert client.get(f"/intake/{intake.id}/step/1").status_code == 404
    token = csrf_token(client)
    assert client.post(f"/intake/{intake.id}/step/1",
                       data={"csrf_token": token, "needs": ["Web・SNS集客"]}).status_code == 404
    assert client.post(f"/intake/start/{company.id}", data={"csrf_token": token}).status_code == 404
