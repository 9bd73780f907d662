"""Consent form, submission, the queue with inline HTMX actions, the pipeline, the referral
document, and who may see or do what (404 outside the scope, 403 inside it without the right)."""
import re
import subprocess
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.japan.dates import today_jst
from app.models import (
    ActionKind,
    ConsentMethod,
    ConsentRecord,
    Referral,
    ReferralDocument,
    ReferralStatus,
)
from app.referrals.consent_items import CONSENT_ITEMS, consent_recipients
from app.referrals.services import act, submit
from tests.factories import csrf_token, login
from tests.referrals.conftest import give_consent

PDF = b"%PDF-1.4\n% scanned consent\n"


def _consent_form(case, officer, **overrides):
    form = {"items": ["company", "representative", "needs"], "recipients": ["platform"] + [
        f"advisor:{s.advisor.external_id}" for s in case.selections],
        "consented_on": "2026-12-01", "method": "paper", "consenter_name": "大和 一郎",
        "consenter_title": "代表取締役", "obtained_by": str(officer.id), "note": ""}
    form.update(overrides)
    return form


def test_consent_form_refuses_bad_input_keeps_typing_then_records(client, world):
    case, officer = world.case, world.officer
    login(client, officer)
    token = csrf_token(client, f"/cases/{case.id}/consent/new")
    form = _consent_form(case, officer, consented_on="2099-01-01", items=[],
                         consenter_name="𠮷田 髙志")
    response = client.post(f"/cases/{case.id}/consent", data={**form, "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "未来の日付" in html and "1つ以上選んでください" in html
    assert "スキャンして添付" in html  # 書面 without the scanned form
    assert 'value="𠮷田 髙志"' in html  # what was typed is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentRecord)) == 0

    form = _consent_form(case, officer, consenter_name="𠮷田 髙志")
    response = client.post(f"/cases/{case.id}/consent", data={
        **form, "csrf_token": token, "scan": (__import__("io").BytesIO(PDF), "同意書.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    consent = db.session.scalar(sa.select(ConsentRecord))
    assert consent.consenter_name == "𠮷田 髙志" and consent.scan == PDF
    assert consent.items == ["company", "representative", "needs"]
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "𠮷田 髙志" in page and "紹介稟議を申請する" in page
    scan = client.get(f"/consents/{consent.id}/scan")
    assert scan.status_code == 200 and scan.data == PDF


def test_consent_form_pdf_is_a_real_pdf(client, world):
    login(client, world.officer)
    response = client.get(f"/cases/{world.case.id}/consent/form.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data,
                          capture_output=True, check=True).stdout.decode()
    assert world.case.case_number in text


def test_submit_without_consent_shows_why_and_saves_nothing(client, world):
    login(client, world.officer)
    page = client.get(f"/cases/{world.case.id}").get_data(as_text=True)
    assert "同意を記録してから申請してください" in page
    response = client.post(f"/cases/{world.case.id}/referral",
                           data={"csrf_token": csrf_token(client)})
    assert response.status_code == 409
    assert "同意" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0


def _act(client, referral, action, comment="", place="queue", version=None):
    return client.post(f"/referrals/{referral.id}/act", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf_token(client, "/approvals"), "action": action, "comment": comment,
        "version": version if version is not None else referral.version, "place": place})


def test_queue_inline_actions_through_to_the_referral_document(client, world):
    case = world.case
    give_consent(case, world.officer)
    referral = submit(case, world.officer)
    db.session.commit()

    login(client, world.supervisor)
    html = client.get("/approvals").get_data(as_text=True)
    assert case.case_number in html and f"/proposals/{referral.proposal_id}/download" in html
    response = _act(client, referral, "return")
    assert response.status_code == 422  # comment required: message in the row, nothing done
    assert "差戻しの理由" in response.get_data(as_text=True)
    response = _act(client, referral, "approve", comment="内容確認しました")
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="queue-row"' in fragment
    assert "支店長の承認待ち" in fragment and "<html" not in fragment
    assert response.headers["HX-Trigger"] == "queueChanged"  # the counts are fetched again
    tiles = client.get("/approvals?status=mine", headers={"HX-Request": "true",
                                                          "HX-Target": "queue-tiles"})
    tiles_html = tiles.get_data(as_text=True)
    assert 'id="queue-tiles"' in tiles_html and "<table" not in tiles_html
    assert re.search(r'value="mine" checked><span class="n">0</span>', tiles_html)
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})

    login(client, world.manager)
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert case.case_number in client.get("/approvals").get_data(as_text=True)
    response = _act(client, referral, "approve", place="case")
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert 'id="referral-panel"' in fragment and "承認済" in fragment
    db.session.expire_all()
    document = db.session.scalar(sa.select(ReferralDocument))
    assert document is not None and document.version == 1
    download = client.get(f"/referral-documents/{document.id}/download")
    assert download.status_code == 200
    text = subprocess.run(["pdftotext", "-", "-"], input=download.data, capture_output=True,
                          check=True).stdout.decode()
    for expected in (case.case_number, "佐藤 役席", "田中 支店長", "山本 健太"):
        assert expected in text
    assert "紹介票兼同意確認書（PDF・第1版）" in fragment


def test_stale_page_gets_conflict_message_and_current_state(client, world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    db.session.commit()
    seen = referral.version
    act(referral, world.supervisor, ActionKind.APPROVE)
    db.session.commit()
    login(client, world.manager)
    response = _act(client, referral, "approve", version=seen)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "ほかの方が先に" in html and "支店長の承認待ち" in html
    assert f'name="version" value="{seen + 1}"' in html  # the row now carries the new state


def test_stale_page_of_the_same_user_says_it_was_them(client, world):
    """The manager approved in one tab; the click in the other tab names no colleague."""
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    db.session.commit()
    seen = referral.version
    act(referral, world.manager, ActionKind.APPROVE)
    db.session.commit()
    login(client, world.manager)
    response = _act(client, referral, "return", version=seen, comment="再確認")
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "あなたが別の画面ですでに承認しています" in html and "ほかの方" not in html
    assert "承認済" in html
    # No form is left to keep the typed comment in: it is shown with the message.
    assert "入力したコメント（送信されていません）" in html and "再確認" in html


@pytest.mark.parametrize("who", ["foreign_manager", "other_manager"])
def test_other_bank_or_branch_gets_404_everywhere(client, world, who):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    db.session.commit()
    login(client, world[who])
    assert client.get(f"/cases/{world.case.id}").status_code == 404
    assert _act(client, referral, "approve").status_code == 404
    assert client.get(f"/cases/{world.case.id}/consent/form.pdf").status_code == 404
    assert world.case.case_number not in client.get("/approvals").get_data(as_text=True)
    assert client.post(f"/cases/{world.case.id}/referral",
                       data={"csrf_token": csrf_token(client)}).status_code == 404


def test_in_scope_without_the_right_gets_403(client, world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    db.session.commit()
    login(client, world.hq)  # sees the bank's cases, but this step is the 役席's
    response = _act(client, referral, "approve")
    assert response.status_code == 403
    assert "役席の承認" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == ReferralStatus.PENDING


@pytest.mark.parametrize(("who", "queue", "pipeline"), [
    ("officer", 404, 404), ("supervisor", 200, 404), ("manager", 200, 200), ("hq", 200, 200),
    ("operator", 404, 200)])
def test_pages_per_role(client, world, who, queue, pipeline):
    login(client, world[who])
    assert client.get("/approvals").status_code == queue
    assert client.get("/pipeline").status_code == pipeline


def test_pipeline_shows_each_case_in_its_column(client, world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.RETURN, comment="追記を")
    db.session.commit()
    login(client, world.manager)
    html = client.get("/pipeline").get_data(as_text=True)
    returned = re.search(r"<h2>差戻し.*?</section>", html, re.S)[0]
    assert world.case.case_number in returned


def test_home_shows_what_waits_for_me(client, world):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    db.session.commit()
    login(client, world.supervisor)
    html = client.get("/").get_data(as_text=True)
    assert "あなたの承認を待っている紹介稟議（1件）" in html and world.case.case_number in html
    act(referral, world.supervisor, ActionKind.RETURN, comment="費用の根拠を追記してください")
    db.session.commit()
    client.post("/auth/logout", data={"csrf_token": csrf_token(client)})
    login(client, world.officer)
    html = client.get("/").get_data(as_text=True)
    assert "差し戻し・取り戻した紹介稟議（1件）" in html and "費用の根拠を追記してください" in html
    # Resubmitted, then taken back: still on the officer's home page, to be dealt with.
    submit(world.case, world.officer)
    act(referral, world.officer, ActionKind.WITHDRAW)
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert "差し戻し・取り戻した紹介稟議（1件）" in html and "取り戻し（再申請できます）" in html


# Referral waiting for the 支店長 (the 役席 has approved). For each person: every action they
# try, with the answer; an allowed action comes last (it changes the state).
MATRIX = {
    "officer": [("approve", 403), ("return", 403), ("reject", 403), ("withdraw", 200)],
    "supervisor": [("approve", 403), ("approve_on_behalf", 403), ("withdraw", 403),
                   ("return", 403)],
    "deputy": [("approve", 403), ("withdraw", 403), ("approve_on_behalf", 200)],
    "manager": [("approve_on_behalf", 403), ("withdraw", 403), ("submit", 400),
                ("bogus", 400), ("reject", 200)],
    "hq": [("approve", 403), ("return", 403), ("withdraw", 403)],
    "operator": [("approve", 403), ("reject", 403)],
    "other_manager": [("approve", 404), ("withdraw", 404)],
    "foreign_manager": [("approve", 404), ("reject", 404)],
    "foreign_hq": [("approve", 404)],
}


@pytest.mark.parametrize("who", list(MATRIX))
def test_who_may_do_what_at_the_manager_step(client, world, who):
    give_consent(world.case, world.officer)
    referral = submit(world.case, world.officer)
    act(referral, world.supervisor, ActionKind.APPROVE)
    db.session.commit()
    login(client, world[who])
    for action, expected in MATRIX[who]:
        db.session.expire_all()
        referral = db.session.get(Referral, referral.id)
        before = (referral.status, referral.step_index, referral.version)
        response = _act(client, referral, action, comment="理由があります")
        assert response.status_code == expected, (who, action, response.get_data(as_text=True))
        db.session.expire_all()
        after = db.session.get(Referral, referral.id)
        changed = (after.status, after.step_index, after.version) != before
        assert changed == (expected == 200), (who, action)


def _ticked(html: str, name: str) -> set[str]:
    """The values of the checked checkboxes or radios named `name`."""
    return {m.group(1) for m in re.finditer(
        rf'<input type="(?:checkbox|radio)" name="{name}" value="([^"]*)" checked', html)}


def test_recording_again_starts_from_the_latest_consent(client, world):
    """A second consent form starts from the latest record (電子 stays 電子, the items and
    recipients as ticked then), with today's date and no scan; the first one from defaults."""
    case, officer = world.case, world.officer
    login(client, officer)
    first = client.get(f"/cases/{case.id}/consent/new").get_data(as_text=True)
    assert _ticked(first, "method") == {"paper"} and "data-previous-consent" not in first
    assert _ticked(first, "items") == set(CONSENT_ITEMS)

    recipients = consent_recipients(case)
    assert len(recipients) >= 3  # the platform and at least two advisors: one is left out
    kept, left_out = recipients[:-1], recipients[-1]
    give_consent(case, officer, method=ConsentMethod.PAPER, scan=PDF, items=["company"],
                 consented_on=date(2026, 11, 2))
    give_consent(case, officer, method=ConsentMethod.ELECTRONIC, items=["company", "needs"],
                 recipients=kept, consented_on=date(2026, 12, 1), consenter_name="大和 次郎",
                 consenter_title="専務取締役", obtained_by=world.deputy,
                 note="メールで同意を確認しました。")
    db.session.commit()

    html = client.get(f"/cases/{case.id}/consent/new").get_data(as_text=True)
    assert _ticked(html, "method") == {"electronic"}
    assert _ticked(html, "items") == {"company", "needs"}
    assert _ticked(html, "recipients") == {"platform"} | {
        f"advisor:{r['external_id']}" for r in kept if r["kind"] == "advisor"}
    assert f"advisor:{left_out['external_id']}" not in _ticked(html, "recipients")
    assert f'name="consented_on" type="date" value="{today_jst().isoformat()}"' in html
    assert 'value="大和 次郎"' in html and 'value="専務取締役"' in html
    assert f'<option value="{world.deputy.id}" selected>' in html
    assert "メールで同意を確認しました。</textarea>" in html
    assert "data-previous-consent" in html and "電子" in html
    assert 'name="scan" type="file"' in html and "同意書.pdf" not in html
