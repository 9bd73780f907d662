"""Advisor (デジタル人材) records: bulk import from the operator's JSON list. No request
globals; flushes, never commits."""
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.japan import JapanInputError
from app.japan.identifiers import (
    normalize_corporate_number,
    normalize_industry,
    normalize_invoice_number,
    normalize_prefecture,
)
from app.japan.text import clean_text, nfkc, normalize_email, normalize_kana
from app.matching.engine import fold_tool
from app.matching.taxonomy import NEED_TAGS
from app.models import Advisor, AdvisorSkill, AdvisorStatus

ADVISOR_LABELS = {
    "external_id": "アドバイザーID", "name": "氏名", "name_kana": "フリガナ",
    "email": "メールアドレス", "hometown": "出身地", "residence": "居住地",
    "contribution_prefectures": "地元貢献を希望する都道府県", "skills": "スキル",
    "industries": "経験業種", "tools": "ツール", "onsite": "訪問対応",
    "capacity": "稼働枠", "active_clients": "稼働中の顧問先数", "rating": "評価",
    "completed_engagements": "支援実績", "status": "稼働状況", "conflicts": "利益相反先の法人番号",
    "invoice_registration": "適格請求書発行事業者登録番号", "bio": "経歴・自己紹介",
}
STATUS_LABELS = {
    AdvisorStatus.ACTIVE: "稼働中", AdvisorStatus.PAUSED: "一時休止",
    AdvisorStatus.INACTIVE: "稼働停止", AdvisorStatus.LEFT: "退任",
}
MAX_COUNT = 999  # capacity, clients, engagements: anything above is a typing mistake


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int

    def __str__(self) -> str:
        return f"作成 {self.created}件・更新 {self.updated}件"


@dataclass(frozen=True)
class ImportRowError:
    """One invalid value: `row` counts records in the file from 1; `field` may be a path
    such as ``skills[2].level``."""

    row: int
    external_id: str
    field: str
    message: str

    def __str__(self) -> str:
        top = re.split(r"[.\[]", self.field, maxsplit=1)[0]
        label = ADVISOR_LABELS.get(top)
        where = f"{self.field}（{label}）" if label else self.field
        who = f"（{self.external_id}）" if self.external_id else ""
        return f"{self.row}件目{who} {where}: {self.message}"


class AdvisorImportError(Exception):
    """The file has invalid records; nothing was written. `errors` lists every problem."""

    def __init__(self, errors: list[ImportRowError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# ---- field cleaners: raw JSON value → stored value, or JapanInputError ---------------------

def _text(max_length: int, required: bool = False, multiline: bool = False):
    def run(value: Any) -> str:
        if value is not None and not isinstance(value, str):
            raise JapanInputError("文字列で指定してください。")
        return clean_text(value or "", max_length=max_length, required=required,
                          multiline=multiline)
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
        raise JapanInputError("true または false で指定してください。")
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
        choices = "、".join(f"{s.value}（{STATUS_LABELS[s]}）" for s in AdvisorStatus)
        raise JapanInputError(f"稼働状況は {choices} のいずれかで指定してください。") from None


def _invoice(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise JapanInputError("登録番号は「T」と13桁の数字で指定してください。")
    # Most advisors are individuals, whose number is not a 法人番号 (JAPAN.md §2).
    return normalize_invoice_number(value, corporation=False)


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


def _clean_record(raw: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    if not isinstance(raw, Mapping):
        return {}, [("(全体)", "1件ずつ {…} の形で指定してください。")]
    row = _Row(raw)
    row.values["external_id"] = row.clean("external_id", _external_id)
    row.values["name"] = row.clean("name", _text(100, required=True))
    for field, cleaner in _SCALARS.items():
        row.scalar(field, cleaner)
    _place(row, "hometown")
    _place(row, "residence")
    row.list_of("contribution_prefectures", normalize_prefecture)
    row.list_of("industries", normalize_industry)
    row.list_of("tools", _text(50, required=True), key=fold_tool)
    row.list_of("conflicts", lambda v: normalize_corporate_number(v if isinstance(v, str)
                                                                  else str(v)))
    _skills(row)
    for field in raw:
        if field not in _KNOWN:
            row.errors.append((str(field), "不明な項目です。項目名をご確認ください。"))
    return row.values, row.errors


def validate_advisors(records: Any) -> tuple[list[dict[str, Any]], list[ImportRowError]]:
    """Clean every record; returns the cleaned records and every error (none written)."""
    if not isinstance(records, list):
        message = "アドバイザーのリスト [...] を指定してください。"
        return [], [ImportRowError(0, "", "(ファイル)", message)]
    cleaned: list[dict[str, Any]] = []
    errors: list[ImportRowError] = []
    seen: dict[str, int] = {}
    for row_no, raw in enumerate(records, start=1):
        values, row_errors = _clean_record(raw)
        ext = values.get("external_id") or (
            str(raw.get("external_id", "")) if isinstance(raw, Mapping) else "")
        if values.get("external_id"):
            if ext in seen:
                row_errors.append(("external_id", f"{seen[ext]}件目と同じIDです。"))
            seen.setdefault(ext, row_no)
        errors.extend(ImportRowError(row_no, ext, f, m) for f, m in row_errors)
        cleaned.append(values)
    return cleaned, errors


def _apply(advisor: Advisor, values: Mapping[str, Any]) -> None:
    for field in ("name", "name_kana", "email", "onsite", "capacity", "active_clients",
                  "rating", "completed_engagements", "status", "invoice_registration", "bio",
                  "contribution_prefectures", "industries", "tools", "conflicts"):
        if field in values:
            setattr(advisor, field, values[field])
    for field in ("hometown", "residence"):
        if field in values:
            pref, city = values[field]
            setattr(advisor, f"{field}_prefecture", pref)
            setattr(advisor, f"{field}_municipality", city)
    if "skills" in values:
        # Update in place: deleting and re-inserting the same tag in one flush would trip
        # the (advisor_id, tag) unique constraint (inserts are flushed before deletes).
        wanted = values["skills"]
        for skill in list(advisor.skills):
            if skill.tag in wanted:
                skill.level = wanted[skill.tag]
            else:
                advisor.skills.remove(skill)
        have = {s.tag for s in advisor.skills}
        for tag, level in wanted.items():
            if tag not in have:
                advisor.skills.append(AdvisorSkill(tag=tag, level=level))


def import_advisors(records: list[dict]) -> ImportSummary:
    """Create or update advisors by external_id from the operator's JSON list.

    The whole list is validated first: if any record is invalid, nothing is written and
    AdvisorImportError lists every error (row, external_id, field, Japanese message).
    On update, the fields present in the record replace the stored ones (skills as a whole
    set); absent fields are kept. Flushes; the caller commits."""
    cleaned, errors = validate_advisors(records)
    if errors:
        raise AdvisorImportError(errors)
    ids = [v["external_id"] for v in cleaned]
    existing = {a.external_id: a for a in db.session.scalars(
        sa.select(Advisor).options(selectinload(Advisor.skills))
        .where(Advisor.external_id.in_(ids)))} if ids else {}
    created = updated = 0
    for values in cleaned:
        advisor = existing.get(values["external_id"])
        if advisor is None:
            advisor = Advisor(external_id=values["external_id"], skills=[])
            db.session.add(advisor)
            created += 1
        else:
            updated += 1
        _apply(advisor, values)
    db.session.flush()
    return ImportSummary(created=created, updated=updated)
