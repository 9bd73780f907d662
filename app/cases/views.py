"""Cases (案件): the list in the user's scope and one case's page."""
import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_login import current_user

from app.auth.guard import protect
from app.cases.stages import STAGES, where_stage
from app.extensions import db
from app.models import AuditLog, Case, Plan
from app.referrals.views import panel_context
from app.scope import get_or_404, restrict
from app.signing.views import signing_context

bp = protect(Blueprint("cases", __name__, url_prefix="/cases"))


@bp.get("/")
def index():
    status = request.args.get("status", "")
    if status not in STAGES:
        status = ""
    stmt = where_stage(restrict(sa.select(Case), Case, current_user), status)
    cases = db.session.scalars(stmt.order_by(Case.id.desc()).limit(200)).all()
    return render_template("cases/index.html", cases=cases, status=status,
                           status_labels=STAGES)


@bp.get("/<int:case_id>")
def show(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    plans = db.session.scalars(
        sa.select(Plan).where(Plan.active.is_(True)).order_by(Plan.sort_order, Plan.id)
    ).all()
    return render_template("cases/show.html", case=case, intake=case.intake, client=case.client,
                           plans=plans, errors={}, **case_page_extras(case))


def case_page_extras(case: Case) -> dict:
    """The referral panel and the case's history (every audited action on it, newest first
    by the time shown; rows of the same instant in the order they were written)."""
    history = db.session.scalars(sa.select(AuditLog).where(AuditLog.case_id == case.id)
                                 .order_by(AuditLog.at.desc(), AuditLog.id.desc())
                                 .limit(200)).all()
    return {**panel_context(case), **signing_context(case), "history": history}
