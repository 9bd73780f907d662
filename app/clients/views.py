"""Client companies: live search list, create, show, edit, postal-code lookup."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.guard import protect
from app.clients.services import (
    DuplicateCorporateNumber,
    StaleEdit,
    create_client,
    search_clients,
    update_client,
)
from app.clients.validation import COMPANY_FIELDS, FIELD_LABELS, clean_company
from app.extensions import db
from app.htmx import is_htmx
from app.japan import JapanInputError
from app.japan.identifiers import JSIC_DIVISIONS, PREFECTURES
from app.japan.postal import lookup
from app.japan.text import normalize_postal_code
from app.models import Branch, Case, ClientCompany, Intake, Role
from app.scope import get_or_404

bp = protect(Blueprint("clients", __name__, url_prefix="/clients"))
PAGE_SIZE = 50


def _branch_choices() -> list[Branch]:
    """Where a new client may be registered: own branch for branch roles, any branch of the
    bank for hq; operators do not register clients."""
    if current_user.role.is_branch_role:
        return [current_user.branch]
    if current_user.role == Role.HQ:
        return list(current_user.bank.branches)
    return []


def _form_page(template: str, *, values: dict, errors: dict, client=None, status=200):
    return render_template(
        template, values=values, errors=errors, client=client, labels=FIELD_LABELS,
        prefectures=PREFECTURES, industries=JSIC_DIVISIONS, branches=_branch_choices(),
    ), status


def _typed_values() -> dict:
    return {f: request.form.get(f, "") for f in [*COMPANY_FIELDS, "branch_id", "version"]}


@bp.get("/")
def index():
    q = request.args.get("q", "")
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    clients = search_clients(current_user, q, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    context = dict(clients=clients[:PAGE_SIZE], q=q, page=page,
                   has_next=len(clients) > PAGE_SIZE, show_bank=current_user.role == Role.OPERATOR)
    if is_htmx() and request.headers.get("HX-Target") == "client-results":
        return render_template("clients/_results.html", **context)
    return render_template("clients/index.html", can_create=bool(_branch_choices()), **context)


@bp.get("/new")
def new():
    if not _branch_choices():
        abort(404)
    return _form_page("clients/form.html", values={}, errors={})


@bp.post("/")
def create():
    branches = _branch_choices()
    if not branches:
        abort(404)
    typed = _typed_values()
    values, errors = clean_company(typed)
    branch = next((b for b in branches if str(b.id) == typed["branch_id"]), None)
    if len(branches) == 1:
        branch = branches[0]
    if branch is None:
        errors["branch_id"] = "担当支店を選択してください。"
    if not errors:
        try:
            client = create_client(values, branch_id=branch.id, bank_id=branch.bank_id,
                                   created_by=current_user)
        except DuplicateCorporateNumber as exc:
            errors[exc.field] = str(exc)
        else:
            db.session.commit()
            flash(f"{client.name}を登録しました。", "success")
            return redirect(url_for("clients.show", client_id=client.id), 303)
    db.session.rollback()
    return _form_page("clients/form.html", values=typed, errors=errors, status=422)


@bp.get("/<int:client_id>")
def show(client_id: int):
    client = get_or_404(ClientCompany, client_id, current_user)
    intakes = db.session.scalars(
        sa.select(Intake).where(Intake.client_id == client.id).order_by(Intake.id.desc())
    ).all()
    cases = db.session.scalars(
        sa.select(Case).where(Case.client_id == client.id).order_by(Case.id.desc())
    ).all()
    case_by_intake = {c.intake_id: c for c in cases}
    return render_template("clients/show.html", client=client, intakes=intakes, cases=cases,
                           case_by_intake=case_by_intake)


def _editable_client(client_id: int) -> ClientCompany:
    """Bank staff keep their clients' records; the operator does not edit a bank's clients."""
    client = get_or_404(ClientCompany, client_id, current_user)
    if current_user.role == Role.OPERATOR:
        abort(404)
    return client


@bp.get("/<int:client_id>/edit")
def edit(client_id: int):
    client = _editable_client(client_id)
    values = {f: getattr(client, f) for f in COMPANY_FIELDS}
    values["version"] = client.version
    return _form_page("clients/form.html", values=values, errors={}, client=client)


@bp.post("/<int:client_id>/edit")
def update(client_id: int):
    client = _editable_client(client_id)
    typed = _typed_values()
    values, errors = clean_company(typed)
    version = typed["version"]
    if not errors:
        try:
            update_client(client, values,
                          expected_version=int(version) if version.isdigit() else -1)
        except DuplicateCorporateNumber as exc:
            errors[exc.field] = str(exc)
        except StaleEdit as exc:
            errors["_form"] = str(exc)
        else:
            db.session.commit()
            flash("取引先企業の情報を保存しました。", "success")
            return redirect(url_for("clients.show", client_id=client.id), 303)
    db.session.rollback()
    return _form_page("clients/form.html", values=typed, errors=errors, client=client,
                      status=422)


@bp.get("/postal")
def postal():
    """Address candidates for the typed postal code; the user picks, nothing is overwritten."""
    try:
        code = normalize_postal_code(request.args.get("postal_code", ""))
    except JapanInputError as exc:
        return render_template("clients/_postal.html", candidates=[], error=str(exc))
    candidates = lookup(code)
    error = None if candidates else (
        "この郵便番号の住所が見つかりません。住所を直接入力してください。")
    return render_template("clients/_postal.html", candidates=candidates, error=error)
