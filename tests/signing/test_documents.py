"""The signing documents read back with poppler: the 利用申込書兼契約書 as sent (every clause,
case number and document ID on every page), the 合意締結証明書 (hash, signer, authentication,
events, seal; the stamp area left empty), the agreement's signer fields filled at signing (in
their cells, the bytes as sent kept as a prefix) and the two joined before the seal (the
agreement's bytes and pages unchanged), sealed by services.seal (pdfsig). Fixture rows are
built directly with the models: a case of acceptance case A08 (rare characters in the
client's and representative's names) with its consent, an agreement as sent, the signing
events."""
import hashlib
import re
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from app.extensions import db
from app.models import (
    Case,
    Plan,
    SigningEvent,
    SigningMode,
    SigningRequest,
    SubscriptionAgreement,
)
from app.proposals.services import NO_TYING_STATEMENT, SERVICE_NATURE, price_context
from app.referrals.consent_items import CONSENT_ITEMS, DEFAULT_PLATFORM_NAME, PURPOSE
from app.signing import services
from app.signing.documents import (
    AUTH_EMAIL,
    METHOD_EMAIL,
    METHOD_IN_BRANCH,
    PAGE_MARGIN_LEFT_MM,
    SIGNER_BLANK,
    SIGNER_BLOCK,
    STAMP_DUTY_NOTE,
    append_pages,
    fill_signer_block,
    render_agreement,
    render_certificate,
)
from app.signing.keys import load_signer
from app.signing.seal import SEAL_BOX
from tests.documents.pdftools import fonts, page_count, pages_text, text
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans
from tests.referrals.doc_fixtures import make_consent
from tests.signing.pdfsig import pdfsig

SENT_AT = datetime(2026, 12, 3, 1, 30, tzinfo=UTC)  # 令和8年12月3日 10:30 JST
SEALED_AT = datetime(2026, 12, 4, 0, 15, 42, tzinfo=UTC)  # 2026/12/04 09:15:42 JST
AGREED_AT = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)  # 2026年12月3日 18:30 JST
STARTS_ON = date(2027, 1, 1)
SIGNER = {"name": "𠮷田 髙志", "title": "代表取締役", "email": "yoshida@client.example.jp"}
IP = "203.0.113.45"
USER_AGENT = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
SEAL_SUBJECT = "CN=Pocket TECH Advisor 電子シール, O=Pocket TECH Advisor 運営事務局, C=JP"
SEAL_FINGERPRINT = hashlib.sha256(b"test seal certificate").hexdigest().upper()
EMAIL_AUTH = {"mode": SigningMode.EMAIL, "ip": IP, "user_agent": USER_AGENT}


@dataclass
class AgreementFixture:
    case: Case
    agreement: SubscriptionAgreement
    events: list[SigningEvent]


def make_agreement(case_id: str = "A08", *, plan_code: str = "standard", version: int = 1,
                   items: list[str] | None = None) -> AgreementFixture:
    import_acceptance_advisors()
    plans = make_default_plans()
    case = make_case(case_id)
    make_consent(case, case.officer, items=items)
    plan = plans[plan_code]
    price = price_context(plan.monthly_fee, 10)
    agreement = SubscriptionAgreement(
        document_id=f"PTA-AG-{case.case_number[4:]}-{version}", case_id=case.id,
        bank_id=case.bank_id, branch_id=case.branch_id, client_id=case.client_id,
        version=version, plan_code=plan.code, plan_name=plan.name,
        monthly_fee=plan.monthly_fee, tax_rate_percent=10,
        annual_total=price["annual"].total, starts_on=STARTS_ON, term_months=12,
        notice_days=30, counterparty_name=case.client.name, pdf=b"", sha256="",
        created_by_id=case.officer.id, created_at=SENT_AT)
    db.session.add(agreement)
    db.session.flush()
    agreement.pdf = render_agreement(agreement)
    agreement.sha256 = hashlib.sha256(agreement.pdf).hexdigest()
    events = [SigningEvent(agreement_id=agreement.id, kind=kind, label=label, actor_name=actor,
                           ip=ip, user_agent=USER_AGENT if actor == SIGNER["name"] else "",
                           at=SENT_AT + offset)
              for kind, label, actor, ip, offset in (
                  ("sent", "署名依頼を送信しました（yoshida@client.example.jp）",
                   case.officer.name, "192.0.2.10", timedelta(0)),
                  ("opened", "署名ページを開きました", SIGNER["name"], IP,
                   timedelta(hours=22, minutes=40, seconds=3)),
                  ("code_failed", "アクセスコードの入力に誤りがありました（1回目）", SIGNER["name"],
                   IP, timedelta(hours=22, minutes=41, seconds=10)),
                  ("code_ok", "アクセスコードを確認しました", SIGNER["name"], IP,
                   timedelta(hours=22, minutes=41, seconds=31)),
                  ("agreed", "内容を確認し、同意しました", SIGNER["name"], IP,
                   timedelta(hours=22, minutes=45, seconds=40)))]
    db.session.add_all(events)
    db.session.flush()
    return AgreementFixture(case, agreement, events)


def flat(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def squeezed(page: str) -> str:
    """The text without any white space: a value wrapped over lines reads back whole."""
    return re.sub(r"\s+", "", page)


def layout(pdf: bytes, page: int | None = None) -> str:
    """pdftotext -layout (of one page, when given): each table row on one line."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", *pages, str(path), "-"],
                              capture_output=True, text=True, check=True).stdout


def certificate(f: AgreementFixture, *, signer: dict = SIGNER, auth: dict = EMAIL_AUTH,
                events: list[SigningEvent] | None = None) -> bytes:
    return render_certificate(f.agreement, f.events if events is None else events,
                              signer=signer, auth=auth, sealed_at=SEALED_AT,
                              seal_subject=SEAL_SUBJECT, seal_fingerprint=SEAL_FINGERPRINT)


def assert_fonts_embedded(pdf: bytes, *, rare: bool) -> None:
    found = fonts(pdf)
    assert found and all(f.embedded for f in found)
    names = {f.name for f in found}
    assert all(n.startswith(("BIZ-UDPGothic", "BIZ-UDGothic", "PTA-Rare-")) for n in names), names
    assert "BIZ-UDPGothic-Bold" not in names
    assert any(n.startswith("PTA-Rare-") for n in names) == rare


def words(pdf: bytes, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, x1, y1, x2, y2) of every word of `page` (PDF points, origin bottom-left)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "doc.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page),
                              str(path), "-"], capture_output=True, text=True, check=True).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', out).group(1))
    found = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                         r'yMax="([\d.]+)">([^<]*)</word>', out):
        wx1, top, wx2, bottom = (float(v) for v in m.groups()[:4])
        found.append((m.group(5), wx1, height - bottom, wx2, height - top))  # from the top
    return found


def words_in_box(pdf: bytes, page: int, box: tuple[float, float, float, float]) -> list[str]:
    """Words of `page` whose bounding box meets `box` (PDF points, origin bottom-left)."""
    x1, y1, x2, y2 = box
    return [w for w, wx1, wy1, wx2, wy2 in words(pdf, page)
            if wx1 < x2 and wx2 > x1 and wy1 < y2 and wy2 > y1]


# -- 利用申込書兼契約書 --------------------------------------------------------------------------


def test_agreement_prints_every_clause_with_case_number_and_document_id_on_each_page(app_ctx):
    f = make_agreement("A08")
    a, case = f.agreement, f.case
    pages = pages_text(a.pdf)
    assert 2 <= len(pages) <= 3
    for n, page in enumerate(pages, start=1):
        assert f"案件番号 {case.case_number}" in page, f"page {n}: no case number"
        assert f"文書ID {a.document_id}" in page, f"page {n}: no document ID"
        assert f"{n} / {len(pages)}" in page, f"page {n}: no 「{n} / {len(pages)}」"
    raw = "\n".join(pages)
    lines = [line.strip() for line in raw.splitlines()]
    out = flat(raw)
    assert "利用申込書兼契約書" in out and "作成日 令和8年12月3日" in out
    assert f"文書ID {a.document_id}（第1版）" in out
    # Parties, 敬称 per JAPAN.md §3: the addressee line 御中 only, the representative 様.
    assert "株式会社𠮷野髙﨑工務店 御中" in lines
    assert "ご利用者（お客さま） 株式会社𠮷野髙﨑工務店 代表取締役 𠮷田 髙志 様" in out
    assert not [line for line in lines if "御中" in line and "様" in line]
    assert f"サービス提供者（運営者） {DEFAULT_PLATFORM_NAME}" in out
    assert "紹介者 みらい信用金庫 北九州支店（担当 山本 健太）" in out
    assert "本契約の当事者ではありません" in out
    # Plan with what it includes (Plan table), fee with tax computed once, annual total.
    assert "スタンダードプラン" in out
    assert "ご支援の内容：オンライン相談 月2回／訪問 四半期に1回／チャット相談" in out
    price = between(flat(layout(a.pdf)), "第2条", "第3条")
    for label, monthly, annual in (("スタンダードプラン（税抜）", "¥50,000", "¥600,000"),
                                   ("消費税（10%）", "¥5,000", "¥60,000"),
                                   ("合計（税込）", "¥55,000", "¥660,000")):
        assert f"{label} {monthly} {annual}" in price
    # Start (和暦 with 西暦), term with automatic renewal, cancellation notice.
    assert "ご利用開始日：令和9年1月1日（2027年）" in out
    assert "ご利用開始日から12か月間（令和9年12月31日（2027年）まで）" in out
    assert "さらに12か月間自動更新" in squeezed(out)
    assert "期間満了日の30日前まで" in out
    assert "解約を希望する日の30日前までに、書面または電磁的方法（電子メール等）" in squeezed(out)
    # 準委任, confidentiality, personal data, e-contract, stamp duty, no-tying.
    clauses = squeezed(out)
    assert squeezed(SERVICE_NATURE) in clauses
    assert "指揮命令の下で一定の時間就業するものではなく" in clauses
    assert "特定の成果" in clauses and "保証するものではありません" in clauses
    assert "第6条 秘密保持" in out and "本契約の終了後も効力を有します" in clauses
    personal = between(out, "第7条", "第8条")
    assert "第三者提供の同意（令和8年11月30日）" in squeezed(personal)
    assert squeezed(PURPOSE) in squeezed(personal)
    for label in CONSENT_ITEMS.values():
        assert f"・{label}" in personal
    econtract = squeezed(between(out, "第8条", "第9条"))
    assert "アクセスコード" in econtract and "立会人として" in econtract
    assert "立会人型電子契約" in econtract and "合意締結証明書" in econtract
    assert squeezed(STAMP_DUTY_NOTE) in econtract
    assert "（紹介者 みらい信用金庫より）" in lines and NO_TYING_STATEMENT in lines
    # The end of the text is marked; the space down to the signer block is blank on purpose.
    assert out.index(NO_TYING_STATEMENT) < out.index("以下余白") < out.index("お申込み・ご署名")
    # The signer block, blank as sent, at the bottom of the last page.
    block = out[out.index("お申込み・ご署名"):]
    assert "ご署名者の役職 ご署名者の氏名 同意日時 署名の方法" in block
    assert SIGNER_BLANK in block and "末尾の「合意締結証明書」にも記載されます" in block
    assert "お申込み・ご署名" in pages[-1]
    assert "𠮷田 髙志" not in block  # the signer is printed on the certificate, not here
    assert_fonts_embedded(a.pdf, rare=True)


def between(out: str, start: str, end: str) -> str:
    return out[out.index(start):out.index(end, out.index(start))]


def test_agreement_lists_only_the_consented_items_and_the_plan_as_it_stands(app_ctx):
    f = make_agreement("A01", plan_code="premium", items=["company", "needs"])
    plan = db.session.query(Plan).filter_by(code="premium").one()
    plan.included = ["オンライン相談 毎週", "経営会議への同席 月1回"]
    db.session.flush()
    out = flat(text(render_agreement(f.agreement)))
    personal = between(out, "第7条", "第8条")
    assert f"・{CONSENT_ITEMS['company']}" in personal and f"・{CONSENT_ITEMS['needs']}" in personal
    for code in ("representative", "contact", "tools", "budget"):
        assert CONSENT_ITEMS[code] not in personal
    assert "ご支援の内容：オンライン相談 毎週／経営会議への同席 月1回" in out
    for amount in ("¥100,000", "¥10,000", "¥110,000", "¥1,200,000", "¥120,000", "¥1,320,000"):
        assert amount in out
    assert "株式会社北九精機 御中" in out and "代表取締役 田中 一郎 様" in out
    assert_fonts_embedded(f.agreement.pdf, rare=False)


# -- 合意締結証明書 ----------------------------------------------------------------------------


def test_certificate_prints_hash_signer_authentication_every_event_and_the_seal(app_ctx):
    f = make_agreement("A08")
    a = f.agreement
    pdf = certificate(f)
    assert page_count(pdf) == 1
    raw = text(pdf)
    out = flat(raw)
    assert "合意締結証明書" in out and f"案件番号 {f.case.case_number}" in out
    assert f"文書ID {a.document_id}" in out
    assert "発行日時 2026/12/04 09:15:42（日本時間）" in out
    assert "利用申込書兼契約書（第1版・全3ページ：本ファイルの1〜3ページ）" in out \
        or "利用申込書兼契約書（第1版・全2ページ：本ファイルの1〜2ページ）" in out
    assert re.fullmatch(r"[0-9a-f]{64}", a.sha256)
    assert a.sha256 in raw.split()  # the 64 characters read back as one word
    # Parties.
    assert "ご利用者（お客さま） 株式会社𠮷野髙﨑工務店 代表取締役 𠮷田 髙志 様" in out
    assert f"サービス提供者・立会人 {DEFAULT_PLATFORM_NAME}" in out
    assert "紹介者 みらい信用金庫 北九州支店（担当 山本 健太）" in out
    # The signer (rare characters, no tofu) and how they were authenticated.
    assert "氏名 𠮷田 髙志" in out and "役職 代表取締役" in out
    assert f"メールアドレス {SIGNER['email']}" in out
    assert f"本人確認の方法 {AUTH_EMAIL}" in out
    assert f"IPアドレス {IP}" in out
    assert squeezed(USER_AGENT) in squeezed(out)
    # Every event: JST time with seconds, label, actor, IP, in order.
    trail = between(flat(layout(pdf)), "手続きの経過（日本時間）", "電子シール")
    expected = ["2026/12/03 10:30:00 署名依頼を送信しました（yoshida@client.example.jp） 山本 健太 "
                "192.0.2.10",
                f"2026/12/04 09:10:03 署名ページを開きました 𠮷田 髙志 {IP}",
                f"2026/12/04 09:11:10 アクセスコードの入力に誤りがありました（1回目） 𠮷田 髙志 "
                f"{IP}",
                f"2026/12/04 09:11:31 アクセスコードを確認しました 𠮷田 髙志 {IP}",
                f"2026/12/04 09:15:40 内容を確認し、同意しました 𠮷田 髙志 {IP}"]
    positions = [trail.index(e) for e in expected]
    assert positions == sorted(positions)
    # The platform seal.
    seal = squeezed(out[out.index("5. 電子シール"):])
    assert squeezed(SEAL_SUBJECT) in seal and SEAL_FINGERPRINT in seal
    assert "付与日時2026/12/0409:15:42（日本時間）" in seal
    assert_fonts_embedded(pdf, rare=True)


def test_certificate_leaves_the_stamp_area_empty_even_with_a_long_trail(app_ctx):
    f = make_agreement("A08")
    assert words_in_box(certificate(f), 1, SEAL_BOX) == []
    # Reminders, resends and wrong codes: a long trail still leaves the box empty.
    more = [SigningEvent(agreement_id=f.agreement.id, kind="reminded",
                         label=f"有効期限前のリマインダーを送信（{n}回目）", actor_name="システム",
                         at=SENT_AT + timedelta(hours=n)) for n in range(1, 15)]
    pdf = certificate(f, events=[*f.events, *more])
    for page in range(1, page_count(pdf) + 1):
        assert words_in_box(pdf, page, SEAL_BOX) == [], f"page {page}"
    out = flat(text(pdf))
    assert "有効期限前のリマインダーを送信（14回目） システム —" in out
    assert "内容を確認し、同意しました" in out


@pytest.mark.parametrize("extra", [0, 3, 6, 9, 14])
def test_seal_details_never_overlap_the_events(app_ctx, extra):
    """However long the trail, 「5. 電子シール」 starts below the last event's words (the
    seal details follow the events in the flow; a longer trail moves them to the next page)."""
    f = make_agreement("A08")
    more = [SigningEvent(agreement_id=f.agreement.id, kind="reminded",
                         label=f"有効期限前のリマインダーを送信（{n}回目）", actor_name="システム",
                         at=SENT_AT + timedelta(hours=n)) for n in range(1, extra + 1)]
    pdf = certificate(f, events=[*f.events, *more])
    for page in range(1, page_count(pdf) + 1):
        found = words(pdf, page)
        heading = [w for w in found if w[0].startswith("5.")]
        if not heading:
            continue
        seal_top = max(w[4] for w in heading)  # PDF points, origin bottom-left
        event_words = [w for w in found if re.fullmatch(r"\d{2}:\d{2}:\d{2}", w[0])
                       or "回目" in w[0] or "同意しました" in w[0]]
        note = [w for w in found if "このファイル全体" in w[0]]
        above = event_words + note
        assert above, f"page {page}: nothing above the seal details"
        assert min(w[2] for w in above) > seal_top, f"page {page}: overlap"
    if extra <= 3:  # a usual trail (8 events) keeps the certificate on one page
        assert page_count(pdf) == 1


def test_certificate_in_branch_names_the_officer_and_takes_ip_from_the_agreement(app_ctx):
    f = make_agreement("A01")
    signer = {"name": "髙橋 <b>花子</b>", "title": "取締役 & 経理部長", "email": ""}
    auth = {"mode": SigningMode.IN_BRANCH.value, "confirmed_by": "山本 健太"}
    out = flat(text(certificate(f, signer=signer, auth=auth)))
    assert "本人確認の方法 店頭での本人確認（確認者：担当 山本 健太）" in out
    assert AUTH_EMAIL not in out
    assert "氏名 髙橋 <b>花子</b>" in out and "役職 取締役 & 経理部長" in out
    assert "メールアドレス —" in out
    # No IP / user agent given: those of the 「agreed」 event are printed.
    assert f"IPアドレス {IP}" in out and squeezed(USER_AGENT) in squeezed(out)


# -- merge ---------------------------------------------------------------------------------


def test_merged_pdf_is_the_agreement_as_sent_followed_by_the_certificate(app_ctx):
    f = make_agreement("A08")
    sent = f.agreement.pdf
    cert = certificate(f)
    merged = append_pages(sent, cert)
    assert merged.startswith(sent)  # an incremental update: the bytes as sent, untouched
    n = page_count(sent)
    assert page_count(merged) == n + 1
    merged_pages = pages_text(merged)
    assert merged_pages[:n] == pages_text(sent)
    assert merged_pages[n] == text(cert)
    assert "𠮷田 髙志" in merged_pages[n] and f.agreement.sha256 in merged_pages[n].split()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "merged.pdf"
        path.write_bytes(merged)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
    assert re.search(r"^Title:\s+利用申込書兼契約書$", info, re.M)
    assert re.search(r"^Encrypted:\s+no$", info, re.M)
    assert_fonts_embedded(merged, rare=True)
    assert words_in_box(merged, n + 1, SEAL_BOX) == []


# -- signer fields filled at signing -----------------------------------------------------------

LABEL_RIGHT_PT = (PAGE_MARGIN_LEFT_MM + SIGNER_BLOCK["label_mm"]) * 72 / 25.4
CONTENT_RIGHT_PT = 595.28 - PAGE_MARGIN_LEFT_MM * 72 / 25.4


def fill(pdf: bytes, *, name: str = SIGNER["name"], title: str = SIGNER["title"],
         method: str = METHOD_EMAIL) -> bytes:
    return fill_signer_block(pdf, name=name, title=title, agreed_at=AGREED_AT, method=method)


def assert_in_fields(pdf: bytes, page: int, values: dict[str, str]) -> None:
    """Each value (by field label) reads back on its label's row, inside the value cell, on
    one line, overlapping no other word of the page."""
    found = words(pdf, page)
    labels = {w: box for w, *box in found if w in dict(SIGNER_BLOCK["fields"]).values()}
    assert len(labels) == len(SIGNER_BLOCK["fields"]), labels
    row_mm = SIGNER_BLOCK["row_mm"] * 72 / 25.4
    for label, value in values.items():
        lx1, ly1, lx2, ly2 = labels[label]
        row_middle = (ly1 + ly2) / 2
        on_row = [(w, *box) for w, *box in found
                  if abs((box[1] + box[3]) / 2 - row_middle) < row_mm / 2 and w != label]
        assert squeezed("".join(w for w, *_ in on_row)) == squeezed(value), (label, on_row)
        for w, x1, y1, x2, y2 in on_row:
            assert LABEL_RIGHT_PT < x1 and x2 <= CONTENT_RIGHT_PT, (label, w, x1, x2)
            assert abs((y1 + y2) / 2 - row_middle) < 1.5, (label, w)  # aligned with the label
            others = [o for o, ox1, oy1, ox2, oy2 in found if (o, ox1) != (w, x1)
                      and ox1 < x2 and ox2 > x1 and oy1 < y2 and oy2 > y1]
            assert not others, (w, others)


def test_signer_fields_are_filled_on_the_last_agreement_page_as_an_incremental_update(app_ctx):
    f = make_agreement("A08")
    sent = f.agreement.pdf
    filled = fill(sent)
    assert filled.startswith(sent)  # the bytes as sent, untouched
    n = page_count(sent)
    assert page_count(filled) == n
    assert pages_text(filled)[:-1] == pages_text(sent)[:-1]
    rows = flat(layout(filled, n))
    for row in ("ご署名者の役職 代表取締役", "ご署名者の氏名 𠮷田 髙志",
                "同意日時 2026年12月3日 18:30", f"署名の方法 {METHOD_EMAIL}",
                "会社名 株式会社𠮷野髙﨑工務店", SIGNER_BLANK):
        assert row in rows, row
    assert_in_fields(filled, n, {"ご署名者の役職": "代表取締役", "ご署名者の氏名": "𠮷田 髙志",
                                 "同意日時": "2026年12月3日 18:30", "署名の方法": METHOD_EMAIL})
    assert_fonts_embedded(filled, rare=True)  # 𠮷 and 髙 in the prepared face, no tofu


def test_in_branch_method_and_a_long_title_stay_on_their_rows(app_ctx):
    f = make_agreement("A01")
    title = "代表取締役社長兼最高経営責任者兼経営企画本部長兼デジタル推進室長兼品質保証部担当"
    filled = fill(f.agreement.pdf, name="髙橋 花子", title=title, method=METHOD_IN_BRANCH)
    n = page_count(filled)
    assert_in_fields(filled, n, {"ご署名者の役職": title, "ご署名者の氏名": "髙橋 花子",
                                 "同意日時": "2026年12月3日 18:30",
                                 "署名の方法": METHOD_IN_BRANCH})
    assert METHOD_EMAIL not in text(filled, n)


def test_sealed_contract_prints_the_signer_on_the_agreement_and_the_certificate(app_ctx):
    f = make_agreement("A08")
    a = f.agreement
    a.signer_name, a.signer_title, a.signer_email = SIGNER["name"], SIGNER["title"], SIGNER["email"]
    f.events[-1].at = AGREED_AT
    request = SigningRequest(mode=SigningMode.EMAIL, signer_email=SIGNER["email"])  # unsaved
    sealed = services.seal(a, request, now=SEALED_AT)
    assert sealed.startswith(a.pdf)
    n = page_count(a.pdf)
    assert page_count(sealed) == n + 1
    last = flat(layout(sealed, n))
    assert "ご署名者の役職 代表取締役" in last and "ご署名者の氏名 𠮷田 髙志" in last
    assert "同意日時 2026年12月3日 18:30" in last and f"署名の方法 {METHOD_EMAIL}" in last
    cert = flat(text(sealed, n + 1))
    assert "氏名 𠮷田 髙志" in cert and "役職 代表取締役" in cert
    signer = load_signer(app_ctx.config, app_ctx.instance_path)
    check = pdfsig(sealed, signer.trust_roots_pem())
    assert check.signatures == 1 and check.valid and check.total_document, check.output
