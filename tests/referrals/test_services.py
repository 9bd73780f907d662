"""Consent, submission and the approval chain through the services, with the audit trail and
the notices each step sends."""
import pytest
import sqlalchemy as sa

from app.audit.services import verify_chain
from app.extensions import db
from app.models import (
    ActionKind,
    AuditLog,
    CaseStatus,
    Notification,
    OutgoingMail,
    ReferralStatus,
)
from app.referrals import services
from app.referrals.services import NotAllowed, ReferralConflict, ReferralError, act, submit
from tests.referrals.conftest import give_consent, issue_test_proposal


def _notices(user):
    return [n.message for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id))]


def test_submit_without_consent_is_refused_with_a_clear_message(world):
    with pytest.raises(ReferralError, match="同意"):
        submit(world.case, world.officer)
    assert world.case.referral is None


def test_consent_must_name_every_proposed_advisor(world):
    case = world.case
    recipients = services.consent_recipients(case)
    give_consent(case, world.officer, recipients=recipients[:-1])  # one advisor left out
    missing = recipients[-1]["name"]
    with pytest.raises(ReferralError, match=missing):
        submit(case, world.officer)


def test_full_chain_supervisor_manager_with_trail_audit_and_notices(world):
    case, officer = world.case, world.officer
    give_consent(case, officer)
    referral = submit(case, officer, comment="よろしくお願いします", ip="10.0.0.5")
    db.session.commit()
    assert referral.status == ReferralStatus.PENDING
    assert referral.steps == ["supervisor", "manager"]
    assert referral.annual_value == 600_000
    assert _notices(world.supervisor) and "役席の承認待ち" in _notices(world.supervisor)[0]
    assert not _notices(world.manager)

    act(referral, world.supervisor, ActionKind.APPROVE, expected_version=referral.version)
    db.session.commit()
    assert referral.current_step == "manager"
    assert any("支店長の承認待ち" in m for m in _notices(world.manager))
    # The named deputy is told too: they may approve on the manager's behalf.
    assert any("支店長の承認待ち" in m for m in _notices(world.deputy))

    act(referral, world.manager, ActionKind.APPROVE, comment="承認します",
        expected_version=referral.version)
    db.session.commit()
    assert referral.status == ReferralStatus.APPROVED
    assert case.status == CaseStatus.APPROVED
    assert [a.action for a in referral.actions] == ["submit", "approve", "approve"]
    assert [a.actor_name for a in referral.actions] == ["山本 健太", "佐藤 役席", "田中 支店長"]
    assert any("承認されました" in m for m in _notices(officer))
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [m.to_address for m in mails] == [
        "sato@mirai.example.jp", "tanaka@mirai.example.jp", "yamamoto@mirai.example.jp"]
    assert mails[0].subject.startswith("【承認依頼】" + case.case_number)
    actions = db.session.scalars(sa.select(AuditLog.action).where(AuditLog.case_id == case.id)
                                 .order_by(AuditLog.id)).all()
    assert actions[-4:] == ["consent.record", "referral.submit", "referral.approve",
                            "referral.approve"]
    submit_row = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "referral.submit"))
    assert submit_row.ip == "10.0.0.5" and submit_row.actor_role == "officer"
    assert verify_chain().ok


def test_above_threshold_goes_to_hq(world):
    case, officer = world.case, world.officer
    issue_test_proposal(case, world.plans["premium"], officer)  # ¥100,000 × 12 > ¥1,000,000
    give_consent(case, officer)
    referral = submit(case, officer)
    assert referral.steps == ["supervisor", "manager", "hq"]
    act(referral, world.supervisor, ActionKind.APPROVE)
    act(referral, world.manager, ActionKind.APPROVE)
    assert referral.current_step == "hq"
    with pytest.raises(NotAllowed):
        act(referral, world.foreign_hq, ActionKind.APPROVE)
    act(referral, world.hq, ActionKind.APPROVE)
    assert referral.status == ReferralStatus.APPROVED


def test_nobody_approves_their_own_referral(world):
    case = world.case
    give_consent(case, world.officer)
    # A 役席 submits: the chain starts at the 支店長, and the 役席 cannot act on it.
    referral = submit(case, world.supervisor)
    assert referral.steps == ["manager"]
    with pytest.raises(NotAllowed, match="ご自身"):
        act(referral, world.supervisor, ActionKind.APPROVE)
    assert services.allowed_actions(referral, world.supervisor) == [ActionKind.WITHDRAW]


def test_one_person_cannot_approve_two_steps(world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.deputy, ActionKind.APPROVE)  # as 役席
    with pytest.raises(NotAllowed, match="二つの段階"):
        act(referral, world.deputy, ActionKind.APPROVE_ON_BEHALF)


def test_deputy_approves_on_behalf_recorded_as_such(world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    with pytest.raises(NotAllowed):  # a supervisor who is not a named deputy
        act(referral, world.supervisor, ActionKind.APPROVE_ON_BEHALF)
    with pytest.raises(NotAllowed, match="支店長"):  # the deputy must say it is on behalf
        act(referral, world.deputy, ActionKind.APPROVE)
    act(referral, world.deputy, ActionKind.APPROVE_ON_BEHALF, comment="支店長不在のため")
    assert referral.status == ReferralStatus.APPROVED
    last = referral.actions[-1]
    assert last.action == ActionKind.APPROVE_ON_BEHALF
    assert last.on_behalf_of_name == "田中 支店長" and last.actor_name == "鈴木 代理"
    row = db.session.scalar(sa.select(AuditLog).where(
        AuditLog.action == "referral.approve_on_behalf"))
    assert "代理承認しました（支店長 田中 支店長 に代わり）" in row.summary


def test_return_and_reject_need_a_comment_then_resubmit_starts_a_new_round(world):
    case, officer = world.case, world.officer
    give_consent(case, officer)
    referral = submit(case, officer)
    with pytest.raises(ReferralError, match="差戻しの理由"):
        act(referral, world.supervisor, ActionKind.RETURN, comment="  ")
    assert referral.status == ReferralStatus.PENDING  # nothing changed
    act(referral, world.supervisor, ActionKind.RETURN, comment="費用の説明を追記してください")
    assert referral.status == ReferralStatus.RETURNED
    assert any("差し戻されました" in m and "費用の説明" in m for m in _notices(officer))
    again = submit(case, officer, comment="追記しました")
    assert again.id == referral.id and again.round == 2 and again.step_index == 0
    with pytest.raises(ReferralError, match="否決の理由"):
        act(referral, world.supervisor, ActionKind.REJECT)
    act(referral, world.supervisor, ActionKind.REJECT, comment="支援対象外の業種")
    assert referral.status == ReferralStatus.REJECTED
    assert case.status == CaseStatus.REJECTED
    with pytest.raises(ReferralError):
        submit(case, officer)


def test_withdraw_only_by_the_submitter_before_a_decision(world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    with pytest.raises(NotAllowed):
        act(referral, world.supervisor, ActionKind.WITHDRAW)
    act(referral, world.officer, ActionKind.WITHDRAW)
    assert referral.status == ReferralStatus.WITHDRAWN
    with pytest.raises(ReferralError, match="取り戻し"):
        act(referral, world.supervisor, ActionKind.APPROVE)


def test_stale_version_gets_the_current_state(world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    seen = referral.version
    act(referral, world.supervisor, ActionKind.APPROVE, expected_version=seen)
    with pytest.raises(ReferralConflict, match="支店長の承認待ち"):
        act(referral, world.manager, ActionKind.RETURN, comment="x", expected_version=seen)


def test_other_scopes_cannot_act(world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    for outsider in (world.other_manager, world.foreign_manager, world.operator, world.hq):
        with pytest.raises(NotAllowed):
            act(referral, outsider, ActionKind.APPROVE)
        assert services.allowed_actions(referral, outsider) == []


def test_double_submit_creates_one_referral(world):
    give_consent(world.case, world.officer)
    first = submit(world.case, world.officer)
    second = submit(world.case, world.officer)
    assert first.id == second.id
    assert len(first.actions) == 1


def test_proposal_and_team_are_frozen_while_in_approval(world):
    from app.proposals.services import ProposalError, issue_proposal

    give_consent(world.case, world.officer)
    submit(world.case, world.officer)
    with pytest.raises(ProposalError, match="承認待ち"):
        issue_proposal(world.case, world.plans["light"], world.officer)


def test_branch_without_a_supervisor_goes_to_the_manager(world):
    world.supervisor.active = False
    world.deputy.active = False
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    assert referral.steps == ["manager"]


def test_branch_without_a_manager_cannot_submit(world):
    world.manager.active = False
    give_consent(world.case, world.officer)
    with pytest.raises(ReferralError, match="支店長の承認者が登録されていない"):
        submit(world.case, world.officer)


def test_comments_refuse_direction_and_zero_width_characters(world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    with pytest.raises(ReferralError, match="使用できない文字"):
        act(referral, world.supervisor, ActionKind.RETURN, comment="費用\u202eを追記")
    assert referral.status == ReferralStatus.PENDING
    act(referral, world.supervisor, ActionKind.RETURN, comment="費用の根拠を\n追記してください")
    assert referral.actions[-1].comment == "費用の根拠を\n追記してください"
