"""Rules for client company fields (JAPAN.md §1–2), used by the form and the CLI."""
import re
from collections.abc import Mapping
from typing import Any

from app.japan import JapanInputError
from app.japan.identifiers import (
    normalize_corporate_number,
    normalize_industry,
    normalize_prefecture,
)
from app.japan.postal import prefectures_for
from app.japan.text import (
    clean_text,
    nfkc,
    normalize_email,
    normalize_kana,
    normalize_phone,
    normalize_postal_code,
)
from app.validation import as_text, clean, optional

COMPANY_FIELDS = [
    "name", "name_kana", "corporate_number", "industry", "employees", "postal_code",
    "prefecture", "municipality", "address", "representative_name", "representative_title",
    "email", "phone",
]

FIELD_LABELS = {
    "name": "商号", "name_kana": "フリガナ", "corporate_number": "法人番号", "industry": "業種",
    "employees": "従業員数", "postal_code": "郵便番号", "prefecture": "都道府県",
    "municipality": "市区町村", "address": "町名・番地", "representative_name": "代表者氏名",
    "representative_title": "代表者役職", "email": "メールアドレス", "phone": "電話番号",
}


def _employees(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        v = str(value)
    else:
        v = nfkc(as_text(value)).replace(",", "").replace("名", "").replace("人", "").strip()
    if not v:
        return None
    if not re.fullmatch(r"[0-9]{1,7}", v, re.ASCII):
        raise JapanInputError("従業員数は0以上の整数で入力してください。")
    return int(v)


def _text(field: str, max_length: int, required: bool = True):
    return lambda v: clean_text(as_text(v), max_length=max_length, required=required,
                                label=FIELD_LABELS[field])


COMPANY_SPEC = {
    "name": _text("name", 200),
    "name_kana": lambda v: normalize_kana(as_text(v)),
    "corporate_number": lambda v: normalize_corporate_number(as_text(v)),
    "industry": lambda v: normalize_industry(as_text(v)),
    "employees": _employees,
    "postal_code": lambda v: normalize_postal_code(as_text(v)),
    "prefecture": lambda v: normalize_prefecture(as_text(v)),
    "municipality": _text("municipality", 50),
    "address": _text("address", 200),
    "representative_name": _text("representative_name", 100),
    "representative_title": _text("representative_title", 50),
    "email": optional(lambda v: normalize_email(as_text(v))),
    "phone": optional(lambda v: normalize_phone(as_text(v))),
}


def _no_honorific(field: str):
    """Documents add 様 / 御中 themselves (JAPAN.md §3): typed honorifics would double them."""
    def run(value: Any) -> str:
        v = _text(field, 100)(value)
        if v.endswith(("様", "殿", "御中")):
            raise JapanInputError(
                "敬称（様・殿・御中）は入力しないでください。書類に自動で付きます。")
        return v
    return run


COMPANY_SPEC["representative_name"] = _no_honorific("representative_name")
COMPANY_SPEC["representative_title"] = _no_honorific("representative_title")


def clean_company(raw: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """Clean a company as typed (web form or case file). Returns (values, errors by field).
    Besides each field's rule, the prefecture must be one the postal code belongs to."""
    values, errors = clean(raw, COMPANY_SPEC)
    if "postal_code" in values and "prefecture" in values:
        known = prefectures_for(values["postal_code"])
        if known and values["prefecture"] not in known:
            errors["prefecture"] = (f"郵便番号{values['postal_code']}は"
                                    f"{'・'.join(sorted(known))}の番号です。都道府県を確認してください。")
    return values, errors


def company_from_case_file(company: Mapping[str, Any]) -> dict:
    """Flatten the acceptance case format (representative nested) to form fields."""
    flat = dict(company)
    rep = flat.pop("representative", None) or {}
    flat.setdefault("representative_name", rep.get("name", ""))
    flat.setdefault("representative_title", rep.get("title", ""))
    return flat
