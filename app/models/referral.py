"""Consent (第三者提供同意), the referral approval (紹介稟議) with its action trail, and the
referral document (紹介票兼同意確認書) issued on final approval."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.bank import Bank, Branch
from app.models.base import Base, UTCDateTime, str_enum, utcnow
from app.models.case import Case, Proposal
from app.models.user import User


class ConsentMethod(enum.StrEnum):
    PAPER = "paper"  # 書面: signed on paper, scanned
    ELECTRONIC = "electronic"  # 電子


CONSENT_METHOD_LABELS = {ConsentMethod.PAPER: "書面（署名・押印した同意書）",
                         ConsentMethod.ELECTRONIC: "電子（電磁的記録）"}


class ConsentRecord(Base):
    """The client's consent to share named items with named recipients (個人情報保護法 27条,
    29条). Never edited: a new consent is a new row; the latest one is the one in force."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    items: Mapped[list[str]] = mapped_column(sa.JSON)  # codes of CONSENT_ITEMS
    # Snapshot of the recipients as consented: [{"kind": "platform"|"advisor", "name": ...}]
    recipients: Mapped[list[dict]] = mapped_column(sa.JSON)
    consented_on: Mapped[date]
    method: Mapped[ConsentMethod] = mapped_column(str_enum(ConsentMethod))
    consenter_name: Mapped[str] = mapped_column(sa.String(100))  # who consented for the client
    consenter_title: Mapped[str] = mapped_column(sa.String(50), default="")
    obtained_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    # The scanned signed form (書面), stored as received.
    scan: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    scan_filename: Mapped[str] = mapped_column(sa.String(200), default="")
    scan_mimetype: Mapped[str] = mapped_column(sa.String(50), default="")
    scan_sha256: Mapped[str] = mapped_column(sa.String(64), default="")
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="consents")
    obtained_by: Mapped[User] = relationship(foreign_keys=[obtained_by_id])
    recorded_by: Mapped[User] = relationship(foreign_keys=[recorded_by_id])

    @property
    def method_label(self) -> str:
        return CONSENT_METHOD_LABELS[self.method]


class ReferralStatus(enum.StrEnum):
    PENDING = "pending"  # 承認待ち (at approval step `step_index`)
    RETURNED = "returned"  # 差戻し: back with the submitter
    WITHDRAWN = "withdrawn"  # 取り戻し: the submitter took it back
    REJECTED = "rejected"  # 否決: final
    APPROVED = "approved"  # 承認済: final


REFERRAL_STATUS_LABELS = {
    ReferralStatus.PENDING: "承認待ち",
    ReferralStatus.RETURNED: "差戻し",
    ReferralStatus.WITHDRAWN: "取り戻し",
    ReferralStatus.REJECTED: "否決",
    ReferralStatus.APPROVED: "承認済",
}


class Referral(Base):
    """One referral per case. `version` is compared in every transition's UPDATE, so of two
    approvers acting at once exactly one wins."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), unique=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    submitter_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus), index=True)
    # The approval chain fixed at submission: roles in order, e.g. ["supervisor", "manager"].
    steps: Mapped[list[str]] = mapped_column(sa.JSON)
    step_index: Mapped[int] = mapped_column(default=0)
    round: Mapped[int] = mapped_column(default=1)  # 1 + number of resubmissions
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id"))
    consent_id: Mapped[int] = mapped_column(sa.ForeignKey("consent_record.id"))
    annual_value: Mapped[int]  # yen before tax, from the proposal: decides the 本部 step
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="referral")
    bank: Mapped[Bank] = relationship()
    branch: Mapped[Branch] = relationship()
    submitter: Mapped[User] = relationship()
    proposal: Mapped[Proposal] = relationship()
    consent: Mapped[ConsentRecord] = relationship()
    actions: Mapped[list["ReferralAction"]] = relationship(
        back_populates="referral", order_by="ReferralAction.id")

    @property
    def status_label(self) -> str:
        return REFERRAL_STATUS_LABELS[self.status]

    @property
    def current_step(self) -> str | None:
        if self.status != ReferralStatus.PENDING:
            return None
        return self.steps[self.step_index]


class ActionKind(enum.StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    APPROVE_ON_BEHALF = "approve_on_behalf"
    RETURN = "return"
    REJECT = "reject"
    WITHDRAW = "withdraw"


ACTION_LABELS = {
    ActionKind.SUBMIT: "申請",
    ActionKind.APPROVE: "承認",
    ActionKind.APPROVE_ON_BEHALF: "代理承認",
    ActionKind.RETURN: "差戻し",
    ActionKind.REJECT: "否決",
    ActionKind.WITHDRAW: "取り戻し",
}


# The verb of each action, to end a sentence: 「{stem}ました」「すでに{stem}ています」
# (差し戻しました, not 差戻ししました).
ACTION_VERB_STEMS = {
    ActionKind.SUBMIT: "申請し",
    ActionKind.APPROVE: "承認し",
    ActionKind.APPROVE_ON_BEHALF: "代理承認し",
    ActionKind.RETURN: "差し戻し",
    ActionKind.REJECT: "否決し",
    ActionKind.WITHDRAW: "取り戻し",
}


class ReferralAction(Base):
    """One step of the 稟議 trail: who did what at which step, with the comment."""

    __tablename__ = "referral_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referral.id"), index=True)
    round: Mapped[int]
    step: Mapped[str] = mapped_column(sa.String(20), default="")  # role of the step acted on
    action: Mapped[ActionKind] = mapped_column(str_enum(ActionKind))
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    actor_name: Mapped[str] = mapped_column(sa.String(100))  # as it was then
    actor_role: Mapped[str] = mapped_column(sa.String(20))
    on_behalf_of_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    on_behalf_of_name: Mapped[str] = mapped_column(sa.String(100), default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="actions")

    @property
    def label(self) -> str:
        return ACTION_LABELS[self.action]


class ReferralDocument(Base):
    """紹介票兼同意確認書 as issued on final approval: bytes, SHA-256, version never change."""

    __tablename__ = "referral_document"
    __table_args__ = (sa.UniqueConstraint("referral_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(sa.ForeignKey("referral.id"), index=True)
    version: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship()
