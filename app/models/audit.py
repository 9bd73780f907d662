"""The audit log (監査ログ): append-only, one row per action, each row chained to the previous
one by a SHA-256 hash so that changing or removing a row is detectable."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow


class AuditLog(Base):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_record", "record_type", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    actor_name: Mapped[str] = mapped_column(sa.String(100), default="")  # as it was then
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    bank_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))  # e.g. advisor.update
    record_type: Mapped[str] = mapped_column(sa.String(40))
    record_id: Mapped[str] = mapped_column(sa.String(40))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case.id"), index=True)
    summary: Mapped[str] = mapped_column(sa.String(300), default="")  # Japanese, for people
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
