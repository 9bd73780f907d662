"""The proposal PDF (ご提案書): what the client reads (names as registered, 敬称, 和暦, tax once,
the no-tying statement, case number and page numbers on every page), issuing it as stored
versions, and `flask proposal`."""
import hashlib
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.japan.dates import today_jst, wareki
from app.matching.taxonomy import NEED_TAGS
from app.models import Advisor, Case, CaseStatus, ClientCompany, Intake, Plan, Proposal
from app.proposals.services import (
    NO_TYING_STATEMENT,
    SERVICE_NATURE,
    WITHHELD_NOTE,
    ProposalError,
    issue_proposal,
    price_context,
)
from tests.documents.pdftools import fonts, pages_text, text
from tests.factories import acceptance_case
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans

NOW = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)  # 令和8年12月3日 10:30 JST


@pytest.fixture
def plans(app_ctx) -> dict[str, Plan]:
    import_acceptance_advisors()
    return make_default_plans()


def flat(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def assert_every_page_numbered(pdf: bytes, case_number: str) -> list[str]:
    pages = pages_text(pdf)
    for n, page in enumerate(pages, start=1):
        assert f"案件番号 {case_number}" in page, f"page {n}: no case number"
        assert f"{n} / {len(pages)}" in page, f"page {n}: no 「{n} / {len(pages)}」"
    return pages


def test_a08_prints_rare_names_exactly(plans):
    case = make_case("A08")
    proposal = issue_proposal(case, plans["standard"], case.officer, now=NOW)
    pdf = proposal.pdf
    out = text(pdf)
    assert "株式会社𠮷野髙﨑工務店 御中" in out
    assert "代表取締役 𠮷田 髙志 様" in out
    assert "令和8年12月3日" in out
    assert NO_TYING_STATEMENT in out.splitlines()  # word for word, on a line of its own
    # 御中 for the company, 様 for the person: never both on one line.
    assert not [line for line in out.splitlines() if "御中" in line and "様" in line]
    assert "□" not in out
    rows = fonts(pdf)
    assert all(f.embedded for f in rows)
    names = {f.name for f in rows}
    assert {"BIZ-UDPGothic", "BIZ-UDPGothic-Bold"} <= names
    assert all(n.startswith(("BIZ-UDPGothic", "PTA-Rare-")) for n in names), names
    assert_every_page_numbered(pdf, case.case_number)


def test_a01_content_needs_advisors_plan_and_tax(plans):
    case = make_case("A01")
    proposal = issue_proposal(case, plans["standard"], case.officer, now=NOW)
    pages = assert_every_page_numbered(proposal.pdf, case.case_number)
    out = flat(" ".join(pages))
    assert "株式会社北九精機 御中" in out
    for heading in ("ご相談いただいた内容", "ご提案するアドバイザー", "プランとお見積り",
                    "補助金・助成金について", "最初の90日間の支援計画", "今後の進め方"):
        assert heading in out
    assert "在庫を紙とExcelで管理しており" in out  # the client's own words
    assert "在庫・受発注・生産管理" in out and "kintone" in out
    for selection in case.selections:  # every proposed advisor, with home region
        advisor = selection.advisor
        assert advisor.name in out
        assert f"{advisor.hometown_prefecture}{advisor.hometown_municipality}" in out
    assert "スタンダードプラン" in out
    assert "¥50,000" in out and "¥5,000" in out and "¥55,000" in out
    assert "¥600,000" in out and "¥60,000" in out and "¥660,000" in out
    assert "税抜" in out and "消費税（10%）" in out
    # The 90-day plan follows the needs heard.
    assert "【在庫・受発注・生産管理】" in out and "【採用・採用ブランディング】" in out
    assert "1〜30日" in out and "31〜60日" in out and "61〜90日" in out
    assert "別途確認" in out  # subsidies: a note, no invented amount


def test_sensitive_sentences_are_never_printed(plans):
    """A10's notes say the president is ill and in hospital (要配慮個人情報): that sentence
    stays out of the document, the rest of the proposal does not."""
    case = make_case("A10")
    out = flat(text(issue_proposal(case, plans["standard"], case.officer, now=NOW).pdf))
    assert "病気" not in out and "入院" not in out
    assert WITHHELD_NOTE in out
    assert "事業承継" in out  # the need itself is still proposed for
    assert SERVICE_NATURE in out


def test_tax_is_computed_once_on_each_total(plans):
    """¥33,335 a month: tax ¥3,333; a year ¥400,020 with tax ¥40,002 computed on the annual
    total — not 12 × ¥3,333 = ¥39,996."""
    price = price_context(33_335, 10)
    assert (price["monthly"].tax, price["monthly"].total) == (3_333, 36_668)
    assert (price["annual"].subtotal, price["annual"].tax, price["annual"].total) == (
        400_020, 40_002, 440_022)
    plan = Plan(code="odd", name="特別", monthly_fee=33_335)
    db.session.add(plan)
    case = make_case("A08")
    out = flat(text(issue_proposal(case, plan, case.officer, now=NOW).pdf))
    assert "¥3,333" in out and "¥36,668" in out
    assert "¥400,020" in out and "¥40,002" in out and "¥440,022" in out
    assert "¥39,996" not in out


def test_long_case_spans_pages_with_headers_and_numbers(plans):
    notes = "。".join(f"{tag}について、現場では紙とExcelが混在しており困っている" for tag in
                     NEED_TAGS) * 2
    case = make_case("A01", intake_overrides={"needs": NEED_TAGS, "notes": notes[:3900]})
    proposal = issue_proposal(case, plans["premium"], case.officer, now=NOW)
    pages = assert_every_page_numbered(proposal.pdf, case.case_number)
    assert len(pages) >= 6
    # The 90-day table continues over pages: its header is repeated on each of them.
    plan_pages = [p for p in pages if "【" in p and "】" in p]
    assert len(plan_pages) >= 2
    for page in plan_pages:
        assert "期間" in page and "ご支援の内容" in page


def test_issue_makes_new_versions_and_never_overwrites(plans):
    case = make_case("A01")
    first = issue_proposal(case, plans["standard"], case.officer, now=NOW)
    db.session.flush()
    first_bytes = first.pdf
    second = issue_proposal(case, plans["light"], case.officer, now=NOW)
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(sa.select(Proposal).where(Proposal.case_id == case.id)
                              .order_by(Proposal.version)).all()
    assert [p.version for p in rows] == [1, 2]
    assert rows[0].pdf == first_bytes  # version 1 untouched
    for row in rows:
        assert row.sha256 == hashlib.sha256(row.pdf).hexdigest()
        assert row.size_bytes == len(row.pdf)
        assert row.issued_at == NOW
    assert rows[0].sha256 != rows[1].sha256
    assert (rows[0].plan_code, rows[0].monthly_fee) == ("standard", 50_000)
    assert (rows[1].plan_code, rows[1].plan_name, rows[1].monthly_fee) == ("light", "ライト",
                                                                           30_000)
    assert rows[0].advisor_external_ids == [s.advisor.external_id for s in case.selections]
    assert "第2版" in text(second.pdf)
    case = db.session.get(Case, case.id)
    assert case.status == CaseStatus.PROPOSED and case.plan.code == "light"


def test_issue_refuses_no_or_too_many_advisors(plans):
    case = make_case("A01")
    with pytest.raises(ProposalError, match="1名以上"):
        issue_proposal(case, plans["standard"], case.officer, advisors=[])
    four = db.session.scalars(sa.select(Advisor).order_by(Advisor.external_id).limit(4)).all()
    with pytest.raises(ProposalError, match="3名まで"):
        issue_proposal(case, plans["standard"], case.officer,
                       advisors=[(a, []) for a in four])
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0
    assert case.status == CaseStatus.MATCHING


# -- flask proposal ------------------------------------------------------------------------


@pytest.fixture
def committed_advisors(app_ctx):
    import_acceptance_advisors()
    db.session.commit()


def run_cli(app, tmp_path, case, *args):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["proposal", str(path), *args])


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(sa.select(sa.func.count()).select_from(m))
                 for m in (Case, ClientCompany, Intake, Proposal, Plan))


def test_cli_writes_the_proposal_and_stores_nothing(app, committed_advisors, tmp_path):
    out = tmp_path / "a08.pdf"
    before = counts()
    result = run_cli(app, tmp_path, acceptance_case("A08"), "--out", str(out))
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF")
    page_one = text(pdf, 1)
    assert "株式会社𠮷野髙﨑工務店 御中" in page_one
    assert "PREVIEW-A08" in page_one and "プレビュー" in page_one
    assert "スタンダードプラン" in page_one
    assert wareki(today_jst()) in page_one
    db.session.expire_all()
    assert counts() == before


def test_cli_takes_advisors_plan_and_case_from_a_list(app, committed_advisors, tmp_path):
    out = tmp_path / "a01.pdf"
    cases = [acceptance_case("A01"), acceptance_case("A08")]
    result = run_cli(app, tmp_path, cases, "--out", str(out), "--case", "A01",
                     "--advisors", "ADV-001,ADV-005", "--plan", "premium")
    assert result.exit_code == 0, result.output
    out_text = flat(text(out.read_bytes()))
    assert "株式会社北九精機 御中" in out_text and "プレミアムプラン" in out_text
    assert "¥100,000" in out_text and "¥110,000" in out_text
    names = {a.external_id: a.name for a in db.session.scalars(sa.select(Advisor))}
    assert names["ADV-001"] in out_text and names["ADV-005"] in out_text


@pytest.mark.parametrize("args, message", [
    (["--advisors", "ADV-999"], "ADV-999 が登録されていません"),
    (["--advisors", "ADV-027"], "ADV-027 はご提案できません"),  # inactive: excluded
    (["--advisors", "ADV-001,ADV-002,ADV-005,ADV-006"], "3名まで"),
    (["--plan", "gold"], "プラン gold はありません"),
])
def test_cli_refuses_bad_choices(app, committed_advisors, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = run_cli(app, tmp_path, acceptance_case("A01"), "--out", str(out), *args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert not out.exists()


def test_cli_rejects_an_invalid_case_with_field_messages(app, committed_advisors, tmp_path):
    case = acceptance_case("A01")
    case["company"]["corporate_number"] = "8000012050002"  # wrong check digit
    case["intake"]["needs"] = ["存在しない分野"]
    out = tmp_path / "x.pdf"
    before = counts()
    result = run_cli(app, tmp_path, case, "--out", str(out))
    assert result.exit_code == 1
    assert "法人番号" in result.stderr and "チェックデジット" in result.stderr
    assert "ニーズ" in result.stderr
    assert not out.exists()
    db.session.expire_all()
    assert counts() == before
