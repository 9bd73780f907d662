"""Subsidy programmes (補助金・助成金): one programme's rules for one fiscal year, where it
applies and what it pays for. Data the operator keeps, not code (PRODUCT.md §5)."""
import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, str_enum, utcnow


class SubsidyScope(enum.StrEnum):
    NATIONAL = "national"  # 国
    PREFECTURE = "prefecture"  # 都道府県
    MUNICIPALITY = "municipality"  # 市区町村


SCOPE_LABELS = {
    SubsidyScope.NATIONAL: "国（全国）",
    SubsidyScope.PREFECTURE: "都道府県",
    SubsidyScope.MUNICIPALITY: "市区町村",
}


class SubsidyProgramme(Base):
    __tablename__ = "subsidy_programme"
    __table_args__ = (
        # The same programme returns every year with new rules: one row per fiscal year.
        sa.UniqueConstraint("name", "fiscal_year"),
        sa.CheckConstraint(
            "rate_numerator > 0 AND rate_denominator > 0 AND rate_numerator <= rate_denominator",
            name="rate_is_proper_fraction"),
        sa.CheckConstraint("cap_yen IS NULL OR cap_yen > 0", name="cap_positive"),
        sa.CheckConstraint("rounding_unit_yen >= 1", name="rounding_unit_positive"),
        sa.CheckConstraint(
            "(scope = 'national' AND municipality_code IS NULL)"
            " OR (scope <> 'national' AND municipality_code IS NOT NULL)",
            name="code_matches_scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    scope: Mapped[SubsidyScope] = mapped_column(str_enum(SubsidyScope))
    # 全国地方公共団体コード with its check digit (a prefecture: JIS code + 000 + check);
    # none for a national programme.
    municipality_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    prefecture: Mapped[str] = mapped_column(sa.String(10), default="")
    municipality: Mapped[str] = mapped_column(sa.String(50), default="")  # name, as written
    fiscal_year: Mapped[int]  # 年度 (西暦): 2025 = 令和7年度, April to March
    # The rate as a fraction of integers (2/3), never a float: amounts are integer yen.
    rate_numerator: Mapped[int]
    rate_denominator: Mapped[int]
    cap_yen: Mapped[int | None]  # 上限額; none = no cap stated
    # The programme pays in multiples of this (1,000 = 千円未満切り捨て).
    rounding_unit_yen: Mapped[int] = mapped_column(default=1)
    eligible_cost_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Whether a monthly advisory fee is an eligible cost: only then does a proposal show an
    # estimate. Explicit, because a cost type alone does not settle it (see the conditions).
    covers_advisory_fees: Mapped[bool] = mapped_column(default=False)
    application_window: Mapped[str] = mapped_column(sa.String(300), default="")
    # [{"kind": "apply_within_days", "days": 30}, {"kind": "note", "text": "…"}, …]
    conditions: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    documents_required: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    source_note: Mapped[str] = mapped_column(sa.String(1000), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def scope_label(self) -> str:
        return SCOPE_LABELS[self.scope]

    @property
    def area(self) -> str:
        """Where the programme applies, as people write it: 「滋賀県守山市」「福岡県」「全国」."""
        if self.scope == SubsidyScope.NATIONAL:
            return "全国"
        if self.scope == SubsidyScope.PREFECTURE:
            return self.prefecture
        return f"{self.prefecture}{self.municipality}"

    @property
    def rate_label(self) -> str:
        return f"{self.rate_numerator}/{self.rate_denominator}"
