"""The signer's pages (/sign/<token>): no account, phone first. 1 access code → 2 read the
agreement → 3 sign (or decline). The token in the URL is the secret: these responses send
Referrer-Policy: no-referrer (and no-store, like every page), and nothing here logs it.

Who may see what: the access code (e-mail links) or the officer's identity check (in-branch
links) is passed once per browser session; the session keeps the request ids passed
(session["signing_ok"]). After signing the link is used up, but the browser that signed can
still download the sealed PDF; another browser is asked for the access code again. Wrong
codes there are counted on the used link too: after MAX_CODE_ATTEMPTS of them the link no
longer downloads by code (the signing browser still does, and the officer hands the signed
contract over), so a forwarded link cannot be used to guess the code.

Views commit; the seal is applied after the agreement is committed, outside any write
transaction (services.agree → commit → services.seal → services.store_sealed → commit)."""
import re
from datetime import timedelta
from io import BytesIO

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError

from app.documents.preview import page_images
from app.extensions import db
from app.japan.dates import wareki_with_seireki
from app.japan.text import nfkc, search_key
from app.models import AgreementStatus, RequestStatus, SigningMode, SigningRequest
from app.notifications.mail import kick_delivery
from app.proposals.services import price_context
from app.signing import services, tokens
from app.signing.documents import add_months

bp = Blueprint("sign", __name__, url_prefix="/sign")

SESSION_KEY = "signing_ok"
SESSION_KEEP = 20  # request ids remembered per browser session
STEPS = ("アクセスコード", "契約書の確認", "署名")
# The signing screen's wording of the note the agreement prints (JAPAN.md §4 印紙税).
STAMP_DUTY_DISPLAY = ("電子契約のため印紙税はかかりません"
                      "（書面の原本を別途交付する場合を除きます）。")


@bp.after_request
def _no_referrer(response):
    # The token is in the URL: never send it to another site (or to our own in a Referer).
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.errorhandler(CSRFError)
def _form_expired(exc):
    """The session cookie was lost (browser closed, cookies cleared): ask to open the link
    again, never the staff login page."""
    token = (request.view_args or {}).get("token", "")
    return _message(400, "画面の有効期限が切れました",
                    "お手数ですが、下のボタンから画面を開き直して、もう一度操作してください。",
                    again=url_for("sign.page", token=token) if token else None)


# -- who may see what ------------------------------------------------------------------------


def _ip() -> str:
    return request.remote_addr or ""


def _user_agent() -> str:
    return request.headers.get("User-Agent", "")[:300]


def _passed(signing_request: SigningRequest) -> bool:
    return signing_request.id in session.get(SESSION_KEY, [])


def _mark_passed(signing_request: SigningRequest) -> None:
    kept = [i for i in session.get(SESSION_KEY, []) if i != signing_request.id]
    session[SESSION_KEY] = [*kept[-(SESSION_KEEP - 1):], signing_request.id]


def _may_read(signing_request: SigningRequest) -> bool:
    """Past step 1: the code was entered in this browser, or the officer confirmed the
    signer in the branch (no code)."""
    return signing_request.mode == SigningMode.IN_BRANCH or _passed(signing_request)


def _may_download(signing_request: SigningRequest) -> bool:
    """The sealed PDF: only the browser that signed (or passed step 1). An in-branch link
    was on the officer's screen; someone who photographed it must not get the contract."""
    return _passed(signing_request)


def _signed(signing_request: SigningRequest) -> bool:
    return (signing_request.status == RequestStatus.USED
            and signing_request.agreement.status == AgreementStatus.SIGNED)


# -- pages -----------------------------------------------------------------------------------


def _message(status: int, title: str, text: str, *, again: str | None = None,
             state: str = "error"):
    """A page that says what happened and nothing about the agreement."""
    return render_template("sign/message.html", title=title, text=text, again=again,
                           state=state), status


def _unknown():
    return _message(404, "このリンクは使えません", services.unusable_reason(None))


def _closed(signing_request: SigningRequest, reason: str):
    """A link that cannot sign (any more). The browser that used it sees the outcome; a
    signed agreement can be downloaded after entering the code again."""
    agreement = signing_request.agreement
    if signing_request.status == RequestStatus.USED and _may_download(signing_request):
        if agreement.status == AgreementStatus.SIGNED:
            return _done_page(signing_request)
        if agreement.status == AgreementStatus.AGREED:
            return _message(200, "同意を受け付けました",
                            "同意は受け付けました。証明書の作成に時間がかかっています。"
                            "しばらくしてからこの画面を開き直してください。"
                            "完了すると、署名済みの契約書をダウンロードできます。",
                            again=url_for("sign.page", token=_token()), state="pending")
        if agreement.status == AgreementStatus.DECLINED:
            return _message(200, "辞退を受け付けました",
                            "ご連絡ありがとうございました。担当者からあらためてご連絡することが"
                            "あります。", state="info")
    if _signed(signing_request) and signing_request.mode == SigningMode.EMAIL:
        if services.download_locked(signing_request):
            return _download_locked(signing_request)
        return _code_page(signing_request, download=True)
    return _message(410, "このリンクは使えません", reason)


def _download_locked(signing_request: SigningRequest):
    return _message(403, "このリンクからはダウンロードできません",
                    services.download_locked_text(signing_request))


def _token() -> str:
    return request.view_args["token"]


def _code_page(signing_request: SigningRequest, *, error: str = "", download: bool = False,
               status: int = 200):
    return render_template("sign/code.html", signing_request=signing_request, error=error,
                           download=download, token=_token(), steps=STEPS,
                           max_attempts=services.MAX_CODE_ATTEMPTS,
                           contact=services.contact_text(signing_request)), status


def _terms(signing_request: SigningRequest) -> dict:
    """The key terms, in HTML above the PDF (the PDF is what is signed)."""
    agreement = signing_request.agreement
    start = agreement.starts_on
    return {
        "plan": agreement.plan_name,
        "price": price_context(agreement.monthly_fee, agreement.tax_rate_percent),
        "annual_total": agreement.annual_total,
        "starts_on": wareki_with_seireki(start),
        "term_months": agreement.term_months,
        "first_term_ends_on": wareki_with_seireki(
            add_months(start, agreement.term_months) - timedelta(days=1)),
        "notice_days": agreement.notice_days,
    }


def _prefill(signing_request: SigningRequest) -> dict:
    """The addressee's name; the representative's title only when the addressee is the
    representative (someone else's title would go on the contract with one click)."""
    client = signing_request.agreement.client
    name = signing_request.signer_name or client.representative_name
    same = search_key(name) == search_key(client.representative_name or "")
    return {"signer_name": name, "signer_title": client.representative_title if same else ""}


def _review_page(signing_request: SigningRequest, *, values: dict, errors: dict,
                 status: int = 200):
    return render_template(
        "sign/review.html", signing_request=signing_request,
        agreement=signing_request.agreement, terms=_terms(signing_request), values=values,
        errors=errors, confirmations=services.CONFIRMATIONS, token=_token(), steps=STEPS,
        stamp_duty=STAMP_DUTY_DISPLAY, in_branch=signing_request.mode == SigningMode.IN_BRANCH,
        page_count=len(_pages(signing_request.agreement)),
    ), status


def _pages(agreement) -> list:
    return page_images(agreement.pdf, agreement.sha256, current_app.instance_path)


def _done_page(signing_request: SigningRequest):
    return render_template("sign/done.html", agreement=signing_request.agreement,
                           token=_token(), steps=STEPS,
                           in_branch=signing_request.mode == SigningMode.IN_BRANCH), 200


def _typed() -> dict:
    return {k: request.form.get(k, "") for k in (
        "signer_name", "signer_title", "decline_reason",
        *(f"confirm_{k}" for k in services.CONFIRMATIONS))}


# -- routes ----------------------------------------------------------------------------------


@bp.get("/<token>")
def page(token: str):
    signing_request = services.find_request(token)
    if signing_request is None:
        return _unknown()
    reason = services.unusable_reason(signing_request)
    if reason:
        return _closed(signing_request, reason)
    if not _may_read(signing_request):
        return _code_page(signing_request)
    _mark_passed(signing_request)  # in-branch: this browser may download after signing
    services.record_view(signing_request, ip=_ip(), user_agent=_user_agent())
    db.session.commit()
    return _review_page(signing_request, values=_prefill(signing_request), errors={})


_CODE = re.compile(f"[0-9]{{{tokens.CODE_DIGITS}}}", re.ASCII)


def _typed_code() -> str:
    """Digits as typed (full-width too, spaces and hyphens ignored); "" if not 6 digits."""
    code = re.sub(r"[\s\-ー－]", "", nfkc(request.form.get("access_code", "")))
    return code if _CODE.fullmatch(code) else ""


@bp.post("/<token>/code")
def code(token: str):
    """Step 1. Only a wrong 6-digit code counts as an attempt (a typo in the length does
    not); the fifth wrong one locks the link and tells the officer."""
    signing_request = services.find_request(token)
    if signing_request is None:
        return _unknown()
    reason = services.unusable_reason(signing_request)
    if reason:
        return _closed(signing_request, reason)
    if signing_request.mode == SigningMode.IN_BRANCH or _passed(signing_request):
        return redirect(url_for("sign.page", token=token), 303)
    typed = _typed_code()
    if not typed:
        return _code_page(signing_request, status=422,
                          error=f"アクセスコード（{tokens.CODE_DIGITS}桁の数字）を入力してください。")
    ok = services.check_access_code(signing_request, typed, ip=_ip(), user_agent=_user_agent())
    db.session.commit()
    if ok:
        _mark_passed(signing_request)
        return redirect(url_for("sign.page", token=token), 303)
    if signing_request.status == RequestStatus.LOCKED:
        kick_delivery(current_app._get_current_object())  # the officer's notice
        return _message(410, "このリンクはロックされました",
                        services.unusable_reason(signing_request))
    left = services.MAX_CODE_ATTEMPTS - signing_request.failed_attempts
    return _code_page(signing_request, status=422,
                      error=f"アクセスコードが違います。あと{left}回間違えると、このリンクは"
                            "ロックされます（担当者による再送が必要になります）。")


@bp.get("/<token>/agreement.pdf")
def agreement_pdf(token: str):
    """The agreement as sent, shown inline in step 2 (and by 「PDFを開く」)."""
    signing_request = services.find_request(token)
    if signing_request is None:
        return _unknown()
    reason = services.unusable_reason(signing_request)
    if reason and signing_request.status != RequestStatus.USED:
        return _message(410, "このリンクは使えません", reason)
    if not (_may_download(signing_request) if reason else _may_read(signing_request)):
        return redirect(url_for("sign.page", token=token), 303)
    agreement = signing_request.agreement
    response = send_file(BytesIO(agreement.pdf), mimetype="application/pdf",
                         download_name=f"{agreement.document_id}.pdf")
    # Inline (shown in the page's frame, which needs our own origin allowed to frame it).
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.get("/<token>/page/<int:number>.png")
def page_image(token: str, number: int):
    """One page of the agreement as an image (read on the phone, in step 2)."""
    signing_request = services.find_request(token)
    if signing_request is None:
        return _unknown()
    if services.unusable_reason(signing_request) or not _may_read(signing_request):
        return _message(410, "このリンクは使えません",
                        services.unusable_reason(signing_request) or "")
    pages = _pages(signing_request.agreement)
    if not 1 <= number <= len(pages):
        return _unknown()
    return send_file(BytesIO(pages[number - 1].read_bytes()), mimetype="image/png", max_age=0)


def _acting_request(token: str):
    """(the link, None) when this browser may agree or decline through it now, else
    (None, the response to give instead)."""
    signing_request = services.find_request(token)
    if signing_request is None:
        return None, _unknown()
    if not _may_read(signing_request):
        reason = services.unusable_reason(signing_request)
        return None, (_closed(signing_request, reason) if reason
                      else redirect(url_for("sign.page", token=token), 303))
    return signing_request, None


@bp.post("/<token>/agree")
def agree(token: str):
    signing_request, refusal = _acting_request(token)
    if refusal is not None:
        return refusal
    values, errors = services.validate_signer(request.form)
    if errors:
        reason = services.unusable_reason(signing_request)
        if reason:
            return _closed(signing_request, reason)
        return _review_page(signing_request, values=_typed(), errors=errors, status=422)
    try:
        agreement = services.agree(signing_request, ip=_ip(), user_agent=_user_agent(),
                                   **values)
    except services.SigningError as exc:
        db.session.rollback()
        return _conflict(signing_request, str(exc))
    db.session.commit()
    _seal(agreement, signing_request)
    kick_delivery(current_app._get_current_object())
    return redirect(url_for("sign.page", token=token), 303)


def _seal(agreement, signing_request: SigningRequest) -> bool:
    """Certificate page + seal, after the agreement is committed. A failure leaves the
    agreement 同意済 (the officer can seal again); the signer is told it takes longer."""
    try:
        services.seal_and_store(agreement, signing_request)
        db.session.commit()
    except Exception:  # noqa: BLE001 - the signer's agreement stands; never a 500 here
        db.session.rollback()
        current_app.logger.exception("signing: seal of agreement %s failed (stays agreed)",
                                     agreement.id)
        return False
    return True


def _conflict(signing_request: SigningRequest, message: str):
    """The link was used meanwhile (a second tap, another device) or expired: say so and
    offer the current state."""
    agreement = signing_request.agreement
    # 「署名待ち」 would read as "please sign" next to a revoked or expired link.
    state = ("" if agreement.status == AgreementStatus.SENT
             else f"（現在の状態：{agreement.status_label}）")
    return _message(409, "この操作は受け付けられませんでした", f"{message}{state}",
                    again=url_for("sign.page", token=_token()))


@bp.post("/<token>/decline")
def decline(token: str):
    signing_request, refusal = _acting_request(token)
    if refusal is not None:
        return refusal
    reason_text = request.form.get("decline_reason", "")
    try:
        services.decline(signing_request, reason=reason_text, ip=_ip(),
                         user_agent=_user_agent())
    except services.SigningError as exc:
        db.session.rollback()
        if reason_text.strip():
            return _conflict(signing_request, str(exc))
        values = {**_prefill(signing_request), "decline_reason": reason_text}
        return _review_page(signing_request, values=values,
                            errors={"decline_reason": str(exc)}, status=422)
    db.session.commit()
    kick_delivery(current_app._get_current_object())  # the officer's notice
    return redirect(url_for("sign.page", token=token), 303)


@bp.post("/<token>/download")
def download_code(token: str):
    """After signing, another browser asks for the access code again to download. Wrong
    codes are counted on the used link; the last allowed one stops the download by code and
    tells the officer (services.check_download_code)."""
    signing_request = services.find_request(token)
    if signing_request is None:
        return _unknown()
    if (not (_signed(signing_request) and signing_request.mode == SigningMode.EMAIL)
            or _passed(signing_request)):
        return redirect(url_for("sign.page", token=token), 303)
    if services.download_locked(signing_request):
        return _download_locked(signing_request)
    typed = _typed_code()
    if not typed:
        return _code_page(signing_request, download=True, status=422,
                          error=f"アクセスコード（{tokens.CODE_DIGITS}桁の数字）を入力してください。")
    ok = services.check_download_code(signing_request, typed, ip=_ip(),
                                      user_agent=_user_agent())
    db.session.commit()
    if ok:
        _mark_passed(signing_request)
        return redirect(url_for("sign.page", token=token), 303)
    if ok is None:  # locked meanwhile (another browser's last wrong code)
        return _download_locked(signing_request)
    if services.download_locked(signing_request):
        kick_delivery(current_app._get_current_object())  # the officer's notice
        return _download_locked(signing_request)
    left = services.MAX_CODE_ATTEMPTS - signing_request.failed_attempts
    return _code_page(signing_request, download=True, status=422,
                      error=f"アクセスコードが違います。あと{left}回間違えると、このリンクからは"
                            "ダウンロードできなくなります（署名済みの契約書は担当者からお受け取り"
                            "いただけます）。")


@bp.get("/<token>/signed.pdf")
def signed_pdf(token: str):
    signing_request = services.find_request(token)
    if signing_request is None:
        return _unknown()
    if not _signed(signing_request):
        return _message(404, "ダウンロードできません", "署名済みの契約書はまだありません。")
    if not _may_download(signing_request):
        return redirect(url_for("sign.page", token=token), 303)
    agreement = signing_request.agreement
    return send_file(BytesIO(agreement.signed_pdf), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{agreement.document_id}-signed.pdf",
                     etag=agreement.signed_sha256)
