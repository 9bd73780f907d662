"""Cases (案件): one per completed intake, numbered PTA-YYYY-NNNNNN, and the proposals issued."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.advisor import Advisor
from app.models.bank import Bank, Branch
from app.models.base import Base, UTCDateTime, str_enum, utcnow
from app.models.client import ClientCompany
from app.models.intake import Intake
from app.models.plan import Plan
from app.models.user import User


class CaseStatus(enum.StrEnum):
    MATCHING = "matching"  # intake done, advisors being chosen
    PROPOSED = "proposed"  # a proposal has been issued (the referral may be in approval)
    APPROVED = "approved"  # the referral was approved: on to the subscription agreement
    REJECTED = "rejected"  # the referral was rejected (否決): closed
    SIGNED = "signed"  # the client signed the subscription agreement (契約締結)


CASE_STATUS_LABELS = {CaseStatus.MATCHING: "候補選定中", CaseStatus.PROPOSED: "提案書発行済",
                      CaseStatus.APPROVED: "紹介承認済", CaseStatus.REJECTED: "否決",
                      CaseStatus.SIGNED: "契約締結済"}


class CaseNumberCounter(Base):
    """Last case number used per year; incremented under a row lock."""

    __tablename__ = "case_number_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


class Case(Base):
    __tablename__ = "case"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client_company.id"), index=True)
    intake_id: Mapped[int] = mapped_column(sa.ForeignKey("intake.id"), unique=True)
    officer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    status: Mapped[CaseStatus] = mapped_column(str_enum(CaseStatus), default=CaseStatus.MATCHING)
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("plan.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    bank: Mapped[Bank] = relationship()
    branch: Mapped[Branch] = relationship()
    client: Mapped[ClientCompany] = relationship()
    intake: Mapped[Intake] = relationship()
    officer: Mapped[User] = relationship()
    plan: Mapped[Plan | None] = relationship()
    selections: Mapped[list["CaseAdvisor"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseAdvisor.position"
    )
    proposals: Mapped[list["Proposal"]] = relationship(
        back_populates="case", order_by="Proposal.version"
    )
    referral: Mapped["Referral | None"] = relationship(back_populates="case")  # noqa: F821
    consents: Mapped[list["ConsentRecord"]] = relationship(  # noqa: F821
        back_populates="case", order_by="ConsentRecord.id")

    @property
    def status_label(self) -> str:
        """The case's state in words; while the referral is in approval, returned or taken
        back, that is what people need to see."""
        referral = self.referral
        if self.status == CaseStatus.PROPOSED and referral is not None:
            return f"紹介稟議：{referral.status_label}"  # as cases/stages.py names it
        return CASE_STATUS_LABELS[self.status]

    @property
    def latest_proposal(self) -> "Proposal | None":
        return self.proposals[-1] if self.proposals else None

    @property
    def consent(self) -> "ConsentRecord | None":  # noqa: F821
        """The consent in force: the latest one recorded."""
        return self.consents[-1] if self.consents else None


class CaseAdvisor(Base):
    """An advisor the officer picked for the case (1–3), in the order chosen."""

    __tablename__ = "case_advisor"
    __table_args__ = (sa.UniqueConstraint("case_id", "advisor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id", ondelete="CASCADE"))
    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("advisor.id"))
    position: Mapped[int] = mapped_column(default=0)
    # Reasons shown when the advisor was picked, kept for the proposal.
    reasons: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    case: Mapped[Case] = relationship(back_populates="selections")
    advisor: Mapped[Advisor] = relationship()


class Proposal(Base):
    """A proposal PDF (ご提案書) as issued: bytes, SHA-256 and version never change."""

    __tablename__ = "proposal"
    __table_args__ = (sa.UniqueConstraint("case_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    version: Mapped[int]
    plan_code: Mapped[str] = mapped_column(sa.String(20))
    plan_name: Mapped[str] = mapped_column(sa.String(50))
    monthly_fee: Mapped[int]  # before tax, as priced at issue
    advisor_external_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size_bytes: Mapped[int]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="proposals")
    issued_by: Mapped[User | None] = relationship()
