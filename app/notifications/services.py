"""Queueing notices and mails. Called inside the action's transaction: flushes, never
commits, so the notice and the mail row are written atomically with the action (and a dead
mail server never undoes or blocks it — delivery happens afterwards, see mail.py)."""
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record, snapshot
from app.errors import DomainError
from app.extensions import db
from app.models.base import utcnow
from app.models.notification import MailStatus, Notification, OutgoingMail
from app.models.user import User

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
REQUEUE_FIELDS = ("status", "attempts", "next_attempt_at")


def absolute_url(link: str) -> str:
    base = (current_app.config.get("APP_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}{link}" if link.startswith("/") else link


def mail_body(name: str, message: str, link: str) -> str:
    lines = [f"{name} 様", "", message, ""]
    if link:
        lines += ["詳しくは、次の画面でご確認ください。", absolute_url(link), ""]
    lines += ["――", "このメールは Pocket TECH Advisor desk から自動で送信しています。",
              "このメールは送信専用です。ご返信いただいてもお答えできません。"]
    return "\n".join(lines) + "\n"


def notify(users: Iterable[User], *, subject: str, message: str, link: str,
           bank_id: int | None, now: datetime | None = None) -> None:
    """One notice per distinct active user, and one mail each to those with an address."""
    now = now or utcnow()
    seen: set[int] = set()
    for user in users:
        if user.id in seen or not user.active:
            continue
        seen.add(user.id)
        db.session.add(Notification(user_id=user.id, message=message[:300], link=link[:300],
                                    created_at=now))
        if user.email:
            db.session.add(OutgoingMail(
                bank_id=bank_id, to_address=user.email, to_name=user.name[:100],
                subject=" ".join(subject.split())[:200], body=mail_body(user.name, message, link),
                status=MailStatus.PENDING, next_attempt_at=now, created_at=now))
    db.session.flush()


def unread_notices(user: User, limit: int = 10) -> list[Notification]:
    return list(db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, notice_id: int | None, now: datetime | None = None) -> int:
    """Mark one of the user's notices (or all of them when notice_id is None) as read.
    Someone else's notice id changes nothing. Returns the number of notices marked."""
    stmt = (sa.update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=now or utcnow()))
    if notice_id is not None:
        stmt = stmt.where(Notification.id == notice_id)
    return db.session.execute(stmt).rowcount


def requeue(mail: OutgoingMail, actor: User | None, *, ip: str = "",
            now: datetime | None = None) -> None:
    """「再送する」: a waiting or failed mail goes back in the queue, due now (a failed one
    gets one more attempt). A mail already sent, or being sent right now by a worker, is
    refused (a conditional UPDATE: a worker's claim and this click cannot both win).
    Recorded in the audit log."""
    now = now or utcnow()
    before = snapshot(mail, REQUEUE_FIELDS)
    done = db.session.execute(
        sa.update(OutgoingMail)
        .where(OutgoingMail.id == mail.id, OutgoingMail.status != MailStatus.SENT,
               sa.or_(OutgoingMail.sending_until.is_(None), OutgoingMail.sending_until <= now))
        .values(status=MailStatus.PENDING, next_attempt_at=now)
        .execution_options(synchronize_session=False)).rowcount
    db.session.refresh(mail)
    if done != 1:
        if mail.status == MailStatus.SENT:
            raise DomainError("このメールは送信済みです。")
        raise DomainError("このメールはいま送信中です。しばらくしてから画面を更新してください。")
    record(actor, "outgoing_mail.retry", "outgoing_mail", mail.id, ip=ip, bank_id=mail.bank_id,
           summary=f"メールを再送：{mail.to_address}「{mail.subject}」",
           before=before, after=snapshot(mail, REQUEUE_FIELDS))
