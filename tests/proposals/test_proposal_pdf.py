"""The proposal PDF (ご提案書): what the client reads (names as registered, 敬称, 和暦 with 西暦,
tax once, the no-tying statement, case number and page numbers on every page, nothing internal
or flagged, visits only as the plan includes them), issuing it as stored versions, and
`flask proposal`."""
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
    client_reasons,
    issue_proposal,
    price_context,
    without_flagged_sentences,
)
from app.proposals.support_plan import build_support_plan
from tests.documents.pdftools import fonts, page_count, pages_text, text
from tests.factories import acceptance_case
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans

NOW = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)  # 令和8年12月3日 10:30 JST
EMPLOYMENT_SENTENCE = "週3日常駐してくれる社員として来てほしい。"  # A09's notes


@pytest.fixture
def plans(app_ctx) -> dict[str, Plan]:
    import_acceptance_advisors()
    return make_default_plans()


def flat(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def issued_text(case_id: str, plan: Plan, **overrides) -> str:
    case = make_case(case_id, **overrides)
    return flat(text(issue_proposal(case, plan, case.officer, now=NOW).pdf))


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
    assert "BIZ-UDPGothic" in names
    # One weight (_document.css): a bold face would be a second embedded font on every render.
    assert "BIZ-UDPGothic-Bold" not in names
    assert all(n.startswith(("BIZ-UDPGothic", "PTA-Rare-")) for n in names), names
    assert_every_page_numbered(pdf, case.case_number)
    assert page_count(pdf) <= 3


def test_a01_content_needs_advisors_plan_and_tax(plans):
    case = make_case("A01")
    proposal = issue_proposal(case, plans["standard"], case.officer, now=NOW)
    pages = assert_every_page_numbered(proposal.pdf, case.case_number)
    assert len(pages) <= 3  # lean: a client reads it, the officer prints it
    out = flat(" ".join(pages))
    assert "株式会社北九精機 御中" in out
    assert "代表取締役 田中 一郎 様" in out
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
    assert "該当する補助金は見つかりませんでした" in out  # no programme here covers retainers
    assert "みらい信用金庫" in out and "北九州支店" in out and "山本 健太" in out
    assert "yamamoto@mirai-shinkin.example.jp" in out
    assert NO_TYING_STATEMENT in out


def test_internal_matching_reasons_are_left_out(plans):
    """The engine's reasons about free capacity, rating and track record are for the officer:
    the client reads why an advisor fits (skills, industry, home region, tools)."""
    case = make_case("A01")
    stored = [r for s in case.selections for r in s.reasons or []]
    assert any(r.startswith("稼働枠あり") for r in stored)  # the engine gives them…
    out = flat(text(issue_proposal(case, plans["standard"], case.officer, now=NOW).pdf))
    assert "稼働枠" not in out and "残り" not in out  # …the client never sees them
    assert not re.search(r"評価\s?\d|実績\s?\d+件", out), out
    assert "出身" in out and "の経験" in out and "（専門）" in out
    assert "レベル" not in out


def test_client_reasons_rule():
    reasons = ["在庫・受発注・生産管理（レベル3）", "製造業の経験", "北九州市出身",
               "kintoneの経験", "稼働枠あり（残り1）", "稼働枠あり（残り2・提案中1件）",
               "評価4.3・実績4件", "評価3.6", "実績5件"]
    assert client_reasons(reasons) == ["在庫・受発注・生産管理（専門）", "製造業の経験",
                                       "北九州市出身", "kintoneの経験"]


def test_dates_carry_seireki_and_no_invented_validity(plans):
    """The annual total runs into later years: every 和暦 date printed has its 西暦 beside it
    (JAPAN.md §3), and the document promises no validity period nobody decided."""
    out = issued_text("A01", plans["standard"])
    dates = list(re.finditer(r"令和(?:\d+|元)年\d+月\d+日", out))
    assert dates
    for m in dates:
        assert re.match(r"（20\d\d年）", out[m.end():]), out[m.start():m.end() + 12]
    assert "令和8年12月3日（2026年）" in out
    assert "有効期限" not in out
    assert "12か月分" in out


def test_sensitive_sentences_are_never_printed(plans):
    """A10's notes say the president is ill and in hospital (要配慮個人情報): that sentence
    stays out of the document, the rest of the proposal does not."""
    out = issued_text("A10", plans["standard"])
    assert "病気" not in out and "入院" not in out
    assert WITHHELD_NOTE in out
    assert "事業承継" in out  # the need itself is still proposed for
    assert SERVICE_NATURE in out


def test_employment_like_sentences_are_never_printed(plans):
    """A09 asks for someone 「週3日常駐」「社員として」: printed next to 「常駐や雇用の形での
    ご支援ではありません」 it would contradict the document. The sentence is left out with the
    same short note; other sentences stay."""
    out = issued_text("A09", plans["standard"])
    assert EMPLOYMENT_SENTENCE not in out and "社員として" not in out
    assert "週3日" not in out
    assert WITHHELD_NOTE in out and SERVICE_NATURE in out
    notes = f"在庫を紙で管理している。{EMPLOYMENT_SENTENCE}若手の採用にも苦戦している。"
    out = issued_text("A01", plans["standard"], intake_overrides={"notes": notes})
    assert "在庫を紙で管理している。若手の採用にも苦戦している。" in out
    assert "常駐してくれる" not in out and WITHHELD_NOTE in out


def test_flagged_sentences_are_cut_sentence_by_sentence():
    kept, withheld = without_flagged_sentences(
        f"在庫を紙で管理している。{EMPLOYMENT_SENTENCE}社長が病気で入院しており、事業承継を急ぎたい。"
        "正社員として若手を採用したい。")
    assert withheld
    assert kept == "在庫を紙で管理している。正社員として若手を採用したい。"  # hiring is a need
    assert without_flagged_sentences("月末の棚卸しに3日かかる。") == ("月末の棚卸しに3日かかる。",
                                                                     False)


@pytest.mark.parametrize("code, present, absent", [
    ("light", ["訪問でのご支援は含まれません", "別途ご相談のうえ手配",
               "月1回のオンライン定例相談とチャット", "オンラインでのキックオフ面談"],
     ["訪問による", "現場訪問", "訪問で、", "訪問は"]),
    ("standard", ["訪問による現場の業務の確認", "訪問は四半期に1回", "最初の90日間で1回",
                  "月2回の定例相談とチャット"],
     ["含まれません", "訪問で、試行", "月1回です"]),
    ("premium", ["訪問による現場の業務の確認", "訪問は月1回", "最初の90日間で3回",
                 "訪問で、試行の様子", "訪問で、定着の様子", "毎週の定例相談とチャット"],
     ["含まれません", "四半期"]),
])
def test_support_plan_promises_only_the_plans_visits(plans, code, present, absent):
    """ライト has no visits (online once a month + chat), スタンダード one visit a quarter,
    プレミアム one a month: the 90-day plan says so and promises nothing more. A01 asked for
    visits (訪問をご希望), which must not turn into a promise the plan does not include."""
    out = issued_text("A01", plans[code])
    plan_part = out[out.index("最初の90日間の支援計画"):out.index("今後の進め方")]
    for words in present:
        assert words in plan_part, words
    for words in absent:
        assert words not in plan_part, words
    if code == "light":
        assert "訪問を含むプランもあわせてご検討ください" in plan_part  # they asked for visits


def test_support_plan_of_an_unknown_plan_promises_no_visit():
    plan = build_support_plan(["在庫・受発注・生産管理"], [], True, "", "gold", "ゴールド")
    steps = [s for phase in plan.phases for s in phase.steps]
    assert not [s for s in steps if "訪問" in s]
    assert "含まれません" in plan.visit_note


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


def test_long_case_spans_pages_with_numbers_and_headings_kept(plans):
    notes = "。".join(f"{tag}について、現場では紙とExcelが混在しており困っている" for tag in
                     NEED_TAGS) * 2
    case = make_case("A01", intake_overrides={"needs": NEED_TAGS, "notes": notes[:3900]})
    proposal = issue_proposal(case, plans["premium"], case.officer, now=NOW)
    pages = assert_every_page_numbered(proposal.pdf, case.case_number)
    assert len(pages) >= 4
    out = flat(" ".join(pages))
    for tag in NEED_TAGS:  # every need has its steps in the 90-day plan
        assert f"【{tag}】" in out, tag
    # The plan runs over pages; no page ends with a heading or a phase's bar alone.
    for n, page in enumerate(pages[:-1], start=1):
        body = [line for line in page.splitlines() if line.strip()]
        body = [line for line in body if not re.fullmatch(r"\d+ / \d+", line.strip())]
        last = body[-1]
        assert not re.match(r"\d\. ", last), f"page {n} ends with heading {last}"
        assert not re.match(r"\d+〜\d+日", last), f"page {n} ends with phase bar {last}"


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
