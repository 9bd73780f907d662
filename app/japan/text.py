"""Per-field input normalisation (JAPAN.md §1). Each function returns the stored form or
raises JapanInputError with a Japanese message. Free text is never NFKC-normalised."""
import re
import unicodedata
from decimal import Decimal

from app.japan import JapanInputError

# Every hyphen look-alike people type in Japanese forms (NFKC leaves ー and − alone).
HYPHENS = "\u002d\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\u30fc\uff70\u2043\ufe63"
_HYPHEN_RE = re.compile(f"[{re.escape(HYPHENS)}]")
_WAVE_RE = re.compile("[\u301c\uff5e\u223c\u223f~]")
_DIGITS = re.compile(r"[0-9]+", re.ASCII)
_BAD_CHARS = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"  # control characters
    "\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff"  # zero-width and direction marks
    "\ud800-\udfff"  # unpaired surrogates (a str holding them came from bad input)
    "\ufffd]"  # replacement character: the browser sent bytes that were not UTF-8
)
_LINE_CHARS = re.compile("[\t\n\r\u2028\u2029]")
_SPACES = " \u3000"


def nfkc(value: str) -> str:
    return unicodedata.normalize("NFKC", value)


def unify_hyphens(value: str) -> str:
    return _HYPHEN_RE.sub("-", value)


def clean_text(value: str, *, max_length: int, required: bool = True, multiline: bool = False,
               label: str = "") -> str:
    """Names, addresses, notes: kept as typed, trimmed of ASCII and ideographic spaces.
    Rejects control, zero-width and unpaired surrogate characters; length in code points."""
    value = (value or "").strip(_SPACES)
    if multiline:
        value = value.replace("\r\n", "\n").strip(_SPACES + "\n\t")
        checked = value.replace("\n", "").replace("\t", "")
    else:
        checked = value  # a name or an address is one line: tabs and line breaks are refused
    if _BAD_CHARS.search(checked) or (not multiline and _LINE_CHARS.search(checked)):
        raise JapanInputError("使用できない文字（制御文字・ゼロ幅文字など）が含まれています。")
    if required and not value:
        raise JapanInputError(f"{label or 'この項目'}を入力してください。")
    if len(value) > max_length:
        raise JapanInputError(f"{max_length}文字以内で入力してください（現在{len(value)}文字）。")
    return value


def normalize_postal_code(value: str) -> str:
    """'８０２ー０００１', '〒802-0001', '8020001' → '802-0001'."""
    v = unify_hyphens(nfkc(value or "")).replace("〒", "")
    v = "".join(v.split())
    m = re.fullmatch(r"([0-9]{3})-?([0-9]{4})", v, re.ASCII)
    if not m:
        raise JapanInputError("郵便番号は7桁の数字で入力してください（例：802-0001）。")
    return f"{m.group(1)}-{m.group(2)}"


def normalize_phone(value: str) -> str:
    """'０９０ー１２３４ー５６７８', '(093) 541-0000' → digits only, 10 or 11, leading 0."""
    v = unify_hyphens(nfkc(value or ""))
    v = re.sub(r"[\s\-()（）]", "", v)
    if not re.fullmatch(r"0[0-9]{9,10}", v, re.ASCII):
        raise JapanInputError("電話番号は0から始まる10桁または11桁の数字で入力してください。")
    return v


def format_phone(digits: str) -> str:
    """Display form. Mobile/IP/free-dial numbers have fixed splits; fixed lines are shown
    without forcing a split (their area code length varies)."""
    if not digits:
        return ""
    if len(digits) == 11 and digits[:3] in ("090", "080", "070", "050"):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits.startswith("0120"):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 11 and digits.startswith("0800"):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    return digits


def normalize_amount(value: str | int) -> int:
    """'５０，０００円', '¥50,000' → 50000. Non-negative integer yen."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise JapanInputError("金額は0以上の整数（円）で入力してください。")
        return value
    v = _AMOUNT_MARKS.sub("", nfkc(str(value or "")))
    if not re.fullmatch(r"[0-9]+", v, re.ASCII):
        raise JapanInputError("金額は0以上の整数（円）を数字で入力してください（例：50000）。")
    return int(v)


_AMOUNT_MARKS = re.compile(r"[,，円¥￥\s]")  # separators and yen marks, dropped
_YEN_UNITS = (("億", 100_000_000), ("万", 10_000), ("千", 1_000))
_UNIT_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?", re.ASCII)
_THOUSANDS_OF = re.compile(r"([0-9]+(?:\.[0-9]+)?)千(?=[万億])", re.ASCII)


def normalize_yen(value: str) -> int:
    """Amounts as bank staff type them: '30万', '５万円', '1,200,000円', '３０万', '1万2千',
    '1億2000万', '1.5万' → whole yen. Units go down (億, 万, 千), each part below the unit
    before it ('1万20000' is refused); digits only, no kanji numerals ('五万' is refused).
    Without units it is normalize_amount."""
    v = _AMOUNT_MARKS.sub("", nfkc(str(value or "")))
    if not any(unit in v for unit, _ in _YEN_UNITS):
        return normalize_amount(v)
    # 「1千万」「1億5千万」: 千 multiplies the number before 万 or 億 (1千万 = 1000万).
    v = _THOUSANDS_OF.sub(lambda m: format(Decimal(m[1]) * 1000, "f"), v)
    error = JapanInputError("金額は数字と「万」「千」で入力してください"
                            "（例：30万、1万2千、660,000）。")
    total, rest, limit = Decimal(0), v, None
    for unit, size in _YEN_UNITS:
        head, found, tail = rest.partition(unit)
        if not found:
            continue
        if not _UNIT_NUMBER.fullmatch(head):
            raise error
        part = Decimal(head) * size
        if limit is not None and part >= limit:
            raise error
        total, rest, limit = total + part, tail, size
    if rest:
        if not rest.isascii() or not rest.isdigit() or int(rest) >= limit:
            raise error
        total += int(rest)
    if total != total.to_integral_value():
        raise JapanInputError("金額は1円単位になるように入力してください（例：1.5万）。")
    return int(total)


_EMAIL_RE = re.compile(
    r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+",
    re.ASCII,
)


def normalize_email(value: str) -> str:
    """Syntax check only (no DNS in a closed network); the domain is lower-cased."""
    v = nfkc(value or "").strip()
    if len(v) > 254 or not _EMAIL_RE.fullmatch(v) or ".." in v:
        raise JapanInputError("メールアドレスの形式が正しくありません（例：info@example.co.jp）。")
    local, _, domain = v.rpartition("@")
    return f"{local}@{domain.lower()}"


def hiragana_to_katakana(value: str) -> str:
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in value)


_KANA_RE = re.compile("[\u30a1-\u30fa\u30fc\u30fd\u30fe ]+")


def normalize_kana(value: str, *, label: str = "フリガナ") -> str:
    """NFKC (half-width → full-width), hiragana → katakana, one space between words."""
    v = hiragana_to_katakana(nfkc(value or ""))
    v = _HYPHEN_RE.sub("ー", v) if re.search("[\u30a1-\u30fa]", v) else v
    v = " ".join(v.split())
    if not v:
        raise JapanInputError(f"{label}を入力してください。")
    if not _KANA_RE.fullmatch(v):
        raise JapanInputError(f"{label}はカタカナ（ひらがな可）で入力してください。")
    if len(v) > 200:
        raise JapanInputError("200文字以内で入力してください。")
    return v


_COMPANY_FORMS = re.compile(
    r"株式会社|有限会社|合同会社|合資会社|合名会社|\(株\)|\(有\)|\(同\)|"
    r"カブシキガイシャ|カブシキカイシャ|ユウゲンガイシャ|ユウゲンカイシャ|ゴウドウガイシャ"
)


# Variant (異体字) → common form, for search only: 「吉野」 finds 「𠮷野」.
# Names themselves are stored as typed.
_VARIANTS = str.maketrans({
    "𠮷": "吉", "髙": "高", "﨑": "崎", "嵜": "崎", "邊": "辺", "邉": "辺", "澤": "沢", "濱": "浜",
    "齋": "斎", "齊": "斉", "櫻": "桜", "廣": "広", "國": "国", "嶋": "島", "嶌": "島", "惠": "恵",
    "德": "徳", "曻": "昇", "瀨": "瀬", "冨": "富", "眞": "真",
    "槇": "槙", "檜": "桧", "籠": "篭", "龍": "竜", "藏": "蔵", "會": "会", "舘": "館",
})


def fold_variants(value: str) -> str:
    """𠮷 → 吉, 髙 → 高, 﨑 → 崎 … and nothing else (no NFKC: names stay as recorded); for
    matching names that have no stored search key (the audit log's actor names)."""
    return value.translate(_VARIANTS)


_SPELLINGS: dict[str, list[str]] = {}
for _variant, _common in _VARIANTS.items():
    _SPELLINGS.setdefault(_common, [_common]).append(chr(_variant))


def variant_spellings(value: str, limit: int = 64) -> list[str]:
    """Every spelling of `value` with its common kanji written in their variants too
    (「吉田」 → 「吉田」「𠮷田」), at most `limit` of them (the common spelling first): for
    matching stored names that have no search key, in SQL (a LIKE per spelling)."""
    spellings = [""]
    for char in fold_variants(value):
        options = _SPELLINGS.get(char, [char])
        spellings = [s + o for s in spellings for o in options][:limit]
    return spellings


def search_key(*parts: str) -> str:
    """Derived search key: NFKC, katakana, hyphen/wave unified, no spaces, company forms
    (株式会社/(株)/㈱) folded. Used for both stored rows and the typed query."""
    out = []
    for part in parts:
        v = fold_variants(hiragana_to_katakana(nfkc(part or "")))  # NFKC: ㈱ → (株)
        v = _COMPANY_FORMS.sub("", v)
        v = _WAVE_RE.sub("~", unify_hyphens(v))
        out.append("".join(v.split()).lower())
    return " ".join(p for p in out if p)


# Parts of emoji that are not themselves category So: skin-tone modifiers, the text/emoji
# presentation selectors, the keycap mark and the tag characters of flag sequences.
_EMOJI_PARTS = re.compile("[\ufe0e\ufe0f\u20e3\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f]")


def refuse_symbols(value: str, label: str = "") -> str:
    """A person's name or title: refuses emoji and pictographs (Unicode category So — 😀 ☎ ★
    ♡ ㈱ — their modifiers and presentation selectors, and surrogates) and returns the value
    as typed. Kanji (rare ones such as 𠮷 髙 﨑 too, and the ideographic variation selectors
    U+E0100–E01EF that pick a kanji's form), kana, 々, ヶ, ・, spaces and Latin letters stay."""
    value = value or ""
    for ch in value:
        if unicodedata.category(ch) in ("So", "Cs") or _EMOJI_PARTS.fullmatch(ch):
            raise JapanInputError(f"{label or 'この項目'}に絵文字や記号は使用できません。")
    return value
