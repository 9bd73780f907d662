"""Rules for the plan form and the bank settings form (JAPAN.md §1–2: amounts, 法人番号)."""
import re
from collections.abc import Callable, Mapping
from typing import Any

from app.japan import JapanInputError
from app.japan.identifiers import normalize_corporate_number
from app.japan.text import clean_text, nfkc, normalize_amount
from app.validation import as_text, clean

PLAN_FIELDS = ["code", "name", "monthly_fee", "summary", "included", "sort_order", "active"]
PLAN_LABELS = {
    "code": "プランコード", "name": "プラン名", "monthly_fee": "月額料金（税抜）",
    "summary": "概要", "included": "含まれる内容", "sort_order": "表示順", "active": "状態",
}
BANK_FIELDS = ["referral_fee_percent", "referral_fee_months", "hq_approval_threshold",
               "approval_requires_supervisor", "competitor_corporate_numbers"]
BANK_LABELS = {
    "referral_fee_percent": "紹介手数料率（月額会費に対する%）",
    "referral_fee_months": "紹介手数料の支払月数",
    "hq_approval_threshold": "本部承認が必要となる年間契約額",
    "approval_requires_supervisor": "役席の承認",
    "competitor_corporate_numbers": "競合先の法人番号",
}
MONTHLY_FEE_MAX = 9_999_999
THRESHOLD_MAX = 1_000_000_000
MAX_INCLUDED = 20
MAX_COMPETITORS = 500


def _text(labels: Mapping[str, str], field: str, max_length: int, required: bool = True):
    return lambda v: clean_text(as_text(v), max_length=max_length, required=required,
                                label=labels[field])


def _integer(low: int, high: int, unit: str = "") -> Callable[[Any], int]:
    def run(value: Any) -> int:
        v = nfkc(as_text(value)).strip().removesuffix(unit).replace(",", "").strip()
        if not re.fullmatch(r"[0-9]{1,10}", v, re.ASCII) or not low <= int(v) <= high:
            raise JapanInputError(f"{low}から{high}までの整数で入力してください。")
        return int(v)
    return run


def _amount(low: int, high: int) -> Callable[[Any], int]:
    def run(value: Any) -> int:
        amount = normalize_amount(as_text(value) if not isinstance(value, int) else value)
        if not low <= amount <= high:
            raise JapanInputError(f"{low:,}円から{high:,}円までの金額で入力してください。")
        return amount
    return run


def _plan_code(value: Any) -> str:
    v = nfkc(as_text(value)).strip()
    if not re.fullmatch(r"[a-z][a-z0-9_-]{0,19}", v, re.ASCII):
        raise JapanInputError("プランコードは半角英小文字で始まる20文字以内の英数字・-・_で"
                              "入力してください（例：standard）。")
    return v


def lines_of(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [as_text(v) for v in value]
    return as_text(value).splitlines()


def lines(label: str, max_length: int, max_lines: int) -> Callable[[Any], list[str]]:
    """A cleaner for one item per line (a textarea, or a list): each line kept as typed
    (clean_text), blank lines dropped, the first bad line named."""
    def run(value: Any) -> list[str]:
        out = []
        for n, line in enumerate(lines_of(value), start=1):
            try:
                item = clean_text(line, max_length=max_length, required=False)
            except JapanInputError as exc:
                raise JapanInputError(f"{n}行目：{exc}") from None
            if item:
                out.append(item)
        if len(out) > max_lines:
            raise JapanInputError(f"{label}は{max_lines}行以内にしてください。")
        return out
    return run


def flag(value: Any) -> bool:
    """A checkbox: sent ("1") or not."""
    return value is True or as_text(value) in ("1", "on", "true")


PLAN_SPEC = {
    "code": _plan_code,
    "name": _text(PLAN_LABELS, "name", 50),
    "monthly_fee": _amount(1, MONTHLY_FEE_MAX),
    "summary": _text(PLAN_LABELS, "summary", 200, required=False),
    "included": lines(PLAN_LABELS["included"], 100, MAX_INCLUDED),
    "sort_order": _integer(0, 999),
    "active": flag,
}


def clean_plan(raw: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """Clean a plan as typed. Returns (values, errors by field)."""
    return clean(raw, PLAN_SPEC)


def _competitors(value: Any) -> list[str]:
    """法人番号, one per line (hyphens and full-width digits accepted); duplicates dropped,
    the first bad line named."""
    out: list[str] = []
    for n, line in enumerate(lines_of(value), start=1):
        if not line.strip(" \u3000\t"):
            continue
        try:
            number = normalize_corporate_number(line)
        except JapanInputError as exc:
            raise JapanInputError(f"{n}行目「{line.strip()}」：{exc}") from None
        if number not in out:
            out.append(number)
    if len(out) > MAX_COMPETITORS:
        raise JapanInputError(f"競合先は{MAX_COMPETITORS}件までです。")
    return out


BANK_SPEC = {
    "referral_fee_percent": _integer(0, 100, "%"),
    "referral_fee_months": _integer(1, 60, "か月"),
    "hq_approval_threshold": _amount(0, THRESHOLD_MAX),
    "approval_requires_supervisor": flag,
    "competitor_corporate_numbers": _competitors,
}


def clean_bank_settings(raw: Mapping[str, Any]) -> tuple[dict, dict[str, str]]:
    """Clean the bank settings as typed. Returns (values, errors by field). A checkbox
    missing from `raw` altogether (not sent as unchecked: the form sends a hidden "0" before
    it) is left out, so a client that does not know the setting leaves it as it is."""
    spec = {f: c for f, c in BANK_SPEC.items() if c is not flag or f in raw}
    return clean(raw, spec)
