"""The signer's pages (/sign/<token>) with the real services and the real seal: access code,
lock after five wrong codes, reading the agreement, signing (rare characters kept to the
certificate page), declining, dead links, two taps at once, download after signing."""
import hashlib
import logging
import re
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.japan.dates import today_jst
from app.models import (
    AgreementStatus,
    AuditLog,
    CaseStatus,
    Notification,
    RequestStatus,
    SigningEvent,
    SigningRequest,
    Subscription,
    SubscriptionAgreement,
    utcnow,
)
from app.signing import services
from tests.referrals.http import Browser, at_once, live_server
from tests.signing.signer_world import (
    PHONE_UA,
    SIGNER_NAME,
    SIGNER_TITLE,
    Sent,
    approved_case,
    csrf_of,
    make_officer,
    send,
    setup_world,
)

CONFIRM_ALL = {f"confirm_{k}": "1" for k in services.CONFIRMATIONS}
# The world's bank, branch and officer, with the branch's phone (never the officer's).
CONTACT = "みらい信用金庫 北九州支店（担当 山本 健太、電話 0935410000）"


@pytest.fixture
def world(app_ctx):
    plans = setup_world()
    officer = make_officer()
    case = approved_case("A08", officer, plans["standard"])
    db.session.commit()
    return {"officer": officer, "case": case, "plans": plans}


@pytest.fixture
def sent(world):
    return send(world["case"], world["officer"])


def pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def wrong_code(code: str) -> str:
    return "111111" if code != "111111" else "222222"


def csrf(client) -> str:
    """This browser session's CSRF token (from a public page that always has a form)."""
    return csrf_of(client.get("/verify/").text)


def enter_code(client, sent, code=None):
    return client.post(f"{sent.url}/code", data={"access_code": code or sent.code,
                                                 "csrf_token": csrf(client)},
                       headers={"User-Agent": PHONE_UA})


def agree(client, sent, **overrides):
    data = {"signer_name": SIGNER_NAME, "signer_title": SIGNER_TITLE, **CONFIRM_ALL,
            "csrf_token": csrf(client), **overrides}
    return client.post(f"{sent.url}/agree", data={k: v for k, v in data.items() if v is not None},
                       headers={"User-Agent": PHONE_UA})


def request_row(sent) -> SigningRequest:
    db.session.expire_all()
    return db.session.get(SigningRequest, sent.request.id)


def agreement_row(sent) -> SubscriptionAgreement:
    db.session.expire_all()
    return db.session.get(SubscriptionAgreement, sent.agreement.id)


# -- step 1: the access code -----------------------------------------------------------------


def test_first_step_asks_for_the_code_and_reveals_nothing(client, sent):
    response = client.get(sent.url)
    html = response.text
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert 'name="viewport"' in html and "mainnav" not in html
    assert re.search(r'<input[^>]*inputmode="numeric"[^>]*autocomplete="one-time-code"', html)
    assert "アクセスコード" in html and "契約書の確認" in html and "署名" in html
    # Nothing about the agreement before the code: not the client, the plan or the PDF.
    agreement = sent.agreement
    for secret in (agreement.counterparty_name, agreement.plan_name, agreement.document_id,
                   "agreement.pdf"):
        assert secret not in html
    assert client.get(f"{sent.url}/agreement.pdf").status_code == 303  # back to step 1


def test_right_code_opens_the_agreement(client, sent):
    response = enter_code(client, sent)
    assert response.status_code == 303 and response.location.endswith(sent.url)
    page = client.get(sent.url)
    html = page.text
    assert page.status_code == 200
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert sent.agreement.counterparty_name in html
    assert "スタンダードプラン" in html
    assert "¥55,000" in html and "¥50,000" in html  # monthly with and without tax
    assert "¥660,000" in html  # annual total with tax
    assert "電子契約のため印紙税はかかりません（書面の原本を別途交付する場合を除きます）。" in html
    assert f'href="{sent.url}/agreement.pdf"' in html and "PDFで開く" in html
    assert f'src="{sent.url}/page/1.png"' in html  # the pages as images, for phones
    assert f'value="{SIGNER_NAME}"' in html and f'value="{SIGNER_TITLE}"' in html
    for text in services.CONFIRMATIONS.values():
        assert text in html
    assert "同意して署名する" in html and "data-once" in html and "辞退する" in html
    pdf = client.get(f"{sent.url}/agreement.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == agreement_row(sent).pdf
    assert not pdf.headers["Content-Disposition"].startswith("attachment")
    assert pdf.headers["X-Frame-Options"] == "SAMEORIGIN"  # the page's frame may show it
    assert pdf.headers["Referrer-Policy"] == "no-referrer"
    client.get(sent.url)  # a second look is not a second "viewed" event
    kinds = [e.kind for e in agreement_row(sent).events]
    assert kinds.count("code_ok") == 1 and kinds.count("viewed") == 1
    viewed = next(e for e in agreement_row(sent).events if e.kind == "code_ok")
    assert viewed.user_agent == PHONE_UA


def test_wrong_codes_count_down_and_the_fifth_locks(client, sent, world):
    page = client.get(sent.url)
    # A code of the wrong length is a typo, not an attempt.
    short = client.post(f"{sent.url}/code", data={"access_code": "12",
                                                  "csrf_token": csrf_of(page.text)})
    assert short.status_code == 422 and "6桁の数字" in short.text
    assert request_row(sent).failed_attempts == 0
    for left in (4, 3, 2, 1):
        response = enter_code(client, sent, wrong_code(sent.code))
        assert response.status_code == 422
        assert f"アクセスコードが違います。あと{left}回" in response.text
    response = enter_code(client, sent, wrong_code(sent.code))
    assert response.status_code == 410
    assert "ロック" in response.text and sent.agreement.counterparty_name not in response.text
    assert f"{CONTACT}にお問い合わせください。" in response.text
    assert request_row(sent).status == RequestStatus.LOCKED
    notices = db.session.scalars(sa.select(Notification)
                                 .where(Notification.user_id == world["officer"].id)).all()
    assert len(notices) == 1 and "ロック" in notices[0].message
    # Locked: even the right code no longer opens it, and nothing can be signed.
    assert client.get(sent.url).status_code == 410
    assert enter_code(client, sent).status_code == 410
    assert agree(client, sent).status_code == 410
    assert agreement_row(sent).status == AgreementStatus.SENT


def test_someone_other_than_the_representative_gets_no_title_prefilled(client, world):
    """The link went to 重松 千代子, not the representative: her name is filled in, the
    representative's 代表取締役 is not (it would go on the contract with one click)."""
    agreement = services.create_agreement(world["case"], world["officer"],
                                          starts_on=today_jst() + timedelta(days=30))
    issued = services.send_for_signature(agreement, world["officer"], email="s@example.jp",
                                         name="重松 千代子")
    db.session.commit()
    other = Sent(world["case"], agreement, issued.request, issued.token, issued.access_code)
    enter_code(client, other)
    html = client.get(other.url).text
    assert 'value="重松 千代子"' in html
    assert re.search(r'name="signer_title"[^>]*value=""', html), "a title was filled in"


def test_full_width_code_is_accepted(client, sent):
    code = sent.code.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert enter_code(client, sent, f"{code[:3]} {code[3:]}").status_code == 303


# -- step 3: sign ----------------------------------------------------------------------------


def test_signing_seals_and_shows_the_completion_page(client, sent, world, caplog):
    caplog.set_level(logging.DEBUG)
    enter_code(client, sent)
    response = agree(client, sent)
    assert response.status_code == 303 and response.location.endswith(sent.url)
    done = client.get(sent.url)
    agreement = agreement_row(sent)
    assert agreement.status == AgreementStatus.SIGNED
    assert agreement.signer_name == SIGNER_NAME and agreement.signer_title == SIGNER_TITLE
    assert done.status_code == 200 and "ご署名ありがとうございました" in done.text
    assert agreement.document_id in done.text
    assert agreement.signed_sha256 == hashlib.sha256(agreement.signed_pdf).hexdigest()
    assert agreement.signed_sha256 in done.text
    assert "/verify/" in done.text
    download = client.get(f"{sent.url}/signed.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.data == agreement.signed_pdf
    # The rare characters as typed, on the certificate page of the sealed PDF.
    text = pdftotext(download.data)
    assert "合意締結証明書" in text and SIGNER_NAME in text and agreement.document_id in text
    assert agreement.sha256 in text.replace(" ", "").replace("\n", "")
    # One subscription from the agreed start; the case is signed; the officer is told.
    subscriptions = db.session.scalars(sa.select(Subscription)).all()
    assert [s.agreement_id for s in subscriptions] == [agreement.id]
    assert subscriptions[0].starts_on == agreement.starts_on
    assert db.session.get(type(world["case"]), world["case"].id).status == CaseStatus.SIGNED
    actions = set(db.session.scalars(sa.select(AuditLog.action)))
    assert {"signing.agreed", "signing.sealed"} <= actions
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.user_id == world["officer"].id)) == 1
    # The link is used up: signing again is refused with the current state.
    again = agree(client, sent)
    assert again.status_code == 409
    assert "すでに使用されました" in again.text and "現在の状態：締結済" in again.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1
    # The token never reaches a log record.
    assert not [r for r in caplog.records if sent.token in r.getMessage()]


def test_invalid_form_is_422_with_the_typed_values(client, sent):
    enter_code(client, sent)
    name = "𠮷田　髙志"  # typed with an ideographic space
    response = agree(client, sent, signer_name=name, signer_title="", confirm_read=None)
    assert response.status_code == 422
    assert f'value="{name}"' in response.text
    assert "役職を入力してください" in response.text
    assert "確認事項にすべてチェックしてください。" in response.text
    assert 'name="confirm_authority" value="1" checked' in response.text
    assert 'name="confirm_read" value="1" checked' not in response.text
    assert request_row(sent).status == RequestStatus.ACTIVE
    assert agreement_row(sent).status == AgreementStatus.SENT


@pytest.mark.parametrize("field, typed, message", [
    ("signer_name", "梅田 剛😀", "お名前に絵文字や記号は使用できません。"),
    ("signer_name", "梅田 剛\u2764\ufe0f", "お名前に絵文字や記号は使用できません。"),
    ("signer_title", "代表取締役★", "役職に絵文字や記号は使用できません。"),
])
def test_emoji_in_the_name_or_title_is_refused_in_place(client, sent, field, typed, message):
    enter_code(client, sent)
    response = agree(client, sent, **{field: typed})
    assert response.status_code == 422
    assert f'value="{typed}"' in response.text  # kept as typed
    assert re.search(f'id="f-{field}-error">{message}<', response.text)
    assert request_row(sent).status == RequestStatus.ACTIVE
    agreement = agreement_row(sent)
    assert agreement.status == AgreementStatus.SENT and agreement.signer_name == ""


def test_agree_without_the_code_goes_back_to_step_one(client, sent):
    response = agree(client, sent)
    assert response.status_code == 303 and response.location.endswith(sent.url)
    assert agreement_row(sent).status == AgreementStatus.SENT


def test_seal_failure_keeps_the_agreement_and_says_so(client, sent, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("seal key unavailable")

    monkeypatch.setattr(services, "seal", broken)
    enter_code(client, sent)
    response = agree(client, sent)
    assert response.status_code == 303
    page = client.get(sent.url)
    assert page.status_code == 200
    assert "同意は受け付けました。証明書の作成に時間がかかっています" in page.text
    agreement = agreement_row(sent)
    assert agreement.status == AgreementStatus.AGREED and agreement.signed_pdf is None
    assert request_row(sent).status == RequestStatus.USED
    assert client.get(f"{sent.url}/signed.pdf").status_code == 404


def test_decline_needs_a_reason(client, sent, world):
    enter_code(client, sent)
    page = client.get(sent.url)
    empty = client.post(f"{sent.url}/decline", data={"decline_reason": "  ",
                                                     "csrf_token": csrf_of(page.text)})
    assert empty.status_code == 422
    assert "辞退の理由をご記入ください" in empty.text and "<details" in empty.text
    assert re.search(r"<details[^>]*open", empty.text)
    assert agreement_row(sent).status == AgreementStatus.SENT
    response = client.post(f"{sent.url}/decline", data={"decline_reason": "社内で再検討します。",
                                                        "csrf_token": csrf_of(page.text)})
    assert response.status_code == 303
    assert "辞退を受け付けました" in client.get(sent.url).text
    agreement = agreement_row(sent)
    assert agreement.status == AgreementStatus.DECLINED
    assert agreement.declined_reason == "社内で再検討します。"
    assert db.session.scalar(sa.select(Notification.message)
                             .where(Notification.user_id == world["officer"].id)).count("辞退")
    assert agree(client, sent).status_code == 409  # a declined agreement cannot be signed


# -- links that cannot sign ------------------------------------------------------------------


def test_unknown_link_is_404(client, app_ctx):
    for path in ("/sign/not-a-token", "/sign/" + "x" * 300):
        response = client.get(path)
        assert response.status_code == 404
        assert "このリンクは無効です" in response.text
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert client.get("/sign/not-a-token/signed.pdf").status_code == 404


def _expire(sent):
    request = db.session.get(SigningRequest, sent.request.id)
    request.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def _revoke(sent):
    services.revoke(db.session.get(SigningRequest, sent.request.id), sent.case.officer)
    db.session.commit()


def _resend(sent):
    agreement = db.session.get(SubscriptionAgreement, sent.agreement.id)
    services.send_for_signature(agreement, sent.case.officer, email="new@client.example.jp",
                                name=SIGNER_NAME)
    db.session.commit()


@pytest.mark.parametrize("kill, words, contact", [
    (_expire, "有効期限が切れています", f"{CONTACT}に再送を依頼してください。"),
    (_revoke, "取り消されました", f"{CONTACT}にお問い合わせください。"),
    (_resend, "新しいご案内の送付により無効", f"ご不明な点は{CONTACT}にお問い合わせください。"),
])
def test_dead_link_is_410_and_cannot_sign(client, sent, world, kill, words, contact):
    enter_code(client, sent)  # even a browser that had passed the code
    page = client.get(sent.url)
    token = csrf_of(page.text)
    kill(sent)
    response = client.get(sent.url)
    assert response.status_code == 410 and words in response.text
    assert contact in response.text  # whom to ask, by name
    assert world["officer"].email not in response.text
    assert sent.agreement.counterparty_name not in response.text
    assert client.get(f"{sent.url}/agreement.pdf").status_code in (404, 410)
    form = {"signer_name": SIGNER_NAME, "signer_title": SIGNER_TITLE, **CONFIRM_ALL,
            "csrf_token": token}
    refused = client.post(f"{sent.url}/agree", data=form)
    assert refused.status_code == 409 and words in refused.text and contact in refused.text
    assert agreement_row(sent).status == AgreementStatus.SENT
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 0


def test_dead_link_names_no_phone_when_the_branch_has_none(client, sent):
    branch = db.session.get(SubscriptionAgreement, sent.agreement.id).branch
    branch.phone = ""
    db.session.commit()
    _revoke(sent)
    response = client.get(sent.url)
    assert response.status_code == 410
    assert "みらい信用金庫 北九州支店（担当 山本 健太）にお問い合わせください。" in response.text
    assert "電話" not in response.text


def test_lost_session_asks_to_reopen_not_to_log_in(client, sent):
    response = client.post(f"{sent.url}/code", data={"access_code": sent.code})
    assert response.status_code == 400
    assert "画面の有効期限が切れました" in response.text and "/auth/login" not in response.text


# -- after signing ---------------------------------------------------------------------------


def test_other_browser_needs_the_code_again_to_download(app, client, sent):
    enter_code(client, sent)
    agree(client, sent)
    other = app.test_client()
    page = other.get(sent.url)
    assert page.status_code == 200 and "ダウンロード" in page.text
    assert sent.agreement.counterparty_name not in page.text
    assert other.get(f"{sent.url}/signed.pdf").status_code == 303
    wrong = other.post(f"{sent.url}/download", data={"access_code": wrong_code(sent.code),
                                                     "csrf_token": csrf_of(page.text)})
    assert wrong.status_code == 422 and "アクセスコードが違います。あと4回" in wrong.text
    assert request_row(sent).failed_attempts == 1  # counted: a forwarded link is guessable
    right = other.post(f"{sent.url}/download", data={"access_code": sent.code,
                                                     "csrf_token": csrf_of(page.text)})
    assert right.status_code == 303
    assert request_row(sent).failed_attempts == 1  # the right code is not a wrong one
    assert "ご署名ありがとうございました" in other.get(sent.url).text
    assert other.get(f"{sent.url}/signed.pdf").data == agreement_row(sent).signed_pdf
    labels = [e.label for e in agreement_row(sent).events if e.kind in ("code_ok",
                                                                       "code_failed")]
    assert labels[-2:] == ["アクセスコードの誤り（署名済み契約書のダウンロード）",
                           "署名済み契約書のダウンロードのため、アクセスコードで本人確認"]


def download_with(client, sent, code):
    return client.post(f"{sent.url}/download", data={"access_code": code,
                                                     "csrf_token": csrf(client)},
                       headers={"User-Agent": PHONE_UA})


def test_wrong_download_codes_stop_the_download_by_code(app, client, sent, world):
    enter_code(client, sent)
    agree(client, sent)
    other = app.test_client()
    # A typo in the length is not an attempt.
    short = download_with(other, sent, "12")
    assert short.status_code == 422 and "6桁の数字" in short.text
    assert request_row(sent).failed_attempts == 0
    for left in (4, 3, 2, 1):
        response = download_with(other, sent, wrong_code(sent.code))
        assert response.status_code == 422
        assert f"アクセスコードが違います。あと{left}回" in response.text
    locked = download_with(other, sent, wrong_code(sent.code))
    assert locked.status_code == 403
    assert "ダウンロードを停止しました" in locked.text
    assert f"署名済みの契約書は、{CONTACT}からお受け取りください。" in locked.text
    assert world["officer"].email not in locked.text
    assert sent.agreement.counterparty_name not in locked.text
    assert request_row(sent).failed_attempts == services.MAX_CODE_ATTEMPTS
    assert request_row(sent).status == RequestStatus.USED  # the link itself stays used
    # From now on even the right code is refused, in this and in any other browser.
    for browser in (other, app.test_client()):
        refused = download_with(browser, sent, sent.code)
        assert refused.status_code == 403 and "ダウンロードを停止しました" in refused.text
        page = browser.get(sent.url)
        assert page.status_code == 403 and CONTACT in page.text
        assert 'name="access_code"' not in page.text
        assert browser.get(f"{sent.url}/signed.pdf").status_code == 303
    assert request_row(sent).failed_attempts == services.MAX_CODE_ATTEMPTS
    # The browser that signed still downloads.
    assert "ご署名ありがとうございました" in client.get(sent.url).text
    assert client.get(f"{sent.url}/signed.pdf").data == agreement_row(sent).signed_pdf
    # The officer is told once (the notice of signing is the other one).
    messages = db.session.scalars(sa.select(Notification.message)
                                  .where(Notification.user_id == world["officer"].id)).all()
    stopped = [m for m in messages if "ダウンロードを停止" in m]
    assert len(stopped) == 1 and len(messages) == 2
    assert sent.code not in stopped[0]
    # Signing events and audit rows like the lock of an active link; never the code.
    events = [e for e in agreement_row(sent).events if e.kind == "download_locked"]
    assert [e.label for e in events] == [
        "アクセスコードの誤りが5回続いたため、署名済み契約書のダウンロードを停止"]
    assert events[0].user_agent == PHONE_UA
    failed = [e for e in agreement_row(sent).events if e.kind == "code_failed"]
    assert len(failed) == services.MAX_CODE_ATTEMPTS
    audit = db.session.scalars(sa.select(AuditLog)
                               .where(AuditLog.action == "signing.download_locked")).all()
    assert len(audit) == 1 and audit[0].actor_role == "signer"
    for row in db.session.scalars(sa.select(AuditLog).where(AuditLog.action.in_(
            ("signing.code_ok", "signing.code_failed", "signing.download_locked")))):
        assert sent.code not in str(row.after) and sent.code not in row.summary


def test_parallel_download_guesses_test_no_more_than_five_codes(app, sent, world):
    request = db.session.get(SigningRequest, sent.request.id)
    services.agree(request, signer_name=SIGNER_NAME, signer_title=SIGNER_TITLE, ip="",
                   user_agent="test")
    db.session.commit()
    agreement = db.session.get(SubscriptionAgreement, sent.agreement.id)
    services.store_sealed(agreement, b"%PDF-1.4 sealed")
    db.session.commit()
    with live_server(app) as base:
        browser = Browser(base)
        token = browser.token("/verify/")
        guess = {"access_code": wrong_code(sent.code), "csrf_token": token}
        results = at_once(*[lambda: browser.post(f"{sent.url}/download", guess)] * 7)
    statuses = [status for status, _ in results]
    assert statuses.count(403) >= 3 and set(statuses) <= {403, 422}, statuses
    assert request_row(sent).failed_attempts == services.MAX_CODE_ATTEMPTS
    kinds = [e.kind for e in agreement_row(sent).events]
    assert kinds.count("code_failed") == services.MAX_CODE_ATTEMPTS  # 2 were never compared
    assert kinds.count("download_locked") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)
                             .where(Notification.message.contains("ダウンロードを停止"))) == 1


def test_wrong_codes_before_signing_leave_the_download_its_own_five(app, client, sent):
    page = client.get(sent.url)
    for _ in range(4):  # four typos before the right code: the link is not locked
        client.post(f"{sent.url}/code", data={"access_code": wrong_code(sent.code),
                                               "csrf_token": csrf_of(page.text)})
    enter_code(client, sent)
    agree(client, sent)
    assert request_row(sent).failed_attempts == 0  # signing starts the download's count
    other = app.test_client()
    for left in (4, 3, 2, 1):
        response = download_with(other, sent, wrong_code(sent.code))
        assert f"あと{left}回" in response.text
    assert download_with(other, sent, sent.code).status_code == 303  # the 5th try: right


def test_parallel_guesses_on_an_active_link_test_no_more_than_five_codes(app, sent):
    with live_server(app) as base:
        browser = Browser(base)
        page = browser.get(sent.url)[1]
        guess = {"access_code": wrong_code(sent.code), "csrf_token": csrf_of(page)}
        at_once(*[lambda: browser.post(f"{sent.url}/code", guess)] * 8)
    assert request_row(sent).status == RequestStatus.LOCKED
    kinds = [e.kind for e in agreement_row(sent).events]
    assert kinds.count("code_failed") == services.MAX_CODE_ATTEMPTS  # the rest never compared
    assert kinds.count("locked") == 1


# -- in the branch ---------------------------------------------------------------------------


def test_in_branch_signing_skips_the_code(client, world):
    sent = send(world["case"], world["officer"], in_branch=True)
    page = client.get(sent.url)
    assert page.status_code == 200
    assert "本人確認（店頭）" in page.text and sent.agreement.counterparty_name in page.text
    assert agree(client, sent).status_code == 303
    agreement = agreement_row(sent)
    assert agreement.status == AgreementStatus.SIGNED
    text = pdftotext(client.get(f"{sent.url}/signed.pdf").data)
    assert "店頭" in text and world["officer"].name in text and SIGNER_NAME in text
    done = client.get(sent.url).text  # the done page keeps the in-branch first step
    assert "ご署名ありがとうございました" in done
    assert "本人確認（店頭）" in done and "アクセスコード" not in done


# -- two taps at once ------------------------------------------------------------------------


def test_two_agree_clicks_at_once_make_one_signature(app, sent):
    with live_server(app) as base:
        browser = Browser(base)
        page = browser.get(sent.url)[1]
        status, _ = browser.post(f"{sent.url}/code", {"access_code": sent.code,
                                                      "csrf_token": csrf_of(page)})
        assert status == 200  # redirected to step 2 and followed
        token = browser.token(sent.url)
        form = {"signer_name": SIGNER_NAME, "signer_title": SIGNER_TITLE, **CONFIRM_ALL,
                "csrf_token": token}
        results = at_once(lambda: browser.post(f"{sent.url}/agree", form),
                          lambda: browser.post(f"{sent.url}/agree", form))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409], statuses
    done = next(html for status, html in results if status == 200)
    refused = next(html for status, html in results if status == 409)
    assert "ご署名ありがとうございました" in done
    assert "すでに" in refused  # 手続きが完了しています / 使用されました (which came first)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1
    agreed = db.session.scalars(sa.select(SigningEvent.kind)
                                .where(SigningEvent.kind == "agreed")).all()
    assert len(agreed) == 1


# -- on a phone ------------------------------------------------------------------------------


@pytest.mark.browser
def test_pages_fit_a_360px_phone(app, sent):
    """Real Chromium at 360×740: no sideways scrolling, tap targets at least 44px high."""
    sync_api = pytest.importorskip("playwright.sync_api")
    from tests.browser.test_e2e import CHROMIUM

    with live_server(app) as base, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        phone = browser.new_page(viewport={"width": 360, "height": 740}, user_agent=PHONE_UA,
                                 is_mobile=True, has_touch=True)
        widths = {}
        phone.goto(base + sent.url)
        widths["code"] = phone.evaluate("document.documentElement.scrollWidth")
        phone.fill("#access_code", sent.code)
        phone.click("button[type=submit]")
        phone.wait_for_selector("#sign-form")
        widths["review"] = phone.evaluate("document.documentElement.scrollWidth")
        button = phone.locator("#sign-form button[type=submit]").bounding_box()
        check = phone.locator(".sign-check").first.bounding_box()
        phone.check("input[name=confirm_read]")
        phone.check("input[name=confirm_authority]")
        phone.check("input[name=confirm_electronic]")
        phone.click("#sign-form button[type=submit]")
        phone.wait_for_selector("text=ご署名ありがとうございました")
        widths["done"] = phone.evaluate("document.documentElement.scrollWidth")
        browser.close()
    assert all(w <= 360 for w in widths.values()), widths
    assert button["height"] >= 48 and check["height"] >= 44
    assert agreement_row(sent).status == AgreementStatus.SIGNED
