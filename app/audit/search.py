"""Searching the audit log for its page and CSV export: by person, case, JST date range and
action, in the viewer's scope (本部: rows of its own bank; 運営: all). No request globals:
the caller passes the viewer and the query arguments."""
import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.admin.history import role_label, row_changes
from app.advisors.csv_format import _safe as spreadsheet_safe
from app.audit.labels import action_label, record_type_label
from app.extensions import db
from app.japan.dates import JST, format_jst
from app.japan.text import fold_variants, nfkc, unify_hyphens, variant_spellings
from app.models import AuditLog, Case, Role, User

PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""  # part of the actor's name as typed, spaces aside (variants fold)
    case: str = ""  # a case number or its beginning (PTA-2026-…)
    date_from: date | None = None  # JST days, both inclusive
    date_to: date | None = None
    action: str = ""
    typed: dict[str, str] = field(default_factory=dict)  # as typed, for the form and links

    @property
    def active(self) -> bool:
        return any(self.typed.values())


DAY_NAMES = {"from": "開始日", "to": "終了日"}


def typed_day(typed: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    """A JST day typed as 2026-04-01 or 2026/4/1 (full-width digits too); blank is none.
    Years outside 2000–2999 are refused too (they are typing mistakes, and the first and
    last days of the calendar cannot be turned into UTC)."""
    text = nfkc(typed[name]).strip()
    if not text:
        return None
    m = re.fullmatch(r"(2\d{3})[-/](\d{1,2})[-/](\d{1,2})", text, re.ASCII)
    if m:
        try:
            return date(*map(int, m.groups()))
        except ValueError:
            pass  # 2026-02-30
    errors[name] = (f"{DAY_NAMES[name]}「{typed[name].strip()}」は日付として読めません。"
                    "2026-04-01 のように入力してください。")
    return None


def filters_from_args(args: Mapping[str, str]) -> tuple[AuditFilters, dict[str, str]]:
    """The filters from the query string and the Japanese message per bad field (a date
    that is not one, a period that ends before it starts)."""
    typed = {k: (args.get(k) or "")[:100] for k in ("actor", "case", "from", "to", "action")}
    errors: dict[str, str] = {}
    date_from, date_to = typed_day(typed, "from", errors), typed_day(typed, "to", errors)
    if date_from and date_to and date_from > date_to:
        errors["to"] = "終了日が開始日より前になっています。期間を確認してください。"
    filters = AuditFilters(
        # Names are compared as recorded (NFKC would change some kanji), spaces aside and
        # variants folded (see actor_matches).
        actor=re.sub(r"[ \u3000]", "", typed["actor"]),
        case=unify_hyphens(nfkc(typed["case"])).strip().upper(),
        date_from=date_from, date_to=date_to, action=typed["action"].strip(),
        typed={k: v for k, v in typed.items() if v})
    return filters, errors


def describe(filters: AuditFilters) -> str:
    """The filters in words, for the record of an export."""
    parts = []
    if filters.actor:
        parts.append(f"操作者「{filters.actor}」")
    if filters.case:
        parts.append(f"案件番号「{filters.case}」")
    if filters.date_from or filters.date_to:
        parts.append(f"期間 {filters.date_from or ''}〜{filters.date_to or ''}")
    if filters.action:
        parts.append(f"操作「{action_label(filters.action)}」")
    return "条件：" + "、".join(parts) if parts else "条件なし"


def jst_day_start(day: date) -> datetime:
    """The UTC moment a JST day begins (the audit log stores UTC)."""
    return datetime.combine(day, time(0), JST).astimezone(UTC)


def _like_prefix(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def actor_matches(typed: str) -> sa.ColumnElement:
    """Rows whose actor's name contains what was typed, spaces aside: 「吉田」 finds
    「𠮷田 髙志」 and 「𠮷田」 finds 「吉田 太郎」, as the client search treats them. The audit
    log keeps no search key (its rows never change), so the typed name is spelled every way
    its variant kanji can be written, one LIKE each, in SQL (SQLite and PostgreSQL alike)."""
    stored = sa.func.replace(sa.func.replace(AuditLog.actor_name, " ", ""), "\u3000", "")
    return sa.or_(*(stored.like(f"%{_like_prefix(spelling)}%", escape="\\")
                    for spelling in variant_spellings(typed)))  # typed: spaces removed


def _scope(viewer: User) -> list:
    if viewer.role == Role.OPERATOR:
        return []
    if viewer.role == Role.HQ:
        return [AuditLog.bank_id == viewer.bank_id]
    return [sa.false()]  # the page is not theirs; never a row


def _conditions(viewer: User, filters: AuditFilters) -> list:
    conditions = _scope(viewer)
    if filters.actor:
        conditions.append(actor_matches(filters.actor))
    if filters.case:
        # 「PTA-2026-0000」 from the start; 「000123」 or 「123」 (digits only) from the end.
        typed = _like_prefix(filters.case)
        pattern = f"%{typed}" if filters.case.isdigit() else f"{typed}%"
        cases = sa.select(Case.id).where(Case.case_number.like(pattern, escape="\\"))
        if viewer.role != Role.OPERATOR:  # another bank's case number finds nothing
            cases = cases.where(Case.bank_id == viewer.bank_id)
        conditions.append(AuditLog.case_id.in_(cases))
    if filters.date_from:
        conditions.append(AuditLog.at >= jst_day_start(filters.date_from))
    if filters.date_to:
        conditions.append(AuditLog.at < jst_day_start(filters.date_to + timedelta(days=1)))
    if filters.action:
        conditions.append(AuditLog.action == filters.action)
    return conditions


def search_audit(viewer: User, filters: AuditFilters, *, limit: int | None = PAGE_SIZE,
                 offset: int = 0) -> tuple[list[AuditLog], int]:
    """Rows the viewer may see that match every filter given, newest first by their time
    (rows of one instant in the order written), and their count."""
    conditions = _conditions(viewer, filters)
    total = db.session.scalar(sa.select(sa.func.count(AuditLog.id)).where(*conditions))
    rows = db.session.scalars(sa.select(AuditLog).where(*conditions)
                              .order_by(AuditLog.at.desc(), AuditLog.id.desc())
                              .limit(limit).offset(offset)).all()
    return list(rows), total or 0


def actions_in_scope(viewer: User) -> list[str]:
    """The actions present in the viewer's rows (for the action select)."""
    return list(db.session.scalars(sa.select(AuditLog.action).where(*_scope(viewer))
                                   .distinct().order_by(AuditLog.action)))


def actor_names(viewer: User) -> list[tuple[str, str]]:
    """Names to suggest in the person field: the 本部's bank staff (operators see too many
    banks for a list to help), each with its common form when it has variants
    (「𠮷田 髙志」, 「吉田 高志」) so that typing 「吉田」 suggests it too; else ""."""
    if viewer.role != Role.HQ:
        return []
    names = db.session.scalars(sa.select(User.name).where(User.bank_id == viewer.bank_id)
                               .distinct().order_by(User.name))
    return [(name, common if (common := fold_variants(name)) != name else "") for name in names]


def case_numbers(rows: Iterable[AuditLog]) -> dict[int, str]:
    """Case number by case id for the rows shown."""
    ids = {r.case_id for r in rows if r.case_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(Case.id, Case.case_number).where(Case.id.in_(ids))).all())


CSV_HEADER = ["ID", "日時（日本時間）", "操作者", "役割", "操作", "操作コード", "内容",
              "記録の種類", "記録の種類コード", "記録ID", "案件番号", "IPアドレス", "変更内容"]


def export_csv(rows: list[AuditLog]) -> str:
    """The rows as CSV text (the caller adds the BOM so Excel reads UTF-8); cells a
    spreadsheet would run as formulas are quoted."""
    numbers = case_numbers(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        changes = "／".join(f"{c.label}：{c.before} → {c.after}" for c in row_changes(r))
        cells = [str(r.id), format_jst(r.at, with_seconds=True), r.actor_name,
                 role_label(r.actor_role), action_label(r.action), r.action, r.summary,
                 record_type_label(r.record_type), r.record_type, r.record_id,
                 numbers.get(r.case_id, ""), r.ip, changes]
        writer.writerow([spreadsheet_safe(c) for c in cells])
    return buffer.getvalue()
