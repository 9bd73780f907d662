"""The outbox page (運営: all; 本部: own bank; others 404) with 「再送する」, and the notices on
the home page with 既読 (htmx swap of the section, or a plain reload)."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, MailStatus, Notification, OutgoingMail, utcnow
from app.notifications.mail import deliver_due
from app.notifications.services import notify
from tests.factories import csrf_token


def _queue(staff, who: str, subject: str, bank) -> OutgoingMail:
    notify([staff.users[who]], subject=subject, message=f"{subject}のお知らせです。",
           link="/cases/3", bank_id=bank.id if bank else None)
    db.session.commit()
    return db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id.desc())).first()


def _post(client, url: str, data: dict | None = None, htmx: bool = False):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})},
                       headers=headers)


def _nav(html: str) -> str:
    return html.split('class="mainnav"')[1].split("</nav>")[0]


@pytest.fixture
def mails(staff):
    own = _queue(staff, "officer", "自金庫の稟議", staff.bank)
    other = _queue(staff, "other_officer", "他金庫の稟議", staff.other_bank)
    return own, other


def test_operator_sees_every_bank_and_hq_only_its_own(app, staff, mails):
    page = staff.client(app, "operator").get("/outbox").get_data(as_text=True)
    assert "自金庫の稟議" in page and "他金庫の稟議" in page
    assert "はやぶさ信用金庫" in page  # operator sees which bank
    hq = staff.client(app, "hq")
    page = hq.get("/outbox").get_data(as_text=True)
    assert "自金庫の稟議" in page and "他金庫の稟議" not in page
    assert "tanto@hayabusa.example.jp" not in page
    assert 'href="/outbox"' in _nav(page)
    assert _post(hq, f"/outbox/{mails[1].id}/retry").status_code == 404


@pytest.mark.parametrize("who", ["officer", "manager"])
def test_branch_roles_have_no_outbox(app, staff, mails, who):
    client = staff.client(app, who)
    assert client.get("/outbox").status_code == 404
    assert _post(client, f"/outbox/{mails[0].id}/retry").status_code == 404
    assert "/outbox" not in _nav(client.get("/").get_data(as_text=True))


def test_development_outbox_shows_what_would_have_been_sent(app, staff, mails):
    page = staff.client(app, "hq").get("/outbox").get_data(as_text=True)
    assert "SMTP未設定" in page and "送信せず保存" in page
    assert "送信待ち" in page
    body = re.search(r"<details><summary>自金庫の稟議</summary><pre[^>]*>(.*?)</pre>", page, re.S)
    assert body and "担当 一郎 様" in body.group(1)
    assert "http://127.0.0.1:5000/cases/3" in body.group(1)
    assert "/retry" not in page  # waiting, never failed: nothing to resend


def test_failed_mail_is_shown_and_resent_from_the_outbox(app, staff, mail_config, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 2)
    mail = _queue(staff, "officer", "承認依頼", staff.bank)
    now = utcnow()
    deliver_due(now=now)
    deliver_due(now=now + timedelta(minutes=2))  # the server is still down: gives up
    db.session.expire_all()
    assert db.session.get(OutgoingMail, mail.id).status == MailStatus.FAILED

    hq = staff.client(app, "hq")
    failed = hq.get("/outbox?status=failed").get_data(as_text=True)
    assert "送信失敗" in failed and "承認依頼" in failed and "SMTP未設定" not in failed
    assert "最後のエラー：SMTPサーバーに接続できません" in failed
    assert re.search(r'<td class="num">2</td>', failed)
    assert "承認依頼" not in hq.get("/outbox?status=sent").get_data(as_text=True)

    from tests.notifications.conftest import SMTPServer

    server = SMTPServer(mail_config).start()
    try:
        response = _post(hq, f"/outbox/{mail.id}/retry", {"status": "failed"})
    finally:
        server.stop()
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/outbox?status=failed")
    assert server.inbox.recipients == ["ichiro@mirai.example.jp"]  # sent inline, right away
    db.session.expire_all()
    sent = db.session.get(OutgoingMail, mail.id)
    assert (sent.status, sent.attempts) == (MailStatus.SENT, 2)
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "outgoing_mail.retry"))
    assert audit.actor_id == staff.users["hq"].id and audit.bank_id == staff.bank.id
    page = hq.get("/outbox").get_data(as_text=True)
    assert "送信済" in page and f'/outbox/{mail.id}/retry' not in page
    again = _post(hq, f"/outbox/{mail.id}/retry")  # already sent: refused, told so
    assert again.status_code == 303
    assert "このメールは送信済みです" in hq.get("/outbox").get_data(as_text=True)


def test_a_mail_being_sent_cannot_be_queued_again(app, staff, mail_config):
    """「再送する」 while a worker is talking to the mail server: refused (the mail would
    otherwise go out twice); once the server has answered the mail is sent, once."""
    import asyncio
    import threading

    from app.notifications.mail import _deliver_in_context
    from tests.notifications.conftest import SMTPServer

    inside, release = threading.Event(), threading.Event()
    server = SMTPServer(mail_config)
    original = server.inbox.handle_DATA

    async def slow_data(*args):
        inside.set()
        while not release.is_set():
            await asyncio.sleep(0.02)
        return await original(*args)

    server.inbox.handle_DATA = slow_data  # aiosmtpd looks the hook up on each message
    server.start()
    mail = _queue(staff, "officer", "承認依頼", staff.bank)
    worker = threading.Thread(target=_deliver_in_context, args=(app,))
    try:
        worker.start()
        assert inside.wait(10), "the worker never reached the mail server"
        hq = staff.client(app, "hq")
        page = hq.get("/outbox").get_data(as_text=True)
        assert "data-sending" in page and f"/outbox/{mail.id}/retry" not in page
        response = _post(hq, f"/outbox/{mail.id}/retry")
        assert response.status_code == 303
        assert "いま送信中です" in hq.get("/outbox").get_data(as_text=True)
    finally:
        release.set()
        worker.join(10)
        server.stop()
    assert server.inbox.recipients == ["ichiro@mirai.example.jp"]  # once
    db.session.expire_all()
    sent = db.session.get(OutgoingMail, mail.id)
    assert (sent.status, sent.sending_until) == (MailStatus.SENT, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "outgoing_mail.retry")) == 0


def test_retry_needs_the_csrf_token(app, staff, mails):
    client = staff.client(app, "operator")
    assert client.post(f"/outbox/{mails[0].id}/retry").status_code == 400


# --- notices on the home page -------------------------------------------------------------

def _notices(staff, who: str, *messages: str) -> list[Notification]:
    for m in messages:
        notify([staff.users[who]], subject="件名", message=m, link="/cases/5", bank_id=None)
    db.session.commit()
    return list(db.session.scalars(
        sa.select(Notification).where(Notification.user_id == staff.users[who].id)
        .order_by(Notification.id)))


def test_home_shows_unread_notices_and_keeps_its_content(app, staff):
    _notices(staff, "manager", "稟議の承認依頼が届きました。", "稟議が差し戻されました。")
    page = staff.client(app, "manager").get("/").get_data(as_text=True)
    assert "未読 2件" in page
    assert '<a href="/cases/5">稟議の承認依頼が届きました。</a>' in page
    assert "すべて既読にする" in page and page.count(">既読にする<") == 2
    assert "続きのあるヒアリング" in page  # the existing home content is still there
    assert "稟議の承認依頼" not in staff.client(app, "officer").get("/").get_data(as_text=True)


def test_mark_one_read_swaps_the_section(app, staff):
    first, second = _notices(staff, "manager", "一件目のお知らせ", "二件目のお知らせ")
    client = staff.client(app, "manager")
    response = _post(client, f"/notices/{first.id}/read", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card notices" id="notices">')
    assert "<html" not in html and "一件目" not in html and "二件目のお知らせ" in html
    db.session.expire_all()
    assert db.session.get(Notification, first.id).read_at is not None
    assert db.session.get(Notification, second.id).read_at is None


def test_someone_elses_notice_stays_unread(app, staff):
    [theirs] = _notices(staff, "hq", "本部あてのお知らせ")
    _post(staff.client(app, "manager"), f"/notices/{theirs.id}/read", htmx=True)
    db.session.expire_all()
    assert db.session.get(Notification, theirs.id).read_at is None


def test_mark_all_read_without_javascript_goes_back_home(app, staff):
    _notices(staff, "manager", "一件目", "二件目")
    client = staff.client(app, "manager")
    response = _post(client, "/notices/read-all")
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    page = client.get("/").get_data(as_text=True)
    assert "新しいお知らせはありません" in page and "未読" not in page


def test_outbox_lists_newest_first_by_creation_time_whatever_the_state(app, staff):
    """新しい順 is by 作成 (back-dated rows, as the demo seed makes, included), not by id or
    state; mails of the same instant show the later queued first. The state filter keeps it."""
    created = {  # subject: (JST creation time in Dec 2026 as UTC, state), queued in this order
        "十二月四日": (datetime(2026, 12, 4, 4, 30, tzinfo=UTC), MailStatus.PENDING),
        "十二月三日": (datetime(2026, 12, 3, 1, 20, tzinfo=UTC), MailStatus.SENT),
        "十一月二十七日": (datetime(2026, 11, 27, 2, 15, tzinfo=UTC), MailStatus.FAILED),
        "十二月一日": (datetime(2026, 12, 1, 6, 30, tzinfo=UTC), MailStatus.PENDING),
        "十一月三十日": (datetime(2026, 11, 30, 7, 40, tzinfo=UTC), MailStatus.SENT),
        "十二月一日・同時刻": (datetime(2026, 12, 1, 6, 30, tzinfo=UTC), MailStatus.PENDING),
    }
    for subject, (at, status) in created.items():
        mail = _queue(staff, "officer", subject, staff.bank)
        mail.created_at, mail.status = at, status
        mail.sent_at = at + timedelta(minutes=1) if status == MailStatus.SENT else None
    db.session.commit()

    def subjects(url: str) -> list[str]:
        page = staff.client(app, "hq").get(url).get_data(as_text=True)
        return re.findall(r"<details><summary>(.*?)</summary>", page)

    assert subjects("/outbox") == ["十二月四日", "十二月三日", "十二月一日・同時刻", "十二月一日",
                                   "十一月三十日", "十一月二十七日"]
    assert subjects("/outbox?status=pending") == ["十二月四日", "十二月一日・同時刻", "十二月一日"]
    assert subjects("/outbox?status=sent") == ["十二月三日", "十一月三十日"]
