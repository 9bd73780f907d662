"""Banks (信用金庫) and their branches (支店)."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base


class Bank(Base):
    __tablename__ = "bank"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(8), unique=True)  # 統一金融機関コード
    name: Mapped[str] = mapped_column(sa.String(100))
    # Referral fee terms (PRODUCT.md §2.10): percent of the monthly fee before tax, months.
    referral_fee_percent: Mapped[int] = mapped_column(default=20)
    referral_fee_months: Mapped[int] = mapped_column(default=12)
    # Annual contract value (yen, before tax) above which 本部 approves too.
    hq_approval_threshold: Mapped[int] = mapped_column(default=1_000_000)
    # 稟議 chain: 担当 → 役席 (this setting) → 支店長 (→ 本部 above the threshold).
    approval_requires_supervisor: Mapped[bool] = mapped_column(default=True)
    # 法人番号 of companies the bank marks as competitors for conflict checks.
    competitor_corporate_numbers: Mapped[list[str]] = mapped_column(sa.JSON, default=list)

    branches: Mapped[list["Branch"]] = relationship(back_populates="bank", order_by="Branch.code")


class Branch(Base):
    __tablename__ = "branch"
    __table_args__ = (sa.UniqueConstraint("bank_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_id: Mapped[int] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(8))
    name: Mapped[str] = mapped_column(sa.String(100))
    prefecture: Mapped[str] = mapped_column(sa.String(10))
    municipality: Mapped[str] = mapped_column(sa.String(50))
    address: Mapped[str] = mapped_column(sa.String(200), default="")
    phone: Mapped[str] = mapped_column(sa.String(11), default="")

    bank: Mapped[Bank] = relationship(back_populates="branches")
