"""The matching page: ranked advisors with reasons and capacity (free / reserved by open
proposals / full), who was left out and why, the proposed team; filters update the ranking
live; the why-not box explains any advisor's place; the officer picks one to three advisors.

No cache: every request loads the advisors and the reservations afresh (two cheap queries at
the demo's scale), so what a page shows is what the database holds, whichever worker serves
it. Figures: bench/bench_matching_page.py."""
import dataclasses

from flask import (
    Blueprint,
    abort,
    current_app,
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
from app.matching.engine import MatchRequest, MatchResult, match
from app.matching.explain import why_not
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


def _top() -> int:
    """How many ranked advisors the page shows (?top=, default MATCH_TOP)."""
    top = request.args.get("top", "")
    return int(top) if top.isdigit() and 0 < int(top) <= 200 else current_app.config["MATCH_TOP"]


def _result(case: Case, filters: dict, top: int | None = None
            ) -> tuple[MatchRequest, MatchResult]:
    req = request_for_intake(case.intake, case.bank)
    req = dataclasses.replace(
        req, needs=tuple(filters["needs"]), onsite_required=filters["onsite_required"],
        tools=req.tools if filters["use_tools"] else (),
    )
    return req, match(req, load_profiles(), top=top)


def _context(case: Case, **extra) -> dict:
    return {"case": case, "intake": case.intake, "client": case.client, "error": None,
            "why": None, **extra}


@bp.get("/<int:case_id>")
def show(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    filters, top = _filters(case), _top()
    _, result = _result(case, filters, top)
    selected = {s.advisor.external_id for s in case.selections}
    context = _context(case, result=result, filters=filters, top=top, selected=selected)
    if is_htmx() and request.headers.get("HX-Target") == "ranking":
        return render_template("matching/_ranking.html", **context)
    return render_template("matching/show.html", **context)


@bp.get("/<int:case_id>/why")
def why(case_id: int):
    """Why-not: advisors matching ?q= (name, フリガナ, external id) and, for the one chosen
    (?advisor=) or the only match, why they are left out or rank where they do under the
    page's current filters."""
    case = get_or_404(Case, case_id, current_user)
    filters, top = _filters(case), _top()
    req, result = _result(case, filters, top)
    # The last ?advisor= wins: a candidate button submits after the hidden field that keeps the
    # advisor explained before.
    chosen = (request.args.getlist("advisor") or [""])[-1]
    answer = why_not(request.args.get("q", ""), chosen, result, req, top=top)
    if is_htmx():
        # ?fill=1 (a 詳しく link): the search box shows the advisor asked about (out of band).
        return render_template("matching/_why.html", case=case, why=answer,
                               oob=bool(request.args.get("fill")))
    selected = {s.advisor.external_id for s in case.selections}
    return render_template("matching/show.html", **_context(
        case, result=result, filters=filters, top=top, selected=selected, why=answer))


@bp.post("/<int:case_id>/select")
def select(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    if not current_user.role.is_branch_role:
        abort(403)
    chosen = request.form.getlist("advisor")
    filters, top = _filters(case), _top()
    # Checked against the reservations as they are now: an advisor another case proposed
    # since the page was drawn is refused with the reason.
    _, result = _result(case, filters, top)
    try:
        select_advisors(case, chosen, result)
    except ValueError as exc:
        db.session.rollback()
        context = _context(case, result=result, filters=filters, top=top, selected=set(chosen),
                           error=str(exc))
        template = "matching/_ranking.html" if is_htmx() else "matching/show.html"
        return render_template(template, **context), 422
    db.session.commit()
    flash(f"アドバイザー{len(case.selections)}名を選びました。プランを選んで提案書を発行してください。",
          "success")
    url = url_for("cases.show", case_id=case.id)
    if is_htmx():
        return hx_redirect(make_response("", 204), url)
    return redirect(url, 303)
