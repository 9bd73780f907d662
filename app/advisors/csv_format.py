"""The advisor roster as a spreadsheet exports it: reading an uploaded CSV or JSON file into
import records (the acceptance JSON format, validated by the services), and writing the
roster back in the same CSV format so an export can be edited and imported again."""
import codecs
import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.advisors.services import COLUMN_LABELS, ImportRowError
from app.japan.text import nfkc
from app.models import Advisor, AdvisorStatus

CSV_COLUMNS = [
    "external_id", "name", "name_kana", "email", "hometown_prefecture", "hometown_municipality",
    "residence_prefecture", "residence_municipality", "contribution_prefectures", "skills",
    "industries", "tools", "onsite", "capacity", "active_clients", "rating",
    "completed_engagements", "status", "conflicts", "invoice_registration", "bio",
]
LIST_COLUMNS = ("contribution_prefectures", "industries", "tools", "conflicts")
# A blank cell in these columns means "not given": a new advisor gets the default, an
# existing one keeps its value. Blank text and list cells mean empty.
KEEP_WHEN_BLANK = ("onsite", "capacity", "active_clients", "rating", "completed_engagements",
                   "status")
REQUIRED_COLUMNS = ("external_id", "name")
PLACES = ("hometown", "residence")

# Column examples and notes, shown on the import page.
COLUMN_NOTES = {
    "external_id": ("ADV-001", "必須。半角英数字・ハイフン。同じIDの行は更新になります"),
    "name": ("佐藤 花子", "必須"),
    "name_kana": ("サトウ ハナコ", "ひらがな可"),
    "email": ("adv001@example.jp", ""),
    "hometown_prefecture": ("福岡県", "出身の都道府県"),
    "hometown_municipality": ("北九州市", ""),
    "residence_prefecture": ("東京都", ""),
    "residence_municipality": ("世田谷区", ""),
    "contribution_prefectures": ("福岡県;佐賀県", "「;」または「、」区切り"),
    "skills": ("在庫・受発注・生産管理:3;業務アプリ・ノーコード:2",
               "分類:レベル（1〜3）を「;」区切り"),
    "industries": ("E;I", "日本標準産業分類の大分類（A〜T）"),
    "tools": ("kintone;Excel", "「;」または「、」区切り"),
    "onsite": ("true", "true／false（可／不可、1／0 も可）"),
    "capacity": ("3", "受け持てる顧問先の数"),
    "active_clients": ("1", "稼働中の顧問先の数"),
    "rating": ("4.3", "0〜5。空欄可"),
    "completed_engagements": ("4", ""),
    "status": ("active", "active（稼働中）／paused（一時休止）／left（退任）"),
    "conflicts": ("7000012050002", "利益相反先の法人番号（13桁）を「;」区切り"),
    "invoice_registration": ("T1234567890123", "T＋13桁。空欄可"),
    "bio": ("製造業向けSaaSのPdMを8年…", "改行を含めても構いません"),
}

_ALIASES = {**{c: c for c in CSV_COLUMNS},
            **{label: key for key, label in COLUMN_LABELS.items() if key in CSV_COLUMNS}}
_LIST_SPLIT = re.compile("[;；、]")
_TRUE = {"true", "1", "可", "○", "はい", "yes", "y", "あり", "有"}
_FALSE = {"false", "0", "不可", "×", "いいえ", "no", "n", "なし", "無"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ParsedUpload:
    """An uploaded file turned into import records, with the rows to show for each record
    and the errors found before any record could be checked (encoding, header …)."""

    source: str  # "csv" | "json"
    records: list[Any] = field(default_factory=list)
    rows: list[int] | None = None
    errors: list[ImportRowError] = field(default_factory=list)


class UploadFormatError(ValueError):
    """The file cannot be read at all; the message says what to do, in Japanese."""


def decode_upload(data: bytes) -> str:
    """UTF-8 with or without a BOM; anything else gets a message naming what to do."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UploadFormatError("文字コードがUTF-16のため読めません。UTF-8で保存してください"
                                "（Excelでは「CSV UTF-8（コンマ区切り）」を選びます）。")
    if data.startswith(b"PK\x03\x04"):
        raise UploadFormatError(
            "Excelブック（.xlsx）は取り込めません。Excelで「名前を付けて保存」から"
            "「CSV UTF-8（コンマ区切り）」を選んで保存したファイルを選んでください。")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp932")
    except UnicodeDecodeError:
        raise UploadFormatError(
            "文字コードがUTF-8ではないため読めません。UTF-8で保存してください。") from None
    raise UploadFormatError(
        "文字コードがShift_JISのため読めません。UTF-8で保存してください（Excelでは「名前を付けて"
        "保存」で「CSV UTF-8（コンマ区切り）」を選びます）。")


def _file_error(source: str, message: str, row: int = 0, where: str = "(ファイル)"
                ) -> ImportRowError:
    return ImportRowError(row, "", where, message, source)


def parse_upload(filename: str, data: bytes) -> ParsedUpload:
    """Read an uploaded file: .json is the acceptance list, .csv the spreadsheet format;
    another extension is decided by the content."""
    name = (filename or "").lower()
    try:
        text = decode_upload(data)
    except UploadFormatError as exc:
        return ParsedUpload("json" if name.endswith(".json") else "csv",
                            errors=[_file_error("csv", str(exc))])
    is_json = name.endswith(".json") or (
        not name.endswith(".csv") and text.lstrip()[:1] in ("[", "{"))
    return parse_json(text) if is_json else parse_csv(text)


def parse_json(text: str) -> ParsedUpload:
    try:
        records = json.loads(text)
    except json.JSONDecodeError as exc:
        return ParsedUpload("json", errors=[_file_error(
            "json", f"JSONとして読めません（{exc.lineno}行目 {exc.colno}文字目付近）。")])
    return ParsedUpload("json", records=records)


def _cell(value: str | None) -> str:
    v = (value or "").strip(" \u3000")
    # Our export protects cells that a spreadsheet would run as a formula ('=…); undo it.
    if v.startswith("'") and v[1:2] and v[1] in _FORMULA_START:
        v = v[1:]
    return v


def _split(value: str) -> list[str]:
    return [p.strip(" \u3000") for p in _LIST_SPLIT.split(value) if p.strip(" \u3000")]


def _skill(item: str) -> dict[str, Any]:
    tag, sep, level = item.replace("：", ":").rpartition(":")
    if not sep:
        return {"tag": item, "level": None}
    level = nfkc(level).strip()
    return {"tag": tag.strip(" \u3000"),
            "level": int(level) if re.fullmatch(r"[0-9]{1,3}", level, re.ASCII) else level}


def _flag(value: str) -> bool | str:
    folded = nfkc(value).strip().lower()
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    return value  # refused by the validator with the accepted forms


def _record(header: list[str], cells: list[str]) -> dict[str, Any]:
    raw = dict(zip(header, cells, strict=True))
    out: dict[str, Any] = {}
    for column, value in raw.items():
        if column.startswith(PLACES):
            continue
        if column in KEEP_WHEN_BLANK:
            if value:
                out[column] = _flag(value) if column == "onsite" else value
        elif column == "skills":
            out[column] = [_skill(v) for v in _split(value)]
        elif column in LIST_COLUMNS:
            out[column] = _split(value)
        else:
            out[column] = value
    for place in PLACES:
        if f"{place}_prefecture" in raw and f"{place}_municipality" in raw:
            out[place] = {"prefecture": raw[f"{place}_prefecture"],
                          "municipality": raw[f"{place}_municipality"]}
    return out


def _header(cells: list[str]) -> tuple[list[str], list[ImportRowError]]:
    header: list[str] = []
    errors = []
    for text in cells:
        key = _ALIASES.get(text) or _ALIASES.get(text.lower())
        if key is None:
            errors.append(_file_error("csv", f"不明な列です：「{text[:40]}」。列名をご確認ください"
                                      "（テンプレートの見出しをお使いください）。", 1, "(見出し)"))
        elif key in header:
            errors.append(_file_error("csv", f"列「{text}」が2回あります。", 1, "(見出し)"))
        header.append(key or f"?{text}")
    for key in REQUIRED_COLUMNS:
        if key not in header:
            errors.append(_file_error(
                "csv", f"必須の列「{key}（{COLUMN_LABELS[key]}）」がありません。", 1, "(見出し)"))
    for place in PLACES:
        pair = {f"{place}_prefecture", f"{place}_municipality"}
        if len(pair & set(header)) == 1:
            errors.append(_file_error("csv", "列「" + "」と「".join(sorted(pair)) + "」は"
                                      "両方そろえてください。", 1, "(見出し)"))
    return header, errors


def parse_csv(text: str) -> ParsedUpload:
    """Header row, then one advisor per row. Rows are numbered as the spreadsheet shows
    them (header = 1); blank rows are skipped but still counted."""
    parsed = ParsedUpload("csv", rows=[])
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        first = next(reader, None)
        if first is None or not any(c.strip() for c in first):
            parsed.errors.append(
                _file_error("csv", "見出し行がありません（1行目に列名が必要です）。"))
            return parsed
        header, parsed.errors = _header([_cell(c) for c in first])
        known = [not h.startswith("?") for h in header]
        for row_no, cells in enumerate(reader, start=2):
            if not any(c.strip(" \u3000") for c in cells):
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                parsed.errors.append(_file_error(
                    "csv", "値の数が見出しの列数より多くなっています（値の中の「,」は"
                    "「\"」で囲んでください）。", row_no, "(行全体)"))
            cells = [_cell(c) for c in cells[:len(header)]]
            cells += [""] * (len(header) - len(cells))
            parsed.records.append(_record(
                [h for h, k in zip(header, known, strict=True) if k],
                [c for c, k in zip(cells, known, strict=True) if k]))
            parsed.rows.append(row_no)
    except csv.Error as exc:
        parsed.errors.append(_file_error("csv", f"CSVとして読めません（{exc}）。",
                                         reader.line_num))
    return parsed


# ---- writing ------------------------------------------------------------------------------

def _safe(value: str) -> str:
    """A spreadsheet runs cells starting with = + - @ as formulas: quote them."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def advisor_cells(advisor: Advisor) -> list[str]:
    status = advisor.status.value if isinstance(advisor.status, AdvisorStatus) else advisor.status
    values = {
        "external_id": advisor.external_id, "name": advisor.name,
        "name_kana": advisor.name_kana, "email": advisor.email,
        "hometown_prefecture": advisor.hometown_prefecture,
        "hometown_municipality": advisor.hometown_municipality,
        "residence_prefecture": advisor.residence_prefecture,
        "residence_municipality": advisor.residence_municipality,
        "skills": ";".join(f"{s.tag}:{s.level}" for s in advisor.skills),
        "onsite": "true" if advisor.onsite else "false",
        "capacity": str(advisor.capacity), "active_clients": str(advisor.active_clients),
        "rating": "" if advisor.rating is None else f"{advisor.rating:g}",
        "completed_engagements": str(advisor.completed_engagements),
        "status": status, "invoice_registration": advisor.invoice_registration or "",
        "bio": advisor.bio,
        **{c: ";".join(getattr(advisor, c) or []) for c in LIST_COLUMNS},
    }
    return [_safe(values[c] or "") for c in CSV_COLUMNS]


def export_csv(advisors: Iterable[Advisor]) -> tuple[str, int]:
    """The roster in the import's CSV format (UTF-8 with BOM is added by the caller so a
    spreadsheet opens it right). Returns the text and the number of advisors."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    count = 0
    for advisor in advisors:
        writer.writerow(advisor_cells(advisor))
        count += 1
    return buffer.getvalue(), count


def template_csv() -> str:
    """The header row only: a sample row left in by mistake would become an advisor."""
    return ",".join(CSV_COLUMNS) + "\r\n"

