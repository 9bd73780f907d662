"""Real concurrent HTTP requests (threaded server on loopback) against the approval chain:
two approvers at the same moment, and a double-clicked submit."""
import sqlalchemy as sa

from app.extensions import db
from app.models import ActionKind, Referral, ReferralAction, ReferralStatus
from app.referrals.services import act, submit
from tests.referrals.conftest import give_consent
from tests.referrals.http import Browser, at_once, live_server


def _ready_for_manager(world) -> Referral:
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    db.session.commit()
    return referral


def test_two_approvers_at_once_exactly_one_wins(app, world):
    referral = _ready_for_manager(world)
    with live_server(app) as base:
        manager, deputy = Browser(base), Browser(base)
        manager.login(world.manager)
        deputy.login(world.deputy)
        path = f"/cases/{world.case.id}"
        forms = []
        for browser, action in ((manager, "return"), (deputy, "approve_on_behalf")):
            forms.append({"csrf_token": browser.token(path), "version": referral.version,
                          "action": action, "comment": "同時の操作", "place": "case"})
        url = f"/referrals/{referral.id}/act"
        results = at_once(lambda: manager.post(url, forms[0], htmx=True),
                          lambda: deputy.post(url, forms[1], htmx=True))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], results
    loser = next(body for status, body in results if status == 409)
    assert "ほかの方が先にこの稟議を処理しました" in loser
    assert "現在の状態" in loser
    db.session.expire_all()
    decisions = db.session.scalars(sa.select(ReferralAction.action).where(
        ReferralAction.referral_id == referral.id,
        ReferralAction.action != ActionKind.SUBMIT, ReferralAction.step == "manager")).all()
    assert len(decisions) == 1
    referral = db.session.get(Referral, referral.id)
    expected = {"return": ReferralStatus.RETURNED, "approve_on_behalf": ReferralStatus.APPROVED}
    assert referral.status == expected[decisions[0]]


def test_double_clicked_submit_creates_one_referral(app, world):
    give_consent(world.case, world.officer)
    db.session.commit()
    with live_server(app) as base:
        officer = Browser(base)
        officer.login(world.officer)
        token = officer.token(f"/cases/{world.case.id}")
        url = f"/cases/{world.case.id}/referral"
        form = {"csrf_token": token, "comment": "二度押し"}
        results = at_once(lambda: officer.post(url, form), lambda: officer.post(url, form))
    assert [status for status, _ in results] == [200, 200], results
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReferralAction)) == 1


def test_double_clicked_resubmit_after_return_is_one_resubmission(app, world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.RETURN, comment="追記してください")
    db.session.commit()
    with live_server(app) as base:
        officer = Browser(base)
        officer.login(world.officer)
        form = {"csrf_token": officer.token(f"/cases/{world.case.id}"), "comment": "追記しました"}
        url = f"/cases/{world.case.id}/referral"
        results = at_once(lambda: officer.post(url, form), lambda: officer.post(url, form))
    assert [status for status, _ in results] == [200, 200], results
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.round == 2 and referral.status == ReferralStatus.PENDING
    submissions = [a for a in referral.actions if a.action == ActionKind.SUBMIT]
    assert len(submissions) == 2  # the first submission and one resubmission
