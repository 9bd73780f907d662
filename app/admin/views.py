"""Settings: plans and the subsidy catalogue (operator), bank settings (本部 for its own bank,
the operator for any bank). Anyone else gets 404: for them these pages do not exist."""
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.admin.history import change_history, deputy_history
from app.admin.services import (
    DuplicateRecord,
    StaleEdit,
    copy_programme,
    create_plan,
    create_programme,
    deputy_candidates,
    edit_token,
    set_deputy,
    update_bank_settings,
    update_plan,
    update_programme,
)
from app.admin.validation import (
    BANK_FIELDS,
    BANK_LABELS,
    PLAN_FIELDS,
    PLAN_LABELS,
    clean_bank_settings,
    clean_plan,
)
from app.auth.guard import restrict_to
from app.extensions import db
from app.japan.dates import today_jst
from app.japan.identifiers import PREFECTURES
from app.models import Bank, Plan, Role, SubsidyProgramme, User
from app.subsidies.terms import (
    CONDITION_FLAGS,
    CONDITION_NUMBER_LABELS,
    COST_TYPES,
    TO_CONFIRM,
    fiscal_year_label,
    fiscal_year_of,
)
from app.subsidies.validation import (
    FIELD_LABELS as PROGRAMME_LABELS,
)
from app.subsidies.validation import (
    ROUNDING_UNITS,
    SCOPE_CHOICES,
    clean_programme,
    form_to_raw,
    form_values,
    programme_form_values,
)

bp = restrict_to(Blueprint("admin", __name__, url_prefix="/admin"), Role.OPERATOR, Role.HQ)


def _operator_only() -> None:
    if current_user.role != Role.OPERATOR:
        abort(404)


def _ip() -> str:
    return request.remote_addr or ""


def _get(model: type, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj


def _save(errors: dict, save: Callable[[], Any], done: Callable[[Any], tuple[str, str]],
          target: str, **target_args):
    """When the form is clean, call the service; on success commit once, flash and
    redirect (303). A refusal (stale form, taken key) becomes a message at its field, or
    at the top of the form. Returns None when the form must be shown again (422)."""
    if errors:
        return None
    try:
        result = save()
    except (StaleEdit, DuplicateRecord) as exc:
        db.session.rollback()
        errors[getattr(exc, "field", "_form")] = str(exc)
        return None
    db.session.commit()
    flash(*done(result))
    return redirect(url_for(target, **target_args), 303)


def _saved(message: str) -> Callable[[bool], tuple[str, str]]:
    return lambda changed: (message, "success") if changed else (
        "変更はありませんでした。", "info")


@bp.get("/")
def index():
    if current_user.role == Role.OPERATOR:
        year = fiscal_year_of(today_jst())
        counts = {
            "plans": db.session.scalar(sa.select(sa.func.count()).select_from(Plan)),
            "programmes": db.session.scalar(
                sa.select(sa.func.count()).select_from(SubsidyProgramme)),
            "current_programmes": db.session.scalar(
                sa.select(sa.func.count()).select_from(SubsidyProgramme).where(
                    SubsidyProgramme.active.is_(True), SubsidyProgramme.fiscal_year == year)),
            "banks": db.session.scalar(sa.select(sa.func.count()).select_from(Bank)),
        }
        return render_template("admin/index.html", counts=counts,
                               year_label=fiscal_year_label(year))
    return render_template("admin/index.html", bank=current_user.bank)


# --- plans (operator) ---------------------------------------------------------------------

def _plan_form(values: dict, errors: dict, plan: Plan | None = None, status: int = 200):
    entries = change_history("plan", plan.id) if plan else []
    return render_template("admin/plan_form.html", values=values, errors=errors, plan=plan,
                           labels=PLAN_LABELS, history=entries), status


def _typed_plan() -> dict:
    typed = {f: request.form.get(f, "") for f in [*PLAN_FIELDS, "edit_token"]}
    typed["active"] = bool(request.form.get("active"))
    return typed


@bp.get("/plans")
def plans():
    _operator_only()
    rows = db.session.scalars(sa.select(Plan).order_by(Plan.sort_order, Plan.id)).all()
    return render_template("admin/plans.html", plans=rows)


@bp.get("/plans/new")
def new_plan():
    _operator_only()
    return _plan_form({"active": True, "sort_order": "0"}, {})


@bp.post("/plans")
def create_plan_view():
    _operator_only()
    typed = _typed_plan()
    values, errors = clean_plan(typed)
    response = _save(errors, lambda: create_plan(values, actor=current_user, ip=_ip()),
                     lambda plan: (f"プラン「{plan.name}」を登録しました。", "success"),
                     "admin.plans")
    return response or _plan_form(typed, errors, status=422)


@bp.get("/plans/<int:plan_id>/edit")
def edit_plan(plan_id: int):
    _operator_only()
    plan = _get(Plan, plan_id)
    values = {f: getattr(plan, f) for f in PLAN_FIELDS}
    values.update(monthly_fee=f"{plan.monthly_fee:,}", included="\n".join(plan.included or []),
                  edit_token=edit_token(plan, "plan"))
    return _plan_form(values, {}, plan)


@bp.post("/plans/<int:plan_id>/edit")
def update_plan_view(plan_id: int):
    _operator_only()
    plan = _get(Plan, plan_id)
    typed = {**_typed_plan(), "code": plan.code}
    values, errors = clean_plan(typed)
    response = _save(errors, lambda: update_plan(plan, values, actor=current_user, ip=_ip(),
                                                 expected_token=typed["edit_token"]),
                     _saved(f"プラン「{values.get('name', plan.name)}」を保存しました。"),
                     "admin.plans")
    return response or _plan_form(typed, errors, plan, status=422)


# --- subsidy catalogue (operator) ---------------------------------------------------------

def _programme_form(values: dict, errors: dict, programme: SubsidyProgramme | None = None,
                    status: int = 200):
    entries = change_history("subsidy_programme", programme.id) if programme else []
    return render_template(
        "admin/subsidy_form.html", values=values, errors=errors, programme=programme,
        labels=PROGRAMME_LABELS, scopes=SCOPE_CHOICES, prefectures=PREFECTURES,
        cost_types=COST_TYPES, condition_flags=CONDITION_FLAGS,
        condition_numbers=CONDITION_NUMBER_LABELS, rounding_units=ROUNDING_UNITS,
        history=entries), status


@bp.get("/subsidies")
def subsidies():
    _operator_only()
    rows = db.session.scalars(sa.select(SubsidyProgramme).order_by(
        SubsidyProgramme.fiscal_year.desc(), SubsidyProgramme.scope,
        SubsidyProgramme.municipality_code, SubsidyProgramme.name)).all()
    return render_template("admin/subsidies.html", programmes=rows,
                           current_year=fiscal_year_of(today_jst()),
                           year_label=fiscal_year_label, to_confirm=TO_CONFIRM)


@bp.get("/subsidies/new")
def new_programme():
    _operator_only()
    return _programme_form({"active": True, "scope": "municipality", "rounding_unit_yen": "1",
                            "fiscal_year": str(fiscal_year_of(today_jst()))}, {})


@bp.post("/subsidies")
def create_programme_view():
    _operator_only()
    values, errors = clean_programme(form_to_raw(request.form))
    response = _save(errors, lambda: create_programme(values, actor=current_user, ip=_ip()),
                     lambda p: (f"補助金「{p.name}」を登録しました。", "success"),
                     "admin.subsidies")
    return response or _programme_form(form_values(request.form), errors, status=422)


@bp.get("/subsidies/<int:programme_id>/edit")
def edit_programme(programme_id: int):
    _operator_only()
    programme = _get(SubsidyProgramme, programme_id)
    values = programme_form_values(programme)
    values["edit_token"] = edit_token(programme, "subsidy_programme")
    return _programme_form(values, {}, programme)


@bp.post("/subsidies/<int:programme_id>/edit")
def update_programme_view(programme_id: int):
    _operator_only()
    programme = _get(SubsidyProgramme, programme_id)
    values, errors = clean_programme(form_to_raw(request.form))
    response = _save(errors, lambda: update_programme(
        programme, values, actor=current_user, ip=_ip(),
        expected_token=request.form.get("edit_token", "")),
        _saved(f"補助金「{values.get('name', programme.name)}」を保存しました。"),
        "admin.subsidies")
    return response or _programme_form(form_values(request.form), errors, programme,
                                       status=422)


@bp.post("/subsidies/<int:programme_id>/copy")
def copy_programme_view(programme_id: int):
    """Start the new fiscal year's record from this one (inactive until checked)."""
    _operator_only()
    programme = _get(SubsidyProgramme, programme_id)
    try:
        copy = copy_programme(programme, actor=current_user, ip=_ip())
    except DuplicateRecord as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("admin.subsidies"), 303)
    db.session.commit()
    flash(f"{fiscal_year_label(copy.fiscal_year)}版を作成しました（無効の状態です）。"
          "募集要項で内容を確認・修正してから有効にしてください。", "success")
    return redirect(url_for("admin.edit_programme", programme_id=copy.id), 303)


# --- bank settings (本部: own bank; operator: any bank) ---------------------------------------

def _bank_in_scope(bank_id: int) -> Bank:
    bank = _get(Bank, bank_id)
    if current_user.role != Role.OPERATOR and bank.id != current_user.bank_id:
        abort(404)
    return bank


def _bank_form(bank: Bank, values: dict, errors: dict, status: int = 200):
    return render_template("admin/bank_form.html", bank=bank, values=values, errors=errors,
                           labels=BANK_LABELS, history=change_history("bank", bank.id)), status


@bp.get("/banks")
def banks():
    _operator_only()
    rows = db.session.scalars(sa.select(Bank).order_by(Bank.code)).all()
    return render_template("admin/banks.html", banks=rows)


@bp.get("/bank")
def own_bank():
    if current_user.role == Role.OPERATOR:
        return redirect(url_for("admin.banks"))
    return edit_bank(current_user.bank_id)


_CHAIN = "approval_requires_supervisor"


@bp.get("/banks/<int:bank_id>")
def edit_bank(bank_id: int):
    bank = _bank_in_scope(bank_id)
    values = {f: getattr(bank, f) for f in BANK_FIELDS}
    values.update(hq_approval_threshold=f"{bank.hq_approval_threshold:,}",
                  competitor_corporate_numbers="\n".join(bank.competitor_corporate_numbers or []),
                  edit_token=edit_token(bank, "bank"))
    return _bank_form(bank, values, {})


@bp.post("/banks/<int:bank_id>")
def update_bank(bank_id: int):
    bank = _bank_in_scope(bank_id)
    typed = {f: request.form.get(f, "") for f in [*BANK_FIELDS, "edit_token"] if f != _CHAIN}
    if _CHAIN in request.form:  # the hidden "0", then "1" when the box is ticked
        typed[_CHAIN] = "1" if "1" in request.form.getlist(_CHAIN) else ""
    values, errors = clean_bank_settings(typed)
    # Back to the page just saved, where the change history now shows this change.
    target = ("admin.edit_bank", {"bank_id": bank.id}) if current_user.role == Role.OPERATOR \
        else ("admin.own_bank", {})
    response = _save(errors, lambda: update_bank_settings(
        bank, values, actor=current_user, ip=_ip(), expected_token=typed["edit_token"]),
        _saved(f"{bank.name}の設定を保存しました。"), target[0], **target[1])
    return response or _bank_form(bank, typed, errors, status=422)


# --- named deputies (本部: own bank; operator: any bank) --------------------------------------

@bp.get("/banks/<int:bank_id>/deputies")
def deputies(bank_id: int):
    bank = _bank_in_scope(bank_id)
    return render_template("admin/deputies.html", bank=bank, branches=deputy_candidates(bank),
                           history=deputy_history(bank.id))


@bp.post("/banks/<int:bank_id>/deputies/<int:user_id>")
def update_deputy(bank_id: int, user_id: int):
    """Sets the state asked for (named="1" or not), so a double submit changes nothing."""
    bank = _bank_in_scope(bank_id)
    user = _get(User, user_id)
    if user.bank_id != bank.id or user.role != Role.SUPERVISOR:
        abort(404)
    named = request.form.get("named") == "1"
    changed = set_deputy(user, named, actor=current_user, ip=_ip())
    db.session.commit()
    if changed:
        flash(f"{user.name}さんを代理承認者に{'指名しました' if named else '指名から外しました'}。",
              "success")
    else:
        flash("変更はありませんでした。", "info")
    return redirect(url_for("admin.deputies", bank_id=bank.id), 303)
