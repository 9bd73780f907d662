"""The seeded catalogue: real programmes only as the sources allow, valid codes, idempotent
seeding (no duplicate rows, no audit rows on a second run), restored when changed."""
from datetime import date

import sqlalchemy as sa
from flask import render_template

from app.demo.seed import seed_demo
from app.extensions import db
from app.japan.identifiers import is_valid_municipality_code
from app.models import AuditLog, SubsidyProgramme
from app.subsidies.catalogue import REAL_PROGRAMMES
from app.subsidies.services import SubsidyEstimate, seed_programmes
from app.subsidies.terms import (
    ESTIMATE_NOTE,
    NO_ESTIMATE_MESSAGE,
    condition_lines,
    fiscal_year_label,
    fiscal_year_of,
)
from app.subsidies.validation import parse_fiscal_year, parse_rate


def _rows() -> list[tuple]:
    db.session.expire_all()
    return [tuple(r) for r in db.session.execute(
        sa.select(SubsidyProgramme.__table__).order_by(SubsidyProgramme.id))]


def _audit_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


def test_seeding_twice_changes_nothing(app_ctx):
    first = seed_programmes()
    db.session.commit()
    assert (first.created, first.updated, first.total) == (5, 0, 5)
    rows, audits = _rows(), _audit_count()
    assert audits == 5  # one creation each, as the system
    second = seed_programmes()
    db.session.commit()
    assert (second.created, second.updated) == (0, 0)
    assert _rows() == rows and _audit_count() == audits


def test_a_changed_seeded_programme_is_restored_and_the_restore_audited(app_ctx):
    seed_programmes()
    db.session.commit()
    moriyama = db.session.scalar(sa.select(SubsidyProgramme).where(
        SubsidyProgramme.municipality_code == "252077"))
    moriyama.cap_yen = 999_999
    db.session.commit()
    assert seed_programmes().updated == 1
    db.session.commit()
    assert moriyama.cap_yen == 150_000
    row = db.session.scalar(sa.select(AuditLog).order_by(AuditLog.id.desc()))
    assert (row.action, row.actor_name, row.actor_id) == ("subsidy_programme.update",
                                                          "システム", None)
    assert row.before == {"cap_yen": 999_999} and row.after == {"cap_yen": 150_000}


def test_demo_seed_includes_the_catalogue(app_ctx):
    summary = seed_demo()
    db.session.commit()
    assert summary.subsidies == 5 and "補助金 5" in summary.lines()[1]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SubsidyProgramme)) == 5


def test_what_the_catalogue_claims(app_ctx):
    seed_programmes()
    rows = {p.name: p for p in db.session.scalars(sa.select(SubsidyProgramme))}
    assert set(rows) == {r["name"] for r in REAL_PROGRAMMES}
    for p in rows.values():
        assert p.source_note and p.fiscal_year in (2024, 2025)
        assert p.municipality_code is None or is_valid_municipality_code(p.municipality_code)
    covering = {name for name, p in rows.items() if p.covers_advisory_fees}
    assert covering == {"守山市 副業人材活用事業補助金", "戸田市 DX推進補助金"}
    for name in ("北九州市 DX推進補助金（計画策定枠）", "北九州市 DX推進補助金（事業変革枠）"):
        p = rows[name]
        assert p.municipality_code == "401005" and (p.rate_numerator, p.rate_denominator) == (2, 3)
        assert any(c["kind"] == "to_confirm" and "顧問" in c["text"] for c in p.conditions)
    assert rows["北九州市 DX推進補助金（計画策定枠）"].cap_yen == 2_000_000
    assert rows["北九州市 DX推進補助金（事業変革枠）"].cap_yen == 5_000_000
    moriyama = rows["守山市 副業人材活用事業補助金"]
    assert (moriyama.municipality_code, moriyama.cap_yen) == ("252077", 150_000)
    assert {"kind": "licensed_agency"} in moriyama.conditions
    toda = rows["戸田市 DX推進補助金"]
    assert (toda.municipality_code, toda.rate_label, toda.cap_yen) == ("112241", "1/2", 500_000)
    assert {"kind": "hq_in_area_years", "n": 1} in toda.conditions
    assert {"kind": "no_double_national"} in toda.conditions


def test_rates_and_years_as_people_type_them():
    assert parse_rate("2/3") == parse_rate("２／３") == parse_rate("3分の2") == (2, 3)
    assert parse_rate("10/10") == (10, 10) and parse_rate("1/2以内") == (1, 2)
    assert parse_fiscal_year("2025") == parse_fiscal_year("令和7年度") == 2025
    assert parse_fiscal_year("R7") == parse_fiscal_year("令和７") == 2025
    assert parse_fiscal_year("令和元年度") == 2019
    assert fiscal_year_of(date(2026, 3, 31)) == 2025 and fiscal_year_of(date(2026, 4, 1)) == 2026
    assert fiscal_year_label(2025) == "令和7年度" and fiscal_year_label(2019) == "令和元年度"


def test_condition_wording():
    assert condition_lines([{"kind": "apply_within_days", "n": 30}, {"kind": "onsite_visit"},
                            {"kind": "to_confirm", "text": "対象経費"}]) == [
        "契約から30日以内に申請すること", "アドバイザーが現地を訪問して支援すること",
        "【要確認】対象経費"]


def _estimate(**overrides) -> SubsidyEstimate:
    values = dict(programme_id=1, name="守山市 副業人材活用事業補助金", area="滋賀県守山市",
                  fiscal_year=2024, fiscal_year_label="令和6年度", rate_label="2/3",
                  cap_yen=150_000, monthly_fee=50_000, months=12, eligible_cost=600_000,
                  amount=150_000, capped=True, cost_types=("副業・兼業人材への報酬",),
                  conditions=("人材の紹介を有料職業紹介事業者から受けること", "【要確認】契約の形"),
                  application_window="7月1日〜10月31日", documents_required=("申請書",),
                  source_note="出典")
    return SubsidyEstimate(**{**values, **overrides})


def test_proposal_partial_prints_estimates_with_conditions_and_the_note(app_ctx):
    html = render_template("documents/_subsidy.html", subsidies=[_estimate()])
    for text in ("守山市 副業人材活用事業補助金", "滋賀県守山市・令和6年度", "補助率 2/3",
                 "上限 ¥150,000", "¥600,000", "（12か月分）", "<b>¥150,000</b>",
                 "人材の紹介を有料職業紹介事業者から受けること／【要確認】契約の形",
                 "7月1日〜10月31日", ESTIMATE_NOTE, "概算・審査により変動します"):
        assert text in html, text
    assert NO_ESTIMATE_MESSAGE not in html


def test_proposal_partial_without_estimates_says_so(app_ctx):
    html = render_template("documents/_subsidy.html", subsidies=[])
    assert NO_ESTIMATE_MESSAGE in html and "<table" not in html


def test_the_partial_prints_in_a_pdf_document(app_ctx):
    """Included the way the proposal includes it, rendered by the document renderer."""
    from app.documents.render import renderer
    from tests.documents.pdftools import text

    r = renderer()
    template = r.env.from_string(
        '{% extends "documents/_base.html" %}{% block content %}<h2>4. 補助金・助成金について</h2>'
        '{% include "documents/_subsidy.html" %}{% endblock %}')
    context = {"document": {"title": "ご提案書", "case_number": "PTA-2026-000001",
                            "issuer": "みらい信用金庫"}, "subsidies": [_estimate()]}
    html, runs = r.render_html(template, context)
    out = text(r.html_to_pdf(html, runs))
    flat = "".join(out.split())
    for expected in ("守山市副業人材活用事業補助金", "¥150,000", "有料職業紹介事業者",
                     "概算・審査により変動します"):
        assert expected in flat, expected
    html, runs = r.render_html(template, {**context, "subsidies": []})
    assert "".join(NO_ESTIMATE_MESSAGE.split()) in "".join(
        text(r.html_to_pdf(html, runs)).split())
