"""The subscription agreement (利用申込書兼契約書) signed online: the agreement as sent, the
signing requests (link + access code, or in branch), every signing event, and the
subscription that starts once it is signed."""
import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.bank import Bank, Branch
from app.models.base import Base, UTCDateTime, str_enum, utcnow
from app.models.case import Case
from app.models.client import ClientCompany
from app.models.user import User


class AgreementStatus(enum.StrEnum):
    SENT = "sent"  # waiting for the signer
    AGREED = "agreed"  # the signer agreed; the seal is being applied
    SIGNED = "signed"  # agreed and sealed
    DECLINED = "declined"  # the signer declined (with a reason)
    VOID = "void"  # replaced by a later version or withdrawn by the bank


UNSENT_LABEL = "未送付"
AGREEMENT_STATUS_LABELS = {AgreementStatus.SENT: "署名待ち",
                           AgreementStatus.AGREED: "同意済（封緘中）",
                           AgreementStatus.SIGNED: "締結済",
                           AgreementStatus.DECLINED: "辞退", AgreementStatus.VOID: "無効"}


class SubscriptionAgreement(Base):
    """One version of the agreement as sent (bytes + SHA-256 never change); once signed, the
    sealed PDF with its certificate page is stored beside it, also as issued."""

    __tablename__ = "subscription_agreement"
    __table_args__ = (sa.UniqueConstraint("case_id", "version"),
                      sa.Index("ix_agreement_search", "bank_id", "signed_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[str] = mapped_column(sa.String(40), unique=True)  # printed on the PDF
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), index=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client_company.id"), index=True)
    version: Mapped[int]
    status: Mapped[AgreementStatus] = mapped_column(str_enum(AgreementStatus),
                                                    default=AgreementStatus.SENT)
    # Terms as sent (a snapshot: later plan or bank changes do not alter them).
    plan_code: Mapped[str] = mapped_column(sa.String(20))
    plan_name: Mapped[str] = mapped_column(sa.String(50))
    monthly_fee: Mapped[int]  # yen before tax
    tax_rate_percent: Mapped[int]
    annual_total: Mapped[int]  # yen including tax (取引金額 for 電子帳簿保存法 search)
    starts_on: Mapped[date]
    term_months: Mapped[int]
    notice_days: Mapped[int]  # cancellation notice
    counterparty_name: Mapped[str] = mapped_column(sa.String(200), index=True)  # 取引先
    counterparty_search: Mapped[str] = mapped_column(sa.String(500), default="")
    # The PDF as sent.
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    # The sealed PDF (agreement + 合意締結証明書), once signed.
    signed_pdf: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    signed_sha256: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    signer_name: Mapped[str] = mapped_column(sa.String(100), default="")
    signer_title: Mapped[str] = mapped_column(sa.String(50), default="")
    signer_email: Mapped[str] = mapped_column(sa.String(254), default="")
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_on: Mapped[date | None]  # 取引年月日 (JST)
    declined_reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship()
    bank: Mapped[Bank] = relationship()
    branch: Mapped[Branch] = relationship()
    client: Mapped[ClientCompany] = relationship()
    created_by: Mapped[User] = relationship()
    requests: Mapped[list["SigningRequest"]] = relationship(
        back_populates="agreement", order_by="SigningRequest.id")
    events: Mapped[list["SigningEvent"]] = relationship(
        back_populates="agreement", order_by="SigningEvent.id")

    @property
    def status_label(self) -> str:
        """「未送付」 while no signing request has gone out (the status is SENT from the
        moment the PDF is made: ready to send)."""
        if self.status == AgreementStatus.SENT and not self.requests:
            return UNSENT_LABEL
        return AGREEMENT_STATUS_LABELS[self.status]

    @property
    def unsent(self) -> bool:
        return self.status == AgreementStatus.SENT and not self.requests


class RequestStatus(enum.StrEnum):
    ACTIVE = "active"
    USED = "used"  # the signer agreed or declined through it
    REVOKED = "revoked"  # the officer revoked it
    SUPERSEDED = "superseded"  # a resend replaced it
    LOCKED = "locked"  # too many wrong access codes


REQUEST_STATUS_LABELS = {RequestStatus.ACTIVE: "有効", RequestStatus.USED: "使用済",
                         RequestStatus.REVOKED: "取消", RequestStatus.SUPERSEDED: "再送により無効",
                         RequestStatus.LOCKED: "ロック"}


class SigningMode(enum.StrEnum):
    EMAIL = "email"  # link by e-mail + access code passed on by phone or in person
    IN_BRANCH = "in_branch"  # on the client's phone in the branch; officer confirmed identity


class SigningRequest(Base):
    """A link to sign. Neither the token nor the access code is stored: the token is an HMAC
    of `token_salt` under the app's secret key (so a queued mail can be delivered later
    without keeping the link), kept here as a SHA-256 for lookup; the access code as a
    salted scrypt hash."""

    __tablename__ = "signing_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("subscription_agreement.id"),
                                              index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_salt: Mapped[str] = mapped_column(sa.String(32))
    access_code_hash: Mapped[str] = mapped_column(sa.String(255), default="")
    mode: Mapped[SigningMode] = mapped_column(str_enum(SigningMode))
    status: Mapped[RequestStatus] = mapped_column(str_enum(RequestStatus),
                                                  default=RequestStatus.ACTIVE)
    signer_email: Mapped[str] = mapped_column(sa.String(254), default="")
    signer_name: Mapped[str] = mapped_column(sa.String(100), default="")  # as addressed
    failed_attempts: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identity_confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    agreement: Mapped[SubscriptionAgreement] = relationship(back_populates="requests")
    identity_confirmed_by: Mapped[User | None] = relationship(
        foreign_keys=[identity_confirmed_by_id])
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def status_label(self) -> str:
        return REQUEST_STATUS_LABELS[self.status]


# Kinds of signing events, and their names in the audit log search.
SIGNING_EVENT_LABELS = {
    "created": "契約書の作成", "sent": "署名依頼の送付", "resent": "署名依頼の再送",
    "in_branch": "店頭署名の開始", "revoked": "署名リンクの取消", "reminded": "リマインダー送信",
    "code_ok": "アクセスコード認証", "code_failed": "アクセスコードの誤り",
    "locked": "署名リンクのロック", "viewed": "契約書の表示", "agreed": "署名者の同意",
    "declined": "署名者の辞退", "sealed": "封緘（締結）",
    "download_locked": "署名済み契約書のダウンロード停止",
}


class SigningEvent(Base):
    """Everything that happened to an agreement, printed on the 合意締結証明書."""

    __tablename__ = "signing_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("subscription_agreement.id"),
                                              index=True)
    request_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signing_request.id"))
    kind: Mapped[str] = mapped_column(sa.String(30))  # sent, opened, code_ok, agreed …
    label: Mapped[str] = mapped_column(sa.String(200))  # Japanese, as printed
    actor_name: Mapped[str] = mapped_column(sa.String(100), default="")
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[SubscriptionAgreement] = relationship(back_populates="events")


class SubscriptionStatus(enum.StrEnum):
    ACTIVE = "active"  # 契約中 (from starts_on)


class Subscription(Base):
    """The client's membership, active from the agreed start date once the agreement is
    signed. Pausing, changing and cancelling come with the subscription issue."""

    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("case.id"), unique=True)
    agreement_id: Mapped[int] = mapped_column(sa.ForeignKey("subscription_agreement.id"),
                                              unique=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client_company.id"), index=True)
    plan_code: Mapped[str] = mapped_column(sa.String(20))
    monthly_fee: Mapped[int]
    starts_on: Mapped[date]
    status: Mapped[SubscriptionStatus] = mapped_column(str_enum(SubscriptionStatus),
                                                      default=SubscriptionStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[SubscriptionAgreement] = relationship()

    def started(self, today: date) -> bool:
        """Whether the membership runs on `today` (JST): signed, and the start date reached."""
        return self.status == SubscriptionStatus.ACTIVE and today >= self.starts_on
