"""Staff accounts with their role and place in a bank."""
import enum
import secrets

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.models.bank import Bank, Branch
from app.models.base import Base, str_enum


class Role(enum.StrEnum):
    OFFICER = "officer"  # 担当者
    SUPERVISOR = "supervisor"  # 役席
    MANAGER = "manager"  # 支店長
    HQ = "hq"  # 本部
    OPERATOR = "operator"  # 運営

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]

    @property
    def is_branch_role(self) -> bool:
        return self in (Role.OFFICER, Role.SUPERVISOR, Role.MANAGER)


ROLE_LABELS = {
    Role.OFFICER: "担当者",
    Role.SUPERVISOR: "役席",
    Role.MANAGER: "支店長",
    Role.HQ: "本部",
    Role.OPERATOR: "運営",
}


class User(UserMixin, Base):
    __tablename__ = "user"
    __table_args__ = (
        # Branch roles belong to a branch; hq to a bank; operators to neither.
        sa.CheckConstraint(
            "(role IN ('officer','supervisor','manager') AND branch_id IS NOT NULL"
            " AND bank_id IS NOT NULL)"
            " OR (role = 'hq' AND bank_id IS NOT NULL AND branch_id IS NULL)"
            " OR (role = 'operator' AND bank_id IS NULL AND branch_id IS NULL)",
            name="scope_matches_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login_id: Mapped[str] = mapped_column(sa.String(100), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role))
    bank_id: Mapped[int | None] = mapped_column(sa.ForeignKey("bank.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(sa.ForeignKey("branch.id"), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Named deputy (代理承認者): a 役席 who may approve on the branch manager's behalf.
    can_approve_on_behalf: Mapped[bool] = mapped_column(default=False)
    # Rotated at every login and logout: a session cookie carrying an older value is dead,
    # so logout really ends the session even if the cookie is replayed.
    session_token: Mapped[str] = mapped_column(sa.String(64), default=lambda: secrets.token_hex(16))

    bank: Mapped[Bank | None] = relationship()
    branch: Mapped[Branch | None] = relationship()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active
