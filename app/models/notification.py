"""In-app notices (home page) and outgoing e-mail kept in an outbox until delivered."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, str_enum, utcnow
from app.models.user import User


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    message: Mapped[str] = mapped_column(sa.String(300))
    link: Mapped[str] = mapped_column(sa.String(300), default="")  # path inside the app
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class MailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for (another) attempt
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt; shown on the outbox page


MAIL_STATUS_LABELS = {MailStatus.PENDING: "送信待ち", MailStatus.SENT: "送信済",
                      MailStatus.FAILED: "送信失敗"}


class OutgoingMail(Base):
    """Written in the same transaction as the action that caused it; delivered afterwards,
    so a dead mail server never undoes or blocks the action."""

    __tablename__ = "outgoing_mail"
    __table_args__ = (sa.Index("ix_outgoing_mail_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    to_name: Mapped[str] = mapped_column(sa.String(100), default="")
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[MailStatus] = mapped_column(str_enum(MailStatus), default=MailStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while a worker talks to the mail server (its lease): 「再送する」 waits until then,
    # so a mail in flight is never sent twice.
    sending_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def sending(self, now: datetime) -> bool:
        return self.sending_until is not None and self.sending_until > now

    @property
    def status_label(self) -> str:
        return MAIL_STATUS_LABELS[self.status]
