"""Identifiers and code lists: 法人番号, T-number, 自治体コード, 都道府県, JSIC 大分類."""
import re

from app.japan import JapanInputError
from app.japan.text import nfkc, unify_hyphens


def corporate_number_check_digit(base12: str) -> int:
    """Check digit of a 12-digit base number (法人番号の指定を行う際の基準)."""
    digits = [int(c) for c in reversed(base12)]
    total = sum(d * (1 if n % 2 == 1 else 2) for n, d in enumerate(digits, start=1))
    return 9 - total % 9


def is_valid_corporate_number(value: str) -> bool:
    if not re.fullmatch(r"[0-9]{13}", value or "", re.ASCII):
        return False
    return int(value[0]) == corporate_number_check_digit(value[1:])


def normalize_corporate_number(value: str) -> str:
    v = unify_hyphens(nfkc(value or ""))
    v = re.sub(r"[\s\-]", "", v)
    if not re.fullmatch(r"[0-9]{13}", v, re.ASCII):
        raise JapanInputError("法人番号は13桁の数字で入力してください。")
    if not is_valid_corporate_number(v):
        raise JapanInputError("法人番号のチェックデジットが一致しません。番号をご確認ください。")
    return v


def normalize_invoice_number(value: str, *, corporation: bool = True) -> str:
    """適格請求書発行事業者登録番号: T + 13 digits; the check digit applies to corporations only."""
    v = re.sub(r"[\s\-]", "", unify_hyphens(nfkc(value or ""))).upper()
    if not re.fullmatch(r"T[0-9]{13}", v, re.ASCII):
        raise JapanInputError("登録番号は「T」と13桁の数字で入力してください。")
    if corporation and not is_valid_corporate_number(v[1:]):
        raise JapanInputError("登録番号の法人番号部分のチェックデジットが一致しません。")
    return v


def municipality_check_digit(code5: str) -> int:
    a, b, c, d, e = (int(x) for x in code5)
    s = 6 * a + 5 * b + 4 * c + 3 * d + 2 * e
    return (11 - s % 11) % 10


def is_valid_municipality_code(value: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{6}", value or "", re.ASCII)) and int(
        value[5]
    ) == municipality_check_digit(value[:5])


PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
]
PREFECTURE_CODES = {name: f"{i:02d}" for i, name in enumerate(PREFECTURES, start=1)}


def prefecture_municipality_code(prefecture: str) -> str:
    """A prefecture's 全国地方公共団体コード: JIS code + 000 + check digit."""
    base = PREFECTURE_CODES[prefecture] + "000"
    return base + str(municipality_check_digit(base))


def normalize_prefecture(value: str) -> str:
    v = (value or "").strip(" \u3000")
    if v in PREFECTURE_CODES:
        return v
    raise JapanInputError("都道府県を選択してください。")


JSIC_DIVISIONS = {
    "A": "農業、林業", "B": "漁業", "C": "鉱業、採石業、砂利採取業", "D": "建設業",
    "E": "製造業", "F": "電気・ガス・熱供給・水道業", "G": "情報通信業", "H": "運輸業、郵便業",
    "I": "卸売業、小売業", "J": "金融業、保険業", "K": "不動産業、物品賃貸業",
    "L": "学術研究、専門・技術サービス業", "M": "宿泊業、飲食サービス業",
    "N": "生活関連サービス業、娯楽業", "O": "教育、学習支援業", "P": "医療、福祉",
    "Q": "複合サービス事業", "R": "サービス業（他に分類されないもの）",
    "S": "公務（他に分類されるものを除く）", "T": "分類不能の産業",
}


def normalize_industry(value: str) -> str:
    v = nfkc(value or "").strip().upper()
    if v in JSIC_DIVISIONS:
        return v
    raise JapanInputError("業種（日本標準産業分類の大分類）を選択してください。")
