"""The two documents of the referral (紹介稟議), as plain-value contexts and PDF bytes:

- 個人情報の第三者提供に関する同意書 (consent form): printed for the client to tick, sign and
  seal on paper before anything about them leaves the bank;
- 紹介票兼同意確認書 (referral document): between the bank and the platform, issued on final
  approval, with the consent record and the approval trail.

No request globals; nothing is written here (issuing and storing is services.py's)."""
from datetime import date, datetime

from flask import current_app

from app.documents.render import render_pdf
from app.japan.dates import to_jst, wareki
from app.models import ActionKind, Case, ConsentRecord, Referral, ReferralAction
from app.proposals.services import NO_TYING_STATEMENT, _place, price_context
from app.referrals.consent_items import (
    CONSENT_ITEMS,
    PURPOSE,
    RECIPIENT_KINDS,
    RETENTION,
    WITHDRAWAL,
    advisors_by_external_id,
    consent_recipients,
    item_label,
    platform_name,
)
from app.referrals.workflow import STEP_LABELS

CONSENT_FORM_TEMPLATE = "documents/consent_form.html"
REFERRAL_TEMPLATE = "documents/referral.html"
CONSENT_FORM_TITLE = "個人情報の第三者提供に関する同意書"
REFERRAL_TITLE = "紹介票兼同意確認書"
SUBMIT_STEP_LABEL = "申請"


def wareki_time(moment: datetime) -> str:
    """'令和8年12月3日 10:30' in JST."""
    jst = to_jst(moment)
    return f"{wareki(jst.date())} {jst:%H:%M}"


def _document(title: str, case: Case) -> dict:
    issuer = " ".join(p for p in (case.bank.name, case.branch.name) if p)
    return {"title": title, "case_number": case.case_number, "issuer": issuer}


def _client(case: Case) -> dict:
    client = case.client
    return {
        "name": client.name,
        "corporate_number": client.corporate_number,
        "postal_code": client.postal_code,
        "address": _place(client.prefecture, client.municipality) + client.address,
        "representative_title": client.representative_title,
        "representative_name": client.representative_name,
    }


def _recipients(recipients: list[dict]) -> list[dict]:
    return [{"kind": r.get("kind", ""), "kind_label": RECIPIENT_KINDS.get(r.get("kind"), ""),
             "name": r.get("name", ""), "external_id": r.get("external_id", "")}
            for r in recipients]


# -- 同意書 (paper consent form) -------------------------------------------------------------


def consent_form_context(case: Case, today: date) -> dict:
    """Everything templates/documents/consent_form.html prints, as plain values: every item
    with an empty box for the client to tick, the recipients as they stand (platform and the
    advisors of the latest proposal), purpose, retention, withdrawal, the no-tying statement,
    and blanks for the date, signature and seal."""
    return {
        "document": _document(CONSENT_FORM_TITLE, case),
        "printed_on": wareki(today),  # the recipients are those of this day
        "bank": {"name": case.bank.name},
        "branch": {"name": case.branch.name},
        "officer": {"name": case.officer.name},
        "client": _client(case),
        "items": [{"code": code, "label": label} for code, label in CONSENT_ITEMS.items()],
        "recipients": _recipients(consent_recipients(case)),
        "purpose": PURPOSE,
        "retention": RETENTION,
        "withdrawal": WITHDRAWAL,
        "no_tying": NO_TYING_STATEMENT,
    }


def render_consent_form(case: Case, today: date) -> bytes:
    return render_pdf(CONSENT_FORM_TEMPLATE, consent_form_context(case, today))


# -- 紹介票兼同意確認書 (referral document) ---------------------------------------------------


def _consent(consent: ConsentRecord) -> dict:
    given = list(consent.items or [])
    return {
        "items": [{"code": c, "label": item_label(c)} for c in given],
        "not_given": [{"code": c, "label": label} for c, label in CONSENT_ITEMS.items()
                      if c not in given],
        "recipients": _recipients(list(consent.recipients or [])),
        "consented_on": wareki(consent.consented_on),
        "method": consent.method_label,
        "consenter_name": consent.consenter_name,
        "consenter_title": consent.consenter_title,
        "obtained_by": consent.obtained_by.name,
        "scan_sha256": consent.scan_sha256,
        "scan_filename": consent.scan_filename,
        "note": consent.note,
    }


def action_label(action: ReferralAction) -> str:
    """承認, 差戻し …; a deputy's approval names the approver stood in for."""
    if action.action == ActionKind.APPROVE_ON_BEHALF and action.on_behalf_of_name:
        return f"{action.label}（{action.on_behalf_of_name}に代わり）"
    return action.label


def _trail(referral: Referral) -> list[dict]:
    """The actions of the final round (the submission that was decided), in order."""
    return [{
        "step": STEP_LABELS.get(a.step, a.step) if a.step else SUBMIT_STEP_LABEL,
        "action": action_label(a),
        "name": a.actor_name,
        "at": wareki_time(a.at),
        "comment": a.comment or "",
    } for a in referral.actions if a.round == referral.round]


def referral_document_context(referral: Referral, today: date) -> dict:
    """Everything templates/documents/referral.html prints, as plain values: the plan and
    fee terms as recorded now (the proposal's snapshot and the bank's current terms), the
    consent record as recorded, the approval trail of the final round."""
    case, proposal, bank = referral.case, referral.proposal, referral.bank
    rate = current_app.config.get("CONSUMPTION_TAX_RATE_PERCENT", 10)
    return {
        "document": _document(REFERRAL_TITLE, case),
        "issued_on": wareki(today),
        "platform": platform_name(),
        "bank": {"name": bank.name},
        "branch": {"name": referral.branch.name},
        "submitter": {"name": referral.submitter.name},
        "client": _client(case),
        "advisors": [{"name": a.name, "external_id": a.external_id}
                     for a in advisors_by_external_id(list(proposal.advisor_external_ids))],
        "plan": {"name": proposal.plan_name, "monthly_fee": proposal.monthly_fee,
                 "version": proposal.version},
        "price": price_context(proposal.monthly_fee, rate),
        "annual_value": referral.annual_value,
        "fee": {"percent": bank.referral_fee_percent, "months": bank.referral_fee_months,
                "monthly": proposal.monthly_fee * bank.referral_fee_percent // 100},
        "consent": _consent(referral.consent),
        "purpose": PURPOSE,
        "status": referral.status_label,
        "decided_at": wareki_time(referral.decided_at) if referral.decided_at else "",
        "round": referral.round,
        "trail": _trail(referral),
        "no_tying": NO_TYING_STATEMENT,
    }


def render_referral_document(referral: Referral, today: date) -> bytes:
    return render_pdf(REFERRAL_TEMPLATE, referral_document_context(referral, today))
