"""Rules for intake fields, used by the wizard steps and the CLI."""
from collections.abc import Mapping
from typing import Any

from app.japan import JapanInputError
from app.japan.text import clean_text, nfkc, normalize_amount
from app.matching.taxonomy import NEED_TAGS
from app.validation import as_text, clean, optional

URGENCY_CHOICES = ["1か月以内", "3か月以内", "半年以内", "1年以内", "未定"]

INTAKE_LABELS = {
    "current_situation": "現状", "needs": "ニーズ分類", "notes": "お客さまのお話（メモ）",
    "accepted_needs": "メモから提案されたニーズ",
    "tools": "利用中のツール", "budget_monthly_max": "月額予算（上限）", "urgency": "希望時期",
    "onsite_required": "訪問対応", "decision_maker": "決裁者",
}


def _needs(value: Any) -> list[str]:
    items = value if isinstance(value, list | tuple) else ([value] if value else [])
    tags = [str(t) for t in items]
    unknown = [t for t in tags if t not in NEED_TAGS]
    if unknown:
        raise JapanInputError(f"不明なニーズ分類です：{'、'.join(unknown)}")
    return list(dict.fromkeys(tags))


def _tools(value: Any) -> list[str]:
    """A list, or text separated by commas, 、 or new lines."""
    if isinstance(value, list | tuple):
        items = [as_text(v) for v in value]
    else:
        text = as_text(value)
        for sep in ("、", "，", ",", "\n", "・"):
            text = text.replace(sep, "\n")
        items = text.split("\n")
    out = []
    for item in items:
        item = clean_text(item, max_length=50, required=False)
        if item and item not in out:
            out.append(item)
    if len(out) > 30:
        raise JapanInputError("ツールは30件までにしてください。")
    return out


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return nfkc(as_text(value)).strip().lower() in ("1", "true", "on", "yes", "y", "はい", "要")


def _urgency(value: Any) -> str:
    v = as_text(value).strip()
    if v and v not in URGENCY_CHOICES:
        raise JapanInputError("希望時期を選択肢から選んでください。")
    return v


INTAKE_SPEC = {
    "current_situation": lambda v: clean_text(as_text(v), max_length=2000, required=False,
                                              multiline=True),
    "needs": _needs,
    "accepted_needs": _needs,
    "notes": lambda v: clean_text(as_text(v), max_length=4000, required=False, multiline=True),
    "tools": _tools,
    "budget_monthly_max": optional(normalize_amount, empty=None),
    "urgency": _urgency,
    "onsite_required": _bool,
    "decision_maker": lambda v: clean_text(as_text(v), max_length=100, required=False),
}


def clean_intake(raw: Mapping[str, Any], fields: list[str] | None = None
                 ) -> tuple[dict, dict[str, str]]:
    """Clean intake fields (all, or the given wizard step's). Returns (values, errors)."""
    spec = INTAKE_SPEC if fields is None else {f: INTAKE_SPEC[f] for f in fields}
    return clean(raw, spec)
