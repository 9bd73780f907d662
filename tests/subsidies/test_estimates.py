"""Subsidy estimates for a client: only programmes of the client's municipality, prefecture
or the whole country, active, of the current fiscal year and covering advisory fees;
min(cap, fee × months × rate) in integer yen, rounded down."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.admin.services import create_programme
from app.extensions import db
from app.models import ClientCompany, SubsidyProgramme
from app.subsidies.catalogue import IT_INTRODUCTION
from app.subsidies.services import client_area_codes, seed_programmes, subsidy_estimates
from app.subsidies.terms import ESTIMATE_NOTE
from app.subsidies.validation import clean_programme

FY2024, FY2025, FY2026 = date(2024, 9, 1), date(2025, 9, 1), date(2026, 12, 3)


def client(postal_code: str, prefecture: str, municipality: str) -> ClientCompany:
    """Unsaved, like the command-line preview: only the address is read."""
    return ClientCompany(name="株式会社テスト", postal_code=postal_code, prefecture=prefecture,
                         municipality=municipality)


MORIYAMA = ("524-0021", "滋賀県", "守山市")
KITAKYUSHU = ("800-0251", "福岡県", "北九州市")  # 小倉南区
TODA = ("335-0021", "埼玉県", "戸田市")
SHIBUYA = ("150-0001", "東京都", "渋谷区")


@pytest.fixture
def catalogue(app_ctx) -> dict[str, SubsidyProgramme]:
    seed_programmes()
    db.session.commit()
    rows = db.session.scalars(sa.select(SubsidyProgramme)).all()
    return {p.name: p for p in rows}


def add(raw: dict) -> SubsidyProgramme:
    values, errors = clean_programme(raw)
    assert not errors, errors
    return create_programme(values, actor=None)


def programme(**overrides) -> dict:
    return {"name": "テスト用 専門家活用補助金", "scope": "municipality", "prefecture": "福岡県",
            "municipality": "北九州市", "municipality_code": "401005", "fiscal_year": 2026,
            "rate": "1/2", "cap_yen": 500_000, "eligible_cost_types": ["consulting_fee"],
            "covers_advisory_fees": True, "active": True, **overrides}


def names(estimates) -> list[str]:
    return [e.name for e in estimates]


def test_moriyama_pays_two_thirds_up_to_its_cap(catalogue):
    (estimate,) = subsidy_estimates(client(*MORIYAMA), 50_000, today=FY2024)
    assert estimate.name == "守山市 副業人材活用事業補助金"
    assert (estimate.eligible_cost, estimate.amount, estimate.capped) == (600_000, 150_000, True)
    assert estimate.rate_label == "2/3" and estimate.cap_yen == 150_000
    assert estimate.area == "滋賀県守山市" and estimate.fiscal_year_label == "令和6年度"
    assert "人材の紹介を有料職業紹介事業者から受けること" in estimate.conditions
    assert any(c.startswith("【要確認】") for c in estimate.conditions)
    assert estimate.note == ESTIMATE_NOTE and "概算・審査により変動します" in estimate.note


def test_below_the_cap_the_rate_applies_rounded_down_in_integer_yen(catalogue):
    (one_month,) = subsidy_estimates(client(*MORIYAMA), 50_000, months=1, today=FY2024)
    assert (one_month.amount, one_month.capped) == (33_333, False)  # 50,000 × 2/3 = 33,333.3…
    (light,) = subsidy_estimates(client(*MORIYAMA), 10_000, today=FY2024)
    assert light.amount == 80_000 and isinstance(light.amount, int)


def test_an_old_fiscal_year_gives_no_estimate(catalogue):
    assert subsidy_estimates(client(*MORIYAMA), 50_000, today=FY2025) == []
    assert subsidy_estimates(client(*MORIYAMA), 50_000, today=FY2026) == []
    # The year starts in April (JST): 2025-03-31 is still 令和6年度.
    assert names(subsidy_estimates(client(*MORIYAMA), 50_000, today=date(2025, 3, 31))) == [
        "守山市 副業人材活用事業補助金"]
    assert subsidy_estimates(client(*MORIYAMA), 50_000, today=date(2025, 4, 1)) == []


def test_kitakyushu_appears_only_when_it_covers_advisory_fees(catalogue):
    kitakyushu = client(*KITAKYUSHU)
    assert subsidy_estimates(kitakyushu, 50_000, today=FY2025) == []  # seeded: 要確認, no claim
    planning = catalogue["北九州市 DX推進補助金（計画策定枠）"]
    planning.eligible_cost_types = ["consulting_fee", "outsourcing"]
    planning.covers_advisory_fees = True  # as if the operator had confirmed it
    db.session.flush()
    (estimate,) = subsidy_estimates(kitakyushu, 50_000, today=FY2025)
    # 600,000 × 2/3 = 400,000, under the ¥2,000,000 cap, in thousands (千円未満切り捨て).
    assert (estimate.name, estimate.amount, estimate.capped) == (planning.name, 400_000, False)
    assert subsidy_estimates(client(*MORIYAMA), 50_000, today=FY2025) == []


def test_designated_city_ward_postal_codes_reach_city_programmes(catalogue):
    codes = client_area_codes(client(*KITAKYUSHU))
    assert codes == {"400009", "401005", "401072"}  # 福岡県, 北九州市, 小倉南区
    assert client_area_codes(client("800-0251", "福岡県", "北九州市小倉南区")) == codes
    add(programme())
    assert names(subsidy_estimates(client(*KITAKYUSHU), 50_000, today=FY2026)) == [
        "テスト用 専門家活用補助金"]


def test_tokyo_client_gets_none(catalogue):
    assert subsidy_estimates(client(*SHIBUYA), 100_000, today=FY2025) == []
    assert client_area_codes(client(*SHIBUYA)) == {"130001", "131130"}


def test_it_introduction_subsidy_never_yields_an_estimate(catalogue):
    it = catalogue[IT_INTRODUCTION["name"]]
    assert it.scope.value == "national" and not it.covers_advisory_fees
    for place in (MORIYAMA, KITAKYUSHU, TODA, SHIBUYA):
        for day in (FY2024, FY2025, FY2026):
            assert it.name not in names(subsidy_estimates(client(*place), 50_000, today=day))
    # It cannot be switched to covering advisory fees: its cost type is IT tools only.
    _, errors = clean_programme({**IT_INTRODUCTION, "covers_advisory_fees": True})
    assert "covers_advisory_fees" in errors


def test_toda_half_up_to_500000_in_thousands(catalogue):
    toda = client(*TODA)
    (standard,) = subsidy_estimates(toda, 50_000, today=FY2025)
    assert (standard.amount, standard.capped) == (300_000, False)
    (premium,) = subsidy_estimates(toda, 100_000, today=FY2025)
    assert (premium.amount, premium.capped) == (500_000, True)
    (odd,) = subsidy_estimates(toda, 33_333, today=FY2025)
    assert odd.amount == 199_000  # 399,996 × 1/2 = 199,998 → 千円未満切り捨て
    assert "本店が所在地にあり、1年以上継続して事業を営んでいること" in odd.conditions


def test_a_postal_code_of_another_town_never_brings_that_towns_programme(catalogue):
    # Typed 守山市 with a 草津市 postal code: neither town's programme is offered.
    mixed = client("525-0037", "滋賀県", "守山市")
    assert client_area_codes(mixed) == {"250007"}
    assert subsidy_estimates(mixed, 50_000, today=FY2024) == []
    assert client_area_codes(client("999-9999", "滋賀県", "守山市")) == {"250007"}


def test_prefecture_and_national_programmes_apply_nearest_first(catalogue):
    add(programme(name="滋賀県 テスト補助金", scope="prefecture", prefecture="滋賀県",
                  municipality="", municipality_code="", fiscal_year=2024, cap_yen=1_000_000))
    add(programme(name="全国 テスト補助金", scope="national", prefecture="", municipality="",
                  municipality_code="", fiscal_year=2024, rate="1/10", cap_yen=None))
    estimates = subsidy_estimates(client(*MORIYAMA), 50_000, today=FY2024)
    assert names(estimates) == ["守山市 副業人材活用事業補助金", "滋賀県 テスト補助金",
                                "全国 テスト補助金"]
    assert [e.amount for e in estimates] == [150_000, 300_000, 60_000]
    assert names(subsidy_estimates(client(*SHIBUYA), 50_000, today=FY2024)) == [
        "全国 テスト補助金"]


def test_inactive_programmes_and_zero_fees_give_nothing(catalogue):
    catalogue["守山市 副業人材活用事業補助金"].active = False
    db.session.flush()
    assert subsidy_estimates(client(*MORIYAMA), 50_000, today=FY2024) == []
    assert subsidy_estimates(client(*TODA), 0, today=FY2025) == []
