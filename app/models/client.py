"""Client companies (取引先企業) of a branch."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.bank import Bank, Branch
from app.models.base import Base, UTCDateTime, utcnow


class ClientCompany(Base):
    __tablename__ = "client_company"
    __table_args__ = (sa.UniqueConstraint("bank_id", "corporate_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    branch_id: Mapped[int] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))  # as typed
    name_kana: Mapped[str] = mapped_column(sa.String(200))
    # Derived from name and kana (JAPAN.md §1): what search compares against.
    search_key: Mapped[str] = mapped_column(sa.String(500), index=True)
    corporate_number: Mapped[str] = mapped_column(sa.String(13))
    industry: Mapped[str] = mapped_column(sa.String(1))  # JSIC 大分類 letter
    employees: Mapped[int | None]
    postal_code: Mapped[str] = mapped_column(sa.String(8))
    prefecture: Mapped[str] = mapped_column(sa.String(10))
    municipality: Mapped[str] = mapped_column(sa.String(50))
    address: Mapped[str] = mapped_column(sa.String(200))
    representative_name: Mapped[str] = mapped_column(sa.String(100))
    representative_title: Mapped[str] = mapped_column(sa.String(50))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    phone: Mapped[str] = mapped_column(sa.String(11), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: the edit form carries it and the service compares on save.
    version: Mapped[int] = mapped_column(default=1)

    bank: Mapped[Bank] = relationship()
    branch: Mapped[Branch] = relationship()
