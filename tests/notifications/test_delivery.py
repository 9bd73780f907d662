"""Delivery over real SMTP on loopback: content, retry with backoff after a dead server,
giving up after the last attempt, one send per mail with two workers, development mode."""
import threading
import time
from datetime import timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import MailStatus, OutgoingMail, utcnow
from app.notifications import mail as mail_module
from app.notifications.mail import deliver_due, kick_delivery
from app.notifications.services import notify
from tests.notifications.conftest import SMTPServer

SUBJECT = "【稟議】承認依頼：株式会社髙橋製作所（K-2026-0001）"


def _queue(staff, *who, now=None):
    notify([staff.users[w] for w in who], subject=SUBJECT,
           message="紹介稟議が申請されました。内容を確認して承認してください。",
           link="/cases/12", bank_id=staff.bank.id, now=now)
    db.session.commit()


def _mails() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)))


def test_sends_a_japanese_mail_with_the_absolute_link(app_ctx, staff, smtp):
    now = utcnow()
    _queue(staff, "manager", now=now)
    report = deliver_due(now=now)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    [(rcpts, message)] = smtp.inbox.received
    assert rcpts == ["saburo@mirai.example.jp"]
    assert message["Subject"] == SUBJECT  # decoded from RFC 2047
    headers = smtp.inbox.raw[0].split(b"\r\n\r\n")[0]
    assert headers.isascii() and b"=?utf-8?" in headers  # encoded on the wire, not raw UTF-8
    assert message["To"].addresses[0].display_name == "髙橋 三郎"
    sender = message["From"].addresses[0]
    assert (sender.display_name, sender.domain) == ("Pocket TECH Advisor desk",
                                                    "pocket-tech.example.jp")
    body = message.get_content()
    assert body.startswith("髙橋 三郎 様")
    assert "https://pta.example.jp/cases/12" in body
    assert "このメールは送信専用です" in body
    [mail] = _mails()
    assert (mail.status, mail.sent_at, mail.attempts, mail.last_error) == (
        MailStatus.SENT, now, 0, "")
    assert deliver_due(now=now + timedelta(hours=1)).sent == 0  # never twice


def test_dead_server_then_retry_after_backoff(app_ctx, staff, mail_config):
    now = utcnow()
    _queue(staff, "officer", now=now)
    report = deliver_due(now=now)  # nothing listens on the port
    assert (report.sent, report.retrying) == (0, 1)
    [mail] = _mails()
    assert (mail.status, mail.attempts) == (MailStatus.PENDING, 1)
    assert "接続できません" in mail.last_error
    assert mail.next_attempt_at == now + timedelta(minutes=1)

    server = SMTPServer(mail_config).start()
    try:
        assert deliver_due(now=now + timedelta(seconds=30)).sent == 0  # not due yet
        assert server.inbox.received == []
        assert deliver_due(now=now + timedelta(minutes=2)).sent == 1
    finally:
        server.stop()
    assert server.inbox.recipients == ["ichiro@mirai.example.jp"]
    [mail] = _mails()
    assert (mail.status, mail.attempts) == (MailStatus.SENT, 1)
    assert mail.sent_at == now + timedelta(minutes=2)


def test_backoff_grows_and_the_last_attempt_gives_up(app, app_ctx, staff, mail_config,
                                                     monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 4)
    now = utcnow()
    _queue(staff, "officer", now=now)
    waits = []
    for _ in range(3):
        assert deliver_due(now=now).retrying == 1
        [mail] = _mails()
        waits.append(mail.next_attempt_at - now)
        now = mail.next_attempt_at
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15)]
    report = deliver_due(now=now)
    assert (report.failed, report.retrying) == (1, 0)
    [mail] = _mails()
    assert (mail.status, mail.attempts) == (MailStatus.FAILED, 4)
    assert deliver_due(now=now + timedelta(days=1)).failed == 0  # left alone afterwards


def test_dead_server_does_not_hold_up_the_run_once_per_mail(app_ctx, staff, mail_config):
    now = utcnow()
    _queue(staff, "officer", "manager", "hq", now=now)
    report = deliver_due(now=now)
    assert (report.retrying, report.sent) == (1, 0)
    assert sorted(m.attempts for m in _mails()) == [0, 0, 1]  # the others wait for the next run


def test_two_workers_send_each_mail_once(app, app_ctx, staff, smtp):
    now = utcnow()
    for _ in range(4):
        _queue(staff, "officer", "manager", "hq", "other_officer", "operator", now=now)
    expected = sorted(m.to_address for m in _mails())
    assert len(expected) == 20
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def worker():
        try:
            with app.app_context():
                barrier.wait()
                reports.append(deliver_due(now=now))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(smtp.inbox.recipients) == expected
    assert sum(r.sent for r in reports) == 20
    assert all(m.status == MailStatus.SENT for m in _mails())


def test_without_mail_server_nothing_is_sent_and_the_mail_waits(app, app_ctx, staff):
    assert app.config["MAIL_SERVER"] == ""  # the development default
    _queue(staff, "officer")
    report = deliver_due(now=utcnow() + timedelta(days=1))
    assert report.unconfigured and report.waiting == 1 and report.sent == 0
    assert "SMTPサーバー未設定" in report.summary()
    [mail] = _mails()
    assert (mail.status, mail.attempts, mail.last_error) == (MailStatus.PENDING, 0, "")


def test_kick_delivery_in_a_thread_sends_without_blocking(app, app_ctx, staff, smtp,
                                                          monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "thread")
    _queue(staff, "officer")
    kick_delivery(app)
    for t in threading.enumerate():
        if t.name == "mail-delivery":
            t.join(30)
    deadline = time.monotonic() + 10
    while not smtp.inbox.received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert smtp.inbox.recipients == ["ichiro@mirai.example.jp"]
    assert _mails()[0].status == MailStatus.SENT


def test_kick_delivery_never_raises(app, app_ctx, staff, smtp, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(mail_module, "deliver_due", broken)
    _queue(staff, "officer")
    kick_delivery(app)  # inline: the error is logged, not raised
    assert "mail delivery failed" in caplog.text and "database went away" in caplog.text
    assert smtp.inbox.received == [] and _mails()[0].status == MailStatus.PENDING


def test_off_leaves_the_mail_for_cron(app, app_ctx, staff, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_DELIVERY", "off")
    _queue(staff, "officer")
    kick_delivery(app)
    assert smtp.inbox.received == []
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert result.exit_code == 0, result.output
    assert "送信 1通" in result.output
    assert smtp.inbox.recipients == ["ichiro@mirai.example.jp"]


def test_cli_retry_puts_a_failed_mail_back(app, app_ctx, staff, smtp):
    _queue(staff, "officer")
    mail = _mails()[0]
    mail.status, mail.attempts = MailStatus.FAILED, 6
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "retry", str(mail.id)])
    assert result.exit_code == 0, result.output
    assert "送信 1通" in result.output
    assert _mails()[0].status == MailStatus.SENT
    again = app.test_cli_runner().invoke(args=["mail", "retry", str(mail.id)])
    assert again.exit_code == 1 and "送信済み" in again.output


def test_a_mail_that_cannot_be_written_fails_alone(app_ctx, staff, smtp):
    now = utcnow()
    _queue(staff, "officer", "manager", now=now)
    broken = _mails()[0]
    broken.subject = "改行を\n含む件名"  # a header with a line break is refused by email
    db.session.commit()
    report = deliver_due(now=now)
    assert (report.sent, report.retrying) == (1, 1)
    broken, fine = _mails()
    assert broken.attempts == 1 and "メールを作成できません" in broken.last_error
    assert fine.status == MailStatus.SENT
    assert smtp.inbox.recipients == ["saburo@mirai.example.jp"]
