"""Plans (operator): list, create, edit; every change audited with who, when, before → after;
a price change never touches a proposal already issued."""
import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, Plan, Proposal, Role
from app.proposals.services import issue_proposal
from tests.admin.conftest import make_user, post
from tests.factories import login
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans

NEW_PLAN = {"code": "starter", "name": "スターター", "monthly_fee": "２０，０００円",
            "summary": "まずは月1回の相談から", "included": "オンライン相談 月1回\n\nチャット相談 ",
            "sort_order": "5", "active": "1"}


def _audit(record_type: str, record_id: int) -> list[AuditLog]:
    return db.session.scalars(sa.select(AuditLog).where(
        AuditLog.record_type == record_type, AuditLog.record_id == str(record_id))
        .order_by(AuditLog.id)).all()


def _edit_form(client, plan: Plan, **changes) -> dict:
    html = client.get(f"/admin/plans/{plan.id}/edit").get_data(as_text=True)
    token = html.split('name="edit_token" value="')[1].split('"')[0]
    return {"name": plan.name, "monthly_fee": str(plan.monthly_fee), "summary": plan.summary,
            "included": "\n".join(plan.included), "sort_order": str(plan.sort_order),
            "active": "1" if plan.active else "", "edit_token": token, **changes}


def test_operator_creates_a_plan_normalised_and_audited(app, staff):
    client = staff.client(app, "operator")
    response = post(client, "/admin/plans", NEW_PLAN)
    assert response.status_code == 303 and response.headers["Location"].endswith("/admin/plans")
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == "starter"))
    assert plan.monthly_fee == 20000 and plan.name == "スターター"
    assert plan.included == ["オンライン相談 月1回", "チャット相談"] and plan.active
    (row,) = _audit("plan", plan.id)
    assert row.action == "plan.create" and row.actor_name == "運営 涼"
    assert row.actor_role == "operator" and row.at is not None
    assert row.after["monthly_fee"] == 20000 and row.before is None
    assert "¥20,000" in client.get("/admin/plans").get_data(as_text=True)


def test_invalid_plan_is_422_keeps_typing_and_saves_nothing(app, staff):
    client = staff.client(app, "operator")
    response = post(client, "/admin/plans", {**NEW_PLAN, "code": "Bad Code", "name": "",
                                             "monthly_fee": "-5", "sort_order": "abc",
                                             "summary": "入力途中の概要"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "プランコードは半角英小文字" in html
    assert "プラン名を入力してください" in html
    assert "金額は0以上の整数" in html
    assert "0から999までの整数" in html
    assert "入力途中の概要" in html and "Bad Code" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Plan)) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(
        AuditLog.record_type == "plan")) == 0


def test_duplicate_code_is_refused_at_the_field(app, staff):
    client = staff.client(app, "operator")
    response = post(client, "/admin/plans", {**NEW_PLAN, "code": "standard"})
    assert response.status_code == 422
    assert "プランコード「standard」はすでに使われています" in response.get_data(as_text=True)


def test_price_change_is_audited_with_who_when_before_and_after(app, staff):
    plan = staff.plans[1]  # standard ¥50,000
    client = staff.client(app, "operator")
    response = post(client, f"/admin/plans/{plan.id}/edit",
                    _edit_form(client, plan, monthly_fee="55,000", code="hacked"))
    assert response.status_code == 303
    db.session.expire_all()
    assert plan.monthly_fee == 55000 and plan.code == "standard"  # the code is fixed
    (row,) = _audit("plan", plan.id)
    assert row.action == "plan.update" and row.actor_id == staff.users["operator"].id
    assert row.before == {"monthly_fee": 50000} and row.after == {"monthly_fee": 55000}
    assert "月額料金" in row.summary and row.ip == "127.0.0.1"
    assert (datetime.now(UTC) - row.at).total_seconds() < 60
    page = client.get(f"/admin/plans/{plan.id}/edit").get_data(as_text=True)
    assert "変更履歴" in page and "運営 涼（運営）" in page
    assert "¥50,000" in page and "¥55,000" in page


def test_saving_unchanged_writes_no_audit_row(app, staff):
    plan = staff.plans[0]
    client = staff.client(app, "operator")
    response = post(client, f"/admin/plans/{plan.id}/edit", _edit_form(client, plan))
    assert response.status_code == 303
    assert _audit("plan", plan.id) == []


def test_a_form_opened_before_someone_elses_save_is_refused(app, staff):
    plan = staff.plans[0]
    client = staff.client(app, "operator")
    stale = _edit_form(client, plan, name="ライトA")
    post(client, f"/admin/plans/{plan.id}/edit", _edit_form(client, plan, monthly_fee="31000"))
    response = post(client, f"/admin/plans/{plan.id}/edit", stale)
    assert response.status_code == 422
    assert "ほかの方がこの設定を先に更新しました" in response.get_data(as_text=True)
    db.session.expire_all()
    assert plan.name == "ライト" and plan.monthly_fee == 31000
    # The same form sent twice (double click) is not a conflict.
    again = _edit_form(client, plan, name="ライトB")
    assert post(client, f"/admin/plans/{plan.id}/edit", again).status_code == 303
    assert post(client, f"/admin/plans/{plan.id}/edit", again).status_code == 303
    assert len(_audit("plan", plan.id)) == 2


def test_changing_a_price_leaves_an_issued_proposal_as_issued(app, app_ctx):
    import_acceptance_advisors()
    plans = make_default_plans()
    case = make_case("A01")
    issued = issue_proposal(case, plans["standard"], case.officer,
                            now=datetime(2026, 12, 3, 1, 30, tzinfo=UTC))
    operator = make_user(Role.OPERATOR, name="運営 涼")
    db.session.commit()
    pdf, sha = issued.pdf, issued.sha256
    assert hashlib.sha256(pdf).hexdigest() == sha

    client = app.test_client()
    login(client, operator)
    plan = plans["standard"]
    response = post(client, f"/admin/plans/{plan.id}/edit",
                    _edit_form(client, plan, monthly_fee="80000", name="スタンダード改"))
    assert response.status_code == 303

    db.session.expire_all()
    stored = db.session.get(Proposal, issued.id)
    assert (stored.plan_name, stored.monthly_fee) == ("スタンダード", 50000)
    assert stored.pdf == pdf and stored.sha256 == sha
    assert hashlib.sha256(stored.pdf).hexdigest() == sha
    assert db.session.get(Plan, plan.id).monthly_fee == 80000
    # The next proposal is priced from the plan as it is now.
    later = issue_proposal(case, db.session.get(Plan, plan.id), case.officer)
    assert (later.version, later.monthly_fee, later.plan_name) == (2, 80000, "スタンダード改")
