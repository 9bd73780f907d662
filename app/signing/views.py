"""The officer's side of signing: create the agreement, send the link (the access code is
shown once), start in-branch signing with a QR code, revoke, watch the status."""
import secrets
from datetime import date, datetime

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from app.auth.guard import protect
from app.extensions import db
from app.htmx import is_htmx
from app.japan import JapanInputError
from app.japan.dates import today_jst
from app.japan.text import clean_text, normalize_email
from app.models import (
    AgreementStatus,
    Case,
    RequestStatus,
    SigningMode,
    SigningRequest,
    SubscriptionAgreement,
    utcnow,
)
from app.notifications.mail import kick_delivery
from app.notifications.services import absolute_url
from app.scope import get_or_404
from app.signing import services, tokens

bp = protect(Blueprint("signing", __name__, url_prefix="/signing"))


def _ip() -> str:
    return request.remote_addr or ""


def _agreement_or_404(agreement_id: int) -> SubscriptionAgreement:
    agreement = db.session.get(SubscriptionAgreement, agreement_id)
    if agreement is None:
        abort(404)
    get_or_404(Case, agreement.case_id, current_user)
    return agreement


def _branch_staff_only(case: Case) -> None:
    if not current_user.role.is_branch_role or current_user.branch_id != case.branch_id:
        abort(403)


def default_start(today: date) -> date:
    """The first day of next month: a subscription usually starts on the 1st."""
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def signing_context(case: Case) -> dict:
    """The case page's signing section."""
    agreement = services.current_agreement(case)
    client = case.client
    today = today_jst()
    if agreement is not None and agreement.status == AgreementStatus.SENT:
        # One send per form shown: reloading the page that shows the access code re-posts
        # the form, and must not send (and void the link just mailed) again.
        nonces = session.setdefault("send_nonces", {})
        nonces[str(agreement.id)] = secrets.token_urlsafe(12)
        session.modified = True
    return {
        "agreement": agreement,
        "subscription": services.subscription_of(case),
        "other_signer_than": (services.signed_by_other_than_addressee(agreement)
                              if agreement is not None else ""),
        "today": today,
        "agreement_problems": services.agreement_problems(case, current_user),
        "agreement_form": {"starts_on": default_start(today).isoformat(),
                           "term_months": services.DEFAULT_TERM_MONTHS,
                           "notice_days": services.DEFAULT_NOTICE_DAYS},
        "send_form": {"email": client.email, "name": client.representative_name,
                      "expires_days": services.EXPIRY_DEFAULT_DAYS},
        "max_expiry": services.EXPIRY_MAX_DAYS,
        "now": utcnow(),
    }


def _back(case_id: int):
    return redirect(url_for("cases.show", case_id=case_id, _anchor="signing"), 303)


@bp.post("/case/<int:case_id>/agreement")
def create(case_id: int):
    case = get_or_404(Case, case_id, current_user)
    _branch_staff_only(case)
    errors = {}
    starts_on = _date(request.form.get("starts_on", ""))
    if starts_on is None:
        errors["starts_on"] = "開始日を 2027-01-01 の形で入力してください。"
    elif starts_on < today_jst():
        errors["starts_on"] = "開始日に過去の日付は指定できません。"
    term = request.form.get("term_months", type=int)
    if term is None or not 1 <= term <= 60:
        errors["term_months"] = "契約期間は1〜60か月で入力してください。"
    notice = request.form.get("notice_days", type=int)
    if notice is None or not 0 <= notice <= 180:
        errors["notice_days"] = "解約の予告期間は0〜180日で入力してください。"
    if not errors:
        try:
            services.create_agreement(case, current_user, starts_on=starts_on,
                                      term_months=term, notice_days=notice, ip=_ip())
        except services.SigningError as exc:
            errors["_form"] = str(exc)
    if errors:
        db.session.rollback()
        return _case_page(case, agreement_errors=errors,
                          agreement_form=request.form.to_dict()), 422
    db.session.commit()
    flash("利用申込書兼契約書を作成しました。内容を確認して、署名を依頼してください。", "success")
    return _back(case.id)


def _date(text: str) -> date | None:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        return None


def _case_page(case: Case, **overrides):
    from app.cases.views import case_page_extras
    from app.models import Plan

    plans = db.session.scalars(sa.select(Plan).where(Plan.active.is_(True))
                               .order_by(Plan.sort_order, Plan.id)).all()
    context = {**case_page_extras(case), **overrides}
    return render_template("cases/show.html", case=case, intake=case.intake, client=case.client,
                           plans=plans, errors={}, **context)


@bp.post("/<int:agreement_id>/send")
def send(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    case = agreement.case
    _branch_staff_only(case)
    form = request.form.to_dict()
    nonces = session.get("send_nonces", {})
    if not form.get("nonce") or nonces.pop(str(agreement.id), None) != form.get("nonce"):
        session.modified = True
        flash("この署名依頼はすでに送信しました。アクセスコードは送信直後の画面でのみ表示します。"
              "分からなくなった場合は、もう一度送信してください（新しいリンクとコードになります）。",
              "warning")
        return _back(case.id)
    session.modified = True
    errors = {}
    email = name = ""
    try:
        email = normalize_email(form.get("email", ""))
    except JapanInputError as exc:
        errors["email"] = str(exc)
    try:
        name = clean_text(form.get("name", ""), max_length=100, label="署名者（代表者）のお名前")
    except JapanInputError as exc:
        errors["name"] = str(exc)
    days = request.form.get("expires_days", type=int)
    if days is None or not 1 <= days <= services.EXPIRY_MAX_DAYS:
        errors["expires_days"] = f"有効期限は1〜{services.EXPIRY_MAX_DAYS}日で入力してください。"
    if not errors:
        try:
            issued = services.send_for_signature(agreement, current_user, email=email,
                                                 name=name, expires_days=days, ip=_ip())
        except services.SigningError as exc:
            errors["_form"] = str(exc)
    if errors:
        db.session.rollback()
        return _case_page(case, send_errors=errors, send_form=form), 422
    db.session.commit()
    kick_delivery(current_app._get_current_object())
    # The access code exists only in this response: shown once, never stored in clear.
    return render_template("signing/code_once.html", agreement=agreement, case=case,
                           request_=issued.request, access_code=issued.access_code)


@bp.post("/<int:agreement_id>/in-branch")
def in_branch(agreement_id: int):
    agreement = _agreement_or_404(agreement_id)
    case = agreement.case
    _branch_staff_only(case)
    errors = {}
    name = ""
    try:
        name = clean_text(request.form.get("name", ""), max_length=100,
                          label="署名者（ご本人）のお名前")
    except JapanInputError as exc:
        errors["name"] = str(exc)
    if request.form.get("identity_confirmed") != "on":
        errors["identity_confirmed"] = ("運転免許証などでご本人であることを確認し、"
                                        "チェックしてください。")
    if not errors:
        try:
            issued = services.start_in_branch(agreement, current_user, name=name,
                                              identity_confirmed=True, ip=_ip())
        except services.SigningError as exc:
            errors["_form"] = str(exc)
    if errors:
        db.session.rollback()
        return _case_page(case, in_branch_errors=errors,
                          in_branch_form=request.form.to_dict()), 422
    db.session.commit()
    return redirect(url_for("signing.qr", request_id=issued.request.id), 303)


@bp.get("/request/<int:request_id>/qr")
def qr(request_id: int):
    """The QR code for in-branch signing, while the link is open; the page follows the
    status until the client has signed."""
    signing_request = _request_or_404(request_id)
    _branch_staff_only(signing_request.agreement.case)
    if signing_request.mode != SigningMode.IN_BRANCH:
        abort(404)
    link = ""
    svg = ""
    if services.unusable_reason(signing_request) is None:
        link = absolute_url(tokens.signing_path(tokens.token_for(signing_request.token_salt)))
        svg = segno.make(link, error="m").svg_inline(scale=6, dark="#102a43")
    template = "signing/_qr_status.html" if is_htmx() else "signing/qr.html"
    return render_template(template, signing_request=signing_request,
                           agreement=signing_request.agreement, case=signing_request.agreement.case,
                           link=link, svg=svg)


def _request_or_404(request_id: int) -> SigningRequest:
    signing_request = db.session.get(SigningRequest, request_id)
    if signing_request is None:
        abort(404)
    get_or_404(Case, signing_request.agreement.case_id, current_user)
    return signing_request


@bp.post("/request/<int:request_id>/revoke")
def revoke(request_id: int):
    signing_request = _request_or_404(request_id)
    _branch_staff_only(signing_request.agreement.case)
    services.revoke(signing_request, current_user, ip=_ip())
    db.session.commit()
    flash("署名リンクを取り消しました。", "success")
    return _back(signing_request.agreement.case_id)


@bp.post("/<int:agreement_id>/seal")
def reseal(agreement_id: int):
    """Apply the seal again when it failed after the signer agreed (the agreement stays
    同意済 until it succeeds)."""
    agreement = _agreement_or_404(agreement_id)
    if agreement.status != AgreementStatus.AGREED:
        abort(409)
    used = next((r for r in reversed(agreement.requests) if r.status == RequestStatus.USED),
                None)
    if used is None:
        abort(409)
    services.seal_and_store(agreement, used)
    db.session.commit()
    kick_delivery(current_app._get_current_object())
    flash("契約書を封緘しました。", "success")
    return _back(agreement.case_id)

