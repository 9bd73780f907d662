"""notify(): one notice per distinct active user, a mail to those with an address, written in
the caller's transaction (never committed by itself)."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import MailStatus, Notification, OutgoingMail
from app.notifications.services import mark_read, notify, unread_count, unread_notices

NOW = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)


def _notify(users, **kw):
    args = {"subject": "【稟議】承認依頼：案件 K-2026-0001",
            "message": "株式会社テスト工業の紹介稟議が申請されました。",
            "link": "/cases/7", "bank_id": None, "now": NOW} | kw
    notify(users, **args)


def test_one_notice_per_distinct_active_user_and_mail_only_with_an_address(staff):
    officer, manager, other_hq = (staff.users[k] for k in ("officer", "manager", "other_hq"))
    retired = staff.users["hq"]
    retired.active = False
    _notify([officer, manager, officer, other_hq, retired], bank_id=staff.bank.id)
    notices = db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()
    assert [n.user_id for n in notices] == [officer.id, manager.id, other_hq.id]
    assert {n.link for n in notices} == {"/cases/7"}
    mails = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)).all()
    assert [m.to_address for m in mails] == ["ichiro@mirai.example.jp", "saburo@mirai.example.jp"]
    mail = mails[1]
    assert (mail.to_name, mail.bank_id, mail.status, mail.attempts) == (
        "髙橋 三郎", staff.bank.id, MailStatus.PENDING, 0)
    assert mail.next_attempt_at == NOW and mail.subject.startswith("【稟議】")


def test_mail_body_is_addressed_with_the_absolute_link_and_a_no_reply_footer(app, staff,
                                                                              monkeypatch):
    monkeypatch.setitem(app.config, "APP_BASE_URL", "https://pta.example.jp/")
    _notify([staff.users["manager"]])
    body = db.session.scalar(sa.select(OutgoingMail.body))
    assert body.startswith("髙橋 三郎 様\n")
    assert "株式会社テスト工業の紹介稟議が申請されました。" in body
    assert "https://pta.example.jp/cases/7\n" in body
    assert "このメールは送信専用です" in body


def test_default_base_url_is_the_local_server(staff):
    _notify([staff.users["officer"]])
    assert "http://127.0.0.1:5000/cases/7" in db.session.scalar(sa.select(OutgoingMail.body))


def test_notify_never_commits_the_rollback_of_the_action_removes_everything(staff):
    _notify([staff.users["officer"], staff.users["manager"]])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 2
    db.session.rollback()  # the action failed after notify(): no notice, no mail
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0


def test_unread_newest_first_and_mark_read_touches_only_the_users_own(staff):
    officer, manager = staff.users["officer"], staff.users["manager"]
    for i in range(3):
        _notify([officer, manager], message=f"お知らせ{i}", now=NOW + timedelta(minutes=i))
    assert [n.message for n in unread_notices(officer)] == ["お知らせ2", "お知らせ1", "お知らせ0"]
    assert [n.message for n in unread_notices(officer, limit=2)] == ["お知らせ2", "お知らせ1"]
    managers_first = unread_notices(manager)[-1]
    assert mark_read(officer, managers_first.id, NOW) == 0  # not theirs: nothing happens
    assert unread_count(manager) == 3
    newest = unread_notices(officer)[0]
    assert mark_read(officer, newest.id, NOW) == 1
    assert [n.message for n in unread_notices(officer)] == ["お知らせ1", "お知らせ0"]
    assert mark_read(officer, None, NOW) == 2
    assert unread_notices(officer) == [] and unread_count(manager) == 3
    assert db.session.get(Notification, newest.id).read_at == NOW


def test_a_line_break_in_the_subject_becomes_a_space(staff):
    _notify([staff.users["officer"]], subject="【稟議】承認依頼：株式会社\n髙橋製作所")
    subject = db.session.scalar(sa.select(OutgoingMail.subject))
    assert subject == "【稟議】承認依頼：株式会社 髙橋製作所"
