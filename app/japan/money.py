"""Yen amounts and consumption tax, computed once per document per rate (JAPAN.md §3)."""
from collections.abc import Iterable
from dataclasses import dataclass


def yen(amount: int) -> str:
    return f"¥{amount:,}"


def tax_once(amounts: Iterable[int], rate_percent: int = 10) -> int:
    """Tax on the sum of the lines at one rate, rounded down (切り捨て) — never per line.
    Three lines of ¥105 → ¥31."""
    return sum(amounts) * rate_percent // 100


@dataclass(frozen=True)
class TaxedTotal:
    subtotal: int
    rate_percent: int
    tax: int

    @property
    def total(self) -> int:
        return self.subtotal + self.tax


def taxed_total(amounts: Iterable[int], rate_percent: int = 10) -> TaxedTotal:
    lines = list(amounts)
    return TaxedTotal(sum(lines), rate_percent, tax_once(lines, rate_percent))
