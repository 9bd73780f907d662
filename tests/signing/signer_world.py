"""Test helper for the signer, verification and search pages: cases whose referral is
approved, and agreements created, sent, agreed and sealed through the real services
(app.signing.services). Dates and amounts are the services' own (today in JST)."""
import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.extensions import db
from app.japan.dates import today_jst
from app.models import (
    Case,
    Plan,
    Proposal,
    Referral,
    ReferralStatus,
    Role,
    SigningRequest,
    SubscriptionAgreement,
    User,
)
from app.signing import services
from tests.factories import make_bank, make_branch, make_user
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans
from tests.referrals.doc_fixtures import make_consent

SIGNER_NAME = "𠮷田 髙志"
SIGNER_TITLE = "代表取締役"
SIGNER_EMAIL = "yoshida@client.example.jp"
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")


@dataclass
class Sent:
    case: Case
    agreement: SubscriptionAgreement
    request: SigningRequest
    token: str
    code: str  # "" for in-branch links

    @property
    def url(self) -> str:
        return f"/sign/{self.token}"


def setup_world() -> dict[str, Plan]:
    """Advisors and plans, once per test."""
    import_acceptance_advisors()
    return make_default_plans()


def make_officer(bank_name: str = "みらい信用金庫", branch_name: str = "北九州支店",
                 *, bank=None) -> User:
    bank = bank or make_bank(bank_name)
    branch = make_branch(bank, name=branch_name)
    officer = make_user(Role.OFFICER, bank, branch, name="山本 健太")
    officer.email = f"officer{officer.id}@bank.example.jp"
    return officer


def approved_case(case_id: str, officer: User, plan: Plan) -> Case:
    """A case of acceptance case `case_id` whose referral is approved (rows built directly:
    the approval itself is tested in tests/referrals)."""
    case = make_case(case_id, officer=officer)
    pdf = f"%PDF-1.4 test proposal {case.case_number}".encode()
    proposal = Proposal(case=case, version=1, plan_code=plan.code, plan_name=plan.name,
                        monthly_fee=plan.monthly_fee,
                        advisor_external_ids=[s.advisor.external_id for s in case.selections],
                        pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size_bytes=len(pdf),
                        issued_by=officer)
    db.session.add(proposal)
    db.session.flush()
    consent = make_consent(case, officer, scan=None)
    db.session.add(Referral(case_id=case.id, bank_id=case.bank_id, branch_id=case.branch_id,
                            submitter_id=officer.id, status=ReferralStatus.APPROVED,
                            steps=["supervisor"], step_index=0, proposal_id=proposal.id,
                            consent_id=consent.id, annual_value=plan.monthly_fee * 12))
    db.session.flush()
    db.session.expire(case)
    return case


def fake_pdf(agreement: SubscriptionAgreement) -> bytes:
    """A stand-in agreement PDF where the document itself does not matter (search)."""
    return f"%PDF-1.4 agreement {agreement.document_id}".encode()


def send(case: Case, officer: User, *, in_branch: bool = False, render=None,
         starts_in_days: int = 30) -> Sent:
    agreement = services.create_agreement(
        case, officer, starts_on=today_jst() + timedelta(days=starts_in_days), render=render)
    if in_branch:
        issued = services.start_in_branch(agreement, officer, name=SIGNER_NAME,
                                          identity_confirmed=True)
    else:
        issued = services.send_for_signature(agreement, officer, email=SIGNER_EMAIL,
                                             name=SIGNER_NAME)
    db.session.commit()
    return Sent(case, agreement, issued.request, issued.token, issued.access_code)


def sign_directly(sent: Sent, *, at: datetime | None = None, sealed: bytes | None = None
                  ) -> SubscriptionAgreement:
    """Agree and store a (given) sealed PDF through the services, at a chosen time: the
    search tests need agreements signed on different days."""
    request = db.session.get(SigningRequest, sent.request.id)
    agreement = services.agree(request, signer_name=SIGNER_NAME, signer_title=SIGNER_TITLE,
                               ip="192.0.2.1", user_agent="test", now=at)
    data = sealed or f"%PDF-1.4 sealed {agreement.document_id}".encode()
    services.store_sealed(agreement, data, now=at)
    db.session.commit()
    return agreement


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match[1]


def jst_noon(day: date) -> datetime:
    from app.japan.dates import JST

    return datetime(day.year, day.month, day.day, 12, tzinfo=JST)


def sign_for_real(sent: Sent) -> SubscriptionAgreement:
    """Agree, seal with the platform seal (development CA) and store, as the signer page
    does."""
    request = db.session.get(SigningRequest, sent.request.id)
    agreement = services.agree(request, signer_name=SIGNER_NAME, signer_title=SIGNER_TITLE,
                               ip="192.0.2.1", user_agent=PHONE_UA)
    db.session.commit()
    services.store_sealed(agreement, services.seal(agreement, request))
    db.session.commit()
    return agreement
