"""Notices (mark read, from the home page) and the outbox (運営: every mail; 本部: its own
bank's mails; anyone else gets 404)."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.guard import protect
from app.errors import DomainError
from app.extensions import db
from app.htmx import is_htmx
from app.models import Bank, MailStatus, OutgoingMail, Role
from app.models.base import utcnow
from app.models.notification import MAIL_STATUS_LABELS
from app.notifications.mail import kick_delivery
from app.notifications.services import mark_read, requeue, unread_count, unread_notices
from app.signing.tokens import expand_signing_links

bp = protect(Blueprint("notifications", __name__))

OUTBOX_LIMIT = 200


# --- notices (every user, their own) ------------------------------------------------------

def notices_context() -> dict:
    """What the home page's notices section needs."""
    return {"notices": unread_notices(current_user), "unread": unread_count(current_user)}


def _after_mark_read():
    db.session.commit()
    if is_htmx():
        return render_template("notifications/_notices.html", **notices_context())
    return redirect(url_for("home.index"), 303)


@bp.post("/notices/<int:notice_id>/read")
def read_notice(notice_id: int):
    mark_read(current_user, notice_id)  # someone else's notice: nothing to mark
    return _after_mark_read()


@bp.post("/notices/read-all")
def read_all_notices():
    mark_read(current_user, None)
    return _after_mark_read()


# --- outbox (operator, hq) ----------------------------------------------------------------

def _outbox_query() -> sa.Select:
    if current_user.role == Role.OPERATOR:
        return sa.select(OutgoingMail)
    if current_user.role == Role.HQ:
        return sa.select(OutgoingMail).where(OutgoingMail.bank_id == current_user.bank_id)
    abort(404)


@bp.get("/outbox")
def outbox():
    stmt = _outbox_query()
    status = request.args.get("status", "")
    if status in {s.value for s in MailStatus}:
        stmt = stmt.where(OutgoingMail.status == status)
    else:
        status = ""
    # 新しい順 means by the time shown (作成), whatever the state; rows made in the same
    # instant keep the order they were queued in.
    mails = db.session.scalars(stmt.order_by(OutgoingMail.created_at.desc(),
                                             OutgoingMail.id.desc()).limit(OUTBOX_LIMIT)).all()
    banks = {}
    if current_user.role == Role.OPERATOR:
        banks = dict(db.session.execute(sa.select(Bank.id, Bank.name)).all())
    smtp_configured = bool(current_app.config.get("MAIL_SERVER"))
    # Demo (no SMTP, and switched on by `make run`): show the mail as it would be sent,
    # signing links included, so the demo can be followed; otherwise the placeholder.
    demo_links = not smtp_configured and current_app.config.get("OUTBOX_SHOWS_SIGNING_LINKS")
    show = expand_signing_links if demo_links else (lambda body: body)
    return render_template("notifications/outbox.html", mails=mails, status=status,
                           labels=MAIL_STATUS_LABELS, banks=banks, limit=OUTBOX_LIMIT,
                           smtp_configured=smtp_configured, show_body=show, now=utcnow())


@bp.post("/outbox/<int:mail_id>/retry")
def retry_mail(mail_id: int):
    mail = db.session.scalars(_outbox_query().where(OutgoingMail.id == mail_id)).first()
    if mail is None:
        abort(404)
    back = url_for("notifications.outbox", status=request.form.get("status") or None)
    try:
        requeue(mail, current_user, ip=request.remote_addr or "")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
        return redirect(back, 303)
    db.session.commit()
    kick_delivery(current_app._get_current_object())
    if current_app.config.get("MAIL_SERVER"):
        flash("メールを再送の列に戻しました。送信結果はこの画面で確認できます。", "success")
    else:
        flash("メールを送信待ちに戻しました（SMTPサーバー未設定のため、実際には送信されません）。",
              "info")
    return redirect(back, 303)
