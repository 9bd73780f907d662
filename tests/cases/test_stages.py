"""The case list filter, the home tiles and the badges name a case's stage the same way: the
「提案書発行済」 tile counts what its list shows, and every badge on a filtered list reads as
the filter's label (紹介稟議 in approval, returned or taken back have their own filters)."""
import re

from app.extensions import db
from app.models import ActionKind, CaseStatus
from app.referrals.services import act, submit
from tests.factories import login
from tests.proposal_cases import make_case
from tests.referrals.conftest import give_consent, issue_test_proposal, make_world


def _world():
    world = make_world()  # world.case: proposal issued, no 稟議
    cases = {"proposed": world.case}
    for stage, acceptance_id in (("pending", "A03"), ("returned", "A04"),
                                 ("withdrawn", "A05"), ("approved", "A06")):
        case = make_case(acceptance_id, officer=world.officer)
        issue_test_proposal(case, world.plans["standard"], world.officer)
        give_consent(case, world.officer)
        referral = submit(case, world.officer)
        if stage == "returned":
            act(referral, world.supervisor, ActionKind.RETURN, comment="金額を確認してください")
        elif stage == "withdrawn":
            act(referral, world.officer, ActionKind.WITHDRAW)
        elif stage == "approved":
            act(referral, world.supervisor, ActionKind.APPROVE)
            act(referral, world.manager, ActionKind.APPROVE)
        cases[stage] = case
    cases["matching"] = make_case("A02", officer=world.officer)
    db.session.commit()
    assert cases["approved"].status == CaseStatus.APPROVED
    return world, cases


def _listed(client, status: str) -> tuple[set[str], list[str]]:
    html = client.get(f"/cases/?status={status}").get_data(as_text=True)
    rows = re.findall(r"<tr>.*?</tr>", html.split("<tbody>")[1], re.S)
    numbers = {n for row in rows for n in re.findall(r"PTA-\d{4}-\d{6}", row)}
    badges = re.findall(r'<span class="badge[^"]*">([^<]+)</span>', html.split("<tbody>")[1])
    return numbers, badges


def test_filters_tiles_and_badges_agree(client, app_ctx):
    world, cases = _world()
    login(client, world.officer)
    expected = {"matching": {"matching"}, "proposed": {"proposed"}, "pending": {"pending"},
                "returned": {"returned", "withdrawn"}, "approved": {"approved"}}
    labels = {"matching": {"候補選定中"}, "proposed": {"提案書発行済"},
              "pending": {"紹介稟議：承認待ち"},
              "returned": {"紹介稟議：差戻し", "紹介稟議：取り戻し"}, "approved": {"紹介承認済"}}
    for status, names in expected.items():
        numbers, badges = _listed(client, status)
        assert numbers == {cases[n].case_number for n in names}, status
        assert set(badges) == labels[status], (status, badges)
    home = client.get("/").get_data(as_text=True)
    tile = re.search(r'status=proposed"[^>]*><div class="n">(\d+)</div>', home)
    assert tile and int(tile[1]) == 1  # the one case without a 稟議, as its list shows
    assert "紹介稟議：差戻し・取り戻し" in client.get("/cases/").get_data(as_text=True)
    numbers, _ = _listed(client, "nonsense")  # not a filter: everything
    assert len(numbers) == len(cases)
