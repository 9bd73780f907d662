"""normalize_yen: amounts as bank staff type them (万・千, full-width digits, commas, 円)."""
import pytest

from app.japan import JapanInputError
from app.japan.text import normalize_amount, normalize_yen


@pytest.mark.parametrize("typed, yen", [
    ("30万", 300_000),
    ("5万円", 50_000),
    ("1,200,000円", 1_200_000),
    ("３０万", 300_000),
    ("３０万円", 300_000),
    ("１２０万円", 1_200_000),
    ("1万2千", 12_000),
    ("1万2000", 12_000),
    ("1万2千円", 12_000),
    ("2千", 2_000),
    ("1億2000万", 120_000_000),
    ("1.5万", 15_000),
    ("1,000万", 10_000_000),
    ("1千万", 10_000_000),
    ("1億5千万", 150_000_000),
    ("2千万円", 20_000_000),
    (" 30 万 ", 300_000),
    ("¥660,000", 660_000),
    ("６６０，０００円", 660_000),
    ("0", 0),
])
def test_reads_amounts_as_typed(typed, yen):
    assert normalize_yen(typed) == yen


@pytest.mark.parametrize("typed", [
    "", "万", "円", "五万", "30万くらい", "約30万", "-5万", "1万20000", "1千2万", "1万2千3百",
    "1..5万", "1.5", "30万1万", "abc", "1万-2千",
])
def test_refuses_what_is_not_an_amount(typed):
    with pytest.raises(JapanInputError) as exc:
        normalize_yen(typed)
    assert "金額" in str(exc.value)


def test_fraction_of_a_yen_is_refused():
    with pytest.raises(JapanInputError, match="1円単位"):
        normalize_yen("1.23456万")


def test_without_units_it_is_normalize_amount():
    for typed in ("660000", "６６０，０００円", "¥50,000"):
        assert normalize_yen(typed) == normalize_amount(typed)
