"""DX-needs intake interviews (DXニーズヒアリング), saved step by step as drafts."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, UTCDateTime, str_enum, utcnow
from app.models.client import ClientCompany
from app.models.user import User


class IntakeStatus(enum.StrEnum):
    DRAFT = "draft"
    COMPLETED = "completed"


class Intake(Base):
    __tablename__ = "intake"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(sa.ForeignKey("client_company.id"), index=True)
    status: Mapped[IntakeStatus] = mapped_column(str_enum(IntakeStatus), default=IntakeStatus.DRAFT)
    step: Mapped[int] = mapped_column(default=1)  # last step the officer reached
    current_situation: Mapped[str] = mapped_column(sa.Text, default="")
    needs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # ticked by the officer
    notes: Mapped[str] = mapped_column(sa.Text, default="")  # the client's own words
    accepted_needs: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # from the notes
    tools: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    budget_monthly_max: Mapped[int | None]
    urgency: Mapped[str] = mapped_column(sa.String(20), default="")
    onsite_required: Mapped[bool] = mapped_column(default=False)
    decision_maker: Mapped[str] = mapped_column(sa.String(100), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    client: Mapped[ClientCompany] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def all_needs(self) -> list[str]:
        """Ticked plus accepted-from-notes, in ticked order, no duplicates."""
        return list(dict.fromkeys([*self.needs, *self.accepted_needs]))
