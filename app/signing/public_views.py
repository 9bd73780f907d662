"""The public verification page (/verify): anyone uploads a PDF and sees whether our seal is
intact, covers the whole file, is ours, and whether the file is one we issued. Plain form
post, no account; an anonymous visitor learns only the document ID, the signing date and
the counterparty of a document we issued (no amounts, no case number)."""
from flask import Blueprint, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from app.signing.verify import VerificationResult, verify_issued

bp = Blueprint("verify", __name__, url_prefix="/verify")

# What an anonymous visitor may see of an issued document (lookup_issued gives more).
PUBLIC_DOCUMENT_FIELDS = ("document_id", "signed_at", "counterparty", "signed")


def public_document(found: dict | None) -> dict | None:
    """The matched document as shown here. A file matching the agreement as sent (unsigned)
    has no date of signing, even when that agreement was signed later."""
    if not found:
        return None
    document = {k: found.get(k) for k in PUBLIC_DOCUMENT_FIELDS}
    document["signed"] = bool(found.get("signed", True))
    if not document["signed"]:
        document["signed_at"] = ""
    return document


def verdict(result: VerificationResult) -> tuple[str, str, str]:
    """The verdict box: (css state, label, text). 有効 only for our valid seal on a file we
    issued, byte for byte; 改ざんの可能性 when the seal no longer matches the file, the file
    is damaged, or our seal is intact on a file whose bytes we never issued (every sealed
    file's SHA-256 is recorded, so the file was changed outside the signed bytes, e.g. in
    the certificates carried beside the signature); 無効 when it is not our valid seal."""
    if result.ok:  # verify_issued requires the file to be one we issued, byte for byte
        return "valid", "有効", result.verdict
    if (result.intact and result.valid and result.covers_whole_file and result.trusted
            and result.signed_by_us):
        return ("tampered", "改ざんの可能性",
                "運営者シールの署名自体は有効ですが、当サービスが発行したファイルと一致しません。"
                "発行後にファイルが変更された可能性があります。")
    damaged = result.is_pdf and not result.readable and result.size > 0
    broken = result.signature_found and not (
        result.intact and result.valid and result.covers_whole_file)
    if damaged or broken:
        return "tampered", "改ざんの可能性", result.verdict
    return "invalid", "無効", result.verdict


def _form(error: str = "", status: int = 200):
    return render_template("verify/index.html", error=error, result=None), status


@bp.errorhandler(CSRFError)
def _form_expired(exc):
    """No account here: a lost session cookie means choose the file again, not log in."""
    return _form("画面の有効期限が切れました。"
                 "もう一度ファイルを選んで「検証する」を押してください。", 400)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    return _form("ファイルが大きすぎます（25 MB まで）。", 413)


@bp.get("/")
def index():
    return _form()


@bp.post("/")
def check():
    upload = request.files.get("pdf")
    data = upload.read() if upload else b""
    if not data:
        return _form("検証するPDFファイルを選んでください（空のファイルは検証できません）。", 422)
    if b"%PDF-" not in data[:1024]:
        return _form("PDFファイルではありません。署名済みの契約書（PDF）を選んでください。", 422)
    result = verify_issued(data)
    state, label, text = verdict(result)
    return render_template("verify/index.html", error="", result=result, state=state,
                           label=label, text=text, document=public_document(result.document),
                           filename=(upload.filename or "")[:200])
