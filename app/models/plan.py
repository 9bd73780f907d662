"""Membership plans (ライト / スタンダード / プレミアム); prices before tax."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Plan(Base):
    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)  # light / standard / premium
    name: Mapped[str] = mapped_column(sa.String(50))
    monthly_fee: Mapped[int]  # yen, before tax
    summary: Mapped[str] = mapped_column(sa.String(200), default="")
    included: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    sort_order: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
