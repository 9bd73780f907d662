"""JST day boundaries and 和暦 (令和) for documents."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
REIWA_START = date(2019, 5, 1)


def to_jst(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(JST)


def today_jst(now: datetime | None = None) -> date:
    return to_jst(now or datetime.now(UTC)).date()


def wareki_year(day: date) -> str:
    if day < REIWA_START:
        raise ValueError("dates before 令和 are not used in documents")
    n = day.year - 2018
    return "令和元年" if n == 1 else f"令和{n}年"


def wareki(day: date) -> str:
    """'令和8年12月3日' (year 1 written 元年)."""
    return f"{wareki_year(day)}{day.month}月{day.day}日"


def wareki_with_seireki(day: date) -> str:
    """'令和8年12月3日（2026年）' for terms that run into later years."""
    return f"{wareki(day)}（{day.year}年）"


def format_jst(moment: datetime, with_seconds: bool = False) -> str:
    m = to_jst(moment)
    return m.strftime("%Y/%m/%d %H:%M:%S" if with_seconds else "%Y/%m/%d %H:%M")
