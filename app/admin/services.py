"""Settings kept by the operator and 本部: plans, subsidy programmes, bank settings. Every
change goes to the audit log with who, when, from where and the values before and after;
a form saved over someone else's newer change is refused. No request globals; flush, never
commit."""
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.admin.validation import BANK_FIELDS, BANK_LABELS, PLAN_FIELDS, PLAN_LABELS
from app.audit.services import record, snapshot
from app.errors import DomainError
from app.extensions import db
from app.japan.dates import today_jst
from app.models import Bank, Branch, Plan, Role, SubsidyProgramme, User
from app.subsidies.terms import TO_CONFIRM, fiscal_year_label, fiscal_year_of
from app.subsidies.validation import FIELD_LABELS as PROGRAMME_FORM_LABELS

PROGRAMME_FIELDS = [
    "name", "scope", "prefecture", "municipality", "municipality_code", "fiscal_year",
    "rate_numerator", "rate_denominator", "cap_yen", "rounding_unit_yen",
    "eligible_cost_types", "covers_advisory_fees", "application_window", "conditions",
    "documents_required", "source_note", "active",
]
# What the audit log shows of a programme: the rate as one value (「2/3」 → 「1/2」).
PROGRAMME_AUDITED = [("rate_label" if f == "rate_numerator" else f) for f in PROGRAMME_FIELDS
                     if f != "rate_denominator"]
PROGRAMME_LABELS = {
    **{f: PROGRAMME_FORM_LABELS[f] for f in PROGRAMME_AUDITED if f in PROGRAMME_FORM_LABELS},
    "rate_label": "補助率", "conditions": "条件",
}


@dataclass(frozen=True)
class Audited:
    writable: list[str]  # the columns a form may set
    shown: list[str]  # what the audit row and the edit token record
    labels: dict[str, str]


AUDITED = {
    "plan": Audited(PLAN_FIELDS, PLAN_FIELDS, PLAN_LABELS),
    "subsidy_programme": Audited(PROGRAMME_FIELDS, PROGRAMME_AUDITED, PROGRAMME_LABELS),
    "bank": Audited(BANK_FIELDS, BANK_FIELDS, BANK_LABELS),
}


class StaleEdit(DomainError):
    """Someone saved the record after this form was opened (lost update prevented)."""


class DuplicateRecord(DomainError):
    """The key is taken; `field` names the form input to show the message at."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def edit_token(obj: Any, record_type: str) -> str:
    """A digest of the record as the form showed it. Saving compares it with the record as
    it is now, so a change someone else saved in between is never silently overwritten
    (plans and banks have no version column)."""
    text = json.dumps(snapshot(obj, AUDITED[record_type].shown), ensure_ascii=False,
                      sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _create(obj: Any, record_type: str, title: str, *, actor: User | None, ip: str,
            summary: str = "", bank_id: int | None = None) -> None:
    db.session.add(obj)
    db.session.flush()
    record(actor, f"{record_type}.create", record_type, obj.id,
           summary=summary or f"{title}を登録しました",
           after=snapshot(obj, AUDITED[record_type].shown), ip=ip, bank_id=bank_id)


def _update(obj: Any, record_type: str, title: str, values: Mapping[str, Any], *,
            actor: User | None, ip: str, expected_token: str | None,
            bank_id: int | None = None) -> bool:
    """Apply the values that differ and audit them (only the changed fields, before and
    after). Returns False, writing nothing, when nothing changed. `expected_token` None
    skips the stale-form check (seeding, not a form)."""
    audited = AUDITED[record_type]
    updates = {f: values[f] for f in audited.writable
               if f in values and getattr(obj, f) != values[f]}
    # A stale form that asks for what is already stored (a double submit) is not a conflict.
    if updates and expected_token is not None and expected_token != edit_token(obj, record_type):
        raise StaleEdit("ほかの方がこの設定を先に更新しました。最新の内容を確認してから、"
                        "もう一度保存してください。")
    before = snapshot(obj, audited.shown)
    for field, value in updates.items():
        setattr(obj, field, value)
    after = snapshot(obj, audited.shown)
    changed = [f for f in audited.shown if before[f] != after[f]]
    if not changed:
        return False
    db.session.flush()
    record(actor, f"{record_type}.update", record_type, obj.id,
           summary=f"{title}を変更しました（{'、'.join(audited.labels[f] for f in changed)}）",
           before={f: before[f] for f in changed}, after={f: after[f] for f in changed},
           ip=ip, bank_id=bank_id)
    return True


# --- plans --------------------------------------------------------------------------------

def create_plan(values: Mapping[str, Any], *, actor: User | None, ip: str = "") -> Plan:
    """A new plan from cleaned values (clean_plan). Raises DuplicateRecord for a taken code."""
    if db.session.scalar(sa.select(Plan.id).where(Plan.code == values["code"])) is not None:
        raise DuplicateRecord(f"プランコード「{values['code']}」はすでに使われています。", "code")
    plan = Plan(**{f: values[f] for f in PLAN_FIELDS})
    _create(plan, "plan", f"プラン「{plan.name}」", actor=actor, ip=ip)
    return plan


def update_plan(plan: Plan, values: Mapping[str, Any], *, actor: User | None,
                expected_token: str | None, ip: str = "") -> bool:
    """Change a plan's name, price, contents, order or state. The code is its key (the
    command line and the seed use it) and stays. Proposals already issued keep the name and
    price they were issued with (Proposal.plan_name / monthly_fee and the stored PDF).
    Raises StaleEdit."""
    values = {k: v for k, v in values.items() if k != "code"}
    return _update(plan, "plan", f"プラン「{plan.name}」", values, actor=actor, ip=ip,
                   expected_token=expected_token)


# --- subsidy programmes ---------------------------------------------------------------------

def _check_programme_key(name: str, fiscal_year: int, exclude_id: int | None = None) -> None:
    stmt = sa.select(SubsidyProgramme.id).where(SubsidyProgramme.name == name,
                                                SubsidyProgramme.fiscal_year == fiscal_year)
    if exclude_id is not None:
        stmt = stmt.where(SubsidyProgramme.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise DuplicateRecord(f"{fiscal_year_label(fiscal_year)}の「{name}」はすでに登録されて"
                              "います。", "name")


def _programme_title(values: Mapping[str, Any]) -> str:
    return f"補助金「{values['name']}」（{fiscal_year_label(values['fiscal_year'])}）"


def create_programme(values: Mapping[str, Any], *, actor: User | None, ip: str = "",
                     summary: str = "") -> SubsidyProgramme:
    """A new programme from cleaned values (clean_programme). Raises DuplicateRecord when
    the same name exists for the fiscal year."""
    _check_programme_key(values["name"], values["fiscal_year"])
    programme = SubsidyProgramme(**{f: values[f] for f in PROGRAMME_FIELDS})
    _create(programme, "subsidy_programme", _programme_title(values), actor=actor, ip=ip,
            summary=summary)
    return programme


def update_programme(programme: SubsidyProgramme, values: Mapping[str, Any], *,
                     actor: User | None, expected_token: str | None, ip: str = "") -> bool:
    """Change a programme from cleaned values. Raises StaleEdit, DuplicateRecord."""
    _check_programme_key(values["name"], values["fiscal_year"], exclude_id=programme.id)
    return _update(programme, "subsidy_programme", _programme_title(
        {"name": programme.name, "fiscal_year": programme.fiscal_year}), values,
        actor=actor, ip=ip, expected_token=expected_token)


def copy_programme(programme: SubsidyProgramme, *, actor: User | None, ip: str = "",
                   today: date | None = None) -> SubsidyProgramme:
    """Start next year's record of a programme (rules change every year): a copy for the
    current fiscal year (or the next one, when the programme is already current), inactive,
    with a 要確認 condition asking to check the new rules before it is switched on — so an
    old year's amounts are never offered as this year's. Raises DuplicateRecord."""
    current = fiscal_year_of(today or today_jst())
    year = max(programme.fiscal_year + 1, current)
    source_year = fiscal_year_label(programme.fiscal_year)
    values = snapshot(programme, PROGRAMME_FIELDS)
    values.update(
        scope=programme.scope, fiscal_year=year, active=False,
        # Appended: conditions are kept in canonical order, 要確認 last (clean_programme).
        conditions=[*(programme.conditions or []), {"kind": TO_CONFIRM, "text": (
            f"{source_year}の内容を複製しました。{fiscal_year_label(year)}の募集要項で補助率・"
            "上限額・条件・申請期間を確認し、修正してから有効にしてください。")}],
        source_note=f"{source_year}版から複製。{source_year}の出典：{programme.source_note}"[:1000],
    )
    return create_programme(values, actor=actor, ip=ip, summary=(
        f"{_programme_title(values)}を{source_year}版から複製しました（無効の状態）"))


# --- bank settings -----------------------------------------------------------------------------

def update_bank_settings(bank: Bank, values: Mapping[str, Any], *, actor: User | None,
                         expected_token: str | None, ip: str = "") -> bool:
    """Referral fee terms, the 本部 approval threshold, whether a 役席 approves before the
    branch manager, and the competitor list of one bank, from cleaned values
    (clean_bank_settings). The audit row belongs to the bank, so its 本部 sees the
    operator's changes too. Raises StaleEdit."""
    return _update(bank, "bank", f"{bank.name}の設定", values, actor=actor, ip=ip,
                   expected_token=expected_token, bank_id=bank.id)


# --- named deputies (代理承認者) -------------------------------------------------------------

def deputy_candidates(bank: Bank) -> list[tuple[Branch, list[User]]]:
    """Each branch of the bank in code order with its active 役席, by name."""
    supervisors = db.session.scalars(
        sa.select(User).where(User.bank_id == bank.id, User.role == Role.SUPERVISOR,
                              User.active.is_(True)).order_by(User.name, User.id)).all()
    return [(branch, [u for u in supervisors if u.branch_id == branch.id])
            for branch in bank.branches]


def set_deputy(user: User, named: bool, *, actor: User | None, ip: str = "") -> bool:
    """Name a 役席 as 代理承認者 (may approve on the branch manager's behalf), or take the
    naming back. Audited on the user's bank as user.deputy with before and after. Returns
    False, writing nothing, when the user is already in that state (a double submit).
    Raises DomainError for anyone but a 役席."""
    if user.role != Role.SUPERVISOR:
        raise DomainError("代理承認者に指名できるのは役席だけです。")
    if user.can_approve_on_behalf == named:
        return False
    user.can_approve_on_behalf = named
    db.session.flush()
    branch = user.branch.name if user.branch else ""
    record(actor, "user.deputy", "user", user.id,
           summary=f"{user.name}（{branch} 役席）を代理承認者に"
                   f"{'指名しました' if named else '指名から外しました'}",
           before={"can_approve_on_behalf": not named}, after={"can_approve_on_behalf": named},
           ip=ip, bank_id=user.bank_id)
    return True


USER_LABELS = {"can_approve_on_behalf": "代理承認者"}


def field_labels(record_type: str) -> Mapping[str, str]:
    """Labels of the audited fields of a record type; empty for types kept elsewhere."""
    if record_type == "user":
        return USER_LABELS
    return AUDITED[record_type].labels if record_type in AUDITED else {}
