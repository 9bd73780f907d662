"""Bank settings: 本部 for its own bank, the operator for any bank; 法人番号 check digits;
every change audited on the bank's own trail."""
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog
from tests.admin.conftest import post

VALID = {"referral_fee_percent": "２５％", "referral_fee_months": "24",
         "hq_approval_threshold": "¥1,500,000",
         "competitor_corporate_numbers": "7000012050002\n４０１１－００１－０９８９９３\n\n"
                                         "7000012050002\n"}


def _token(client, url: str) -> str:
    return client.get(url).get_data(as_text=True).split(
        'name="edit_token" value="')[1].split('"')[0]


def _bank_audit(bank_id: int) -> list[AuditLog]:
    return db.session.scalars(sa.select(AuditLog).where(
        AuditLog.record_type == "bank", AuditLog.record_id == str(bank_id))
        .order_by(AuditLog.id)).all()


def test_hq_saves_its_bank_settings_normalised_and_audited(app, staff):
    client = staff.client(app, "hq")
    data = {**VALID, "edit_token": _token(client, "/admin/bank")}
    response = post(client, f"/admin/banks/{staff.bank.id}", data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/bank")
    db.session.expire_all()
    bank = staff.bank
    assert (bank.referral_fee_percent, bank.referral_fee_months) == (25, 24)
    assert bank.hq_approval_threshold == 1_500_000
    assert bank.competitor_corporate_numbers == ["7000012050002", "4011001098993"]
    (row,) = _bank_audit(bank.id)
    assert row.action == "bank.update" and row.bank_id == bank.id
    assert row.actor_name == "本部 花子" and row.actor_role == "hq"
    assert row.before == {"referral_fee_percent": 20, "referral_fee_months": 12,
                          "hq_approval_threshold": 1_000_000,
                          "competitor_corporate_numbers": []}
    assert row.after["competitor_corporate_numbers"] == ["7000012050002", "4011001098993"]
    page = client.get("/admin/bank").get_data(as_text=True)
    assert "本部 花子（本部）" in page and "¥1,500,000" in page and "¥1,000,000" in page


def test_bad_values_are_422_with_messages_and_kept_typing(app, staff):
    client = staff.client(app, "hq")
    typed = {"referral_fee_percent": "101", "referral_fee_months": "0",
             "hq_approval_threshold": "-1",
             "competitor_corporate_numbers": "7000012050002\n8000012050002",
             "edit_token": _token(client, "/admin/bank")}
    response = post(client, f"/admin/banks/{staff.bank.id}", typed)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "0から100までの整数" in html and "1から60までの整数" in html
    assert "金額は0以上の整数" in html
    assert "2行目「8000012050002」：法人番号のチェックデジットが一致しません" in html
    assert "7000012050002\n8000012050002" in html and 'value="101"' in html
    db.session.expire_all()
    assert staff.bank.referral_fee_percent == 20 and staff.bank.competitor_corporate_numbers == []
    assert _bank_audit(staff.bank.id) == []


def test_operator_edits_any_bank_and_its_hq_sees_who(app, staff):
    operator = staff.client(app, "operator")
    url = f"/admin/banks/{staff.other_bank.id}"
    data = {"referral_fee_percent": "20", "referral_fee_months": "12",
            "hq_approval_threshold": "2000000", "competitor_corporate_numbers": "",
            "edit_token": _token(operator, url)}
    response = post(operator, url, data)
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    (row,) = _bank_audit(staff.other_bank.id)
    assert row.bank_id == staff.other_bank.id and row.actor_role == "operator"
    assert row.before == {"hq_approval_threshold": 1_000_000}
    assert row.after == {"hq_approval_threshold": 2_000_000}
    page = staff.client(app, "other_hq").get("/admin/bank").get_data(as_text=True)
    assert "運営 涼（運営）" in page and "本部承認が必要となる年間契約額" in page
    assert "運営 涼" not in staff.client(app, "hq").get("/admin/bank").get_data(as_text=True)
