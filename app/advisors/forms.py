"""The advisor form: what was typed (kept on errors), turned into an import record so the
import's rules clean it (one set of rules), and the errors mapped back next to each field.
Also the list filters read from the query string."""
import re
import secrets
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from app.advisors.services import AdvisorFilters, split_path
from app.japan.identifiers import PREFECTURES
from app.matching.taxonomy import NEED_TAGS
from app.models import Advisor, AdvisorStatus

TEXT_FIELDS = [
    "external_id", "name", "name_kana", "email", "hometown_prefecture",
    "hometown_municipality", "residence_prefecture", "residence_municipality", "tools",
    "capacity", "active_clients", "rating", "completed_engagements", "status", "conflicts",
    "invoice_registration", "bio", "updated_at",
]
LIST_FIELDS = ["contribution_prefectures", "industries"]
MIN_SKILL_ROWS = 5  # blank rows offered, so the form works without JavaScript
MAX_SKILL_ROWS = len(NEED_TAGS)
FORM_LABELS = {
    "external_id": "アドバイザーID", "name": "氏名", "name_kana": "フリガナ",
    "email": "メールアドレス", "hometown_prefecture": "出身地（都道府県）",
    "hometown_municipality": "出身地（市区町村）", "residence_prefecture": "居住地（都道府県）",
    "residence_municipality": "居住地（市区町村）",
    "contribution_prefectures": "地元貢献を希望する都道府県", "skills": "スキルとレベル",
    "industries": "経験業種（日本標準産業分類）", "tools": "使えるツール", "onsite": "訪問対応",
    "capacity": "稼働枠（顧問先数）", "active_clients": "稼働中の顧問先数",
    "rating": "評価（0〜5）",
    "completed_engagements": "支援実績（件）", "status": "稼働状況",
    "conflicts": "利益相反先の法人番号", "invoice_registration": "適格請求書発行事業者登録番号",
    "bio": "経歴・自己紹介",
}
_TOOL_SPLIT = re.compile("[,，、;；\n]")
_NUMBER_SPLIT = re.compile("[\n,，、;；]")


def skill_row(tag: str = "", level: str = "", key: str | None = None) -> dict[str, str]:
    """One row of the skills table; `key` only makes element ids unique."""
    return {"tag": tag, "level": level, "key": key or secrets.token_hex(3)}


def _padded(rows: list[dict[str, str]], extra: int = 0) -> list[dict[str, str]]:
    wanted = min(max(MIN_SKILL_ROWS, len(rows) + 1) + extra, MAX_SKILL_ROWS)
    return rows + [skill_row(key=f"n{i}") for i in range(len(rows), wanted)]


def typed_from_form(form: MultiDict, *, add_row: bool = False) -> dict[str, Any]:
    """Everything as typed, to redisplay after an error (blank skill rows dropped, then the
    table padded again; `add_row` offers one more blank row)."""
    typed: dict[str, Any] = {f: form.get(f, "") for f in TEXT_FIELDS}
    typed.update({f: form.getlist(f) for f in LIST_FIELDS})
    typed["onsite"] = form.get("onsite") == "1"
    tags, levels = form.getlist("skill_tag"), form.getlist("skill_level")
    rows = [skill_row(t, lv, f"r{i}") for i, (t, lv) in enumerate(zip(tags, levels,
                                                                     strict=False))
            if t or lv]
    typed["skill_rows"] = _padded(rows, extra=1 if add_row else 0)
    return typed


def typed_from_advisor(advisor: Advisor) -> dict[str, Any]:
    rows = [skill_row(s.tag, str(s.level), f"r{i}") for i, s in enumerate(advisor.skills)]
    return {
        **{f: getattr(advisor, f) or "" for f in (
            "external_id", "name", "name_kana", "email", "hometown_prefecture",
            "hometown_municipality", "residence_prefecture", "residence_municipality", "bio",
            "invoice_registration")},
        "tools": "、".join(advisor.tools or []),
        "conflicts": "\n".join(advisor.conflicts or []),
        "capacity": str(advisor.capacity), "active_clients": str(advisor.active_clients),
        "rating": "" if advisor.rating is None else f"{advisor.rating:g}",
        "completed_engagements": str(advisor.completed_engagements),
        "status": advisor.status.value, "onsite": advisor.onsite,
        "contribution_prefectures": list(advisor.contribution_prefectures or []),
        "industries": list(advisor.industries or []),
        "skill_rows": _padded(rows),
        "updated_at": advisor.updated_at.isoformat(),
    }


def blank_typed(external_id: str) -> dict[str, Any]:
    return {"external_id": external_id, "status": AdvisorStatus.ACTIVE.value, "capacity": "",
            "active_clients": "0", "completed_engagements": "0", "onsite": False,
            "contribution_prefectures": [], "industries": [], "skill_rows": _padded([])}


def _items(text: str, splitter: re.Pattern) -> list[str]:
    return [p.strip(" \u3000") for p in splitter.split(text or "") if p.strip(" \u3000")]


def record_from_typed(typed: Mapping[str, Any]) -> dict[str, Any]:
    """The typed form as an import record (the acceptance JSON format)."""
    skills = []
    for row in typed["skill_rows"]:
        if row["tag"] or row["level"]:
            level = row["level"]
            skills.append({"tag": row["tag"] or None,
                           "level": int(level) if level in ("1", "2", "3") else level or None})
    return {
        **{f: typed.get(f, "") for f in ("external_id", "name", "name_kana", "email",
                                          "capacity", "active_clients", "rating",
                                          "completed_engagements", "status",
                                          "invoice_registration", "bio")},
        "hometown": {"prefecture": typed.get("hometown_prefecture", ""),
                     "municipality": typed.get("hometown_municipality", "")},
        "residence": {"prefecture": typed.get("residence_prefecture", ""),
                      "municipality": typed.get("residence_municipality", "")},
        "contribution_prefectures": list(typed.get("contribution_prefectures") or []),
        "industries": list(typed.get("industries") or []),
        "tools": _items(typed.get("tools", ""), _TOOL_SPLIT),
        "conflicts": _items(typed.get("conflicts", ""), _NUMBER_SPLIT),
        "onsite": bool(typed.get("onsite")),
        "skills": skills,
    }


def form_errors(errors: list[tuple[str, str]], typed: Mapping[str, Any]) -> dict[str, str]:
    """Errors by record path → by form field; a skill row's error is keyed by its row key,
    a list item's error names the item (「2行目: …」)."""
    filled = [r for r in typed["skill_rows"] if r["tag"] or r["level"]]
    out: dict[str, str] = {}
    for path, message in errors:
        top, index, sub = split_path(path)
        if top == "skills" and index is not None and index <= len(filled):
            key = f"skill:{filled[index - 1]['key']}"
            if sub == "tag" and not filled[index - 1]["tag"]:
                message = "スキル分類を選んでください。"
        elif top in ("hometown", "residence") and sub:
            key = f"{top}_{sub}"
        else:
            key = top
            if index is not None:
                unit = "行目" if top == "conflicts" else "番目"
                message = f"{index}{unit}: {message}"
        out[key] = f"{out[key]} {message}" if key in out else message
    return out


def filters_from_args(args: Mapping[str, str]) -> AdvisorFilters:
    """List filters from the query string; unknown values are ignored, not errors."""
    level = args.get("min_level", "1")
    status = args.get("status", "")
    return AdvisorFilters(
        q=(args.get("q") or "")[:100],
        skill=args.get("skill", "") if args.get("skill") in NEED_TAGS else "",
        min_level=int(level) if level in ("1", "2", "3") else 1,
        hometown=args.get("hometown", "") if args.get("hometown") in PREFECTURES else "",
        free=args.get("free") == "1",
        onsite=args.get("onsite") == "1",
        status=status if status in {s.value for s in AdvisorStatus} else "",
    )


def filter_args(filters: AdvisorFilters) -> dict[str, str]:
    """The filters as query arguments (for paging links and the export), blanks left out."""
    args = {"q": filters.q, "skill": filters.skill,
            "min_level": str(filters.min_level) if filters.skill and filters.min_level > 1
            else "", "hometown": filters.hometown, "free": "1" if filters.free else "",
            "onsite": "1" if filters.onsite else "", "status": filters.status}
    return {k: v for k, v in args.items() if v}
