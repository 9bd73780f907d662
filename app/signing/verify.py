"""Verification of an uploaded PDF: is the seal intact, does it cover the whole file, does it
chain to our roots, is it our seal, and is the file one we issued (by SHA-256)?

`verify_pdf` never raises: garbage, truncated, encrypted, unsigned or huge input gives a
result with a Japanese explanation (the verification page and `flask signing verify` show
the same thing)."""
from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from app.japan.dates import to_jst

log = logging.getLogger(__name__)

MAX_BYTES = 30 * 1024 * 1024
MAX_SIGNATURES = 10  # validated per file (each costs a hash of the file)
KEY_USAGE = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                                match_all_key_usages=False)

KnownHashes = Callable[[str], dict | None]


@dataclass
class Line:
    ok: bool | None  # None: information, neither good nor bad
    text: str


@dataclass
class VerificationResult:
    sha256: str = ""
    size: int = 0
    is_pdf: bool = False
    readable: bool = False
    signature_found: bool = False
    signature_count: int = 0
    field_name: str = ""
    intact: bool = False  # the signed bytes hash to the signed digest
    valid: bool = False  # the cryptographic signature over that digest is correct
    covers_whole_file: bool = False  # nothing added or changed outside the signed bytes
    trusted: bool = False  # the signer certificate chains to our (configured) roots
    signed_by_us: bool = False  # the signer certificate is our seal certificate
    signer_subject: str = ""  # for people: 「名前（組織, 国）」 (subject_text)
    signer_subject_raw: str = ""  # the certificate subject as asn1crypto spells it
    signer_fingerprint: str = ""
    signing_time: str = ""  # JST text
    signing_time_source: str = ""  # "timestamp" (RFC 3161) or "server_clock"
    document: dict | None = None  # what known_hashes found for this file's SHA-256
    ok: bool = False  # intact, valid, whole file, trusted and ours
    verdict: str = ""
    summary: list[Line] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [line.text for line in self.summary]


def verify_pdf(data: bytes, *, trust_roots: Iterable[x509.Certificate],
               seal_fingerprints: Iterable[str] = (),
               known_hashes: KnownHashes | None = None) -> VerificationResult:
    result = VerificationResult(size=len(data or b""))
    if not data:
        return _fail(result, "ファイルが空です。")
    if len(data) > MAX_BYTES:
        return _fail(result, f"ファイルが大きすぎます（上限 {MAX_BYTES // 1024 // 1024} MB）。")
    result.sha256 = hashlib.sha256(data).hexdigest()
    result.document = _lookup(known_hashes, result.sha256)
    result.is_pdf = b"%PDF-" in data[:1024]
    if not result.is_pdf:
        return _fail(result, "PDFファイルではありません。")
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        if reader.encrypted:
            return _fail(result, "暗号化（パスワード保護）されたPDFは検証できません。")
        signatures = reader.embedded_regular_signatures
        result.readable = True
    except Exception as e:  # noqa: BLE001 — any parser failure is an unreadable file
        log.info("verify: unreadable PDF %s (%s: %s)", result.sha256, type(e).__name__, e)
        return _fail(result, "PDFの構造が壊れているため検証できません"
                             "（改ざんまたは破損の可能性があります）。")
    result.signature_count = len(signatures)
    if not signatures:
        return _fail(result, "電子署名がありません。")
    ours = {f.replace(":", "").lower() for f in seal_fingerprints}
    try:
        _check(result, data, signatures[-MAX_SIGNATURES:], list(trust_roots), ours)
    except Exception as e:  # noqa: BLE001 — a damaged signature is a failed check
        log.info("verify: signature not verifiable in %s (%s: %s)", result.sha256,
                 type(e).__name__, e)
        result.signature_found = True
        return _fail(result, "署名データが壊れているため検証できません"
                             "（改ざんまたは破損の可能性があります）。")
    return _summarise(result, require_issued=known_hashes is not None)


def _check(result: VerificationResult, data: bytes, signatures, roots, ours: set[str]) -> None:
    """Validate the signatures (newest first) and report on our latest seal, or on the
    newest signature when none is ours."""
    chosen = None
    for sig in reversed(signatures):
        context = ValidationContext(trust_roots=roots, allow_fetching=False)
        status = validate_pdf_signature(sig, context, key_usage_settings=KEY_USAGE)
        if chosen is None or _fingerprint(status) in ours:
            chosen = (sig, status)
        if _fingerprint(status) in ours:
            break
    sig, status = chosen
    result.signature_found = True
    result.field_name = str(sig.field_name or "")
    result.intact = bool(status.intact)
    result.valid = bool(status.valid)
    result.trusted = bool(status.intact and status.valid and status.trusted)
    result.covers_whole_file = (status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                                and status.docmdp_ok is not False
                                and _gap_is_signature_only(data, sig.byte_range))
    result.signer_fingerprint = _fingerprint(status)
    # Our certificate inside a signature that does not verify is not our seal.
    result.signed_by_us = result.signer_fingerprint in ours and result.valid
    result.signer_subject = subject_text(status.signing_cert.subject)
    result.signer_subject_raw = status.signing_cert.subject.human_friendly
    moment, source = _signing_time(status)
    if moment is not None:
        result.signing_time = jst_text(moment)
        result.signing_time_source = source


def _values(value) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if v is not None and str(v).strip()]


def subject_text(name: x509.Name) -> str:
    """A certificate subject as a reader of the page says it: the name first, then the
    organisation and the country in brackets — 「Pocket TECH Advisor 電子契約 運営者シール
    （Pocket TECH Advisor, JP）」, not 「Common Name: …, Organization: …, Country: JP」."""
    try:
        fields = name.native or {}
    except Exception:  # noqa: BLE001 — an odd subject is shown as the library spells it
        fields = {}
    common = _values(fields.get("common_name"))
    details = [v for key in ("organization_name", "organizational_unit_name", "country_name")
               for v in _values(fields.get(key))]
    if not common:
        common, details = details[:1], details[1:]
    if not common:
        return name.human_friendly
    head = " ".join(common)
    return f"{head}（{', '.join(details)}）" if details else head


def _fingerprint(status: PdfSignatureStatus) -> str:
    return hashlib.sha256(status.signing_cert.dump()).hexdigest()


def _signing_time(status: PdfSignatureStatus) -> tuple[datetime | None, str]:
    stamp = status.timestamp_validity
    if stamp is not None and stamp.intact and stamp.valid:
        return stamp.timestamp, "timestamp"
    return status.signer_reported_dt, "server_clock"


def jst_text(moment: datetime) -> str:
    t = to_jst(moment)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M:%S} JST"


_HEX_GAP = re.compile(rb"<(?:[0-9A-F]*|[0-9a-f]*)>")


def _gap_is_signature_only(data: bytes, byte_range) -> bool:
    """The bytes between the two signed ranges hold the signature and zero padding only.
    The padding is not signed, so a changed padding byte (or a hex digit whose case
    changed) does not break the signature: it still means the file is not as sealed."""
    try:
        _, len1, start2, _ = (int(n) for n in byte_range)
    except (TypeError, ValueError):
        return False
    gap = data[len1:start2]
    if not _HEX_GAP.fullmatch(gap):
        return False
    content = bytes.fromhex(gap[1:-1].decode("ascii"))
    end = _der_end(content)
    return end is not None and end <= len(content) and not any(content[end:])


def _der_end(content: bytes) -> int | None:
    """Length of the DER SEQUENCE at the start of `content` (header included)."""
    if len(content) < 2 or content[0] != 0x30:
        return None
    first = content[1]
    if first < 0x80:
        return 2 + first
    size = first & 0x7F
    if not 0 < size <= 4 or len(content) < 2 + size:
        return None
    return 2 + size + int.from_bytes(content[2:2 + size], "big")


def _lookup(known_hashes: KnownHashes | None, sha256: str) -> dict | None:
    if known_hashes is None:
        return None
    try:
        return known_hashes(sha256)
    except Exception:  # noqa: BLE001 — the check of the seal still stands without it
        log.exception("verify: looking up issued documents failed")
        return None


def _document_line(document: dict | None) -> Line:
    if document is None:
        return Line(False, "当サービスが発行した文書の記録と一致しません。")
    label = f"文書ID {document.get('document_id', '')}"
    if document.get("signed", True):
        return Line(True, f"当サービスが発行した文書と一致します（{label}）。")
    return Line(True, f"当サービスが送付した署名前の文書と一致します（{label}）。")


def _fail(result: VerificationResult, reason: str) -> VerificationResult:
    result.verdict = reason
    result.summary = [Line(False, reason)]
    if result.document is not None:
        result.summary.append(_document_line(result.document))
    return result


def _summarise(r: VerificationResult, *, require_issued: bool) -> VerificationResult:
    """`require_issued`: the file must also be, byte for byte, a sealed PDF we issued (any
    change changes its SHA-256 — also one in the parts of the signature that the signature
    itself does not cover, such as the certificates carried in it)."""
    issued = r.document is not None and r.document.get("signed", True)
    seal_holds = r.intact and r.valid and r.covers_whole_file and r.trusted
    r.ok = seal_holds and r.signed_by_us and (issued or not require_issued)
    lines = [
        Line(True, "署名は改ざんされていません。") if r.intact and r.valid else
        Line(False, "署名の後に署名対象の内容が変更されています（改ざんの可能性があります）。"),
        Line(True, "ファイル全体が署名の対象です。") if r.covers_whole_file else
        Line(False, "署名の後にファイルへ追記・変更があります（署名の対象外の部分があります）。"),
        Line(True, "署名の証明書は信頼できる発行元のものです。") if r.trusted else
        Line(None, "署名が無効のため、証明書の発行元は判断していません。")
        if not (r.intact and r.valid) else
        Line(False, "署名の証明書は信頼できる発行元のものではありません。"),
        # Our certificate in a seal that fails a check above: information, not a ✓ that
        # would read as reassurance next to 「改ざんの可能性」.
        Line(False, "当サービスの運営者シールではありません。") if not r.signed_by_us else
        Line(True, "当サービスの運営者シールです。") if seal_holds else
        Line(None, "署名の証明書は当サービスの運営者シールのものです。"),
    ]
    if r.signing_time:
        source = ("タイムスタンプ" if r.signing_time_source == "timestamp"
                  else "署名したサーバーの時刻")
        lines.append(Line(None, f"署名日時 {r.signing_time}（{source}）"))
    if r.signer_subject:
        lines.append(Line(None, f"署名者 {r.signer_subject}"))
    lines.append(_document_line(r.document))
    r.summary = lines
    if r.ok:
        r.verdict = ("当サービスの運営者シールが付いた、発行時のままの文書です。"
                     if r.document else "当サービスの運営者シールは有効です。")
    elif not (r.intact and r.valid):
        r.verdict = "署名が無効です。署名の後に内容が変更されています。"
    elif not r.covers_whole_file:
        r.verdict = "署名の後にファイルが変更されています。"
    elif not r.trusted:
        r.verdict = "署名は改ざんされていませんが、信頼できる証明書による署名ではありません。"
    elif not r.signed_by_us:
        r.verdict = "署名は有効ですが、当サービスの運営者シールではありません。"
    else:
        r.verdict = ("運営者シールは有効ですが、当サービスが締結した文書の記録と一致しません"
                     "（変更・差し替えの可能性があります）。")
    return r


def lookup_issued(sha256: str) -> dict | None:
    """known_hashes for verify_pdf: the agreement whose sealed PDF (or, unsigned, whose PDF
    as sent) has this SHA-256. Call inside an app context."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models.signing import SubscriptionAgreement as A

    agreement = db.session.scalars(
        sa.select(A).where(sa.or_(A.signed_sha256 == sha256, A.sha256 == sha256))).first()
    if agreement is None:
        return None
    signed = agreement.signed_sha256 == sha256
    # The agreement as sent carries no date of signing, even once it was signed later.
    return {"document_id": agreement.document_id, "case_number": agreement.case.case_number,
            "counterparty": agreement.counterparty_name, "signed": signed,
            "signed_at": jst_text(agreement.signed_at) if signed and agreement.signed_at
            else ""}


def verify_issued(data: bytes) -> VerificationResult:
    """verify_pdf with the current app's seal, roots and issued documents (the verification
    page and `flask signing verify`)."""
    from app.signing.keys import current_signer

    seal = current_signer()
    return verify_pdf(data, trust_roots=seal.trust_roots,
                      seal_fingerprints=seal.known_fingerprints, known_hashes=lookup_issued)
