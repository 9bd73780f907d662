"""Proposals (ご提案書): the document's content from a case, and issuing it as a stored,
versioned PDF. No request globals; flush, never commit."""
import hashlib
import re
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app

from app.audit.services import record
from app.documents.render import render_pdf
from app.errors import DomainError
from app.extensions import db
from app.japan.dates import today_jst, wareki, wareki_with_seireki
from app.japan.identifiers import JSIC_DIVISIONS
from app.japan.money import taxed_total
from app.japan.text import format_phone
from app.matching.inference import detect_warnings
from app.models import Advisor, Case, CaseStatus, Plan, Proposal, ReferralStatus, User, utcnow
from app.proposals.support_plan import build_support_plan
from app.subsidies.services import subsidy_estimates

TEMPLATE = "documents/proposal.html"
MAX_ADVISORS = 3
# JAPAN.md §4 — printed word for word on the proposal, the consent and the agreement.
NO_TYING_STATEMENT = "本サービスのご利用の有無は、当金庫とのお取引に一切影響いたしません。"
SKILL_LEVELS = {3: "専門", 2: "実務経験", 1: "基礎"}
NEXT_STEPS = [
    "本提案書の内容をご確認ください。ご不明な点は、下記の担当者までお気軽にお問い合わせください。",
    "ご利用を希望される場合は、アドバイザーへの情報提供について「個人情報の第三者提供に関する"
    "同意」をいただきます（ご提供いただく項目と提供先を書面または電子でご確認いただきます）。",
    "当金庫にて紹介の手続きを行い、「利用申込書兼契約書」を電子契約でお送りします。",
    "ご契約後、アドバイザーとの初回面談（キックオフ）の日程を調整し、支援を開始します。",
]
SUBSIDY_NOTE = (
    "ご利用いただける可能性のある補助金・助成金（専門家活用・IT導入等）は、所在地や事業内容、"
    "申請の時期によって異なるため、別途確認のうえ担当者よりご案内いたします。"
    "補助額は概算であり、審査により変動します（採択を保証するものではありません）。"
)

SERVICE_NATURE = (
    "本サービスは、アドバイザーによる助言・支援（準委任契約）です。"
    "常駐や雇用の形でのご支援ではありません。"
)
WITHHELD_NOTE = "個人情報の保護などの観点から、お話の一部は本書に記載していません。"
_SENTENCE = re.compile(r"[^。．！？!?\n]*(?:[。．！？!?]+|\n|$)")
# The matching engine's reasons are for the officer. Those about the advisor's free capacity
# (「稼働枠あり（残り1）」) or rating and track record (「評価4.3・実績4件」「評価4.3」「実績4件」)
# are internal and never printed for the client: a reason starting with one of these is left
# out of the proposal.
INTERNAL_REASON_PREFIXES = ("稼働枠", "評価", "実績")
_REASON_LEVEL = re.compile(r"（レベル([1-3])）$")

AdvisorChoice = tuple[Advisor, list[str]]


class ProposalError(DomainError):
    """The proposal cannot be issued as asked; the message is Japanese, for the officer."""


def _check_advisors(advisors: Sequence[AdvisorChoice]) -> None:
    if not advisors:
        raise ProposalError("ご提案するアドバイザーを1名以上選んでください。")
    if len(advisors) > MAX_ADVISORS:
        raise ProposalError(f"ご提案できるアドバイザーは{MAX_ADVISORS}名までです。")
    ids = [a.external_id for a, _ in advisors]
    if len(set(ids)) != len(ids):
        raise ProposalError("同じアドバイザーが重複して選ばれています。")


def _place(prefecture: str, municipality: str) -> str:
    if prefecture and municipality.startswith(prefecture):
        return municipality
    return f"{prefecture}{municipality}"


def without_flagged_sentences(text: str) -> tuple[str, bool]:
    """`text` without the sentences that raise any warning of detect_warnings, and whether
    any went: sensitive personal information (JAPAN.md §4: health, 本籍, religion … are not
    collected and never printed) and wishes that read like hiring (「週3日常駐」「社員として」,
    which contradict the 準委任 nature the proposal states)."""
    warnings = detect_warnings(text)
    if not warnings:
        return text, False
    sentences = [s for s in _SENTENCE.findall(text) if s]
    kept = [s for s in sentences if not detect_warnings(s)]
    leftover = detect_warnings("".join(kept))
    if leftover:  # a match that only reads across sentences: drop every sentence with its words
        words = [w for warning in (*warnings, *leftover) for w in warning.matched]
        kept = [s for s in kept if not any(w in s for w in words)]
    return "".join(kept).strip(), True


def client_reasons(reasons: Sequence[str]) -> list[str]:
    """The matching reasons the client may read: internal ones (capacity, rating, track
    record: INTERNAL_REASON_PREFIXES) left out, skill levels in the proposal's words."""
    return [_REASON_LEVEL.sub(lambda m: f"（{SKILL_LEVELS[int(m.group(1))]}）", r)
            for r in reasons if not r.startswith(INTERNAL_REASON_PREFIXES)]


def _advisor_context(advisor: Advisor, reasons: list[str], needs: list[str]) -> dict:
    """An advisor as the client reads it: skills on the client's needs first."""
    skills = sorted(advisor.skills, key=lambda s: (s.tag not in needs, -s.level, s.id or 0))
    return {
        "external_id": advisor.external_id,
        "name": advisor.name,
        "name_kana": advisor.name_kana,
        "hometown": _place(advisor.hometown_prefecture, advisor.hometown_municipality),
        "residence": _place(advisor.residence_prefecture, advisor.residence_municipality),
        "skills": [{"tag": s.tag, "level": s.level, "label": SKILL_LEVELS.get(s.level, ""),
                    "matches": s.tag in needs} for s in skills],
        "industries": [JSIC_DIVISIONS.get(i, i) for i in advisor.industries or []],
        "tools": list(advisor.tools or []),
        "onsite": bool(advisor.onsite),
        "bio": advisor.bio,
        "reasons": client_reasons(reasons),
    }


def price_context(monthly_fee: int, rate_percent: int) -> dict:
    """Monthly and annual (12 months) prices. Each total's tax is computed once on that total
    (JAPAN.md §3), so the annual tax is not twelve rounded monthly taxes."""
    monthly = taxed_total([monthly_fee], rate_percent)
    annual = taxed_total([monthly_fee] * 12, rate_percent)
    return {"rate_percent": rate_percent, "monthly": monthly, "annual": annual}


def proposal_context(case: Case, plan: Plan, advisors_with_reasons: Sequence[AdvisorChoice],
                     issued_on: date, *, version: int | None = None,
                     preview: bool = False) -> dict:
    """Everything templates/documents/proposal.html prints, as plain values.
    `case` may be unsaved (command-line preview); it needs bank, branch, officer, client and
    intake set."""
    client, intake = case.client, case.intake
    needs = intake.all_needs
    accepted = set(intake.accepted_needs or []) - set(intake.needs or [])
    bank, branch, officer = case.bank, case.branch, case.officer
    rate = current_app.config.get("CONSUMPTION_TAX_RATE_PERCENT", 10)
    notes, notes_withheld = without_flagged_sentences(intake.notes or "")
    situation, situation_withheld = without_flagged_sentences(intake.current_situation or "")
    issuer = " ".join(p for p in (bank.name, branch.name) if p)
    return {
        "document": {"title": "ご提案書", "case_number": case.case_number, "issuer": issuer},
        "preview": preview,
        "version": version,
        "issued_on": issued_on,
        "issued_on_wareki": wareki(issued_on),
        # The annual total covers 12 months from a later start: 西暦 alongside (JAPAN.md §3).
        "issued_on_full": wareki_with_seireki(issued_on),
        "bank": {"name": bank.name},
        "branch": {
            "name": branch.name,
            "address": _place(branch.prefecture, branch.municipality) + (branch.address or ""),
            "phone": format_phone(branch.phone or ""),
        },
        "officer": {"name": officer.name, "email": officer.email},
        "client": {
            "name": client.name,
            "representative_title": client.representative_title,
            "representative_name": client.representative_name,
            "postal_code": client.postal_code,
            "address": _place(client.prefecture, client.municipality) + client.address,
            "industry": JSIC_DIVISIONS.get(client.industry, ""),
            "employees": client.employees,
        },
        "intake": {
            "needs": [{"tag": n, "inferred": n in accepted} for n in needs],
            "current_situation": situation,
            "notes": notes,
            "withheld_note": WITHHELD_NOTE if notes_withheld or situation_withheld else "",
            "tools": list(intake.tools or []),
            "budget_monthly_max": intake.budget_monthly_max,
            "urgency": intake.urgency or "",
            "onsite_required": bool(intake.onsite_required),
            "decision_maker": intake.decision_maker or "",
        },
        "advisors": [_advisor_context(a, r, needs) for a, r in advisors_with_reasons],
        "plan": {"code": plan.code, "name": plan.name, "monthly_fee": plan.monthly_fee,
                 "summary": plan.summary or "", "included": list(plan.included or [])},
        "price": price_context(plan.monthly_fee, rate),
        "service_nature": SERVICE_NATURE,
        "subsidy_note": SUBSIDY_NOTE,
        "subsidies": subsidy_estimates(client, plan.monthly_fee, today=issued_on),
        "support_plan": build_support_plan(needs, list(intake.tools or []),
                                           bool(intake.onsite_required), intake.urgency or "",
                                           plan.code, plan.name),
        "next_steps": NEXT_STEPS,
        "no_tying": NO_TYING_STATEMENT,
    }


def next_version(case: Case) -> int:
    current = db.session.scalar(
        sa.select(sa.func.max(Proposal.version)).where(Proposal.case_id == case.id))
    return (current or 0) + 1


def issue_proposal(case: Case, plan: Plan, issued_by: User | None, *,
                   advisors: list[AdvisorChoice] | None = None,
                   now: datetime | None = None, ip: str = "") -> Proposal:
    """Render and store a new version of the case's proposal.

    Preconditions: 1–3 distinct advisors (given, or the case's selections with their stored
    reasons). Transition: a new Proposal row (version = previous max + 1; earlier versions
    are never touched) holding the PDF bytes, SHA-256, size and a snapshot of plan and
    advisors; the case becomes PROPOSED with this plan. Raises ProposalError.
    The PDF is rendered before anything is written, so no write transaction is held during
    the render."""
    referral = case.referral
    if referral is not None and referral.status not in (ReferralStatus.RETURNED,
                                                         ReferralStatus.WITHDRAWN):
        raise ProposalError(f"紹介稟議が「{referral.status_label}」のため、"
                            "提案書は発行し直せません。")
    if advisors is None:
        advisors = [(s.advisor, list(s.reasons or [])) for s in case.selections]
    _check_advisors(advisors)
    now = now or utcnow()
    version = next_version(case)
    context = proposal_context(case, plan, advisors, today_jst(now), version=version)
    pdf = render_pdf(TEMPLATE, context)
    proposal = Proposal(
        case=case,
        version=version,
        plan_code=plan.code,
        plan_name=plan.name,
        monthly_fee=plan.monthly_fee,
        advisor_external_ids=[a.external_id for a, _ in advisors],
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size_bytes=len(pdf),
        issued_by=issued_by,
        issued_at=now,
    )
    db.session.add(proposal)
    case.status = CaseStatus.PROPOSED
    case.plan = plan
    db.session.flush()
    if case.id is not None:
        record(issued_by, "proposal.issue", "proposal", proposal.id, case_id=case.id, ip=ip, at=now,
               bank_id=case.bank_id,
               summary=f"{case.case_number} 提案書（第{version}版・{plan.name}）を発行しました。",
               after={"sha256": proposal.sha256, "plan": plan.code,
                      "advisors": proposal.advisor_external_ids})
    return proposal
