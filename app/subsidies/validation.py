"""Rules for a subsidy programme record, used by the operator's form and by the seed catalogue:
one set of rules (JAPAN.md §2 for the 自治体コード check digit)."""
import re
from collections.abc import Mapping
from typing import Any

from app.admin.validation import flag, lines
from app.japan import JapanInputError
from app.japan.identifiers import (
    PREFECTURE_CODES,
    is_valid_municipality_code,
    normalize_prefecture,
    prefecture_municipality_code,
)
from app.japan.text import clean_text, nfkc, normalize_amount
from app.models import SubsidyProgramme, SubsidyScope
from app.models.subsidy import SCOPE_LABELS
from app.subsidies.terms import (
    ADVISORY_COST_TYPES,
    CONDITION_FLAGS,
    CONDITION_NUMBERS,
    COST_TYPES,
    NOTE,
    TO_CONFIRM,
    cost_type_labels,
)
from app.validation import as_text, clean, optional

FIELD_LABELS = {
    "name": "制度名", "scope": "実施主体の区分", "prefecture": "都道府県",
    "municipality": "市区町村名", "municipality_code": "自治体コード", "fiscal_year": "年度",
    "rate": "補助率", "cap_yen": "上限額", "rounding_unit_yen": "端数の扱い",
    "eligible_cost_types": "対象経費", "covers_advisory_fees": "顧問料（月額の支援料）",
    "application_window": "申請期間", "cond_note": "その他の条件",
    "cond_to_confirm": "要確認事項", "documents_required": "必要書類",
    "source_note": "出典・確認メモ", "active": "状態",
}
ROUNDING_UNITS = {1: "1円未満切り捨て", 100: "100円未満切り捨て", 1000: "1,000円未満切り捨て",
                  10000: "1万円未満切り捨て"}
TEXT_FIELDS = ["name", "scope", "prefecture", "municipality", "municipality_code",
               "fiscal_year", "rate", "cap_yen", "rounding_unit_yen", "application_window",
               "documents_required", "source_note"]
MAX_LINES = 20
CAP_MAX = 1_000_000_000


def _text(field: str, max_length: int, required: bool = True, multiline: bool = False):
    return lambda v: clean_text(as_text(v), max_length=max_length, required=required,
                                multiline=multiline, label=FIELD_LABELS[field])


def _scope(value: Any) -> SubsidyScope:
    try:
        return SubsidyScope(as_text(value))
    except ValueError:
        raise JapanInputError(
            "実施主体の区分（国・都道府県・市区町村）を選択してください。") from None


def parse_fiscal_year(value: Any) -> int:
    """「2025」「令和7年度」「R7」「令和元年度」 → 2025 / 2019."""
    v = nfkc(as_text(value)).strip().upper().replace(" ", "")
    m = re.fullmatch(r"(?:令和|R)([0-9]{1,2}|元)年?度?", v, re.ASCII)
    if m:
        year = 2018 + (1 if m.group(1) == "元" else int(m.group(1)))
    elif re.fullmatch(r"[0-9]{4}(?:年度)?", v):
        year = int(v[:4])
    else:
        raise JapanInputError(
            "年度は西暦（例：2025）または令和（例：令和7年度）で入力してください。")
    if not 2019 <= year <= 2100:
        raise JapanInputError("年度は2019年度（令和元年度）以降で入力してください。")
    return year


def parse_rate(value: Any) -> tuple[int, int]:
    """「2/3」「２／３」「3分の2」「10/10」 → (numerator, denominator); 0 < rate ≤ 1."""
    v = nfkc(as_text(value)).strip().replace(" ", "").removesuffix("以内")
    m = re.fullmatch(r"([0-9]{1,4})/([0-9]{1,4})", v, re.ASCII)
    if m:
        numerator, denominator = int(m.group(1)), int(m.group(2))
    elif m := re.fullmatch(r"([0-9]{1,4})分の([0-9]{1,4})", v):
        denominator, numerator = int(m.group(1)), int(m.group(2))
    else:
        raise JapanInputError("補助率は分数で入力してください（例：2/3、1/2、10/10）。")
    if denominator == 0:
        raise JapanInputError("補助率の分母に0は使えません（例：2/3）。")
    if numerator == 0:
        raise JapanInputError("補助率は0より大きい値にしてください。")
    if numerator > denominator:
        raise JapanInputError(f"補助率{numerator}/{denominator}は1を超えています。"
                              "補助対象経費を超える補助率は入力できません。")
    return numerator, denominator


def _cap(value: Any) -> int | None:
    amount = normalize_amount(value)
    if amount == 0:
        raise JapanInputError("上限額は1円以上で入力するか、空欄（上限なし）にしてください。")
    if amount > CAP_MAX:
        raise JapanInputError("上限額が大きすぎます（10億円以下で入力してください）。")
    return amount


def _rounding_unit(value: Any) -> int:
    v = as_text(value).strip() or "1"
    if not (v.isascii() and v.isdigit() and int(v) in ROUNDING_UNITS):
        raise JapanInputError("端数の扱いを選択してください。")
    return int(v)


def _code(value: Any) -> str:
    v = nfkc(as_text(value)).strip().replace("-", "")
    if not re.fullmatch(r"[0-9]{6}", v, re.ASCII):
        raise JapanInputError("自治体コードはチェックデジットを含む6桁の数字で入力してください"
                              "（例：北九州市 401005）。")
    if not is_valid_municipality_code(v):
        raise JapanInputError("自治体コードのチェックデジット（6桁目）が一致しません。"
                              "コードをご確認ください。")
    return v


def _lines(field: str, max_length: int):
    return lines(FIELD_LABELS[field], max_length, MAX_LINES)


def _cost_types(value: Any) -> list[str]:
    codes = [value] if isinstance(value, str) else list(value or [])
    unknown = [c for c in codes if c not in COST_TYPES]
    if unknown:
        raise JapanInputError("対象経費の区分が正しくありません。")
    return [c for c in COST_TYPES if c in codes]  # catalogue order, no duplicates


PROGRAMME_SPEC = {
    "name": _text("name", 200),
    "scope": _scope,
    "prefecture": optional(lambda v: normalize_prefecture(as_text(v))),
    "municipality": _text("municipality", 50, required=False),
    "municipality_code": optional(_code),
    "fiscal_year": parse_fiscal_year,
    "rate": parse_rate,
    "cap_yen": optional(_cap, empty=None),
    "rounding_unit_yen": _rounding_unit,
    "eligible_cost_types": _cost_types,
    "covers_advisory_fees": flag,
    "application_window": _text("application_window", 300, required=False),
    "documents_required": _lines("documents_required", 200),
    "source_note": _text("source_note", 1000, required=False, multiline=True),
    "active": flag,
}


def _clean_conditions(conditions: Any, errors: dict[str, str]) -> list[dict]:
    """Conditions in one canonical order (flags, numbered rules, notes, 要確認), so that saving
    a form unchanged never reorders them. Errors are keyed by the form input (cond_…)."""
    given = list(conditions or [])
    kinds = {c.get("kind") for c in given}
    unknown = kinds - {*CONDITION_FLAGS, *CONDITION_NUMBERS, NOTE, TO_CONFIRM}
    if unknown:
        raise ValueError(f"unknown condition kinds: {sorted(unknown)}")
    out: list[dict] = [{"kind": k} for k in CONDITION_FLAGS if k in kinds]
    for kind, (_, low, high) in CONDITION_NUMBERS.items():
        raw = next((c.get("n") for c in given if c.get("kind") == kind), None)
        if raw is None or as_text(raw).strip() == "":
            continue
        v = nfkc(as_text(raw)).strip()
        if not (re.fullmatch(r"[0-9]{1,4}", v, re.ASCII) and low <= int(v) <= high):
            errors[f"cond_{kind}"] = f"{low}から{high}までの整数で入力してください。"
            continue
        out.append({"kind": kind, "n": int(v)})
    for kind, field in ((NOTE, "cond_note"), (TO_CONFIRM, "cond_to_confirm")):
        try:
            texts = _lines(field, 300)([c.get("text") for c in given if c.get("kind") == kind])
        except JapanInputError as exc:
            errors[field] = str(exc)
            continue
        out += [{"kind": kind, "text": t} for t in texts]
    return out


def clean_programme(raw: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """Clean a programme as typed (form_to_raw) or as written in the catalogue. Returns
    (column values, errors by form field). Besides each field's rule: the code must fit the
    scope and prefecture, and a programme covers advisory fees only if it lists a cost type
    an advisory fee can be (ADVISORY_COST_TYPES)."""
    values, errors = clean(raw, PROGRAMME_SPEC)
    values["conditions"] = _clean_conditions(raw.get("conditions"), errors)
    if "rate" in values:
        values["rate_numerator"], values["rate_denominator"] = values.pop("rate")
    _check_place(values, errors)
    if values.get("covers_advisory_fees") and not set(
            values.get("eligible_cost_types", [])) & set(ADVISORY_COST_TYPES):
        errors["covers_advisory_fees"] = (
            "顧問料を補助対象とするには、対象経費に「"
            + "」または「".join(cost_type_labels(ADVISORY_COST_TYPES)) + "」を含めてください。")
    return values, errors


def _check_place(values: dict, errors: dict[str, str]) -> None:
    """National: no place. Prefecture: the prefecture's own code (derived when left blank).
    Municipality: prefecture, name and a code inside that prefecture."""
    scope = values.get("scope")
    if scope == SubsidyScope.NATIONAL:
        values.update(prefecture="", municipality="", municipality_code=None)
        return
    if scope is None or "prefecture" not in values:
        return
    prefecture = values["prefecture"]
    if not prefecture:
        errors["prefecture"] = "都道府県を選択してください。"
        return
    code = values.get("municipality_code")
    if scope == SubsidyScope.PREFECTURE:
        own = prefecture_municipality_code(prefecture)
        if code and code != own:
            errors["municipality_code"] = f"{prefecture}の自治体コードは{own}です。"
        values.update(municipality="", municipality_code=own)
        return
    if not values.get("municipality") and "municipality" not in errors:
        errors["municipality"] = "市区町村名を入力してください。"
    if "municipality_code" in errors:
        return
    if not code:
        errors["municipality_code"] = "市区町村の自治体コード（6桁）を入力してください。"
    elif code[:2] != PREFECTURE_CODES[prefecture]:
        errors["municipality_code"] = (f"自治体コードの先頭2桁（{code[:2]}）が{prefecture}"
                                       f"（{PREFECTURE_CODES[prefecture]}）と一致しません。")
    elif code[2:5] == "000":
        errors["municipality_code"] = (
            "これは都道府県のコードです。市区町村のコードを入力してください。")


# --- the form ----------------------------------------------------------------------------

def form_to_raw(form) -> dict:
    """The posted form (a MultiDict) in the shape clean_programme takes."""
    raw: dict[str, Any] = {f: form.get(f, "") for f in TEXT_FIELDS}
    raw["eligible_cost_types"] = form.getlist("eligible_cost_types")
    raw["covers_advisory_fees"] = form.get("covers_advisory_fees", "")
    raw["active"] = form.get("active", "")
    conditions: list[dict] = [{"kind": k} for k in CONDITION_FLAGS if form.get(f"cond_{k}")]
    conditions += [{"kind": k, "n": form.get(f"cond_{k}", "")} for k in CONDITION_NUMBERS]
    for kind, field in ((NOTE, "cond_note"), (TO_CONFIRM, "cond_to_confirm")):
        conditions += [{"kind": kind, "text": t} for t in form.get(field, "").splitlines()]
    raw["conditions"] = conditions
    return raw


def form_values(form) -> dict:
    """What was typed, to show the form again as it was (after an error)."""
    values = {f: form.get(f, "") for f in [*TEXT_FIELDS, "cond_note", "cond_to_confirm",
                                           "edit_token"]}
    values["eligible_cost_types"] = form.getlist("eligible_cost_types")
    for box in ("covers_advisory_fees", "active", *(f"cond_{k}" for k in CONDITION_FLAGS)):
        values[box] = bool(form.get(box))
    for kind in CONDITION_NUMBERS:
        values[f"cond_{kind}"] = form.get(f"cond_{kind}", "")
    return values


def programme_form_values(p: SubsidyProgramme) -> dict:
    """A stored programme as the form shows it."""
    conditions = p.conditions or []
    kinds = {c.get("kind") for c in conditions}
    values = {
        "name": p.name, "scope": p.scope.value, "prefecture": p.prefecture,
        "municipality": p.municipality, "municipality_code": p.municipality_code or "",
        "fiscal_year": str(p.fiscal_year), "rate": p.rate_label,
        "cap_yen": "" if p.cap_yen is None else f"{p.cap_yen:,}",
        "rounding_unit_yen": str(p.rounding_unit_yen),
        "application_window": p.application_window,
        "documents_required": "\n".join(p.documents_required or []),
        "source_note": p.source_note, "eligible_cost_types": list(p.eligible_cost_types or []),
        "covers_advisory_fees": p.covers_advisory_fees, "active": p.active,
        "cond_note": "\n".join(c["text"] for c in conditions if c.get("kind") == NOTE),
        "cond_to_confirm": "\n".join(c["text"] for c in conditions
                                     if c.get("kind") == TO_CONFIRM),
    }
    for kind in CONDITION_FLAGS:
        values[f"cond_{kind}"] = kind in kinds
    for kind in CONDITION_NUMBERS:
        values[f"cond_{kind}"] = next(
            (str(c["n"]) for c in conditions if c.get("kind") == kind), "")
    return values


SCOPE_CHOICES = [(s.value, SCOPE_LABELS[s]) for s in SubsidyScope]
