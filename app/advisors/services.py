"""Advisor (デジタル人材) roster: one set of field rules for the form, the JSON/CSV import and
the command line; create / update / bulk import with audit rows; search and filters; the
import preview and its server-side staging. No request globals; flushes, never commits."""
import json
import math
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit.services import GENESIS, _row_digest, history, record, snapshot
from app.errors import DomainError
from app.extensions import db
from app.japan import JapanInputError
from app.japan.identifiers import (
    JSIC_DIVISIONS,
    normalize_corporate_number,
    normalize_industry,
    normalize_invoice_number,
    normalize_prefecture,
)
from app.japan.text import (
    clean_text,
    hiragana_to_katakana,
    nfkc,
    normalize_email,
    normalize_kana,
)
from app.matching.engine import fold_tool
from app.matching.taxonomy import NEED_TAGS
from app.models import Advisor, AdvisorSkill, AdvisorStatus, AuditLog, Role, User
from app.models.base import utcnow
from app.models.user import ROLE_LABELS

ADVISOR_LABELS = {
    "external_id": "アドバイザーID", "name": "氏名", "name_kana": "フリガナ",
    "email": "メールアドレス", "hometown": "出身地", "residence": "居住地",
    "contribution_prefectures": "地元貢献を希望する都道府県", "skills": "スキル",
    "industries": "経験業種", "tools": "ツール", "onsite": "訪問対応",
    "capacity": "稼働枠", "active_clients": "稼働中の顧問先数", "rating": "評価",
    "completed_engagements": "支援実績", "status": "稼働状況", "conflicts": "利益相反先の法人番号",
    "invoice_registration": "適格請求書発行事業者登録番号", "bio": "経歴・自己紹介",
}
# Stored columns (the CSV columns, the audit snapshot) and their Japanese names.
COLUMN_LABELS = {
    **{k: v for k, v in ADVISOR_LABELS.items() if k not in ("hometown", "residence")},
    "hometown_prefecture": "出身地（都道府県）", "hometown_municipality": "出身地（市区町村）",
    "residence_prefecture": "居住地（都道府県）", "residence_municipality": "居住地（市区町村）",
}
STATUS_LABELS = {
    AdvisorStatus.ACTIVE: "稼働中", AdvisorStatus.PAUSED: "一時休止",
    AdvisorStatus.INACTIVE: "稼働停止", AdvisorStatus.LEFT: "退任",
}
MAX_COUNT = 999  # capacity, clients, engagements: anything above is a typing mistake


# ---- errors ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int = 0

    def __str__(self) -> str:
        text = f"作成 {self.created}件・更新 {self.updated}件"
        return text + (f"・変更なし {self.unchanged}件" if self.unchanged else "")


_PATH_RE = re.compile(r"([A-Za-z_]+)(?:\[([0-9]+)\])?(?:\.([a-z_]+))?")


def split_path(path: str) -> tuple[str, int | None, str | None]:
    """'skills[2].level' → ('skills', 2, 'level'); 'hometown.prefecture' → ('hometown', None,
    'prefecture'); anything else is returned whole."""
    m = _PATH_RE.fullmatch(path)
    if not m:
        return path, None, None
    return m.group(1), int(m.group(2)) if m.group(2) else None, m.group(3)


@dataclass(frozen=True)
class ImportRowError:
    """One invalid value. `field` is a path in the record (``skills[2].level``). `row` counts
    records from 1 in a JSON list; in a CSV file it is the spreadsheet row (header = 1)."""

    row: int
    external_id: str
    field: str
    message: str
    source: str = "json"

    @property
    def unit(self) -> str:
        return "行目" if self.source == "csv" else "件目"

    @property
    def column(self) -> str:
        """Where to look: the CSV column (``hometown_prefecture``) or the JSON path."""
        if self.source != "csv":
            return self.field
        top, _, sub = split_path(self.field)
        return f"{top}_{sub}" if top in ("hometown", "residence") and sub else top

    @property
    def label(self) -> str:
        return COLUMN_LABELS.get(self.column) or ADVISOR_LABELS.get(split_path(self.field)[0], "")

    @property
    def detail(self) -> str:
        """The message, prefixed by the item for list values in a CSV cell (「2番目: …」)."""
        _, index, _ = split_path(self.field)
        if self.source == "csv" and index is not None:
            return f"{index}番目: {self.message}"
        return self.message

    def __str__(self) -> str:
        where = f"{self.column}（{self.label}）" if self.label else self.column
        who = f"（{self.external_id}）" if self.external_id else ""
        if self.source == "csv":
            return f"{self.row}行目{who} {where}列: {self.detail}"
        return f"{self.row}件目{who} {where}: {self.message}"


class AdvisorImportError(Exception):
    """The file has invalid records; nothing was written. `errors` lists every problem."""

    def __init__(self, errors: list[ImportRowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class DuplicateExternalId(DomainError):
    field = "external_id"


class StaleEdit(DomainError):
    """Someone saved the advisor after this form was opened (lost update prevented)."""


# ---- field cleaners: raw value (JSON, a form, a CSV cell) → stored value ---------------------

def _text(max_length: int, required: bool = False, multiline: bool = False, label: str = ""):
    def run(value: Any) -> str:
        if value is not None and not isinstance(value, str):
            raise JapanInputError("文字列で指定してください。")
        return clean_text(value or "", max_length=max_length, required=required,
                          multiline=multiline, label=label)
    return run


def _external_id(value: Any) -> str:
    v = nfkc(value).strip() if isinstance(value, str) else ""
    if not v:
        raise JapanInputError("アドバイザーIDを入力してください。")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,40}", v, re.ASCII):
        raise JapanInputError(
            "アドバイザーIDは40文字以内の半角英数字・ハイフンで指定してください。")
    return v


def _optional(cleaner: Callable[[str], str]) -> Callable[[Any], str]:
    def run(value: Any) -> str:
        if value is None or (isinstance(value, str) and not value.strip(" \u3000")):
            return ""
        if not isinstance(value, str):
            raise JapanInputError("文字列で指定してください。")
        return cleaner(value)
    return run


def _kana(value: str) -> str:
    v = normalize_kana(value)
    if len(v) > 100:
        raise JapanInputError("100文字以内で入力してください。")
    return v


def _count(value: Any) -> int:
    if isinstance(value, bool):
        raise JapanInputError("0以上の整数で指定してください。")
    if isinstance(value, int):
        v = value
    elif isinstance(value, str) and re.fullmatch(r"[0-9]{1,4}", nfkc(value).strip(), re.ASCII):
        v = int(nfkc(value).strip())
    else:
        raise JapanInputError("0以上の整数で指定してください。")
    if not 0 <= v <= MAX_COUNT:
        raise JapanInputError(f"0以上{MAX_COUNT}以下の整数で指定してください。")
    return v


def _bool(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise JapanInputError("true または false で指定してください（CSVでは 可／不可 も可）。")
    return value


def _rating(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise JapanInputError("評価は0〜5の数値で指定してください。")
    try:
        v = float(nfkc(value)) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise JapanInputError("評価は0〜5の数値で指定してください。") from None
    if math.isnan(v) or not 0 <= v <= 5:
        raise JapanInputError("評価は0〜5の数値で指定してください。")
    return v


def _status(value: Any) -> AdvisorStatus:
    if value is None or value == "":
        return AdvisorStatus.ACTIVE
    try:
        return AdvisorStatus(str(value).strip())
    except ValueError:
        pass
    by_label = {label: status for status, label in STATUS_LABELS.items()}
    if str(value).strip() in by_label:  # a spreadsheet may carry the Japanese label
        return by_label[str(value).strip()]
    choices = "、".join(f"{s.value}（{STATUS_LABELS[s]}）" for s in AdvisorStatus)
    raise JapanInputError(f"稼働状況は {choices} のいずれかで指定してください。")


def _invoice(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise JapanInputError("登録番号は「T」と13桁の数字で指定してください。")
    # Most advisors are individuals, whose number is not a 法人番号 (JAPAN.md §2).
    return normalize_invoice_number(value, corporation=False)


def _corporate_number(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    if re.fullmatch(r"[0-9.]+[Ee]\+?[0-9]+", text.strip(), re.ASCII):
        raise JapanInputError(
            f"法人番号が指数表記（{text.strip()[:20]}）になっています。表計算ソフトで数値に"
            "変換されたためです。列を文字列にして保存し直してください。")
    try:
        return normalize_corporate_number(text)
    except JapanInputError as exc:
        raise JapanInputError(f"{exc}（{text.strip()[:20]}）") from None


class _Row:
    """Collects the cleaned values and the errors of one record."""

    def __init__(self, raw: Mapping[str, Any]):
        self.raw = raw
        self.values: dict[str, Any] = {}
        self.errors: list[tuple[str, str]] = []

    def clean(self, field: str, cleaner: Callable[[Any], Any], value: Any = None,
              path: str | None = None) -> Any:
        try:
            return cleaner(self.raw.get(field) if path is None else value)
        except JapanInputError as exc:
            self.errors.append((path or field, str(exc)))
            return None

    def scalar(self, field: str, cleaner: Callable[[Any], Any]) -> None:
        if field in self.raw:
            before = len(self.errors)
            value = self.clean(field, cleaner)
            if len(self.errors) == before:
                self.values[field] = value

    def items(self, field: str) -> list | None:
        """The raw list under `field` (None when absent); an error when it is not a list."""
        if field not in self.raw or self.raw[field] is None:
            return None if field not in self.raw else []
        value = self.raw[field]
        if not isinstance(value, list):
            self.errors.append((field, "リスト（[...]）で指定してください。"))
            return None
        return value

    def list_of(self, field: str, cleaner: Callable[[Any], Any],
                key: Callable[[Any], Any] = lambda v: v) -> None:
        items = self.items(field)
        if items is None:
            return
        out: dict[Any, Any] = {}
        failed = False
        for i, item in enumerate(items, start=1):
            value = self.clean(field, cleaner, item, f"{field}[{i}]")
            failed = failed or value is None
            if value is not None:
                out.setdefault(key(value), value)
        if not failed:
            self.values[field] = list(out.values())


def _place(row: _Row, field: str) -> None:
    """hometown / residence: {prefecture, municipality}, both optional."""
    if field not in row.raw:
        return
    raw = row.raw[field] or {}
    if not isinstance(raw, Mapping):
        row.errors.append(
            (field, "{\"prefecture\": …, \"municipality\": …} の形で指定してください。"))
        return
    pref = row.clean(field, _optional(normalize_prefecture), raw.get("prefecture"),
                     f"{field}.prefecture")
    city = row.clean(field, _text(50), raw.get("municipality"), f"{field}.municipality")
    if pref is not None and city is not None:
        row.values[field] = (pref, city)


def _skills(row: _Row) -> None:
    items = row.items("skills")
    if items is None:
        return
    skills: dict[str, int] = {}
    before = len(row.errors)
    for i, item in enumerate(items, start=1):
        path = f"skills[{i}]"
        if not isinstance(item, Mapping):
            row.errors.append((path, "{\"tag\": …, \"level\": 1〜3} の形で指定してください。"))
            continue
        tag, level = item.get("tag"), item.get("level")
        if tag not in NEED_TAGS:
            row.errors.append((f"{path}.tag", f"不明なスキル分類です：{tag}"))
        elif tag in skills:
            row.errors.append((f"{path}.tag", f"スキル分類が重複しています：{tag}"))
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 3:
            row.errors.append((f"{path}.level", "レベルは1〜3の整数で指定してください。"))
        elif tag in NEED_TAGS:
            skills[tag] = level
    if len(row.errors) == before:
        row.values["skills"] = skills


_SCALARS: dict[str, Callable[[Any], Any]] = {
    "name_kana": _optional(_kana),
    "email": _optional(normalize_email),
    "onsite": _bool,
    "capacity": _count,
    "active_clients": _count,
    "rating": _rating,
    "completed_engagements": _count,
    "status": _status,
    "invoice_registration": _invoice,
    "bio": _text(4000, multiline=True),
}
_KNOWN = {"external_id", "name", "hometown", "residence", "contribution_prefectures",
          "skills", "industries", "tools", "conflicts", *_SCALARS}


def clean_advisor(raw: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Clean one advisor record in the import format (what the form, a CSV row and a JSON
    item all become). Returns the cleaned values of the fields present and every error as
    (path, Japanese message)."""
    if not isinstance(raw, Mapping):
        return {}, [("(全体)", "1件ずつ {…} の形で指定してください。")]
    row = _Row(raw)
    row.values["external_id"] = row.clean("external_id", _external_id)
    row.values["name"] = row.clean("name", _text(100, required=True, label="氏名"))
    for field_name, cleaner in _SCALARS.items():
        row.scalar(field_name, cleaner)
    _place(row, "hometown")
    _place(row, "residence")
    row.list_of("contribution_prefectures", normalize_prefecture)
    row.list_of("industries", normalize_industry)
    row.list_of("tools", _text(50, required=True), key=fold_tool)
    row.list_of("conflicts", _corporate_number)
    _skills(row)
    for name in raw:
        if name not in _KNOWN:
            row.errors.append((str(name), "不明な項目です。項目名をご確認ください。"))
    return row.values, row.errors


def validate_advisors(records: Any, *, rows: Sequence[int] | None = None, source: str = "json"
                      ) -> tuple[list[dict[str, Any]], list[ImportRowError]]:
    """Clean every record; returns the cleaned records and every error (none written).
    `rows` are the numbers shown to the user for each record (default 1, 2, …)."""
    if not isinstance(records, list):
        message = "アドバイザーのリスト [...] を指定してください。"
        return [], [ImportRowError(0, "", "(ファイル)", message, source)]
    if not records:
        return [], [ImportRowError(0, "", "(ファイル)",
                                   "取り込むアドバイザーが1件もありません。", source)]
    numbers = list(rows) if rows is not None else list(range(1, len(records) + 1))
    unit = "行目" if source == "csv" else "件目"
    cleaned: list[dict[str, Any]] = []
    errors: list[ImportRowError] = []
    seen: dict[str, int] = {}
    for row_no, raw in zip(numbers, records, strict=True):
        values, row_errors = clean_advisor(raw)
        ext = values.get("external_id") or (
            str(raw.get("external_id") or "") if isinstance(raw, Mapping) else "")
        if values.get("external_id"):
            if ext in seen:
                row_errors.append(("external_id", f"{seen[ext]}{unit}と同じIDです。"))
            seen.setdefault(ext, row_no)
        errors.extend(ImportRowError(row_no, ext[:40], f, m, source) for f, m in row_errors)
        cleaned.append(values)
    return cleaned, errors


# ---- stored form, snapshots, changes --------------------------------------------------------

SCALAR_COLUMNS = [
    "name", "name_kana", "email", "hometown_prefecture", "hometown_municipality",
    "residence_prefecture", "residence_municipality", "contribution_prefectures", "industries",
    "tools", "onsite", "capacity", "active_clients", "rating", "completed_engagements",
    "status", "conflicts", "invoice_registration", "bio",
]
AUDIT_FIELDS = ["external_id", *SCALAR_COLUMNS, "skills"]
# What a new advisor holds for a field the record leaves out (the model's defaults).
DEFAULTS: dict[str, Any] = {
    "name_kana": "", "email": "", "hometown_prefecture": "", "hometown_municipality": "",
    "residence_prefecture": "", "residence_municipality": "", "contribution_prefectures": [],
    "industries": [], "tools": [], "onsite": False, "capacity": 0, "active_clients": 0,
    "rating": None, "completed_engagements": 0, "status": AdvisorStatus.ACTIVE,
    "conflicts": [], "invoice_registration": None, "bio": "", "skills": {},
}


def _columns(values: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned record → stored column values (only the fields the record carries)."""
    cols = {k: values[k] for k in ("external_id", *SCALAR_COLUMNS) if k in values}
    for place in ("hometown", "residence"):
        if place in values:
            cols[f"{place}_prefecture"], cols[f"{place}_municipality"] = values[place]
    if "skills" in values:
        cols["skills"] = dict(values["skills"])
    return cols


def advisor_snapshot(advisor: Advisor) -> dict[str, Any]:
    """Every audited field of an advisor, JSON-safe; skills as {tag: level}."""
    snap = snapshot(advisor, ["external_id", *SCALAR_COLUMNS])
    snap["skills"] = {s.tag: s.level for s in advisor.skills}
    return snap


def _plain(cols: Mapping[str, Any]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, AdvisorStatus) else v) for k, v in cols.items()}


def _diff(before: Mapping[str, Any], cols: Mapping[str, Any]) -> list[str]:
    return [k for k, v in _plain(cols).items() if before.get(k) != v]


def _apply(advisor: Advisor, cols: Mapping[str, Any]) -> None:
    for name in ("external_id", *SCALAR_COLUMNS):
        if name in cols:
            setattr(advisor, name, cols[name])
    if "skills" in cols:
        # Update in place: deleting and re-inserting the same tag in one flush would trip
        # the (advisor_id, tag) unique constraint (inserts are flushed before deletes).
        wanted = cols["skills"]
        for skill in list(advisor.skills):
            if skill.tag in wanted:
                skill.level = wanted[skill.tag]
            else:
                advisor.skills.remove(skill)
        have = {s.tag for s in advisor.skills}
        for tag, level in wanted.items():
            if tag not in have:
                advisor.skills.append(AdvisorSkill(tag=tag, level=level))
    # Skills live in another table: bump the row so an open edit form sees the change.
    advisor.updated_at = utcnow()


def _new_advisor(cols: Mapping[str, Any]) -> Advisor:
    full = {**DEFAULTS, **cols}
    return Advisor(**{k: full[k] for k in ("external_id", *SCALAR_COLUMNS)},
                   skills=[AdvisorSkill(tag=t, level=lv) for t, lv in full["skills"].items()],
                   updated_at=utcnow())


def _insert_returning_ids(table: sa.Table, rows: list[dict[str, Any]], key: str
                          ) -> dict[Any, int]:
    """Insert rows in batches; returns the new ids by the value of the unique `key`
    column. Plain executemany and a SELECT by key, rather than INSERT … RETURNING: the
    ORM inserts these one at a time on SQLite, and psycopg returns rows one by one."""
    conn = db.session.connection()
    ids: dict[Any, int] = {}
    for chunk in _chunks(rows, 1000):
        conn.execute(sa.insert(table), chunk)
        keys = [row[key] for row in chunk]
        ids.update((k, i) for i, k in conn.execute(
            sa.select(table.c.id, table.c[key]).where(table.c[key].in_(keys))))
    return ids


def _insert_new(new: list[dict[str, Any]]) -> dict[str, int]:
    """Insert many new advisors and their skills in batches; returns their ids by
    external_id."""
    now = utcnow()
    ids = _insert_returning_ids(Advisor.__table__, [
        {**{k: full[k] for k in ("external_id", *SCALAR_COLUMNS)}, "updated_at": now}
        for full in new], "external_id")
    skills = [{"advisor_id": ids[full["external_id"]], "tag": tag, "level": level}
              for full in new for tag, level in full["skills"].items()]
    for chunk in _chunks(skills, 5000):
        db.session.connection().execute(sa.insert(AdvisorSkill.__table__), chunk)
    return ids


@dataclass(frozen=True)
class AuditEntry:
    """One audit row to append (see record_many)."""

    action: str
    record_type: str
    record_id: Any
    summary: str = ""
    before: dict | None = None
    after: dict | None = None


def record_many(actor: User | None, entries: Sequence[AuditEntry], *, ip: str = "") -> None:
    """Append many audit rows at once, chained exactly as audit.record() chains one row
    (same lock on the last row, same digest), in three batched statements instead of three
    per row: 10,000 rows take well under a second instead of half a minute.

    TODO(lead): belongs in app/audit/services.py as `record_many` next to record(); it is
    here only because that file is not the advisor area's to edit."""
    if not entries:
        return
    table = AuditLog.__table__
    conn = db.session.connection()
    last = db.session.execute(
        sa.select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)
        .with_for_update()).first()
    marker = secrets.token_hex(8)
    common = {"at": utcnow(), "actor_id": actor.id if actor else None,
              "actor_name": actor.name if actor else "システム",
              "actor_role": actor.role.value if actor else "system",
              "bank_id": actor.bank_id if actor else None, "ip": ip[:45], "case_id": None}
    rows = [{**common, "action": e.action, "record_type": e.record_type,
             "record_id": str(e.record_id), "summary": e.summary[:300],
             "before": None if e.before is None else _plain(e.before),
             "after": None if e.after is None else _plain(e.after),
             "prev_hash": "pending", "hash": f"pending-{marker}-{i}"}
            for i, e in enumerate(entries)]
    ids = _insert_returning_ids(table, rows, "hash")  # placeholder hash → id
    prev = last.hash if last else GENESIS
    chained = []
    for row in sorted(rows, key=lambda r: ids[r["hash"]]):
        digest = _row_digest(SimpleNamespace(**{**row, "id": ids[row["hash"]],
                                                "prev_hash": prev}))
        chained.append({"row_id": ids[row["hash"]], "new_prev": prev, "new_hash": digest})
        prev = digest
    conn.execute(sa.update(table).where(table.c.id == sa.bindparam("row_id"))
                 .values(prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash")),
                 chained)


def _create_entry(advisor_id: int, full: Mapping[str, Any], via: str) -> AuditEntry:
    """`full`: every audited field of the new advisor (defaults included)."""
    return AuditEntry("advisor.create", "advisor", advisor_id,
                      f"{full['name']}（{full['external_id']}）を登録しました{via}。",
                      after=_plain({k: full[k] for k in AUDIT_FIELDS}))


def _record(actor: User | None, entry: AuditEntry, ip: str) -> None:
    record(actor, entry.action, entry.record_type, entry.record_id, summary=entry.summary,
           before=entry.before, after=entry.after, ip=ip)


# ---- one advisor (the form) -----------------------------------------------------------------

def _advisor_by_external_id(external_id: str) -> Advisor | None:
    return db.session.scalar(sa.select(Advisor).where(Advisor.external_id == external_id))


def create_advisor(values: Mapping[str, Any], *, actor: User, ip: str = "") -> Advisor:
    """Register an advisor from cleaned values (clean_advisor). Raises DuplicateExternalId
    when the ID is taken. Writes an audit row with every field."""
    existing = _advisor_by_external_id(values["external_id"])
    if existing is not None:
        raise DuplicateExternalId(
            f"このアドバイザーIDはすでに使われています（{existing.name}）。")
    cols = _columns(values)
    advisor = _new_advisor(cols)
    db.session.add(advisor)
    db.session.flush()
    _record(actor, _create_entry(advisor.id, {**DEFAULTS, **cols}, ""), ip)
    return advisor


def parse_stamp(text: str) -> datetime | None:
    """The updated_at carried in an edit form (ISO 8601), or None when unreadable."""
    try:
        stamp = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return stamp if stamp.tzinfo is not None else None


def update_advisor(advisor: Advisor, values: Mapping[str, Any], *,
                   expected_updated_at: datetime | None, actor: User, ip: str = "") -> bool:
    """Save the form's values if nobody saved the advisor since the form was opened: the
    row's updated_at must still be the one the form carried (compare-and-set in SQL, so two
    workers cannot both pass). Raises StaleEdit otherwise. The external_id is not changed
    (imports match on it). Writes an audit row with before/after of the changed fields.
    Returns False when nothing changed."""
    stale = StaleEdit("ほかの方（または取り込み）がこのアドバイザーを先に更新しました。"
                      "最新の内容を確認してから、もう一度保存してください。")
    if expected_updated_at is None or advisor.updated_at != expected_updated_at:
        raise stale
    cols = _columns(values)
    cols.pop("external_id", None)
    before = advisor_snapshot(advisor)
    changed = _diff(before, cols)
    if not changed:
        return False
    claimed = db.session.execute(
        sa.update(Advisor).where(Advisor.id == advisor.id,
                                 Advisor.updated_at == expected_updated_at)
        .values(updated_at=utcnow()).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise stale
    _apply(advisor, {k: cols[k] for k in changed})
    db.session.flush()
    _record(actor, _change_entry(advisor.id, before, {k: cols[k] for k in changed}, ""), ip)
    return True


def suggest_external_id() -> str:
    """The next free ID in the roster's most common pattern (PTA-A-0171 after PTA-A-0170)."""
    ids = db.session.scalars(sa.select(Advisor.external_id)).all()
    pattern = re.compile(r"(.*?)([0-9]+)", re.ASCII)
    numbered = [m for m in map(pattern.fullmatch, ids) if m]
    if not numbered:
        return "ADV-001"
    prefix = Counter(m.group(1) for m in numbered).most_common(1)[0][0]
    same = [m.group(2) for m in numbered if m.group(1) == prefix]
    width = max(len(n) for n in same)
    taken = set(ids)
    n = max(int(x) for x in same) + 1
    while f"{prefix}{n:0{width}d}" in taken:
        n += 1
    return f"{prefix}{n:0{width}d}"


# ---- bulk import and its preview ------------------------------------------------------------

@dataclass
class PlannedRow:
    """What an import will do to one record: create, update (with the changed fields) or
    nothing."""

    row: int
    external_id: str
    name: str
    action: str  # "create" | "update" | "unchanged"
    changed: list[str] = field(default_factory=list)

    @property
    def changed_labels(self) -> str:
        return "・".join(COLUMN_LABELS.get(k, k) for k in self.changed)


@dataclass
class ImportPreview:
    errors: list[ImportRowError]
    plan: list[PlannedRow]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def summary(self) -> ImportSummary:
        counts = Counter(p.action for p in self.plan)
        return ImportSummary(counts["create"], counts["update"], counts["unchanged"])

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


def _chunks(items: Sequence, size: int = 2000):
    """Slices small enough for the bind-parameter limits of SQLite and PostgreSQL."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _existing(external_ids: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
    """Id and audit snapshot (as advisor_snapshot() gives it) of the advisors with these
    IDs, read as plain rows: building 10,000 ORM objects only to compare them is slow."""
    table, skill = Advisor.__table__, AdvisorSkill.__table__
    columns = [table.c.id, table.c.external_id, *(table.c[c] for c in SCALAR_COLUMNS)]
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(external_ids):
        for row in db.session.execute(sa.select(*columns).where(table.c.external_id.in_(chunk))):
            snap = _plain({c: row._mapping[c] for c in ("external_id", *SCALAR_COLUMNS)})
            snap["skills"] = {}
            found[row.external_id] = (row.id, snap)
            by_id[row.id] = snap
    for chunk in _chunks(list(by_id)):
        for advisor_id, tag, level in db.session.execute(
                sa.select(skill.c.advisor_id, skill.c.tag, skill.c.level)
                .where(skill.c.advisor_id.in_(chunk)).order_by(skill.c.id)):
            by_id[advisor_id]["skills"][tag] = level
    return found


def _plan(cleaned: list[dict[str, Any]], rows: Sequence[int]
          ) -> tuple[list[PlannedRow], dict[str, tuple[int, dict[str, Any]]]]:
    existing = _existing([v["external_id"] for v in cleaned])
    plan = []
    for row_no, values in zip(rows, cleaned, strict=True):
        ext = values["external_id"]
        if ext not in existing:
            plan.append(PlannedRow(row_no, ext, values["name"], "create"))
            continue
        changed = _diff(existing[ext][1], _columns(values))
        plan.append(PlannedRow(row_no, ext, values["name"],
                               "update" if changed else "unchanged", changed))
    return plan, existing


def _update_existing(changes: list[tuple[int, dict[str, Any], dict[str, Any]]]) -> None:
    """Write the changed fields of many advisors in batches: one UPDATE per set of changed
    columns (executemany), skills replaced as a whole. Advisors the session already holds
    are expired so that they are read again."""
    if not changes:
        return
    table, skill = Advisor.__table__, AdvisorSkill.__table__
    conn = db.session.connection()
    now = utcnow()
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for advisor_id, _, changed in changes:
        names = tuple(sorted(k for k in changed if k != "skills"))
        groups.setdefault(names, []).append(
            {"row_id": advisor_id, **{f"new_{k}": changed[k] for k in names}})
    for names, params in groups.items():
        stmt = sa.update(table).where(table.c.id == sa.bindparam("row_id")).values(
            updated_at=now,  # also when only skills changed: an open edit form goes stale
            **{k: sa.bindparam(f"new_{k}", type_=table.c[k].type) for k in names})
        for chunk in _chunks(params):
            conn.execute(stmt, chunk)
    reskilled = [(advisor_id, changed["skills"]) for advisor_id, _, changed in changes
                 if "skills" in changed]
    for chunk in _chunks(reskilled):
        conn.execute(sa.delete(skill).where(skill.c.advisor_id.in_([i for i, _ in chunk])))
        rows = [{"advisor_id": i, "tag": t, "level": lv} for i, skills in chunk
                for t, lv in skills.items()]
        if rows:
            conn.execute(sa.insert(skill), rows)
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Advisor | AdvisorSkill):
            db.session.expire(obj)


def _change_entry(advisor_id: int, before: Mapping[str, Any], changed: Mapping[str, Any],
                  via: str) -> AuditEntry:
    labels = "・".join(COLUMN_LABELS.get(k, k) for k in changed)
    return AuditEntry("advisor.update", "advisor", advisor_id, f"{labels}を変更しました{via}。",
                      before={k: before.get(k) for k in changed}, after=_plain(changed))


def preview_import(records: Any, *, rows: Sequence[int] | None = None, source: str = "json",
                   file_errors: Sequence[ImportRowError] = ()) -> ImportPreview:
    """Validate the whole file and say what importing it would do; writes nothing."""
    if file_errors and not records:  # the file could not be read: nothing more to say
        return ImportPreview(list(file_errors), [])
    cleaned, errors = validate_advisors(records, rows=rows, source=source)
    errors = [*file_errors, *errors]
    if errors:
        return ImportPreview(errors, [])
    numbers = list(rows) if rows is not None else list(range(1, len(cleaned) + 1))
    plan, _ = _plan(cleaned, numbers)
    return ImportPreview([], plan)


def import_advisors(records: Any, *, actor: User | None = None, ip: str = "",
                    rows: Sequence[int] | None = None, source: str = "json",
                    label: str = "", batch: str = "") -> ImportSummary:
    """Create or update advisors by external_id from a list of records (the acceptance JSON
    format; CSV rows are converted to it first).

    The whole list is validated first: if any record is invalid, nothing is written and
    AdvisorImportError lists every error (row, external_id, field, Japanese message).
    On update, the fields present in the record replace the stored ones (skills as a whole
    set); absent fields are kept; an advisor whose values are all the same is left alone.
    Audit: one row per created or changed advisor (before/after of the changed fields) and
    one summary row for the file (none when nothing changed). Writes in batches through
    the session's connection; the caller commits."""
    cleaned, errors = validate_advisors(records, rows=rows, source=source)
    if errors:
        raise AdvisorImportError(errors)
    numbers = list(rows) if rows is not None else list(range(1, len(cleaned) + 1))
    db.session.flush()  # what follows writes through the connection
    plan, existing = _plan(cleaned, numbers)
    via = f"（{label or source.upper() + '取り込み'}）"
    created: list[dict[str, Any]] = []
    changes: list[tuple[int, dict[str, Any], dict[str, Any]]] = []  # id, before, changed
    for values, planned in zip(cleaned, plan, strict=True):
        cols = _columns(values)
        if planned.action == "create":
            created.append({**DEFAULTS, **cols})
        elif planned.action == "update":
            advisor_id, before = existing[planned.external_id]
            changes.append((advisor_id, before, {k: cols[k] for k in planned.changed}))
    ids = _insert_new(created) if created else {}
    _update_existing(changes)
    summary = ImportSummary(len(created), len(changes),
                            sum(p.action == "unchanged" for p in plan))
    if created or changes:  # an import that changes nothing leaves no trace
        record_many(actor, [
            *(_create_entry(ids[full["external_id"]], full, via) for full in created),
            *(_change_entry(advisor_id, before, changed, via)
              for advisor_id, before, changed in changes),
            AuditEntry("advisor.import", "advisor_import", (batch or source)[:40],
                       f"アドバイザーを取り込みました{via}：{summary}"),
        ], ip=ip)
    return summary


# ---- staging an uploaded file between preview and confirmation -------------------------------

STAGE_TTL_SECONDS = 3600
_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32}", re.ASCII)


class StagedImportMissing(DomainError):
    status = 410

    def __init__(self) -> None:
        super().__init__("この取り込みは実行済みか、有効期限（1時間）が切れています。"
                         "もう一度ファイルを選んでください。")


def _purge_stale(folder: Path, now: float) -> None:
    for path in folder.glob("*.json*"):
        try:
            if now - path.stat().st_mtime > STAGE_TTL_SECONDS:
                path.unlink()
        except FileNotFoundError:
            pass  # another worker purged it


def stage_import(folder: Path, payload: dict[str, Any], *, actor: User) -> str:
    """Keep a validated upload on disk (shared by every worker on the host, not in the
    cookie) until the operator confirms it; returns a random token. Old files are purged."""
    folder.mkdir(parents=True, exist_ok=True)
    _purge_stale(folder, time.time())
    token = secrets.token_urlsafe(24)
    tmp = folder / f".{token}.tmp"
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w",
              encoding="utf-8") as f:
        json.dump({**payload, "actor_id": actor.id}, f, ensure_ascii=False)
    tmp.rename(folder / f"{token}.json")
    return token


def claim_import(folder: Path, token: str, *, actor: User) -> dict[str, Any]:
    """Take a staged upload for import. The rename is atomic: of two confirmations (double
    click, two tabs, two workers) only one gets the file. Raises StagedImportMissing."""
    if not _TOKEN_RE.fullmatch(token or ""):
        raise StagedImportMissing()
    path = folder / f"{token}.json"
    claimed = folder / f"{token}.json.{secrets.token_hex(4)}.claimed"
    try:
        if time.time() - path.stat().st_mtime > STAGE_TTL_SECONDS:
            raise StagedImportMissing()
        path.rename(claimed)
    except FileNotFoundError:
        raise StagedImportMissing() from None
    try:
        payload = json.loads(claimed.read_text(encoding="utf-8"))
    finally:
        claimed.unlink(missing_ok=True)
    if payload.get("actor_id") != actor.id:
        raise StagedImportMissing()
    return payload


# ---- search ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class AdvisorFilters:
    q: str = ""
    skill: str = ""
    min_level: int = 1
    hometown: str = ""
    free: bool = False
    onsite: bool = False
    status: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q.strip() or self.skill or self.hometown or self.free or self.onsite
                    or self.status)


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _no_spaces(column):
    return sa.func.replace(sa.func.replace(column, " ", ""), "\u3000", "")


def search_advisors(filters: AdvisorFilters, *, limit: int = 50, offset: int = 0
                    ) -> tuple[list[Advisor], int]:
    """Advisors matching the filters (name, フリガナ or ID search; skill at a minimum level;
    prefecture of birth; free capacity; on-site; status), ordered by ID, and their count."""
    conditions = []
    q = filters.q.strip(" \u3000")
    if q:
        typed = "".join(q.split())
        kana = "".join(hiragana_to_katakana(nfkc(q)).split())
        conditions.append(sa.or_(
            _no_spaces(Advisor.name).like(_like(typed), escape="\\"),
            _no_spaces(Advisor.name_kana).like(_like(kana), escape="\\"),
            sa.func.lower(Advisor.external_id).like(_like(nfkc(typed).lower()), escape="\\"),
        ))
    if filters.skill:
        conditions.append(Advisor.id.in_(
            sa.select(AdvisorSkill.advisor_id).where(AdvisorSkill.tag == filters.skill,
                                                     AdvisorSkill.level >= filters.min_level)))
    if filters.hometown:
        conditions.append(Advisor.hometown_prefecture == filters.hometown)
    if filters.free:
        conditions.append(Advisor.capacity > Advisor.active_clients)
    if filters.onsite:
        conditions.append(Advisor.onsite.is_(True))
    if filters.status:
        conditions.append(Advisor.status == AdvisorStatus(filters.status))
    total = db.session.scalar(sa.select(sa.func.count(Advisor.id)).where(*conditions))
    advisors = db.session.scalars(
        sa.select(Advisor).where(*conditions).options(selectinload(Advisor.skills))
        .order_by(Advisor.external_id, Advisor.id).limit(limit).offset(offset)).all()
    return list(advisors), total or 0


def all_advisors() -> Iterable[Advisor]:
    """The whole roster in ID order, with skills (for the CSV export)."""
    return db.session.scalars(
        sa.select(Advisor).options(selectinload(Advisor.skills))
        .order_by(Advisor.external_id, Advisor.id))


def record_export(count: int, *, actor: User, ip: str = "") -> None:
    """A download of the roster (personal data) is itself in the audit log."""
    record(actor, "advisor.export", "advisor_roster", "all", ip=ip,
           summary=f"アドバイザー名簿をCSVで出力しました（{count}名）。")


# ---- history --------------------------------------------------------------------------------

ACTION_LABELS = {"advisor.create": "登録", "advisor.update": "更新"}


def _role_label(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return "自動処理"  # seeding and other jobs run as the system


def display_value(name: str, value: Any) -> str:
    """A stored value as people read it in the history (lists with 、, skills with levels)."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if name == "skills" and isinstance(value, Mapping):
        return "、".join(f"{tag}（Lv{level}）" for tag, level in value.items())
    if name == "industries" and isinstance(value, list):
        return "、".join(f"{v} {JSIC_DIVISIONS.get(v, '')}".strip() for v in value)
    if name == "status":
        try:
            return STATUS_LABELS[AdvisorStatus(value)]
        except ValueError:
            return str(value)
    if name == "onsite":
        return "可" if value else "不可"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


@dataclass(frozen=True)
class HistoryChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    role: str
    action: str
    summary: str
    ip: str
    changes: list[HistoryChange]
    created: bool = False  # a registration: `changes` lists the values it started with


def advisor_history(advisor: Advisor) -> list[HistoryEntry]:
    """The advisor's audit rows, newest first, with before → after per changed field (a
    registration lists its non-empty fields)."""
    entries = []
    for row in history("advisor", advisor.id):
        before, after = row.before or {}, row.after or {}
        names = [k for k in AUDIT_FIELDS if k in after or k in before]
        changes = [HistoryChange(COLUMN_LABELS.get(k, k), display_value(k, before.get(k)),
                                 display_value(k, after.get(k)))
                   for k in names
                   if row.action != "advisor.create" or display_value(k, after.get(k)) != "—"]
        entries.append(HistoryEntry(row.at, row.actor_name, _role_label(row.actor_role),
                                    ACTION_LABELS.get(row.action, row.action), row.summary,
                                    row.ip, changes, row.action == "advisor.create"))
    return entries
