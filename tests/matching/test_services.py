"""Matching against the database: profiles from advisor rows, requests from intakes, the
bank's competitor list."""
import pytest

from app.extensions import db
from app.matching.engine import MatchRequest
from app.matching.services import (
    load_profiles,
    match_intake,
    request_for_intake,
    request_from_values,
)
from app.models import Intake, Role
from tests.factories import make_bank, make_branch, make_client, make_user

STOCK = "在庫・受発注・生産管理"
APPS = "業務アプリ・ノーコード"
HIRING = "採用・採用ブランディング"


def test_load_profiles_maps_every_field(imported_advisors):
    profiles = load_profiles()
    assert [p.external_id for p in profiles] == sorted(a["external_id"] for a in imported_advisors)
    first = profiles[0]
    assert first.id is not None
    assert (first.external_id, first.name, first.name_kana) == (
        "ADV-001", "佐藤 花子", "サトウ ハナコ")
    assert (first.hometown_prefecture, first.hometown_municipality) == ("福岡県", "北九州市")
    assert first.skills == {STOCK: 3, APPS: 2}
    assert first.industries == frozenset({"E"})
    assert first.tools == frozenset({"kintone", "Excel"})
    assert (first.onsite, first.capacity, first.active_clients) == (True, 3, 1)
    assert (first.rating, first.completed_engagements, first.status) == (4.3, 4, "active")
    by_id = {p.external_id: p for p in profiles}
    assert by_id["ADV-008"].contribution_prefectures == ("北海道",)
    assert by_id["ADV-014"].conflicts == frozenset({"9290801020408"})
    assert by_id["ADV-027"].status == "inactive"


@pytest.fixture
def intake(imported_advisors) -> Intake:
    bank = make_bank()
    bank.competitor_corporate_numbers = ["9290801020408"]  # ADV-014 serves this company
    branch = make_branch(bank)
    officer = make_user(Role.OFFICER, bank, branch)
    intake = Intake(client=make_client(branch, "A01"), created_by=officer,
                    needs=[STOCK], accepted_needs=[HIRING, STOCK], tools=["kintone"],
                    onsite_required=True, notes="")
    db.session.add(intake)
    db.session.flush()
    return intake


def test_request_for_intake_uses_all_needs_and_the_banks_competitors(intake):
    request = request_for_intake(intake, intake.client.bank)
    assert request == MatchRequest(
        needs=(STOCK, HIRING), industry="E", prefecture="福岡県", municipality="北九州市",
        corporate_number="3290001120501", tools=("kintone",), onsite_required=True,
        competitor_numbers=frozenset({"9290801020408"}))


def test_match_intake_excludes_an_advisor_serving_a_competitor(intake):
    result = match_intake(intake, top=5)
    excluded = {e.advisor.external_id: e.rule for e in result.excluded}
    assert excluded["ADV-014"] == "conflict_competitor"
    assert excluded["ADV-003"] == "capacity" and excluded["ADV-004"] == "onsite"
    assert len(result.ranked) == 5
    assert result.ranked[0].advisor.external_id == "ADV-001"
    assert HIRING in {n for r in result.team for n in r.covered}


def test_without_the_competitor_list_the_advisor_is_proposed(intake):
    intake.client.bank.competitor_corporate_numbers = []
    result = match_intake(intake)
    assert "ADV-014" in {r.advisor.external_id for r in result.ranked}


def test_request_from_values():
    company = {"industry": "M", "prefecture": "北海道", "municipality": "旭川市",
               "corporate_number": "9450001002231"}
    intake = {"tools": ["Airレジ"], "onsite_required": False}
    request = request_from_values(company, intake, [HIRING, HIRING, STOCK])
    assert request.needs == (HIRING, STOCK)
    assert request.tools == ("Airレジ",)
    assert request.competitor_numbers == frozenset()
    assert (request.industry, request.prefecture, request.municipality) == (
        "M", "北海道", "旭川市")
