"""Issue the proposal PDF for a case and download issued versions (stored as issued)."""
from io import BytesIO

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.auth.guard import protect
from app.cases.views import case_page_extras
from app.extensions import db
from app.models import Case, Plan, Proposal
from app.proposals.services import ProposalError, issue_proposal
from app.scope import get_or_404

bp = protect(Blueprint("proposals", __name__, url_prefix="/proposals"))


@bp.post("/case/<int:case_id>")
def issue(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    if not current_user.role.is_branch_role:
        abort(403)
    plan = db.session.scalar(sa.select(Plan).where(Plan.code == request.form.get("plan", ""),
                                                   Plan.active.is_(True)))
    plans = db.session.scalars(sa.select(Plan).where(Plan.active.is_(True))
                               .order_by(Plan.sort_order, Plan.id)).all()
    errors = {}
    if plan is None:
        errors["plan"] = "プランを選択してください。"
    else:
        try:
            proposal = issue_proposal(case, plan, current_user, ip=request.remote_addr or "")
        except ProposalError as exc:
            errors["_form"] = str(exc)
        else:
            db.session.commit()
            flash(f"提案書（第{proposal.version}版）を発行しました。下の一覧からダウンロードできます。",
                  "success")
            return redirect(url_for("cases.show", case_id=case.id), 303)
    db.session.rollback()
    return render_template("cases/show.html", case=case, intake=case.intake, client=case.client,
                           plans=plans, errors=errors, **case_page_extras(case)), 422


@bp.get("/<int:proposal_id>/download")
def download(proposal_id: int):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    get_or_404(Case, proposal.case_id, current_user)
    filename = f"proposal-{proposal.case.case_number}-v{proposal.version}.pdf"
    return send_file(BytesIO(proposal.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=filename, etag=proposal.sha256)
