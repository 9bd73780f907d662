"""Home: what needs me today, per role."""
import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from app.auth.guard import protect
from app.cases.stages import count_stage
from app.extensions import db
from app.models import (
    Case,
    CaseStatus,
    ClientCompany,
    Intake,
    IntakeStatus,
    Referral,
    utcnow,
)
from app.models import ReferralStatus as RS
from app.notifications.views import notices_context
from app.referrals.services import awaiting, waiting_for
from app.scope import restrict
from app.signing.outstanding import outstanding_agreements

bp = protect(Blueprint("home", __name__))


@bp.get("/")
def index():
    clients = restrict(sa.select(ClientCompany.id), ClientCompany, current_user).subquery()
    draft_query = sa.select(Intake).where(Intake.status == IntakeStatus.DRAFT,
                                          Intake.client_id.in_(sa.select(clients.c.id)))
    drafts = db.session.scalars(draft_query.order_by(Intake.updated_at.desc()).limit(10)).all()
    cases = restrict(sa.select(Case), Case, current_user)
    matching = db.session.scalars(
        cases.where(Case.status == CaseStatus.MATCHING).order_by(Case.id.desc()).limit(10)
    ).all()
    counts = {
        "clients": db.session.scalar(sa.select(sa.func.count()).select_from(clients)),
        "drafts": db.session.scalar(
            sa.select(sa.func.count()).select_from(draft_query.subquery())),
        "matching": count_stage(cases, "matching"),
        "proposed": count_stage(cases, "proposed"),  # the list it links to shows as many
    }
    to_approve = []
    if current_user.bank_id is not None:
        to_approve = waiting_for(current_user, db.session.scalars(
            awaiting(current_user).order_by(Referral.submitted_at)).all())
    returned = db.session.scalars(
        sa.select(Referral).where(Referral.submitter_id == current_user.id,
                                  Referral.status.in_((RS.RETURNED, RS.WITHDRAWN)))
        .order_by(Referral.id.desc())).all()
    now = utcnow()
    awaiting_signature = outstanding_agreements(current_user, now)
    return render_template("home/index.html", drafts=drafts, matching=matching, counts=counts,
                           to_approve=to_approve, returned=returned,
                           awaiting_signature=awaiting_signature,
                           **notices_context())
