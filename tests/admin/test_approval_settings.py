"""The approval chain settings: 役席の承認 on the bank settings form, and named deputies
(代理承認者) per branch — 本部 for its own bank, the operator for any; every change audited."""
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, Role
from tests.admin.conftest import make_user, post
from tests.factories import make_branch

SETTINGS = {"referral_fee_percent": "20", "referral_fee_months": "12",
            "hq_approval_threshold": "1,000,000", "competitor_corporate_numbers": ""}
CHAIN = "approval_requires_supervisor"


def _token(client, url: str) -> str:
    return client.get(url).get_data(as_text=True).split(
        'name="edit_token" value="')[1].split('"')[0]


def _audit(action: str) -> list[AuditLog]:
    return db.session.scalars(sa.select(AuditLog).where(AuditLog.action == action)
                              .order_by(AuditLog.id)).all()


def test_requiring_the_supervisor_is_saved_and_audited(app, staff):
    client = staff.client(app, "hq")
    url = f"/admin/banks/{staff.bank.id}"
    form = client.get("/admin/bank").get_data(as_text=True)
    assert "役席の承認を必須にする（担当 → 役席 → 支店長）" in form
    assert f'name="{CHAIN}" value="1" checked' in form
    assert f"/admin/banks/{staff.bank.id}/deputies" in form
    # Unticked: only the hidden "0" is sent.
    response = post(client, url, {**SETTINGS, CHAIN: "0", "edit_token": _token(client, url)})
    assert response.status_code == 303
    db.session.expire_all()
    assert staff.bank.approval_requires_supervisor is False
    (row,) = _audit("bank.update")
    assert row.before == {CHAIN: True} and row.after == {CHAIN: False}
    assert row.bank_id == staff.bank.id and row.actor_name == "本部 花子"
    assert "役席の承認" in row.summary
    page = client.get("/admin/bank").get_data(as_text=True)
    assert f'name="{CHAIN}" value="1" checked' not in page
    assert "<td>役席の承認</td><td class=\"sh-before\">必須</td><td>不要</td>" in page
    # Ticked again: the hidden "0" and the box's "1".
    response = post(client, url, {**SETTINGS, CHAIN: ["0", "1"],
                                  "edit_token": _token(client, url)})
    assert response.status_code == 303
    db.session.expire_all()
    assert staff.bank.approval_requires_supervisor is True and len(_audit("bank.update")) == 2
    assert "必須（担当 → 役席 → 支店長）" in client.get("/admin/").get_data(as_text=True)


def test_a_form_without_the_box_leaves_the_setting_and_422_keeps_the_tick(app, staff):
    client = staff.client(app, "hq")
    url = f"/admin/banks/{staff.bank.id}"
    post(client, url, {**SETTINGS, "referral_fee_percent": "30",
                       "edit_token": _token(client, url)})
    db.session.expire_all()
    assert staff.bank.referral_fee_percent == 30 and staff.bank.approval_requires_supervisor
    response = post(client, url, {**SETTINGS, "referral_fee_percent": "101", CHAIN: "0",
                                  "edit_token": _token(client, url)})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "0から100までの整数" in html
    assert f'name="{CHAIN}" value="1" checked' not in html  # as typed, not as stored
    db.session.expire_all()
    assert staff.bank.approval_requires_supervisor is True


def _deputy_setup(staff):
    second = make_branch(staff.bank, "門司支店")
    deputy = make_user(Role.SUPERVISOR, staff.bank, second, name="門司 役席")
    other_branch = make_branch(staff.other_bank, "札幌支店")
    other_supervisor = make_user(Role.SUPERVISOR, staff.other_bank, other_branch,
                                 name="他金庫 役席")
    db.session.commit()
    return deputy, other_supervisor


def test_hq_names_a_deputy_per_branch_audited(app, staff):
    deputy, _ = _deputy_setup(staff)
    client = staff.client(app, "hq")
    url = f"/admin/banks/{staff.bank.id}/deputies"
    page = client.get(url).get_data(as_text=True)
    assert "代理承認者は、支店長に代わって承認できます。記録には代理承認として残ります。" in page
    assert "門司支店" in page and "門司 役席" in page and "役席 二郎" in page
    assert "他金庫 役席" not in page and "支店長 三郎" not in page
    response = post(client, f"{url}/{deputy.id}", {"named": "1"})
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    db.session.expire_all()
    assert deputy.can_approve_on_behalf is True
    assert staff.users["supervisor"].can_approve_on_behalf is False
    (row,) = _audit("user.deputy")
    assert (row.record_type, row.record_id) == ("user", str(deputy.id))
    assert row.before == {"can_approve_on_behalf": False}
    assert row.after == {"can_approve_on_behalf": True}
    assert row.bank_id == staff.bank.id and row.actor_name == "本部 花子"
    assert row.summary == "門司 役席（門司支店 役席）を代理承認者に指名しました"
    page = client.get(url).get_data(as_text=True)
    assert "指名中" in page and "指名を外す" in page and "本部 花子（本部）" in page
    # A double submit changes nothing and writes nothing.
    post(client, f"{url}/{deputy.id}", {"named": "1"})
    assert len(_audit("user.deputy")) == 1
    post(client, f"{url}/{deputy.id}", {"named": "0"})
    db.session.expire_all()
    assert deputy.can_approve_on_behalf is False
    assert _audit("user.deputy")[-1].after == {"can_approve_on_behalf": False}
    # The bank's audit log page shows the change with before and after.
    log = client.get("/audit/?action=user.deputy").get_data(as_text=True)
    assert "代理承認者の指名" in log and "<td>代理承認者</td>" in log and "指名なし" in log


def test_other_bank_and_non_supervisors_are_404(app, staff):
    deputy, other_supervisor = _deputy_setup(staff)
    other_hq = staff.client(app, "other_hq")
    url = f"/admin/banks/{staff.bank.id}/deputies"
    assert other_hq.get(url).status_code == 404
    assert post(other_hq, f"{url}/{deputy.id}", {"named": "1"}).status_code == 404
    hq = staff.client(app, "hq")
    # Another bank's 役席 through this bank's page, or a 支店長: not there.
    assert post(hq, f"{url}/{other_supervisor.id}", {"named": "1"}).status_code == 404
    assert post(hq, f"{url}/{staff.users['manager'].id}", {"named": "1"}).status_code == 404
    for who in ("officer", "supervisor", "manager"):
        assert staff.client(app, who).get(url).status_code == 404
    db.session.expire_all()
    assert not deputy.can_approve_on_behalf and not other_supervisor.can_approve_on_behalf
    assert not staff.users["manager"].can_approve_on_behalf and _audit("user.deputy") == []


def test_operator_names_deputies_in_any_bank(app, staff):
    _, other_supervisor = _deputy_setup(staff)
    operator = staff.client(app, "operator")
    url = f"/admin/banks/{staff.other_bank.id}/deputies"
    assert "他金庫 役席" in operator.get(url).get_data(as_text=True)
    assert post(operator, f"{url}/{other_supervisor.id}", {"named": "1"}).status_code == 303
    (row,) = _audit("user.deputy")
    assert row.bank_id == staff.other_bank.id and row.actor_role == "operator"
    # That bank's 本部 sees who named its deputy; the first bank's 本部 does not.
    assert "運営 涼（運営）" in staff.client(app, "other_hq").get(url).get_data(as_text=True)
    assert f'id="audit-{row.id}"' in operator.get("/audit/").get_data(as_text=True)
    assert f'id="audit-{row.id}"' not in staff.client(app, "hq").get("/audit/").get_data(
        as_text=True)
