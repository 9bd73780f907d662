"""The approval chain's mail through a real SMTP server on loopback, and a dead one."""
import sqlalchemy as sa

from app.extensions import db
from app.models import MailStatus, OutgoingMail, Referral, ReferralStatus
from app.referrals.services import submit
from tests.factories import csrf_token, login
from tests.notifications.conftest import SMTPServer
from tests.referrals.conftest import give_consent


def _submit_and_approve_as_supervisor(client, world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    db.session.commit()
    db.session.query(OutgoingMail).delete()  # the submission's mail: not what we look at
    db.session.commit()
    login(client, world.supervisor)
    return referral, client.post(f"/referrals/{referral.id}/act", data={
        "csrf_token": csrf_token(client, "/approvals"), "action": "approve",
        "version": referral.version, "place": "case"}, headers={"HX-Request": "true"})


def test_approval_mails_the_manager_through_smtp(client, world, mail_config):
    smtp = SMTPServer(mail_config).start()
    try:
        referral, response = _submit_and_approve_as_supervisor(client, world)
    finally:
        smtp.stop()
    assert response.status_code == 200
    recipients = smtp.inbox.recipients
    assert "tanaka@mirai.example.jp" in recipients  # the manager
    message = next(m for rcpts, m in smtp.inbox.received if "tanaka@mirai.example.jp" in rcpts)
    assert message["Subject"] == f"【承認依頼】{world.case.case_number} {world.case.client.name}"
    body = message.get_content()
    assert "田中 支店長 様" in body
    assert f"https://pta.example.jp/cases/{world.case.id}" in body
    db.session.expire_all()
    sent = db.session.scalars(sa.select(OutgoingMail)).all()
    assert sent and all(m.status == MailStatus.SENT for m in sent)


def test_dead_smtp_server_leaves_the_approval_done_and_the_mail_queued(client, world,
                                                                       mail_config):
    referral, response = _submit_and_approve_as_supervisor(client, world)  # nobody listens
    assert response.status_code == 200 and "支店長の承認待ち" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).current_step == "manager"
    assert db.session.get(Referral, referral.id).status == ReferralStatus.PENDING
    queued = db.session.scalars(sa.select(OutgoingMail)).all()
    assert queued and all(m.status == MailStatus.PENDING and m.attempts == 1
                          and m.last_error for m in queued)
