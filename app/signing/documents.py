"""The two documents of the online signing (issue 5), as plain-value contexts and PDF bytes:

- 利用申込書兼契約書 (subscription agreement): between the client and the platform operator,
  the bank named as 紹介者; rendered once when sent and never again (its bytes and SHA-256
  are what the signer agrees to);
- 合意締結証明書 (certificate of agreement): one page appended at signing, inside the sealed
  PDF: the agreement's document ID and SHA-256 as sent, the signer, how they were
  authenticated, every signing event, the platform seal; an empty area at the bottom right
  (SEAL_BOX) where the visible seal stamp is drawn.

At signing, `fill_signer_block` prints the signer into the agreement's signer fields (an
overlay added by an incremental update) and `append_pages` joins the two before the seal.
No request globals; nothing is written here."""
import calendar
import io
import unicodedata
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from app.documents.render import render_pdf
from app.extensions import db
from app.japan.dates import format_jst, to_jst, wareki, wareki_with_seireki
from app.models import Plan, SigningEvent, SigningMode, SubscriptionAgreement, utcnow
from app.proposals.services import NO_TYING_STATEMENT, SERVICE_NATURE, _place, price_context
from app.referrals.consent_items import PURPOSE, item_label, platform_name
from app.signing.seal import SEAL_BOX  # where pyHanko draws the stamp; kept empty here

AGREEMENT_TEMPLATE = "documents/agreement.html"
CERTIFICATE_TEMPLATE = "documents/certificate.html"
SIGNER_OVERLAY_TEMPLATE = "documents/signer_overlay.html"
AGREEMENT_TITLE = "利用申込書兼契約書"
CERTIFICATE_TITLE = "合意締結証明書"
SERVICE_NAME = "Pocket TECH Advisor"
# JAPAN.md §4 (印紙税): printed on the agreement; the signing screen says the same.
STAMP_DUTY_NOTE = ("本契約は電磁的記録により締結するため、印紙税は課されません"
                   "（書面の原本を別途交付する場合を除きます）。")
SIGNER_BLANK = "ご署名欄：電子署名の手続きで記入されます"
# The signer fields of the agreement (templates/documents/_signer_fields.html, imported by
# agreement.html): a caption line then one row of fixed height per field, the last thing of a
# box at the bottom of the last page's page area (A4, bottom margin 18 mm,
# documents/_document.css); the overlay printed at signing uses the same markup and geometry,
# so its values land in the blank cells.
SIGNER_BLOCK = {
    "fields": (("title", "ご署名者の役職"), ("name", "ご署名者の氏名"),
               ("agreed_at", "同意日時"), ("method", "署名の方法")),
    "caption": (f"{SIGNER_BLANK}"
                "（ご署名者・同意日時・方法は、末尾の「合意締結証明書」にも記載されます）"),
    "label_mm": 42, "row_mm": 8, "caption_mm": 5,
}
SIGNER_VALUE_PT = 10  # the values' size; a value too long for its cell is printed smaller
_SIGNER_VALUE_MM = 178 - 42 - 4  # the value cell between its paddings
METHOD_EMAIL = "電子署名（立会人型）・運営者シールで封緘"
METHOD_IN_BRANCH = "店頭で本人確認のうえ電子署名"
_OVERLAY_NAME = pdf_name("/PtaSignerFields")  # the overlay's XObject name on the page
AUTH_EMAIL = "メールのリンク＋アクセスコード（別経路で通知）"
AGREED_KIND = "agreed"  # SigningEvent.kind of the signer's agreement
_PT_PER_MM = 72 / 25.4
PAGE_MARGIN_LEFT_MM = 16  # documents/_document.css


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it has no such day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _document(title: str, agreement: SubscriptionAgreement) -> dict:
    return {"title": title, "case_number": agreement.case.case_number,
            "issuer": platform_name(), "document_id": agreement.document_id}


def _parties(agreement: SubscriptionAgreement) -> dict:
    client, case = agreement.client, agreement.case
    return {
        "client": {
            "name": client.name,
            "postal_code": client.postal_code,
            "address": _place(client.prefecture, client.municipality) + client.address,
            "representative_title": client.representative_title,
            "representative_name": client.representative_name,
        },
        "platform": platform_name(),
        "bank": {"name": agreement.bank.name},
        "branch": {"name": agreement.branch.name},
        "officer": {"name": case.officer.name},
    }


def _included(plan_code: str) -> list[str]:
    with db.session.no_autoflush:  # the agreement may be pending, its PDF not rendered yet
        plan = db.session.scalar(sa.select(Plan).where(Plan.code == plan_code))
    return list(plan.included or []) if plan else []


def _consent(agreement: SubscriptionAgreement) -> dict | None:
    consent = agreement.case.consent
    if consent is None:
        return None
    return {"items": [item_label(c) for c in consent.items or []],
            "consented_on": wareki(consent.consented_on)}


# -- 利用申込書兼契約書 ------------------------------------------------------------------------


def agreement_context(agreement: SubscriptionAgreement) -> dict:
    """Everything templates/documents/agreement.html prints, as plain values: the terms from
    the agreement's snapshot (plan, fee, start, term, notice), what the plan includes (the
    Plan row, when it still exists), the consent in force, and the signer fields, blank (filled
    at signing by `fill_signer_block`; the signer is also printed on the 合意締結証明書)."""
    start = agreement.starts_on
    first_term_end = add_months(start, agreement.term_months) - timedelta(days=1)
    return {
        "document": _document(AGREEMENT_TITLE, agreement),
        "version": agreement.version,
        "created_on": wareki(to_jst(agreement.created_at or utcnow()).date()),
        "service_name": SERVICE_NAME,
        **_parties(agreement),
        "plan": {"code": agreement.plan_code, "name": agreement.plan_name,
                 "monthly_fee": agreement.monthly_fee,
                 "included": _included(agreement.plan_code)},
        "price": price_context(agreement.monthly_fee, agreement.tax_rate_percent),
        "starts_on": wareki_with_seireki(start),
        "first_term_ends_on": wareki_with_seireki(first_term_end),
        "term_months": agreement.term_months,
        "notice_days": agreement.notice_days,
        "service_nature": SERVICE_NATURE,
        "consent": _consent(agreement),
        "purpose": PURPOSE,
        "no_tying": NO_TYING_STATEMENT,
        "stamp_duty": STAMP_DUTY_NOTE,
        "signer_block": SIGNER_BLOCK,
    }


def render_agreement(agreement: SubscriptionAgreement) -> bytes:
    """The agreement as sent (rendered once; the sealed PDF keeps these bytes' pages)."""
    return render_pdf(AGREEMENT_TEMPLATE, agreement_context(agreement))


# -- 合意締結証明書 ----------------------------------------------------------------------------


def auth_label(auth: dict) -> str:
    """How the signer was authenticated, as printed (auth["text"] when the caller words it)."""
    if auth.get("text"):
        return auth["text"]
    if auth.get("mode") == SigningMode.IN_BRANCH:
        return f"店頭での本人確認（確認者：担当 {auth.get('confirmed_by') or '—'}）"
    return AUTH_EMAIL


def _events(events: list[SigningEvent]) -> list[dict]:
    return [{"at": format_jst(e.at, with_seconds=True), "label": e.label,
             "actor": e.actor_name, "ip": e.ip}
            for e in sorted(events, key=lambda e: (e.at, e.id or 0))]


def agreed_event(events: list[SigningEvent]) -> SigningEvent | None:
    """The signer's last 「agreed」 event (by time), if any."""
    agreed = [e for e in events if e.kind == AGREED_KIND]
    return max(agreed, key=lambda e: (e.at, e.id or 0)) if agreed else None


def _page_count(pdf: bytes | None) -> int | None:
    return int(PdfFileReader(io.BytesIO(pdf)).root["/Pages"]["/Count"]) if pdf else None


def _reserved() -> dict:
    """Page geometry around SEAL_BOX, in mm: the bottom margin covers the stamp area (+ 10 mm:
    the seal details, left of the box, are as tall as it and their heading) so the flow
    never reaches either; the footer line prints below them."""
    x1, y1, _, y2 = (v / _PT_PER_MM for v in SEAL_BOX)
    bottom = y2 + 10
    return {"bottom_mm": round(bottom, 1),
            "footer_mm": round(max(2.0, y1 - 8), 1),
            "seal_width_mm": round(x1 - PAGE_MARGIN_LEFT_MM - 4, 1),
            "seal_drop_mm": round(bottom - y1, 1)}


def certificate_context(agreement: SubscriptionAgreement, events: list[SigningEvent], *,
                        signer: dict, auth: dict, sealed_at: datetime, seal_subject: str,
                        seal_fingerprint: str) -> dict:
    """Everything templates/documents/certificate.html prints, as plain values.

    signer: {"name", "title", "email"} as entered/addressed at signing; optionally
            "addressee" (the name the link was sent to / confirmed in the branch),
            "addressee_role" (how to call that person) and "addressee_differs".
    auth: {"mode": SigningMode (or its value), "confirmed_by": officer name (in branch),
           "text": optional wording that replaces the printed method, "ip", "user_agent"};
           without ip/user_agent, those of the last "agreed" event are printed.
    sealed_at: the seal's signing time (server clock); printed in JST.
    seal_subject / seal_fingerprint: the platform seal certificate's subject and SHA-256
    fingerprint, as strings."""
    agreed = agreed_event(events)
    return {
        "document": _document(CERTIFICATE_TITLE, agreement),
        "agreement": {"title": AGREEMENT_TITLE, "version": agreement.version,
                      "document_id": agreement.document_id, "sha256": agreement.sha256,
                      "pages": _page_count(agreement.pdf)},
        **_parties(agreement),
        "plan": {"name": agreement.plan_name},
        "price": price_context(agreement.monthly_fee, agreement.tax_rate_percent),
        "starts_on": wareki_with_seireki(agreement.starts_on),
        "signer": {"name": signer.get("name", ""), "title": signer.get("title", ""),
                   "email": signer.get("email", ""), "addressee": signer.get("addressee", ""),
                   "addressee_role": signer.get("addressee_role", "署名依頼の宛先"),
                   "addressee_differs": bool(signer.get("addressee_differs"))},
        "auth": {"label": auth_label(auth),
                 "ip": auth.get("ip") or (agreed.ip if agreed else ""),
                 "user_agent": auth.get("user_agent") or (agreed.user_agent if agreed else "")},
        "events": _events(events),
        "seal": {"subject": seal_subject, "fingerprint": seal_fingerprint,
                 "at": format_jst(sealed_at, with_seconds=True)},
        "reserved": _reserved(),
    }


def render_certificate(agreement: SubscriptionAgreement, events: list[SigningEvent], *,
                       signer: dict, auth: dict, sealed_at: datetime, seal_subject: str,
                       seal_fingerprint: str) -> bytes:
    return render_pdf(CERTIFICATE_TEMPLATE, certificate_context(
        agreement, events, signer=signer, auth=auth, sealed_at=sealed_at,
        seal_subject=seal_subject, seal_fingerprint=seal_fingerprint))


# -- merge -----------------------------------------------------------------------------------


def append_pages(base: bytes, extra: bytes) -> bytes:
    """One PDF: the pages of `base`, then the pages of `extra`, written as an incremental
    update of `base` (pyHanko, as the seal after it): the result starts with `base`'s bytes
    unchanged, so the agreement as sent, its pages and its document information (title) are
    literally inside the sealed file. No encryption. Done before the seal: after it the file
    is append-only."""
    writer = IncrementalPdfFileWriter(io.BytesIO(base))
    source = PdfFileReader(io.BytesIO(extra))
    for index in range(int(source.root["/Pages"]["/Count"])):
        ref, resources = source.find_page_for_modification(index)
        page = ref.get_object()
        del page["/Parent"]  # insert_page links it into this file's page tree
        page.setdefault(pdf_name("/Resources"), resources)  # when inherited
        writer.insert_page(writer.import_object(page))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- signer fields -----------------------------------------------------------------------------


def signing_method(mode) -> str:
    """The signing method as printed in the agreement's signer fields."""
    return METHOD_IN_BRANCH if mode == SigningMode.IN_BRANCH else METHOD_EMAIL


def format_agreed_at(moment: datetime) -> str:
    """「2026年12月3日 18:30」 (JST)."""
    t = to_jst(moment)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def _fitted(value: str) -> dict:
    """A value on one line in its cell: SIGNER_VALUE_PT, or smaller when it is too long
    (wide characters count 1 em, others about 0.6 em)."""
    text = " ".join((value or "").split())
    ems = sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6 for c in text)
    fit = _SIGNER_VALUE_MM / (ems * 25.4 / 72) if ems else SIGNER_VALUE_PT
    return {"text": text, "pt": round(min(SIGNER_VALUE_PT, fit * 0.97), 2)}


def render_signer_overlay(*, name: str, title: str, agreed_at: datetime, method: str) -> bytes:
    """One transparent A4 page with only the signer's values, where the fields are."""
    values = {"title": title, "name": name, "agreed_at": format_agreed_at(agreed_at),
              "method": method}
    return render_pdf(SIGNER_OVERLAY_TEMPLATE, {
        "document": {"title": AGREEMENT_TITLE, "case_number": "", "issuer": ""},
        "signer_block": SIGNER_BLOCK,
        "values": {key: _fitted(value) for key, value in values.items()}})


def fill_signer_block(pdf: bytes, *, name: str, title: str, agreed_at: datetime,
                      method: str) -> bytes:
    """The agreement `pdf` with the signer's title, name (as typed), time of agreement (JST)
    and signing method printed in the signer fields of its last page (SIGNER_BLOCK).

    An incremental update (pyHanko): the overlay page rendered with WeasyPrint (same fonts,
    the prepared rare-character faces included) is imported as a Form XObject and drawn over
    the last page, the page's own content wrapped in q/Q; nothing else changes and the
    result starts with `pdf`'s bytes unchanged."""
    overlay = PdfFileReader(io.BytesIO(render_signer_overlay(
        name=name, title=title, agreed_at=agreed_at, method=method)))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    form = writer.import_page_as_xobject(overlay, 0)
    last = int(writer.root["/Pages"]["/Count"]) - 1
    writer.add_stream_to_page(last, writer.add_object(generic.StreamObject(stream_data=b"q")),
                              prepend=True)
    paint = b"Q q " + _OVERLAY_NAME.encode("ascii") + b" Do Q"
    writer.add_stream_to_page(
        last, writer.add_object(generic.StreamObject(stream_data=paint)),
        generic.DictionaryObject({pdf_name("/XObject"): generic.DictionaryObject(
            {_OVERLAY_NAME: form})}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
