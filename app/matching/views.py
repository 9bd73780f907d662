"""The matching page: ranked advisors with reasons, who was left out and why, the proposed
team; filters update the ranking live; the officer picks one to three advisors."""
import dataclasses

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app.auth.guard import protect
from app.extensions import db
from app.htmx import hx_redirect, is_htmx
from app.matching.cases import select_advisors
from app.matching.engine import match
from app.matching.services import load_profiles, request_for_intake
from app.models import Case
from app.scope import get_or_404

bp = protect(Blueprint("matching", __name__, url_prefix="/matching"))


def _filters(case: Case) -> dict:
    """Filters from the query string; defaults are the intake's own answers."""
    intake = case.intake
    args = request.args
    if not args.get("filtered"):
        return {"needs": intake.all_needs, "onsite_required": intake.onsite_required,
                "use_tools": True}
    needs = [n for n in args.getlist("needs") if n in intake.all_needs]
    return {"needs": needs, "onsite_required": args.get("onsite_required") == "on",
            "use_tools": args.get("use_tools") == "on"}


def _result(case: Case, filters: dict):
    req = request_for_intake(case.intake, case.bank)
    req = dataclasses.replace(
        req, needs=tuple(filters["needs"]), onsite_required=filters["onsite_required"],
        tools=req.tools if filters["use_tools"] else (),
    )
    return match(req, load_profiles())


@bp.get("/<int:case_id>")
def show(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    filters = _filters(case)
    result = _result(case, filters)
    top = int(request.args.get("top", 0) or 0) or 20
    selected = {s.advisor.external_id for s in case.selections}
    context = dict(case=case, intake=case.intake, client=case.client, result=result,
                   filters=filters, top=top, selected=selected, error=None)
    if is_htmx() and request.headers.get("HX-Target") == "ranking":
        return render_template("matching/_ranking.html", **context)
    return render_template("matching/show.html", **context)


@bp.post("/<int:case_id>/select")
def select(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    if not current_user.role.is_branch_role:
        abort(403)
    chosen = request.form.getlist("advisor")
    filters = _filters(case)
    result = _result(case, filters)
    try:
        select_advisors(case, chosen, result)
    except ValueError as exc:
        db.session.rollback()
        context = dict(case=case, intake=case.intake, client=case.client, result=result,
                       filters=filters, top=20, selected=set(chosen), error=str(exc))
        template = "matching/_ranking.html" if is_htmx() else "matching/show.html"
        return render_template(template, **context), 422
    db.session.commit()
    flash(f"アドバイザー{len(case.selections)}名を選びました。プランを選んで提案書を発行してください。",
          "success")
    url = url_for("cases.show", case_id=case.id)
    if is_htmx():
        return hx_redirect(make_response("", 204), url)
    return redirect(url, 303)
