"""The words of the subsidy catalogue: cost types and conditions as data with Japanese labels,
年度 (fiscal years, April to March, JST) and the fixed notes a proposal prints. Pure."""
from collections.abc import Iterable, Mapping
from datetime import date

# Cost types a programme may pay for (対象経費). Order = order on forms and documents.
COST_TYPES = {
    "consulting_fee": "コンサルティング費用・専門家謝金",
    "talent_fee": "副業・兼業人材への報酬",
    "agency_fee": "紹介会社・仲介事業者への手数料",
    "outsourcing": "外注費・委託費（計画策定・分析・設計等）",
    "development": "サービス・製品開発費",
    "system": "システム・ITツールの導入費・利用料",
    "training": "DX人材の育成・研修費",
    "travel": "旅費・交通費・宿泊費",
    "equipment": "機械装置・設備・物品費",
    "labour": "自社の人件費（労務費）",
    "other": "その他の経費",
}
# The cost types a monthly advisory fee can fall under: a programme covers advisory fees only
# when it lists one of them (and the operator confirms it, covers_advisory_fees).
ADVISORY_COST_TYPES = ("consulting_fee", "talent_fee")

# Conditions (申請・交付の条件). Flags and numbered rules have fixed wording; everything else
# is a note, and what nobody has confirmed yet is a to_confirm (要確認) note.
CONDITION_FLAGS = {
    "onsite_visit": "アドバイザーが現地を訪問して支援すること",
    "licensed_agency": "人材の紹介を有料職業紹介事業者から受けること",
    "no_double_national": "国・県など他の補助金と同じ事業・経費で重複して受けられないこと",
}
CONDITION_NUMBERS = {
    "apply_within_days": ("契約から{n}日以内に申請すること", 1, 365),
    "hq_in_area_years": ("本店が所在地にあり、{n}年以上継続して事業を営んでいること", 1, 30),
}
CONDITION_NUMBER_LABELS = {
    "apply_within_days": "契約から申請までの期限（日）",
    "hq_in_area_years": "所在地での事業継続年数（年以上）",
}
NOTE, TO_CONFIRM = "note", "to_confirm"
TO_CONFIRM_PREFIX = "【要確認】"

# Printed with every estimate (PRODUCT.md §5), and instead of one when none applies.
ESTIMATE_NOTE = "補助額は概算・審査により変動します（採択を保証するものではありません）。"
NO_ESTIMATE_MESSAGE = "該当する補助金は見つかりませんでした（当金庫でも確認いたします）。"


def condition_lines(conditions: Iterable[Mapping]) -> list[str]:
    """The conditions in Japanese, one line each, in the order stored."""
    lines = []
    for c in conditions:
        kind = c.get("kind")
        if kind in CONDITION_FLAGS:
            lines.append(CONDITION_FLAGS[kind])
        elif kind in CONDITION_NUMBERS:
            lines.append(CONDITION_NUMBERS[kind][0].format(n=c.get("n")))
        elif kind == TO_CONFIRM:
            lines.append(f"{TO_CONFIRM_PREFIX}{c.get('text', '')}")
        elif kind == NOTE:
            lines.append(str(c.get("text", "")))
    return lines


def cost_type_labels(codes: Iterable[str]) -> list[str]:
    return [COST_TYPES.get(code, code) for code in codes]


def fiscal_year_of(day: date) -> int:
    """年度: April to March, named by the year it starts (2026-03-31 → 2025)."""
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(year: int) -> str:
    """「令和7年度」 for 2025 (2019 = 令和元年度; earlier years are shown in 西暦)."""
    n = year - 2018
    if n < 1:
        return f"{year}年度"
    return "令和元年度" if n == 1 else f"令和{n}年度"
