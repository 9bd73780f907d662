"""All models, imported here so Alembic and the app see one metadata."""
from app.models.advisor import Advisor, AdvisorSkill, AdvisorStatus
from app.models.audit import AuditLog
from app.models.bank import Bank, Branch
from app.models.base import Base, utcnow
from app.models.case import Case, CaseAdvisor, CaseNumberCounter, CaseStatus, Proposal
from app.models.client import ClientCompany
from app.models.intake import Intake, IntakeStatus
from app.models.notification import MailStatus, Notification, OutgoingMail
from app.models.plan import Plan
from app.models.referral import (
    ActionKind,
    ConsentMethod,
    ConsentRecord,
    Referral,
    ReferralAction,
    ReferralDocument,
    ReferralStatus,
)
from app.models.signing import (
    AgreementStatus,
    RequestStatus,
    SigningEvent,
    SigningMode,
    SigningRequest,
    Subscription,
    SubscriptionAgreement,
    SubscriptionStatus,
)
from app.models.subsidy import SubsidyProgramme, SubsidyScope
from app.models.user import Role, User

__all__ = [
    "Advisor", "AdvisorSkill", "AdvisorStatus", "AuditLog", "Bank", "Base", "Branch", "Case",
    "CaseAdvisor", "CaseNumberCounter", "CaseStatus", "ClientCompany", "Intake", "IntakeStatus",
    "Plan", "Proposal", "ActionKind", "ConsentMethod", "ConsentRecord", "MailStatus",
    "Notification", "OutgoingMail", "Referral", "ReferralAction", "ReferralDocument",
    "ReferralStatus", "AgreementStatus", "RequestStatus", "SigningEvent", "SigningMode",
    "SigningRequest", "Subscription", "SubscriptionAgreement", "SubscriptionStatus", "Role",
    "SubsidyProgramme", "SubsidyScope", "User", "utcnow",
]
