"""Delivering the outbox over SMTP, outside any request's transaction.

Each due mail is claimed with a conditional UPDATE that pushes next_attempt_at forward (a
lease): two workers (cron and a request's background thread) never send the same mail.
Commits per mail; no transaction is held open while talking to the mail server.

Without MAIL_SERVER (the development default) nothing is sent: mails stay 送信待ち in the
outbox, which then shows what would have been sent."""
import smtplib
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models.base import utcnow
from app.models.notification import MailStatus, OutgoingMail
from app.signing.tokens import expand_signing_links

# Minutes to wait after the 1st, 2nd, … failed attempt (the last value repeats).
BACKOFF_MINUTES = (1, 5, 15, 60, 180)
# A claimed mail is left alone by other workers for this long (the sender has crashed if it
# has not finished by then; the mail is tried again).
LEASE = timedelta(minutes=10)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0  # failed this time, will be tried again
    failed: int = 0  # failed for the last time (送信失敗)
    skipped: int = 0  # claimed by another worker first
    unconfigured: bool = False  # MAIL_SERVER empty: nothing sent
    waiting: int = 0  # with unconfigured: mails left in the outbox

    def summary(self) -> str:
        if self.unconfigured:
            return (f"SMTPサーバー未設定（MAIL_SERVER）のため送信しません。"
                    f"送信待ち {self.waiting}通（送信箱に保存されています）。")
        return (f"送信 {self.sent}通、再試行待ち {self.retrying}通、送信失敗 {self.failed}通、"
                f"他の処理が送信中 {self.skipped}通。")


def backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _due(now: datetime):
    return sa.and_(OutgoingMail.status == MailStatus.PENDING, OutgoingMail.next_attempt_at <= now)


def deliver_due(now: datetime | None = None, limit: int = 50) -> DeliveryReport:
    config = current_app.config
    now = now or utcnow()
    report = DeliveryReport()
    if not config.get("MAIL_SERVER"):
        report.unconfigured = True
        report.waiting = db.session.scalar(
            sa.select(sa.func.count()).select_from(OutgoingMail)
            .where(OutgoingMail.status == MailStatus.PENDING)) or 0
        return report
    ids = db.session.scalars(sa.select(OutgoingMail.id).where(_due(now))
                             .order_by(OutgoingMail.next_attempt_at, OutgoingMail.id)
                             .limit(limit)).all()
    db.session.commit()  # each claim below starts its own short write transaction
    for mail_id in ids:
        message = _claim(mail_id, now)
        if message is None:
            report.skipped += 1
            continue
        if isinstance(message, str):  # could not even be written: counts as a failed attempt
            error, server_down = message, False
        else:
            error, server_down = _send(message)
        status = _record(mail_id, error, now)
        if status == MailStatus.SENT:
            report.sent += 1
        elif status == MailStatus.FAILED:
            report.failed += 1
        else:
            report.retrying += 1
        if server_down:
            break  # do not wait out a dead server once per mail; the next run tries again
    return report


def _claim(mail_id: int, now: datetime) -> EmailMessage | str | None:
    """Take the lease on one due mail: the message to send, the reason it cannot be written,
    or None when another worker took it first."""
    lease_ends = utcnow() + LEASE  # from the claim, not from the start of a long batch
    claimed = db.session.execute(
        sa.update(OutgoingMail).where(OutgoingMail.id == mail_id, _due(now))
        .values(next_attempt_at=lease_ends, sending_until=lease_ends)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        return None
    mail = db.session.execute(sa.select(OutgoingMail).where(OutgoingMail.id == mail_id)
                              .execution_options(populate_existing=True)).scalar_one()
    try:
        message = build_message(mail, now)
    except (ValueError, TypeError, IndexError) as exc:  # a header the mail library refuses
        message = f"メールを作成できません（{exc}）"
    db.session.commit()
    return message


def build_message(mail: OutgoingMail, now: datetime) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()  # utf-8: Japanese subject and names are RFC 2047-encoded
    message["Subject"] = mail.subject
    message["From"] = config["MAIL_SENDER"]
    username, _, domain = mail.to_address.rpartition("@")
    message["To"] = Address(display_name=mail.to_name, username=username, domain=domain)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(idstring=f"pta-{mail.id}")
    # A signing invitation carries a placeholder, never the link itself (see signing.tokens).
    message.set_content(expand_signing_links(mail.body))
    return message


def _send(message: EmailMessage) -> tuple[str | None, bool]:
    """Send one message: (the error in a few words or None when the server accepted it,
    whether the server itself is unusable — then the rest of the batch waits)."""
    config = current_app.config
    timeout = config.get("MAIL_TIMEOUT", 10)
    try:
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout)
        with smtp:
            if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
                smtp.starttls(context=ssl.create_default_context())
            if config.get("MAIL_USERNAME"):
                # str(): FLASK_MAIL_PASSWORD=123456 arrives as a number (from_prefixed_env)
                smtp.login(str(config["MAIL_USERNAME"]), str(config.get("MAIL_PASSWORD", "")))
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        return f"宛先が拒否されました（{code} {_text(text)}）", False
    except smtplib.SMTPAuthenticationError as exc:
        return f"SMTP認証に失敗しました（{exc.smtp_code} {_text(exc.smtp_error)}）", True
    except smtplib.SMTPResponseException as exc:
        return f"SMTPサーバーが拒否しました（{exc.smtp_code} {_text(exc.smtp_error)}）", False
    except TimeoutError:
        return f"SMTPサーバーが{timeout}秒以内に応答しません", True
    except ssl.SSLError as exc:
        return f"TLSの確立に失敗しました（{exc}）", True
    except (OSError, smtplib.SMTPException) as exc:
        return f"SMTPサーバーに接続できません（{type(exc).__name__}: {exc}）", True
    return None, False


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _record(mail_id: int, error: str | None, now: datetime) -> MailStatus:
    mail = db.session.get(OutgoingMail, mail_id, populate_existing=True)
    mail.sending_until = None
    if error is None:
        mail.status = MailStatus.SENT
        mail.sent_at = now
        mail.last_error = ""
    else:
        mail.attempts += 1
        mail.last_error = error[:500]
        if mail.attempts >= current_app.config.get("MAIL_MAX_ATTEMPTS", 6):
            mail.status = MailStatus.FAILED
        else:
            mail.next_attempt_at = now + backoff(mail.attempts)
    status = mail.status
    db.session.commit()
    return status


def kick_delivery(app: Flask) -> None:
    """Deliver what is due, after the caller has committed the action that queued mail.
    MAIL_DELIVERY: "thread" (default; never blocks the response), "inline" (tests),
    "off" (cron only: `flask mail deliver`). Never raises into the caller."""
    try:
        mode = app.config.get("MAIL_DELIVERY", "thread")
        if mode == "off" or not app.config.get("MAIL_SERVER"):
            return
        if mode == "inline":
            _deliver_in_context(app)
        else:
            threading.Thread(target=_deliver_in_context, args=(app,), daemon=True,
                             name="mail-delivery").start()
    except Exception:  # noqa: BLE001 - mail must never break the action that queued it
        app.logger.exception("mail delivery could not be started")


def _deliver_in_context(app: Flask) -> None:
    try:
        with app.app_context():
            deliver_due()
    except Exception:  # noqa: BLE001
        app.logger.exception("mail delivery failed")
