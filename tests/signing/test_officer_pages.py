"""The officer's side: create the agreement, send it (the access code shown once), in-branch
QR, revoke, downloads — and who may do it."""
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import ActionKind, RequestStatus, SigningRequest, SubscriptionAgreement
from app.referrals.services import act, submit
from app.signing import tokens
from tests.factories import csrf_token, login
from tests.referrals.conftest import give_consent, make_world


@pytest.fixture
def approved(app_ctx):
    world = make_world()
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    act(referral, world.manager, ActionKind.APPROVE)
    db.session.commit()
    return world


def _create(client, case, **form):
    data = {"starts_on": "2027-01-01", "term_months": "12", "notice_days": "30", **form}
    return client.post(f"/signing/case/{case.id}/agreement",
                       data={**data, "csrf_token": csrf_token(client, f"/cases/{case.id}")})


def _send(client, agreement, **form):
    """Post the send form as the case page gives it (with its one-time nonce)."""
    page = client.get(f"/cases/{agreement.case_id}").get_data(as_text=True)
    nonce = re.search(r'name="nonce" value="([^"]*)"', page)
    data = {"email": "rep@example.jp", "name": "代表", "expires_days": "14", **form,
            "csrf_token": csrf_token(client), "nonce": nonce[1] if nonce else ""}
    return client.post(f"/signing/{agreement.id}/send", data=data), data


def test_create_send_and_the_code_shown_once(client, approved):
    case = approved.case
    login(client, approved.officer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "契約書を作成する" in page
    response = _create(client, case, starts_on="2020-01-01", term_months="abc")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "契約期間は1〜60か月" in html and 'value="abc"' in html  # typed values kept
    response = _create(client, case, starts_on="2020-01-01")
    assert response.status_code == 422 and "過去の日付" in response.get_data(as_text=True)
    assert _create(client, case).status_code == 303
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    assert agreement.pdf.startswith(b"%PDF") and agreement.sha256
    download = client.get(f"/agreements/{agreement.id}/agreement.pdf")
    assert download.status_code == 200 and download.data == agreement.pdf

    for bad in ("not-an-address", "unyu@@example", "foo@bar..jp", "<x>@example.jp"):
        response, _ = _send(client, agreement, email=bad, name="代表\u200b太郎",
                            expires_days="45")
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "メールアドレスの形式" in html, bad
        assert "1〜30日" in html and "使用できない文字" in html
    response, sent_form = _send(client, agreement, email="ＲＥＰ@Example.JP", name="𠮷田 髙志")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    code = re.search(r'class="access-code"[^>]*>(\d{3}) (\d{3})<', html)
    assert code, html
    request = db.session.scalar(sa.select(SigningRequest))
    assert tokens.code_matches(request.access_code_hash, code[1] + code[2])
    assert request.signer_email == "REP@example.jp"  # full width folded, domain lower-cased
    # Reloading the page that showed the code re-posts the form: nothing is sent again.
    again_post = client.post(f"/signing/{agreement.id}/send", data=sent_form)
    assert again_post.status_code == 303
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SigningRequest)) == 1
    # Never again: the case page does not show it.
    again = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert code[1] + " " + code[2] not in again and "REP@example.jp" in again


def test_in_branch_qr_and_revoke(client, approved):
    case = approved.case
    login(client, approved.officer)
    _create(client, case)
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    token = csrf_token(client, f"/cases/{case.id}")
    response = client.post(f"/signing/{agreement.id}/in-branch",
                           data={"csrf_token": token, "name": "代表 太郎"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "ご本人であることを確認し" in html
    assert 'value="代表 太郎"' in html  # kept, on the case page
    response = client.post(f"/signing/{agreement.id}/in-branch",
                           data={"csrf_token": token, "name": " ", "identity_confirmed": "on"})
    assert response.status_code == 422 and "お名前を入力" in response.get_data(as_text=True)
    response = client.post(f"/signing/{agreement.id}/in-branch", data={
        "csrf_token": token, "name": "代表 太郎", "identity_confirmed": "on"})
    assert response.status_code == 303
    qr = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<svg" in qr and "/sign/" in qr and approved.officer.name in qr
    request = db.session.scalar(sa.select(SigningRequest))
    assert request.identity_confirmed_by_id == approved.officer.id
    response = client.post(f"/signing/request/{request.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(SigningRequest, request.id).status == RequestStatus.REVOKED
    assert "<svg" not in client.get(f"/signing/request/{request.id}/qr").get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("foreign_manager", 404), ("other_manager", 404),
                                             ("hq", 403), ("manager", 200)])
def test_only_the_branch_staff_send(client, approved, who, status):
    login(client, approved.officer)
    _create(client, approved.case)
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, approved[who])
    response, _ = _send(client, agreement)
    assert response.status_code == status  # a manager is branch staff too
    if status == 404:
        assert client.get(f"/agreements/{agreement.id}/agreement.pdf").status_code == 404


def _home_line(client, case_number: str) -> str:
    html = client.get("/").get_data(as_text=True)
    assert "署名手続き中の契約書" in html
    line = re.search(rf"<li><a [^>]*>{case_number}</a>.*?</li>", html, re.S)
    assert line, "the agreement is not on the home page"
    return re.sub(r"<[^>]+>", "", line[0])


def test_home_lists_agreements_on_their_way_and_what_they_wait_for(client, approved):
    """Unsent, waiting, locked and revoked: every one stays on the officer's home page until
    it is signed, saying whether the officer has to act."""
    number = approved.case.case_number
    login(client, approved.officer)
    _create(client, approved.case)
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    assert "未送付（署名依頼を送ってください）" in _home_line(client, number)
    _send(client, agreement, expires_days="3")
    line = _home_line(client, number)
    assert "署名待ち・リンクの有効期限" in line
    request = db.session.scalar(sa.select(SigningRequest))
    request.status = RequestStatus.LOCKED
    db.session.commit()
    assert "アクセスコードの誤りでロック（再送が必要）" in _home_line(client, number)
    request.status = RequestStatus.REVOKED
    db.session.commit()
    assert "リンクを取り消し済み（再送が必要）" in _home_line(client, number)
    agreement.status = "signed"
    db.session.commit()
    assert "署名手続き中の契約書" not in client.get("/").get_data(as_text=True)  # signed: gone


def test_signer_reads_the_pages_as_images_on_a_phone(client, approved, app):
    login(client, approved.officer)
    _create(client, approved.case)
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    response = client.post(f"/signing/{agreement.id}/in-branch", data={
        "csrf_token": csrf_token(client), "name": "代表", "identity_confirmed": "on"})
    qr = client.get(response.headers["Location"]).get_data(as_text=True)
    path = re.search(r"https?://[^/]+(/sign/[A-Za-z0-9_-]+)", qr)[1]
    phone = app.test_client()
    review = phone.get(path).get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+\.png)"', review)
    assert len(images) == 3  # the 3 pages of the agreement
    first = phone.get(images[0])
    assert first.status_code == 200 and first.data.startswith(b"\x89PNG")
    assert phone.get(images[0].replace("/1.png", "/9.png")).status_code == 404
    assert app.test_client().get(images[0].replace(path, "/sign/unknown")).status_code == 404


def test_outbox_shows_the_signing_link_only_without_smtp(client, approved, app, monkeypatch):
    login(client, approved.officer)
    _create(client, approved.case)
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    _send(client, agreement)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, approved.hq)
    html = client.get("/outbox").get_data(as_text=True)
    assert not re.search(r"/sign/[A-Za-z0-9_-]{40,}", html)  # not unless the demo asks
    monkeypatch.setitem(app.config, "OUTBOX_SHOWS_SIGNING_LINKS", True)
    html = client.get("/outbox").get_data(as_text=True)
    assert re.search(r"/sign/[A-Za-z0-9_-]{40,}", html)  # `make run`: the demo can follow it
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")
    html = client.get("/outbox").get_data(as_text=True)
    assert not re.search(r"/sign/[A-Za-z0-9_-]{40,}", html) and "[[signing-link:" in html


def test_case_page_shows_the_subscription_before_and_from_its_start_date(client, approved):
    from datetime import timedelta

    from app.japan.dates import today_jst
    from app.models import Subscription
    from tests.signing.signer_world import fake_pdf, send, sign_directly

    sent = send(approved.case, approved.officer, starts_in_days=10,
                render=fake_pdf)
    sign_directly(sent)
    login(client, approved.officer)
    page = client.get(f"/cases/{approved.case.id}").get_data(as_text=True)
    line = re.search(r"<dd data-subscription>(.*?)</dd>", page, re.S)[1]
    assert "開始前" in line and "契約中" not in line
    subscription = db.session.scalar(sa.select(Subscription))
    subscription.starts_on = today_jst() - timedelta(days=1)
    db.session.commit()
    page = client.get(f"/cases/{approved.case.id}").get_data(as_text=True)
    line = re.search(r"<dd data-subscription>(.*?)</dd>", page, re.S)[1]
    assert "契約中" in line and "開始前" not in line


def test_signing_section_says_unsent_until_a_signing_request_goes_out(client, approved):
    def section():
        page = client.get(f"/cases/{approved.case.id}").get_data(as_text=True)
        html = re.search(r'<section class="card" id="signing">(.*?)</section>', page, re.S)[1]
        badge = re.search(r'<span class="badge [^"]*">([^<]*)</span>', html)[1]
        link = re.search(r'data-download="agreement">([^<]*)</a>', html)[1]
        return badge, link

    login(client, approved.officer)
    assert _create(client, approved.case).status_code == 303
    assert section() == ("未送付", "契約書（PDF）")
    agreement = db.session.scalar(sa.select(SubscriptionAgreement))
    response, _ = _send(client, agreement)
    assert response.status_code == 200
    assert section() == ("署名待ち", "送付した契約書（PDF）")


def test_case_page_says_when_someone_other_than_the_addressee_signed(client, approved):
    from datetime import date

    from app.signing import services

    agreement = services.create_agreement(approved.case, approved.officer,
                                          starts_on=date(2027, 1, 1))
    issued = services.send_for_signature(agreement, approved.officer, email="s@example.jp",
                                         name="重松 千代子")
    services.agree(issued.request, signer_name="𠮷田 髙志", signer_title="代表取締役",
                   ip="192.0.2.1", user_agent="test")
    services.store_sealed(agreement, b"%PDF-1.4 sealed")
    db.session.commit()
    login(client, approved.officer)
    html = client.get(f"/cases/{approved.case.id}").get_data(as_text=True)
    note = re.search(r"<small[^>]*data-other-signer[^>]*>(.*?)</small>", html)
    assert note and "重松 千代子 様" in note[1]
