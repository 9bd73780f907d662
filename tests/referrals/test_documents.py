"""The referral's two PDFs, read back with poppler: the paper consent form (同意書) the client
ticks, signs and seals, and the 紹介票兼同意確認書 between bank and platform (client, proposal,
fee terms, consent record, approval trail of the final round)."""
import hashlib
import re

import pytest
from flask import current_app

from app.extensions import db
from app.proposals.services import NO_TYING_STATEMENT, issue_proposal
from app.referrals.consent_items import (
    CONSENT_ITEMS,
    DEFAULT_PLATFORM_NAME,
    PURPOSE,
    WITHDRAWAL,
    consent_recipients,
)
from app.referrals.documents import render_consent_form, render_referral_document
from tests.documents.pdftools import fonts, page_count, pages_text, text
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans
from tests.referrals.doc_fixtures import (
    APPROVE_COMMENT,
    DEPUTY_COMMENT,
    NOW,
    RETURN_COMMENT,
    SCAN,
    TODAY,
    approved_referral,
    case_with_proposal,
)


def flat(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def numbered_pages(pdf: bytes, case_number: str) -> list[str]:
    pages = pages_text(pdf)
    for n, page in enumerate(pages, start=1):
        assert f"案件番号 {case_number}" in page, f"page {n}: no case number"
        assert f"{n} / {len(pages)}" in page, f"page {n}: no 「{n} / {len(pages)}」"
    return pages


def between(out: str, start: str, end: str) -> str:
    return out[out.index(start):out.index(end, out.index(start))]


def assert_fonts_embedded_one_weight(pdf: bytes, *, rare: bool) -> None:
    names = {f.name for f in fonts(pdf)}
    assert all(f.embedded for f in fonts(pdf))
    assert "BIZ-UDPGothic" in names and "BIZ-UDPGothic-Bold" not in names
    assert all(n.startswith(("BIZ-UDPGothic", "PTA-Rare-")) for n in names), names
    assert any(n.startswith("PTA-Rare-") for n in names) == rare


# -- 紹介票兼同意確認書 ----------------------------------------------------------------------


def test_referral_document_prints_case_client_proposal_consent_and_trail(app_ctx):
    f = approved_referral("A08")
    pdf = render_referral_document(f.referral, TODAY)
    pages = numbered_pages(pdf, f.case.case_number)
    assert len(pages) <= 3
    raw = "\n".join(pages)
    out = flat(raw)
    assert "紹介票兼同意確認書" in out and "発行日 令和8年12月3日" in out
    assert "みらい信用金庫 北九州支店（申請者 山本 健太）" in out
    assert f"紹介先 {DEFAULT_PLATFORM_NAME}" in out
    assert "承認済（令和8年12月3日 10:30）" in out  # decided_at, in JST
    # The client, names exactly as registered (rare characters, no tofu).
    assert "会社名：株式会社𠮷野髙﨑工務店" in out
    assert "法人番号：3290001051234" in out
    assert "所在地：〒806-0021 福岡県北九州市八幡西区黒崎1丁目1-1" in out
    assert "代表者：代表取締役 𠮷田 髙志" in out
    # Advisors of the proposal, with their ids; plan and price with tax once.
    for a in f.case.selections:
        assert f"{a.advisor.name}（{a.advisor.external_id}）" in out
    assert "スタンダードプラン（ご提案書 第1版）" in out
    for amount in ("¥50,000", "¥5,000", "¥55,000", "¥600,000", "¥60,000", "¥660,000"):
        assert amount in out
    # Fee terms as the bank records them.
    assert "料率：月額会費（税抜）の 20%（本件：月 ¥10,000）" in out
    assert "期間：ご契約開始から 12か月間" in out
    # The consent record.
    consent = between(out, "個人情報の第三者提供に関する同意の記録", "稟議の経過")
    for label in CONSENT_ITEMS.values():
        assert f"・{label}" in consent
    assert "同意のない項目" not in consent
    assert f"サービス運営者：{DEFAULT_PLATFORM_NAME}" in consent
    for a in f.case.selections:
        assert f"アドバイザー：{a.advisor.name}（{a.advisor.external_id}）" in consent
    assert f"利用目的：{PURPOSE}" in consent
    assert "同意日：令和8年11月30日" in consent
    assert "方法：書面（署名・押印した同意書）" in consent
    assert "同意者：代表取締役 𠮷田 髙志" in consent
    assert "取得者：みらい信用金庫 山本 健太" in consent
    assert f"SHA-256 {hashlib.sha256(SCAN).hexdigest()}" in consent
    # The approval trail of the final round: who, what, when (JST), with comments.
    trail = between(out, "稟議の経過", NO_TYING_STATEMENT)
    assert "申請 山本 健太 令和8年12月2日 10:30 申請 役席" in trail
    assert f"役席 佐藤 花子 令和8年12月2日 11:30 承認 {APPROVE_COMMENT}" in trail
    assert ("支店長 鈴木 次郎 令和8年12月3日 10:30 代理承認（髙橋 一郎に代わり） "
            f"{DEPUTY_COMMENT}") in trail
    assert RETURN_COMMENT not in out and "差戻し 佐藤" not in out  # round 1 is history
    assert "第2回の申請の経過です" in trail
    assert NO_TYING_STATEMENT in raw.splitlines()
    assert "□" not in out
    assert_fonts_embedded_one_weight(pdf, rare=True)


def test_referral_document_prints_fee_terms_as_recorded_now_and_only_consented_items(
        app_ctx):
    f = approved_referral("A01", items=["company", "needs"])
    f.case.bank.referral_fee_percent = 15
    f.case.bank.referral_fee_months = 6
    f.consent.scan, f.consent.scan_sha256 = None, ""  # 電子 consent: no scan
    db.session.flush()
    out = flat(text(render_referral_document(f.referral, TODAY)))
    assert "料率：月額会費（税抜）の 15%（本件：月 ¥7,500）" in out
    assert "期間：ご契約開始から 6か月間" in out
    given = between(out, "提供に同意を得た項目", "同意のない項目")
    assert f"・{CONSENT_ITEMS['company']}" in given and f"・{CONSENT_ITEMS['needs']}" in given
    withheld = between(out, "同意のない項目（提供しません）", "提供先と利用目的")
    for code in ("representative", "contact", "tools", "budget"):
        assert CONSENT_ITEMS[code] not in given
        assert f"・{CONSENT_ITEMS[code]}" in withheld
    assert "SHA-256" not in out and "同意書の写し" not in out
    assert len(f.case.selections) == 3
    for a in f.case.selections:
        assert f"{a.advisor.name}（{a.advisor.external_id}）" in out
    assert_fonts_embedded_one_weight(render_referral_document(f.referral, TODAY), rare=False)


def test_referral_document_prints_user_text_literally(app_ctx):
    f = approved_referral("A01")
    f.referral.actions[-1].comment = '<b>確認</b> & "済" </style>'
    f.consent.consenter_name = "髙橋 <i>花子</i>"
    db.session.flush()
    out = flat(text(render_referral_document(f.referral, TODAY)))
    assert '代理承認（髙橋 一郎に代わり） <b>確認</b> & "済" </style>' in out
    assert "同意者：代表取締役 髙橋 <i>花子</i>" in out


# -- 同意書 (paper consent form) --------------------------------------------------------------


def test_consent_form_lists_items_recipients_purpose_and_blanks_to_sign(app_ctx):
    case, proposal = case_with_proposal("A01")
    pdf = render_consent_form(case, TODAY)
    pages = numbered_pages(pdf, case.case_number)
    assert len(pages) == 1, "the client signs one sheet"
    raw = pages[0]
    out = flat(raw)
    assert "みらい信用金庫 御中" in raw.splitlines()
    assert "個人情報の第三者提供に関する同意書" in out and "作成日 令和8年12月3日" in out
    for label in CONSENT_ITEMS.values():  # every item, each with an empty box to tick
        assert f"□ {label}" in raw.splitlines()
    assert f"サービス運営者：{DEFAULT_PLATFORM_NAME}" in out
    assert len(proposal.advisor_external_ids) == 3  # the longest list still fits one sheet
    assert "アドバイザー：" + "、".join(a.advisor.name for a in case.selections) in out
    assert PURPOSE in out and WITHDRAWAL in out.replace(" ", "")
    assert NO_TYING_STATEMENT in raw.splitlines()
    lines = [line.strip() for line in raw.splitlines()]
    assert {"令和", "年", "月", "日"} <= set(lines)  # 令和　　年　　月　　日, blanks to fill in
    assert "会社名 株式会社北九精機" in out and "代表者 代表取締役 田中 一郎" in out
    assert "ご署名" in out and "ご捺印" in out
    assert "みらい信用金庫 北九州支店 担当 山本 健太" in out and "確認印" in out
    assert "様" not in out  # the client writes this form: no 敬称 on their own lines
    assert_fonts_embedded_one_weight(pdf, rare=False)


def test_consent_form_prints_rare_names(app_ctx):
    case, _ = case_with_proposal("A08")
    pdf = render_consent_form(case, TODAY)
    out = flat(text(pdf))
    assert "会社名 株式会社𠮷野髙﨑工務店" in out
    assert "代表者 代表取締役 𠮷田 髙志" in out
    assert page_count(pdf) == 1
    assert_fonts_embedded_one_weight(pdf, rare=True)


# -- recipients ------------------------------------------------------------------------------


def test_recipients_are_the_platform_and_the_latest_proposals_advisors(app_ctx):
    import_acceptance_advisors()
    plans = make_default_plans()
    case = make_case("A01")
    selected = [s.advisor for s in case.selections]
    # No proposal yet: the selected advisors.
    assert consent_recipients(case) == [{"kind": "platform", "name": DEFAULT_PLATFORM_NAME}] + [
        {"kind": "advisor", "name": a.name, "external_id": a.external_id} for a in selected]
    # A proposal to fewer advisors, in another order: those, in the proposal's order.
    chosen = [selected[2], selected[0]]
    issue_proposal(case, plans["light"], case.officer, now=NOW,
                   advisors=[(a, []) for a in chosen])
    db.session.expire(case)
    assert [r.get("external_id") for r in consent_recipients(case)] == [
        None, chosen[0].external_id, chosen[1].external_id]


@pytest.fixture
def platform_name(app_ctx):
    current_app.config["PLATFORM_NAME"] = "テスト運営事務局"
    yield
    del current_app.config["PLATFORM_NAME"]


def test_platform_name_comes_from_configuration(platform_name):
    case, _ = case_with_proposal("A01")
    assert consent_recipients(case)[0] == {"kind": "platform", "name": "テスト運営事務局"}
    assert "サービス運営者：テスト運営事務局" in flat(text(render_consent_form(case, TODAY)))

