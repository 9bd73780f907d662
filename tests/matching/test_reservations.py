"""Capacity that stays true: an advisor in the latest proposal of another open case holds a
place of their capacity; the matching page shows free / reserved / full; selecting an advisor
whose places are all reserved is refused with the reason."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.matching.cases import select_advisors
from app.matching.engine import RULE_CAPACITY, RULE_RESERVED
from app.matching.services import (
    OPEN_CASE_STATUSES,
    count_reservations,
    match_intake,
    request_for_intake,
    unavailable_advisors,
)
from app.models import Advisor, Case, CaseStatus, Proposal, Role
from tests.factories import csrf_token, login, make_bank, make_branch, make_user
from tests.proposal_cases import import_acceptance_advisors, make_case

# ADV-001 佐藤 花子: capacity 3, 1 active client → 2 free places. Ranked first for A01.
SATO = "ADV-001"
FULL_BY_RESERVATIONS = "提案中の案件で枠が埋まっています（稼働中1件＋提案中2件／枠3件）"


def propose(case: Case, external_ids: list[str]) -> Proposal:
    """An issued proposal (next version) without rendering the PDF; the case becomes PROPOSED
    as issue_proposal makes it."""
    version = max((p.version for p in case.proposals), default=0) + 1
    proposal = Proposal(case=case, version=version, plan_code="standard",
                        plan_name="スタンダード", monthly_fee=50_000,
                        advisor_external_ids=list(external_ids), pdf=b"%PDF-test",
                        sha256="0" * 64, size_bytes=9)
    db.session.add(proposal)
    case.status = CaseStatus.PROPOSED
    db.session.flush()
    return proposal


@pytest.fixture
def officer(app_ctx):
    import_acceptance_advisors()
    bank = make_bank("みらい信用金庫")
    branch = make_branch(bank)
    return make_user(Role.OFFICER, bank, branch)


@pytest.fixture
def cases(officer) -> dict[str, Case]:
    """A01 (the case we look from) and three other cases of the same branch."""
    return {cid: make_case(cid, officer=officer) for cid in ("A01", "A02", "A03", "A04")}


def test_open_statuses_are_one_constant():
    # Proposed (in approval or not), approved and signed cases hold their advisors; a case still
    # choosing or one rejected (否決) does not.
    assert OPEN_CASE_STATUSES == frozenset(
        {CaseStatus.PROPOSED, CaseStatus.APPROVED, CaseStatus.SIGNED})
    assert CaseStatus.MATCHING not in OPEN_CASE_STATUSES
    assert CaseStatus.REJECTED not in OPEN_CASE_STATUSES


def test_two_open_cases_reserve_and_fill_the_capacity(cases):
    propose(cases["A02"], [SATO, "ADV-005"])
    propose(cases["A03"], [SATO])
    assert count_reservations() == {SATO: 2, "ADV-005": 1}

    result = match_intake(cases["A01"].intake)
    out = {e.advisor.external_id: e for e in result.excluded}
    assert out[SATO].rule == RULE_RESERVED
    assert out[SATO].reason == FULL_BY_RESERVATIONS
    assert out[SATO].full
    assert result.standings.rank_of(SATO) is None
    # ADV-005 keeps one reservation and is still offered, with its places said.
    five = result.standings.get("ADV-005")
    assert (five.reserved, five.free) == (1, 1)
    assert five.capacity_badge == "提案中で予約あり（予約1・残り1）"
    assert "稼働枠あり（残り1・提案中1件）" in five.reasons


def test_active_clients_alone_are_told_apart_from_reservations(cases):
    advisor = db.session.scalar(sa.select(Advisor).where(Advisor.external_id == SATO))
    advisor.active_clients = 3
    propose(cases["A02"], [SATO])
    result = match_intake(cases["A01"].intake)
    out = {e.advisor.external_id: e for e in result.excluded}
    assert out[SATO].rule == RULE_CAPACITY
    assert out[SATO].reason == "稼働枠がありません（稼働中3/3件）"


def test_a_case_never_reserves_against_itself(cases):
    own = cases["A01"]
    propose(own, [SATO])
    propose(cases["A02"], [SATO])
    assert count_reservations() == {SATO: 2}
    assert count_reservations(excluding_intake_id=own.intake_id) == {SATO: 1}
    assert request_for_intake(own.intake, own.bank).reservations == {SATO: 1}
    # Seen from its own case the advisor is still offered (1 active + 1 elsewhere < 3) …
    ranked = match_intake(own.intake).standings.get(SATO)
    assert (ranked.reserved, ranked.free) == (1, 1)
    # Selections (picked, no proposal issued yet) reserve nothing: A03 and A04 have some.
    assert cases["A03"].selections and cases["A04"].selections
    assert count_reservations() == {SATO: 2}


def test_a_newer_proposal_without_the_advisor_frees_the_place(cases):
    propose(cases["A02"], [SATO, "ADV-005"])
    propose(cases["A02"], ["ADV-005"])  # version 2 drops 佐藤
    propose(cases["A03"], [SATO])
    assert count_reservations() == {SATO: 1, "ADV-005": 1}
    assert match_intake(cases["A01"].intake).standings.get(SATO).reserved == 1


def test_a_case_that_is_no_longer_open_holds_nothing(cases):
    propose(cases["A02"], [SATO])
    cases["A02"].status = CaseStatus.MATCHING  # stands for any status outside the open set
    db.session.flush()
    assert count_reservations() == {}


def test_an_advisor_listed_twice_in_one_proposal_holds_one_place(cases):
    propose(cases["A02"], [SATO, SATO])
    assert count_reservations() == {SATO: 1}


def test_reservations_of_another_bank_count_but_do_not_show(cases, client):
    """Capacity is the advisor's, shared by every bank; nothing of the other case leaks."""
    foreign_bank = make_bank("よそ信用金庫")
    foreign_officer = make_user(Role.OFFICER, foreign_bank, make_branch(foreign_bank))
    foreign = make_case("A05", officer=foreign_officer)
    propose(foreign, [SATO])
    propose(cases["A02"], [SATO])
    db.session.commit()
    login(client, cases["A01"].officer)
    html = client.get(f"/matching/{cases['A01'].id}").get_data(as_text=True)
    assert FULL_BY_RESERVATIONS in html
    assert foreign.case_number not in html and foreign.client.name not in html


def test_counting_is_one_query_whatever_the_number_of_cases(cases):
    for case in cases.values():
        propose(case, [SATO, "ADV-005"])
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        counts = count_reservations(excluding_intake_id=cases["A01"].intake_id)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert counts == {SATO: 3, "ADV-005": 3}
    assert len(statements) == 1


def test_select_refuses_an_advisor_full_by_reservations(cases):
    propose(cases["A02"], [SATO])
    propose(cases["A03"], [SATO])
    case = cases["A01"]
    with pytest.raises(ValueError, match=f"佐藤 花子さんは選べません：{FULL_BY_RESERVATIONS}"):
        select_advisors(case, [SATO], match_intake(case.intake))
    assert unavailable_advisors(case, [SATO, "ADV-005"]) == {SATO: FULL_BY_RESERVATIONS}


def test_page_shows_free_reserved_and_full_and_select_is_refused(cases, client):
    case = cases["A01"]
    propose(cases["A02"], [SATO, "ADV-005"])
    db.session.commit()
    login(client, case.officer)
    html = client.get(f"/matching/{case.id}").get_data(as_text=True)
    sato = html[html.index(f'data-advisor="{SATO}"'):]
    sato = sato[:sato.index("</label>")]
    assert 'data-capacity="reserved"' in sato
    assert "提案中で予約あり" in sato and "（予約1・残り1）" in sato
    two = html[html.index('data-advisor="ADV-002"'):]
    assert '<span class="badge badge-done capacity" data-capacity="free">空きあり（残り2）' in two

    # Someone else proposes 佐藤 while this page is open: picking her is refused (422).
    before = [s.advisor.external_id for s in case.selections]
    propose(cases["A03"], [SATO])
    db.session.commit()
    token = csrf_token(client, f"/matching/{case.id}")
    response = client.post(f"/matching/{case.id}/select",
                           data={"csrf_token": token, "advisor": [SATO]},
                           headers={"HX-Request": "true", "HX-Target": "ranking"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "佐藤 花子さんは選べません：" + FULL_BY_RESERVATIONS in body
    full = body[body.index(f'data-excluded="{SATO}"'):]
    assert full.index('data-capacity="full"') < full.index("</li>")
    db.session.expire_all()
    assert [s.advisor.external_id for s in db.session.get(Case, case.id).selections] == before
