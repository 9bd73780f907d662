"""Consent, referral submission, approval actions, the approval queue and the branch pipeline."""
from io import BytesIO

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from app.auth.guard import protect
from app.extensions import db
from app.htmx import is_htmx
from app.japan.dates import today_jst
from app.models import (
    ActionKind,
    Branch,
    Case,
    CaseStatus,
    ConsentRecord,
    Intake,
    IntakeStatus,
    Referral,
    ReferralDocument,
    ReferralStatus,
    Role,
    User,
)
from app.models.referral import ACTION_VERB_STEMS, CONSENT_METHOD_LABELS, REFERRAL_STATUS_LABELS
from app.notifications.mail import kick_delivery
from app.referrals import services
from app.referrals.consent_items import CONSENT_ITEMS, consent_recipients
from app.referrals.documents import render_consent_form
from app.referrals.validation import consent_form_start, recipient_key, validate_consent
from app.referrals.workflow import STEP_LABELS
from app.scope import get_or_404, restrict

bp = protect(Blueprint("referrals", __name__))

QUEUE_ROLES = (Role.SUPERVISOR, Role.MANAGER, Role.HQ)
PIPELINE_ROLES = (Role.MANAGER, Role.HQ, Role.OPERATOR)


def _ip() -> str:
    return request.remote_addr or ""


def _branch_staff(case: Case) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).where(User.branch_id == case.branch_id, User.active.is_(True))
        .order_by(User.role, User.id)))


# ---------------------------------------------------------------- consent


def _consent_page(case: Case, form: dict, errors: dict, status: int = 200):
    return render_template(
        "referrals/consent_form.html", case=case, form=form, errors=errors,
        items=CONSENT_ITEMS, recipients=consent_recipients(case), recipient_key=recipient_key,
        staff=_branch_staff(case), methods=CONSENT_METHOD_LABELS), status


@bp.get("/cases/<int:case_id>/consent/new")
def consent_new(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    if not current_user.role.is_branch_role:
        abort(404)
    form = consent_form_start(case.consent, client=case.client,
                              recipients=consent_recipients(case), staff=_branch_staff(case),
                              officer=current_user, today=today_jst())
    return _consent_page(case, form, {})


@bp.post("/cases/<int:case_id>/consent")
def consent_create(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    if not current_user.role.is_branch_role:
        abort(404)
    upload = request.files.get("scan")
    scan = upload.read() if upload and upload.filename else None
    data, errors = validate_consent(request.form, recipients=consent_recipients(case),
                                    staff=_branch_staff(case), today=today_jst(), scan=scan,
                                    scan_filename=upload.filename if scan else "")
    form = {**request.form.to_dict(), "items": request.form.getlist("items"),
            "recipients": request.form.getlist("recipients")}
    if errors:
        if scan:
            errors.setdefault("scan", "")
            errors["scan"] = errors["scan"] or "お手数ですが、同意書をもう一度添付してください。"
        return _consent_page(case, form, errors, 422)
    try:
        services.record_consent(case, current_user, data, ip=_ip())
    except services.ReferralError as exc:
        db.session.rollback()
        return _consent_page(case, form, {"_form": str(exc)}, 409)
    db.session.commit()
    flash("お客さまの同意を記録しました。", "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="referral"), 303)


@bp.get("/cases/<int:case_id>/consent/form.pdf")
def consent_form_pdf(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    pdf = render_consent_form(case, today_jst())
    return send_file(BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"consent-form-{case.case_number}.pdf")


@bp.get("/consents/<int:consent_id>/scan")
def consent_scan(consent_id: int):
    consent = db.session.get(ConsentRecord, consent_id)
    if consent is None or not consent.scan_sha256:
        abort(404)
    case = get_or_404(Case, consent.case_id, current_user)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
    name = f"consent-{case.case_number}-{consent.id}.{extension.get(consent.scan_mimetype, 'bin')}"
    return send_file(BytesIO(consent.scan), mimetype=consent.scan_mimetype, as_attachment=True,
                     download_name=name, etag=consent.scan_sha256)


# ---------------------------------------------------------------- submit and act


@bp.post("/cases/<int:case_id>/referral")
def submit(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    referral = services.submit(case, current_user, comment=request.form.get("comment", ""),
                               ip=_ip())
    db.session.commit()
    kick_delivery(current_app._get_current_object())
    flash(f"紹介稟議を申請しました（{services.state_text(referral)}）。", "success")
    return redirect(url_for("cases.show", case_id=case.id, _anchor="referral"), 303)


def _referral_or_404(referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        abort(404)
    get_or_404(Case, referral.case_id, current_user)
    return referral


@bp.post("/referrals/<int:referral_id>/act")
def act(referral_id: int):
    referral = _referral_or_404(referral_id)
    try:
        action = ActionKind(request.form.get("action", ""))
    except ValueError:
        abort(400)
    if action == ActionKind.SUBMIT:
        abort(400)
    version = request.form.get("version", type=int)
    comment = request.form.get("comment", "")
    place = request.form.get("place", "case")
    try:
        services.act(referral, current_user, action, comment=comment, expected_version=version,
                     ip=_ip())
    except services.ReferralError as exc:
        db.session.rollback()
        db.session.refresh(referral)
        if not is_htmx():
            raise
        conflict = isinstance(exc, services.ReferralConflict)
        return _action_fragment(referral, place, message=str(exc), comment=comment,
                                kind="warning" if conflict else "error"), \
            409 if conflict else 422
    db.session.commit()
    if referral.status == ReferralStatus.APPROVED:
        _issue_document(referral)
    kick_delivery(current_app._get_current_object())
    message = f"{ACTION_VERB_STEMS[action]}ました（現在：{services.state_text(referral)}）。"
    if not is_htmx():
        flash(message, "success")
        return redirect(request.form.get("next") or url_for("cases.show",
                                                            case_id=referral.case_id), 303)
    response = make_response(_action_fragment(referral, place, message=message, kind="success"))
    if place == "queue":
        response.headers["HX-Trigger"] = "queueChanged"  # the counts above the list refresh
    return response


def _issue_document(referral: Referral) -> None:
    """The approval is already committed; a failed render leaves it approved with a button
    to issue the document again."""
    try:
        services.issue_referral_document(referral)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the approval stands; the page offers to retry
        db.session.rollback()
        current_app.logger.exception("referral document for referral %s failed", referral.id)


def _action_fragment(referral: Referral, place: str, *, message: str, kind: str,
                     comment: str = ""):
    template = "referrals/_queue_row.html" if place == "queue" else "referrals/_panel.html"
    return render_template(template, case=referral.case, message=message, message_kind=kind,
                           comment=comment, **panel_context(referral.case))


def panel_context(case: Case) -> dict:
    referral = case.referral
    return {
        "referral": referral,
        "allowed": services.allowed_actions(referral, current_user) if referral else [],
        "submit_problems": services.submit_problems(case, current_user),
        "consent_problems": services.consent_problems(case) if case.latest_proposal else [],
        "document": services.latest_document(referral) if referral else None,
        "step_labels": STEP_LABELS,
    }


@bp.post("/referrals/<int:referral_id>/document")
def reissue_document(referral_id: int):
    referral = _referral_or_404(referral_id)
    if not current_user.role.is_branch_role and current_user.role != Role.HQ:
        abort(404)
    if services.latest_document(referral) is not None:
        flash("紹介票兼同意確認書はすでに発行されています。", "info")
    else:
        services.issue_referral_document(referral, actor=current_user, ip=_ip())
        db.session.commit()
        flash("紹介票兼同意確認書を発行しました。", "success")
    return redirect(url_for("cases.show", case_id=referral.case_id, _anchor="referral"), 303)


@bp.get("/referral-documents/<int:document_id>/download")
def download_document(document_id: int):
    document = db.session.get(ReferralDocument, document_id)
    if document is None:
        abort(404)
    case = get_or_404(Case, document.referral.case_id, current_user)
    return send_file(BytesIO(document.pdf), mimetype="application/pdf", as_attachment=True,
                     download_name=f"referral-{case.case_number}-v{document.version}.pdf",
                     etag=document.sha256)


# ---------------------------------------------------------------- queue and pipeline


QUEUE_FRAGMENTS = {"queue-results": "referrals/_queue_results.html",
                   "queue-tiles": "referrals/_queue_tiles.html"}


@bp.get("/approvals")
def queue():
    if current_user.role not in QUEUE_ROLES:
        abort(404)
    status = request.args.get("status", "mine")
    branch_id = request.args.get("branch", type=int)
    scoped = restrict(sa.select(Referral), Referral, current_user)
    if branch_id and current_user.role == Role.HQ:
        scoped = scoped.where(Referral.branch_id == branch_id)
    counts = dict(db.session.execute(
        sa.select(Referral.status, sa.func.count())
        .where(Referral.id.in_(scoped.with_only_columns(Referral.id)))
        .group_by(Referral.status)).all())
    pending = db.session.scalars(
        scoped.where(Referral.status == ReferralStatus.PENDING)
        .order_by(Referral.submitted_at)).all()
    mine = services.waiting_for(current_user, pending)
    if status == "mine":
        referrals = mine
    elif status in {s.value for s in ReferralStatus}:
        referrals = db.session.scalars(scoped.where(Referral.status == status)
                                       .order_by(Referral.submitted_at.desc()).limit(200)).all()
    else:
        abort(404)
    branches = (db.session.scalars(sa.select(Branch).where(Branch.bank_id == current_user.bank_id)
                                   .order_by(Branch.code)).all()
                if current_user.role == Role.HQ else [])
    context = dict(referrals=referrals, status=status, counts=counts, mine_count=len(mine),
                   labels=REFERRAL_STATUS_LABELS, branches=branches, branch_id=branch_id,
                   allowed_for=lambda r: services.allowed_actions(r, current_user),
                   step_labels=STEP_LABELS, state_text=services.state_text)
    if is_htmx() and request.headers.get("HX-Target") in QUEUE_FRAGMENTS:
        return render_template(QUEUE_FRAGMENTS[request.headers["HX-Target"]], **context)
    return render_template("referrals/queue.html", **context)


@bp.get("/pipeline")
def pipeline():
    if current_user.role not in PIPELINE_ROLES:
        abort(404)
    branch_id = request.args.get("branch", type=int)
    branches = []
    if current_user.role == Role.MANAGER:
        branch_id = current_user.branch_id
    else:
        branch_stmt = sa.select(Branch).order_by(Branch.bank_id, Branch.code)
        if current_user.role == Role.HQ:
            branch_stmt = branch_stmt.where(Branch.bank_id == current_user.bank_id)
        branches = db.session.scalars(branch_stmt).all()
        if branch_id not in {b.id for b in branches}:
            branch_id = None
    cases = restrict(sa.select(Case), Case, current_user)
    intakes = sa.select(Intake).where(Intake.status == IntakeStatus.DRAFT)
    if current_user.role != Role.OPERATOR:
        intakes = intakes.where(Intake.client.has(bank_id=current_user.bank_id))
    if branch_id:
        cases = cases.where(Case.branch_id == branch_id)
        intakes = intakes.where(Intake.client.has(branch_id=branch_id))
    all_cases = db.session.scalars(cases.order_by(Case.id.desc()).limit(500)).all()
    columns = {"drafts": [], "waiting": [], "returned": [], "approved": [], "signed": []}
    for case in all_cases:
        referral = case.referral
        if referral is None or referral.status == ReferralStatus.WITHDRAWN:
            if case.status != CaseStatus.REJECTED:
                columns["drafts"].append(case)
        elif referral.status == ReferralStatus.PENDING:
            columns["waiting"].append(case)
        elif referral.status == ReferralStatus.RETURNED:
            columns["returned"].append(case)
        elif case.status == CaseStatus.SIGNED:
            columns["signed"].append(case)
        elif referral.status == ReferralStatus.APPROVED:
            columns["approved"].append(case)
    draft_intakes = db.session.scalars(intakes.order_by(Intake.updated_at.desc()).limit(100)).all()
    return render_template("referrals/pipeline.html", columns=columns, intakes=draft_intakes,
                           branches=branches, branch_id=branch_id,
                           state_text=services.state_text)
