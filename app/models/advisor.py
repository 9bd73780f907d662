"""Advisors (デジタル人材) and their skills."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, str_enum, utcnow


class AdvisorStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    INACTIVE = "inactive"
    LEFT = "left"


class Advisor(Base):
    __tablename__ = "advisor"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_non_negative"),
        sa.CheckConstraint("active_clients >= 0", name="active_clients_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    name_kana: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    hometown_prefecture: Mapped[str] = mapped_column(sa.String(10), default="")
    hometown_municipality: Mapped[str] = mapped_column(sa.String(50), default="")
    residence_prefecture: Mapped[str] = mapped_column(sa.String(10), default="")
    residence_municipality: Mapped[str] = mapped_column(sa.String(50), default="")
    contribution_prefectures: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    industries: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # JSIC letters
    tools: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    onsite: Mapped[bool] = mapped_column(default=False)
    capacity: Mapped[int] = mapped_column(default=0)
    active_clients: Mapped[int] = mapped_column(default=0)
    rating: Mapped[float | None] = mapped_column(sa.Float)
    completed_engagements: Mapped[int] = mapped_column(default=0)
    status: Mapped[AdvisorStatus] = mapped_column(
        str_enum(AdvisorStatus), default=AdvisorStatus.ACTIVE
    )
    conflicts: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # 法人番号
    invoice_registration: Mapped[str | None] = mapped_column(sa.String(14))  # T + 13 digits
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    skills: Mapped[list["AdvisorSkill"]] = relationship(
        back_populates="advisor", cascade="all, delete-orphan", order_by="AdvisorSkill.id"
    )

    @property
    def free_capacity(self) -> int:
        return max(self.capacity - self.active_clients, 0)


class AdvisorSkill(Base):
    __tablename__ = "advisor_skill"
    __table_args__ = (
        sa.UniqueConstraint("advisor_id", "tag"),
        sa.CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    advisor_id: Mapped[int] = mapped_column(sa.ForeignKey("advisor.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(sa.String(40))
    level: Mapped[int]

    advisor: Mapped[Advisor] = relationship(back_populates="skills")
