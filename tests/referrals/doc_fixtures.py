"""Test helper for the referral documents: an approved referral of acceptance case A08 (rare
characters in the client's and representative's names) built directly with the models — a
consent record on paper with its scan, a first round returned by the 役席, and a second
round approved by the 役席 and by a named deputy on the 支店長's behalf."""
import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from app.extensions import db
from app.models import (
    ActionKind,
    Case,
    ConsentMethod,
    ConsentRecord,
    Proposal,
    Referral,
    ReferralAction,
    ReferralStatus,
    Role,
    User,
)
from app.proposals.services import issue_proposal
from app.referrals.consent_items import DEFAULT_ITEMS, consent_recipients
from tests.factories import make_user
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans

NOW = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)  # 令和8年12月3日 10:30 JST
TODAY = date(2026, 12, 3)
CONSENTED_ON = date(2026, 11, 30)  # 令和8年11月30日
SCAN = b"%PDF-1.4 signed consent form (scan)"
RETURN_COMMENT = "同意書の日付の記入漏れを確認してください。"
APPROVE_COMMENT = "内容を確認しました。"
DEPUTY_COMMENT = "支店長不在のため代理で承認します。"


@dataclass
class ReferralFixture:
    case: Case
    proposal: Proposal
    consent: ConsentRecord
    referral: Referral
    officer: User
    supervisor: User
    manager: User
    deputy: User


def case_with_proposal(case_id: str = "A08") -> tuple[Case, Proposal]:
    import_acceptance_advisors()
    plans = make_default_plans()
    case = make_case(case_id)
    return case, issue_proposal(case, plans["standard"], case.officer, now=NOW)


def make_consent(case: Case, obtained_by: User, *, items: list[str] | None = None,
                 scan: bytes | None = SCAN) -> ConsentRecord:
    rep = case.client
    consent = ConsentRecord(
        case_id=case.id, items=list(DEFAULT_ITEMS if items is None else items),
        recipients=consent_recipients(case), consented_on=CONSENTED_ON,
        method=ConsentMethod.PAPER, consenter_name=rep.representative_name,
        consenter_title=rep.representative_title, obtained_by_id=obtained_by.id,
        recorded_by_id=obtained_by.id, scan=scan, scan_filename="doui.pdf" if scan else "",
        scan_mimetype="application/pdf" if scan else "",
        scan_sha256=hashlib.sha256(scan).hexdigest() if scan else "")
    db.session.add(consent)
    db.session.flush()
    return consent


def _act(referral: Referral, round_: int, step: str, kind: ActionKind, actor: User,
         at: datetime, comment: str = "", on_behalf_of: User | None = None) -> None:
    db.session.add(ReferralAction(
        referral_id=referral.id, round=round_, step=step, action=kind, actor_id=actor.id,
        actor_name=actor.name, actor_role=actor.role.value, comment=comment, at=at,
        on_behalf_of_id=on_behalf_of.id if on_behalf_of else None,
        on_behalf_of_name=on_behalf_of.name if on_behalf_of else ""))


def approved_referral(case_id: str = "A08", *, items: list[str] | None = None
                      ) -> ReferralFixture:
    case, proposal = case_with_proposal(case_id)
    officer, bank, branch = case.officer, case.bank, case.branch
    supervisor = make_user(Role.SUPERVISOR, bank, branch, name="佐藤 花子")
    manager = make_user(Role.MANAGER, bank, branch, name="髙橋 一郎")
    deputy = make_user(Role.SUPERVISOR, bank, branch, name="鈴木 次郎")
    deputy.can_approve_on_behalf = True
    consent = make_consent(case, officer, items=items)
    start = NOW - timedelta(days=2)
    referral = Referral(
        case_id=case.id, bank_id=bank.id, branch_id=branch.id, submitter_id=officer.id,
        status=ReferralStatus.APPROVED, steps=["supervisor", "manager"], step_index=1,
        round=2, proposal_id=proposal.id, consent_id=consent.id,
        annual_value=proposal.monthly_fee * 12, submitted_at=start + timedelta(days=1),
        decided_at=NOW)
    db.session.add(referral)
    db.session.flush()
    _act(referral, 1, "", ActionKind.SUBMIT, officer, start)
    _act(referral, 1, "supervisor", ActionKind.RETURN, supervisor,
         start + timedelta(hours=2), RETURN_COMMENT)
    _act(referral, 2, "", ActionKind.SUBMIT, officer, start + timedelta(days=1))
    _act(referral, 2, "supervisor", ActionKind.APPROVE, supervisor,
         start + timedelta(days=1, hours=1), APPROVE_COMMENT)
    _act(referral, 2, "manager", ActionKind.APPROVE_ON_BEHALF, deputy, NOW, DEPUTY_COMMENT,
         on_behalf_of=manager)
    db.session.flush()
    db.session.expire(referral)
    return ReferralFixture(case, proposal, consent, referral, officer, supervisor, manager,
                           deputy)
