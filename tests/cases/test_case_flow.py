"""Matching page, advisor selection, proposal issue and download through the web, with scope."""
import json
import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.advisors.services import import_advisors
from app.audit.services import record
from app.extensions import db
from app.intake.services import complete_intake, save_step, start_intake
from app.models import Case, CaseAdvisor, Proposal, Role
from tests.factories import (
    DATA,
    acceptance_case,
    csrf_token,
    login,
    make_bank,
    make_branch,
    make_client,
    make_plans,
    make_user,
)


def make_case(branch, officer, case_id: str = "A01") -> Case:
    """A completed intake from an acceptance case, with its case."""
    client = make_client(branch, case_id)
    data = acceptance_case(case_id)["intake"]
    intake = start_intake(client, officer)
    save_step(intake, 1, {"needs": data["needs"], "current_situation": ""})
    save_step(intake, 2, {"notes": data["notes"], "accepted_needs": []})
    save_step(intake, 3, {"tools": data["tools"], "budget_monthly_max": data["budget_monthly_max"],
                          "urgency": data["urgency"], "onsite_required": data["onsite_required"],
                          "decision_maker": ""})
    return complete_intake(intake, officer)


@pytest.fixture
def world(app_ctx):
    import_advisors(json.loads((DATA / "advisors.json").read_text(encoding="utf-8")))
    make_plans()
    bank = make_bank()
    branch = make_branch(bank)
    other_branch = make_branch(bank, "旭川支店", "北海道", "旭川市")
    officer = make_user(Role.OFFICER, bank, branch)
    case = make_case(branch, officer, "A01")
    foreign_bank = make_bank("よそ信用金庫")
    foreign_branch = make_branch(foreign_bank)
    foreign_officer = make_user(Role.OFFICER, foreign_bank, foreign_branch)
    sibling_officer = make_user(Role.OFFICER, bank, other_branch)
    db.session.commit()
    return {"officer": officer, "case": case, "foreign": foreign_officer,
            "sibling": sibling_officer, "hq": None}


def test_matching_page_ranks_with_reasons_and_exclusions(client, world):
    login(client, world["officer"])
    case = world["case"]
    html = client.get(f"/matching/{case.id}").get_data(as_text=True)
    assert html.index('data-advisor="ADV-001"') < html.index('data-advisor="ADV-002"')
    assert 'data-excluded="ADV-003"' in html and 'data-excluded="ADV-004"' in html
    assert "北九州市出身" in html
    # Filters update the ranking as a fragment.
    frag = client.get(f"/matching/{case.id}", query_string={"filtered": "1",
                      "needs": ["採用・採用ブランディング"]},
                      headers={"HX-Request": "true", "HX-Target": "ranking"})
    body = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in body
    assert body.index('data-advisor="ADV-005"') < body.index('data-advisor="ADV-001"')
    assert 'data-excluded="ADV-004"' not in body  # on-site filter off → not excluded


def test_selecting_too_many_or_excluded_is_422_and_nothing_saved(client, world):
    login(client, world["officer"])
    case = world["case"]
    token = csrf_token(client, f"/matching/{case.id}")
    too_many = client.post(f"/matching/{case.id}/select", data={
        "csrf_token": token, "advisor": ["ADV-001", "ADV-002", "ADV-005", "ADV-015"]})
    assert too_many.status_code == 422
    assert "3名まで" in too_many.get_data(as_text=True)
    excluded = client.post(f"/matching/{case.id}/select", data={
        "csrf_token": token, "advisor": ["ADV-003"]})
    assert excluded.status_code == 422
    assert "稼働枠" in excluded.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseAdvisor)) == 0


def test_select_issue_and_download_proposal(client, world, tmp_path):
    login(client, world["officer"])
    case = world["case"]
    token = csrf_token(client, f"/matching/{case.id}")
    response = client.post(f"/matching/{case.id}/select", data={
        "csrf_token": token, "advisor": ["ADV-001", "ADV-005"]})
    assert response.status_code == 303
    no_plan = client.post(f"/proposals/case/{case.id}", data={"csrf_token": token, "plan": "x"})
    assert no_plan.status_code == 422
    issued = client.post(f"/proposals/case/{case.id}", data={"csrf_token": token,
                                                             "plan": "standard"})
    assert issued.status_code == 303
    proposal = db.session.scalar(sa.select(Proposal))
    download = client.get(f"/proposals/{proposal.id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(download.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert case.case_number in text and "佐藤 花子" in text


def test_other_bank_and_other_branch_get_404(client, world):
    case = world["case"]
    login(client, world["officer"])
    token = csrf_token(client, f"/matching/{case.id}")
    client.post(f"/matching/{case.id}/select", data={"csrf_token": token, "advisor": ["ADV-001"]})
    client.post(f"/proposals/case/{case.id}", data={"csrf_token": token, "plan": "standard"})
    proposal = db.session.scalar(sa.select(Proposal))
    client.post("/auth/logout", data={"csrf_token": token})
    for intruder in (world["foreign"], world["sibling"]):
        login(client, intruder)
        token = csrf_token(client)
        assert client.get(f"/cases/{case.id}").status_code == 404
        assert client.get(f"/matching/{case.id}").status_code == 404
        assert client.post(f"/matching/{case.id}/select",
                           data={"csrf_token": token, "advisor": ["ADV-001"]}).status_code == 404
        assert client.post(f"/proposals/case/{case.id}",
                           data={"csrf_token": token, "plan": "standard"}).status_code == 404
        assert client.get(f"/proposals/{proposal.id}/download").status_code == 404
        assert case.case_number not in client.get("/cases/").get_data(as_text=True)
        client.post("/auth/logout", data={"csrf_token": token})


def test_unknown_ids_are_404_not_500(client, world):
    login(client, world["officer"])
    for url in ("/cases/999999", "/matching/999999", "/proposals/999999/download",
                "/clients/999999", "/intake/999999/step/1", "/intake/1/step/99"):
        assert client.get(url).status_code == 404, url


def test_an_issued_proposal_reserves_its_advisors_for_other_cases(client, world):
    """Through the web: a proposal issued on one case holds 佐藤 花子's place; another case's
    matching page shows her as reserved, the proposing case itself as free."""
    login(client, world["officer"])
    case = world["case"]
    other = make_case(case.branch, world["officer"], "A02")
    db.session.commit()
    token = csrf_token(client, f"/matching/{other.id}")
    assert client.post(f"/matching/{other.id}/select", data={
        "csrf_token": token, "advisor": ["ADV-001"]}).status_code == 303
    assert client.post(f"/proposals/case/{other.id}", data={
        "csrf_token": token, "plan": "standard"}).status_code == 303

    def badge(case_id: int) -> str:
        html = client.get(f"/matching/{case_id}").get_data(as_text=True)
        row = html[html.index('data-advisor="ADV-001"'):]
        return row[:row.index("</label>")]

    assert 'data-capacity="reserved"' in badge(case.id)
    assert "（予約1・残り1）" in badge(case.id)
    assert 'data-capacity="free"' in badge(other.id) and "空きあり（残り2）" in badge(other.id)


def test_history_is_newest_first_by_the_time_shown(client, world):
    """履歴 is ordered by the time it shows, not by when the row was written (a back-dated
    row, as the demo seed writes, sits at its time); rows of the same instant show the one
    written later first."""
    case, officer = world["case"], world["officer"]
    opened = case.created_at
    written = (("二時間後", 2), ("一時間後", 1), ("三時間後・先", 3), ("三時間後・後", 3))
    for summary, hours in written:
        record(officer, "case.note", "case", case.id, case_id=case.id, bank_id=case.bank_id,
               at=opened + timedelta(hours=hours), summary=summary)
    db.session.commit()
    login(client, officer)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    history = html[html.index('id="history"'):]
    shown = [what.split("</small>")[-1].strip()
             for what in re.findall(r'<span class="trail-what">(.*?)</span></li>', history)]
    assert shown == ["三時間後・後", "三時間後・先", "二時間後", "一時間後",
                     f"{case.case_number} ヒアリングを完了し、案件を作成しました。"]
