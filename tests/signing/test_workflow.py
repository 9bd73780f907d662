"""The agreement from sending to seal through the services, on the real renderer and the real
seal: secrets never stored in clear, links that stop working, the lock, reminders."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.japan.dates import to_jst
from app.models import (
    ActionKind,
    AgreementStatus,
    AuditLog,
    CaseStatus,
    Notification,
    OutgoingMail,
    RequestStatus,
    SigningEvent,
    SigningRequest,
    Subscription,
    utcnow,
)
from app.referrals.services import act, submit
from app.signing import services, tokens
from app.signing.keys import load_signer
from app.signing.verify import jst_text, verify_issued
from tests.referrals.conftest import give_consent, make_world
from tests.signing.pdfsig import pdfsig


@pytest.fixture
def approved(app_ctx):
    world = make_world()
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    act(referral, world.manager, ActionKind.APPROVE)
    db.session.commit()
    return world


def _agreement(world, **kw):
    return services.create_agreement(world.case, world.officer, starts_on=date(2027, 1, 1),
                                     **kw)


def _sign(issued, name="𠮷田 髙志", title="代表取締役"):
    agreement = services.agree(issued.request, signer_name=name, signer_title=title,
                               ip="192.0.2.10", user_agent="Mozilla/5.0 (iPhone)")
    db.session.commit()
    services.seal_and_store(agreement, issued.request)
    db.session.commit()
    return agreement


def test_only_an_approved_referral_can_get_an_agreement(app_ctx):
    world = make_world()
    with pytest.raises(services.SigningError, match="承認後"):
        _agreement(world)


def test_sign_and_seal_end_to_end(approved, app):
    agreement = _agreement(approved)
    db.session.commit()
    issued = services.send_for_signature(agreement, approved.officer, email="rep@example.jp",
                                         name="𠮷田 髙志")
    db.session.commit()
    assert len(issued.access_code) == 6 and issued.token
    assert services.unusable_reason(services.find_request(issued.token)) is None
    assert services.check_access_code(issued.request, issued.access_code, ip="192.0.2.10",
                                      user_agent="UA")
    agreement = _sign(issued)

    assert agreement.status == AgreementStatus.SIGNED
    assert approved.case.status == CaseStatus.SIGNED
    subscription = db.session.scalar(sa.select(Subscription))
    assert subscription.starts_on == date(2027, 1, 1) and subscription.status == "active"
    signer = load_signer(app.config, app.instance_path)
    check = pdfsig(agreement.signed_pdf, signer.trust_roots_pem())
    assert check.valid and check.trusted and check.total_document, check.output
    result = verify_issued(agreement.signed_pdf)
    assert result.ok and result.document["document_id"] == agreement.document_id
    # The agreement pages are the bytes as sent: the signed file starts with them.
    assert agreement.signed_pdf.startswith(agreement.pdf)
    tampered = bytearray(agreement.signed_pdf)
    tampered[len(tampered) // 2] ^= 0x01
    assert not verify_issued(bytes(tampered)).ok
    kinds = [e.kind for e in agreement.events]
    assert kinds[:3] == ["created", "sent", "code_ok"] and kinds[-2:] == ["agreed", "sealed"]
    # Every signing event is in the audit log too, in the same order.
    audited = [a.removeprefix("signing.") for a in db.session.scalars(
        sa.select(AuditLog.action).where(AuditLog.action.like("signing.%"))
        .order_by(AuditLog.id))]
    assert audited == kinds
    assert any("締結されました" in n.message for n in db.session.scalars(sa.select(Notification)))


def test_token_and_access_code_are_never_stored_in_clear(approved):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="rep@example.jp",
                                         name="代表 様")
    services.check_access_code(issued.request, "000000" if issued.access_code != "000000"
                               else "111111", ip="", user_agent="")
    db.session.commit()
    with db.engine.connect() as conn:
        for table in ("signing_request", "signing_event", "outgoing_mail", "audit_log",
                      "notification", "subscription_agreement"):
            rows = conn.execute(sa.text(f"SELECT * FROM {table}")).all()
            dump = " ".join(str(v) for row in rows for v in row if not isinstance(v, bytes))
            assert issued.token not in dump, table
            assert issued.access_code not in dump or table == "subscription_agreement", table
    mail = db.session.scalar(sa.select(OutgoingMail).where(
        OutgoingMail.to_address == "rep@example.jp"))
    assert issued.token not in mail.body and "[[signing-link:" in mail.body
    assert issued.access_code not in mail.body
    # Expanded only when the mail goes out.
    assert tokens.signing_path(issued.token) in tokens.expand_signing_links(mail.body)


def test_resend_voids_the_old_link_and_revoke_stops_the_new(approved):
    agreement = _agreement(approved)
    first = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                        name="代表")
    second = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                         name="代表")
    db.session.commit()
    db.session.expire_all()
    old = services.find_request(first.token)
    assert old.status == RequestStatus.SUPERSEDED
    assert "無効" in services.unusable_reason(old)
    with pytest.raises(services.SigningError):
        services.agree(old, signer_name="代表", signer_title="社長", ip="", user_agent="")
    assert "無効" in tokens.expand_signing_links(f"[[signing-link:{old.id}]]")
    services.revoke(services.find_request(second.token), approved.officer)
    db.session.commit()
    assert "取り消され" in services.unusable_reason(services.find_request(second.token))


def test_expired_and_used_links_cannot_sign(approved):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                         name="代表", expires_days=1)
    db.session.commit()
    later = utcnow() + timedelta(days=1, minutes=1)
    assert "有効期限" in services.unusable_reason(issued.request, later)
    with pytest.raises(services.SigningError, match="有効期限"):
        services.agree(issued.request, signer_name="代表", signer_title="社長", ip="",
                       user_agent="", now=later)
    _sign(issued)
    with pytest.raises(services.SigningError, match="使用"):
        services.agree(issued.request, signer_name="代表", signer_title="社長", ip="",
                       user_agent="")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Subscription)) == 1


def test_fifth_wrong_code_locks_and_tells_the_officer(approved):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                         name="代表")
    db.session.commit()
    wrong = "000000" if issued.access_code != "000000" else "999999"
    for attempt in range(1, 6):
        assert not services.check_access_code(issued.request, wrong, ip="", user_agent="")
        db.session.commit()
        assert issued.request.failed_attempts == attempt
    assert issued.request.status == RequestStatus.LOCKED
    # Even the right code does not help now.
    assert "ロック" in services.unusable_reason(issued.request)
    notices = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == approved.officer.id)).all()
    assert any("ロックされました" in n.message for n in notices)


def test_in_branch_signing_records_the_officer_who_confirmed_identity(approved):
    agreement = _agreement(approved)
    with pytest.raises(services.SigningError, match="本人"):
        services.start_in_branch(agreement, approved.officer, name="代表",
                                 identity_confirmed=False)
    issued = services.start_in_branch(agreement, approved.officer, name="𠮷田 髙志",
                                      identity_confirmed=True)
    assert issued.access_code == ""
    db.session.commit()
    agreement = _sign(issued)
    import subprocess

    text = subprocess.run(["pdftotext", "-", "-"], input=agreement.signed_pdf,
                          capture_output=True, check=True).stdout.decode()
    assert "店頭での本人確認" in text and approved.officer.name in text
    assert "𠮷田 髙志" in text


def test_decline_needs_a_reason_and_tells_the_officer(approved):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                         name="代表")
    with pytest.raises(services.SigningError, match="理由"):
        services.decline(issued.request, reason=" ", ip="", user_agent="")
    services.decline(issued.request, reason="社内で再検討します", ip="", user_agent="")
    db.session.commit()
    assert agreement.status == AgreementStatus.DECLINED
    assert any("辞退" in n.message for n in db.session.scalars(sa.select(Notification)))


def test_reminder_once_before_expiry(approved):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                         name="代表", expires_days=14)
    db.session.commit()
    assert services.remind_due() == 0  # 14 days left
    soon = utcnow() + timedelta(days=12)
    assert services.remind_due(soon) == 1
    assert services.remind_due(soon) == 0
    db.session.commit()
    reminders = db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.subject.like("【リマインダー】%"))).all()
    assert len(reminders) == 1 and "[[signing-link:" in reminders[0].body
    assert db.session.scalar(sa.select(SigningEvent).where(SigningEvent.kind == "reminded"))
    assert issued.request.reminded_at is not None


def test_a_new_version_voids_the_waiting_one(approved):
    first = _agreement(approved)
    issued = services.send_for_signature(first, approved.officer, email="a@example.jp",
                                         name="代表")
    second = _agreement(approved)
    db.session.commit()
    assert first.status == AgreementStatus.VOID and second.version == 2
    assert db.session.get(SigningRequest, issued.request.id).status == RequestStatus.SUPERSEDED


def test_remind_command_queues_the_reminder(approved, app):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="a@example.jp",
                                         name="代表", expires_days=2)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["signing", "remind"])
    assert result.exit_code == 0 and "1件" in result.output
    db.session.expire_all()
    assert db.session.get(SigningRequest, issued.request.id).reminded_at is not None


def test_every_event_kind_has_a_name_in_the_audit_search():
    from pathlib import Path

    from app.audit.search import action_label
    from app.models.signing import SIGNING_EVENT_LABELS

    source = Path(services.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r'_event\([^"]*"([a-z_]+)"', source)) | {"sent", "resent"}
    assert used <= set(SIGNING_EVENT_LABELS)
    assert action_label("signing.sealed") == "電子契約：封緘（締結）"


def test_signer_name_refuses_invisible_characters():
    values, errors = services.validate_signer({"signer_name": "山田\u200b太郎",
                                               "signer_title": "代表取締役"})
    assert "使用できない文字" in errors["signer_name"]
    values, errors = services.validate_signer({"signer_name": " 𠮷田　髙志 ",
                                               "signer_title": "", **{
                                                   f"confirm_{k}": "1"
                                                   for k in services.CONFIRMATIONS}})
    assert values["signer_name"] == "𠮷田 髙志"
    assert errors == {"signer_title": "役職を入力してください（例：代表取締役）。"}


def _pdftext(pdf: bytes) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_someone_other_than_the_addressee_signs_and_it_is_said_everywhere(approved):
    """The link went to 重松 千代子; 𠮷田 髙志 signs. Accepted (the holder of the mailbox and
    the access code may pass it to the representative), but not silently: the steps before
    the name are the addressee's, the agreement event, the certificate and the officer's
    notice say the names differ."""
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="rep@example.jp",
                                         name="重松 千代子")
    db.session.commit()
    assert services.check_access_code(issued.request, issued.access_code, ip="192.0.2.10",
                                      user_agent="UA")
    agreement = _sign(issued, name="𠮷田 髙志")
    by_kind = {e.kind: e for e in agreement.events}
    assert by_kind["code_ok"].actor_name == "重松 千代子（宛先）"
    assert "署名依頼の宛先（重松 千代子 様）と異なる氏名" in by_kind["agreed"].label
    certificate = re.sub(r"\s+", " ", _pdftext(agreement.signed_pdf))
    assert "署名依頼の宛先 重松 千代子 様 ご署名者と異なる氏名" in certificate
    assert "氏名 𠮷田 髙志" in certificate
    notice = db.session.scalar(sa.select(Notification.message)
                               .where(Notification.message.like("%締結されました%")))
    assert "署名依頼の宛先（重松 千代子 様）と異なる方が署名しています" in notice
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "signing.agreed"))
    assert audit.after["addressee_differs"] is True


def test_the_same_name_in_another_form_is_not_someone_else(approved):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="rep@example.jp",
                                         name="吉田高志")
    db.session.commit()
    agreement = _sign(issued, name="𠮷田 髙志")
    assert "異なる" not in next(e.label for e in agreement.events if e.kind == "agreed")
    certificate = re.sub(r"\s+", " ", _pdftext(agreement.signed_pdf))
    assert "署名依頼の宛先 吉田高志 様" in certificate and "ご署名者と異なる" not in certificate


def test_certificate_stamp_signature_and_audit_show_the_same_seal_second(approved, app):
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="rep@example.jp",
                                         name="𠮷田 髙志")
    db.session.commit()
    agreement = _sign(issued)
    result = verify_issued(agreement.signed_pdf)
    assert result.ok and result.signing_time_source == "server_clock"
    assert result.signing_time == jst_text(agreement.signed_at)  # the signature's own time
    sealed = to_jst(agreement.signed_at).strftime("%Y/%m/%d %H:%M:%S")
    text = re.sub(r"\s+", " ", _pdftext(agreement.signed_pdf))
    seal_section = text[text.index("5. 電子シール"):]  # the certificate page's seal details
    assert f"{sealed}（日本時間）" in seal_section, (sealed, seal_section)
    audit = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "signing.sealed"))
    assert audit.at == agreement.signed_at


def test_a_link_read_just_before_the_other_tap_agreed_says_it_is_done(approved):
    """The second of two taps may still see its link active while the agreement has moved
    on: it is told the procedure is complete, not that the contract cannot be signed."""
    agreement = _agreement(approved)
    issued = services.send_for_signature(agreement, approved.officer, email="rep@example.jp",
                                         name="𠮷田 髙志")
    agreement.status = AgreementStatus.AGREED  # as the first tap left it; the link still active
    assert services.unusable_reason(issued.request) == "この契約書はすでに手続きが完了しています。"
    agreement.status = AgreementStatus.DECLINED
    assert "辞退" in services.unusable_reason(issued.request)
