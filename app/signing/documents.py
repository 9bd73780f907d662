"""The two documents of the online signing (issue 5), as plain-value contexts and PDF bytes:

- 利用申込書兼契約書 (subscription agreement): between the client and the platform operator,
  the bank named as 紹介者; rendered once when sent and never again (its bytes and SHA-256
  are what the signer agrees to);
- 合意締結証明書 (certificate of agreement): one page appended at signing, inside the sealed
  PDF: the agreement's document ID and SHA-256 as sent, the signer, how they were
  authenticated, every signing event, the platform seal; an empty area at the bottom right
  (SEAL_BOX) where the visible seal stamp is drawn.

`append_pages` joins the two before the seal. No request globals; nothing is written here."""
import calendar
import io
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter

from app.documents.render import render_pdf
from app.extensions import db
from app.japan.dates import format_jst, to_jst, wareki, wareki_with_seireki
from app.models import Plan, SigningEvent, SigningMode, SubscriptionAgreement
from app.proposals.services import NO_TYING_STATEMENT, SERVICE_NATURE, _place, price_context
from app.referrals.consent_items import PURPOSE, item_label, platform_name

AGREEMENT_TEMPLATE = "documents/agreement.html"
CERTIFICATE_TEMPLATE = "documents/certificate.html"
AGREEMENT_TITLE = "利用申込書兼契約書"
CERTIFICATE_TITLE = "合意締結証明書"
SERVICE_NAME = "Pocket TECH Advisor"
# JAPAN.md §4 (印紙税): printed on the agreement; the signing screen says the same.
STAMP_DUTY_NOTE = ("本契約は電磁的記録により締結するため、印紙税は課されません"
                   "（書面の原本を別途交付する場合を除きます）。")
SIGNER_BLANK = "ご署名欄：電子署名の手続きで記入されます"
AUTH_EMAIL = "メールのリンク＋アクセスコード（別経路で通知）"
# Where pyHanko draws the visible seal stamp on the certificate page: (x1, y1, x2, y2) in PDF
# points, origin bottom-left, A4 595×842. The certificate keeps it empty: its bottom margin
# starts above y2 and the footer prints below y1.
SEAL_BOX = (300, 40, 560, 120)
_PT_PER_MM = 72 / 25.4


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
    Plan row, when it still exists), the consent in force, and a blank signer block (the
    signer's name and title are printed on the 合意締結証明書, never into this document)."""
    start = agreement.starts_on
    first_term_end = add_months(start, agreement.term_months) - timedelta(days=1)
    return {
        "document": _document(AGREEMENT_TITLE, agreement),
        "version": agreement.version,
        "created_on": wareki(to_jst(agreement.created_at).date()),
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
        "signer_blank": SIGNER_BLANK,
    }


def render_agreement(agreement: SubscriptionAgreement) -> bytes:
    """The agreement as sent (rendered once; the sealed PDF keeps these bytes' pages)."""
    return render_pdf(AGREEMENT_TEMPLATE, agreement_context(agreement))


# -- 合意締結証明書 ----------------------------------------------------------------------------


def auth_label(auth: dict) -> str:
    """How the signer was authenticated, as printed."""
    if auth.get("mode") == SigningMode.IN_BRANCH:
        return f"店頭での本人確認（確認者：担当 {auth.get('confirmed_by') or '—'}）"
    return AUTH_EMAIL


def _events(events: list[SigningEvent]) -> list[dict]:
    return [{"at": format_jst(e.at, with_seconds=True), "label": e.label,
             "actor": e.actor_name, "ip": e.ip}
            for e in sorted(events, key=lambda e: (e.at, e.id or 0))]


def _page_count(pdf: bytes | None) -> int | None:
    return len(PdfReader(io.BytesIO(pdf)).pages) if pdf else None


def certificate_context(agreement: SubscriptionAgreement, events: list[SigningEvent], *,
                        signer: dict, auth: dict, sealed_at: datetime, seal_subject: str,
                        seal_fingerprint: str) -> dict:
    """Everything templates/documents/certificate.html prints, as plain values.

    signer: {"name", "title", "email"} as entered/addressed at signing.
    auth: {"mode": SigningMode (or its value), "confirmed_by": officer name (in branch),
           "ip", "user_agent"} of the agreeing request.
    sealed_at: the seal's signing time (server clock); printed in JST.
    seal_subject / seal_fingerprint: the platform seal certificate's subject and SHA-256
    fingerprint, as strings."""
    _, y1, _, y2 = SEAL_BOX
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
                   "email": signer.get("email", "")},
        "auth": {"label": auth_label(auth), "ip": auth.get("ip", ""),
                 "user_agent": auth.get("user_agent", "")},
        "events": _events(events),
        "seal": {"subject": seal_subject, "fingerprint": seal_fingerprint,
                 "at": format_jst(sealed_at, with_seconds=True)},
        # The page's bottom margin covers the stamp area (+ 4 mm), so no text reaches it.
        # The footer line prints below y1.
        "reserved": {"bottom_mm": round(y2 / _PT_PER_MM + 4, 1),
                     "footer_mm": max(2.0, round(y1 / _PT_PER_MM - 8, 1))},
    }


def render_certificate(agreement: SubscriptionAgreement, events: list[SigningEvent], *,
                       signer: dict, auth: dict, sealed_at: datetime, seal_subject: str,
                       seal_fingerprint: str) -> bytes:
    return render_pdf(CERTIFICATE_TEMPLATE, certificate_context(
        agreement, events, signer=signer, auth=auth, sealed_at=sealed_at,
        seal_subject=seal_subject, seal_fingerprint=seal_fingerprint))


# -- merge -----------------------------------------------------------------------------------


def append_pages(base: bytes, extra: bytes) -> bytes:
    """One PDF: every page of `base` unchanged, then the pages of `extra`; `base`'s document
    information (title …) kept, no encryption. Done before the seal: after it the file is
    append-only."""
    writer = PdfWriter(clone_from=io.BytesIO(base))
    writer.append(io.BytesIO(extra), import_outline=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
