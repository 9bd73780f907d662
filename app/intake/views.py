"""The intake wizard (DXニーズヒアリング): one page per step, each saved as a draft."""
from flask import Blueprint, abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.guard import protect
from app.errors import DomainError
from app.extensions import db
from app.htmx import hx_redirect, is_htmx
from app.intake.services import LAST_STEP, STEPS, complete_intake, save_step, start_intake
from app.intake.validation import INTAKE_LABELS, URGENCY_CHOICES, clean_intake
from app.matching.inference import detect_warnings, infer_needs
from app.matching.taxonomy import NEED_TAGS
from app.models import ClientCompany, Intake, IntakeStatus
from app.scope import get_or_404

bp = protect(Blueprint("intake", __name__, url_prefix="/intake"))


def _editable_intake(intake_id: int) -> Intake:
    intake = get_or_404(Intake, intake_id, current_user)
    if not current_user.role.is_branch_role:
        abort(403)  # hq and the operator may read a case, not rewrite a branch's interview
    return intake


def _typed(step: int) -> dict:
    """What the officer typed for a step, as the cleaner expects it."""
    form = request.form
    typed: dict = {}
    for field in STEPS[step][1]:
        multi = field in ("needs", "accepted_needs")
        typed[field] = form.getlist(field) if multi else form.get(field, "")
    return typed


def _values_of(intake: Intake) -> dict:
    return {
        "current_situation": intake.current_situation, "needs": intake.needs,
        "notes": intake.notes, "accepted_needs": intake.accepted_needs,
        "tools": "、".join(intake.tools),
        "budget_monthly_max": "" if intake.budget_monthly_max is None
        else intake.budget_monthly_max,
        "urgency": intake.urgency, "onsite_required": intake.onsite_required,
        "decision_maker": intake.decision_maker,
    }


def _analysis(notes: str, ticked: list[str]) -> dict:
    inferred = infer_needs(notes)
    return {"inferred": [t for t in inferred if t not in ticked],
            "warnings": detect_warnings(notes)}


def _render_step(intake: Intake, step: int, values: dict, errors: dict, status: int = 200,
                 saved: bool = False):
    context = dict(
        intake=intake, client=intake.client, step=step, steps=STEPS, last_step=LAST_STEP,
        values=values, errors=errors, need_tags=NEED_TAGS, labels=INTAKE_LABELS,
        urgency_choices=URGENCY_CHOICES, saved=saved,
        analysis=_analysis(values.get("notes") or "", intake.needs),
    )
    template = "intake/_wizard.html" if is_htmx() else "intake/step.html"
    response = make_response(render_template(template, **context), status)
    if is_htmx() and status == 200:
        response.headers["HX-Push-Url"] = url_for("intake.step", intake_id=intake.id, step=step)
    return response


@bp.post("/start/<int:client_id>")
def start(client_id: int):
    client = get_or_404(ClientCompany, client_id, current_user)
    if not current_user.role.is_branch_role:
        abort(403)
    intake = start_intake(client, current_user)
    db.session.commit()
    return redirect(url_for("intake.step", intake_id=intake.id, step=intake.step), 303)


@bp.get("/<int:intake_id>/step/<int:step>")
def step(intake_id: int, step: int):
    intake = _editable_intake(intake_id)
    if step not in STEPS:
        abort(404)
    if intake.status != IntakeStatus.DRAFT:
        return redirect(url_for("clients.show", client_id=intake.client_id))
    return _render_step(intake, step, _values_of(intake), {})


@bp.post("/<int:intake_id>/step/<int:step>")
def save(intake_id: int, step: int):
    """Save the step as a draft; 'back' saves too, so nothing typed is lost."""
    intake = _editable_intake(intake_id)
    if step not in STEPS or step == LAST_STEP:
        abort(404)
    typed = _typed(step)
    values, errors = clean_intake(typed, STEPS[step][1])
    if errors:
        return _render_step(intake, step, {**_values_of(intake), **typed}, errors, 422)
    save_step(intake, step, values)
    db.session.commit()
    target = step - 1 if request.form.get("direction") == "back" else step + 1
    target = min(max(target, 1), LAST_STEP)
    if is_htmx():
        return _render_step(intake, target, _values_of(intake), {}, saved=True)
    return redirect(url_for("intake.step", intake_id=intake.id, step=target), 303)


@bp.post("/<int:intake_id>/analyze")
def analyze(intake_id: int):
    """Live suggestions while the notes are typed: needs to accept, warnings to heed."""
    intake = _editable_intake(intake_id)
    notes = request.form.get("notes", "")[:4000]
    accepted = request.form.getlist("accepted_needs") or intake.accepted_needs
    return render_template("intake/_suggestions.html", analysis=_analysis(notes, intake.needs),
                           values={"accepted_needs": accepted}, intake=intake)


@bp.post("/<int:intake_id>/complete")
def complete(intake_id: int):
    intake = _editable_intake(intake_id)
    try:
        case = complete_intake(intake, current_user, ip=request.remote_addr or "")
    except DomainError as exc:
        db.session.rollback()
        return _render_step(intake, LAST_STEP, _values_of(intake), {"_form": str(exc)}, 422)
    db.session.commit()
    url = url_for("matching.show", case_id=case.id)
    if is_htmx():
        return hx_redirect(make_response("", 204), url)
    return redirect(url, 303)
