"""A settings record's change history from the audit log, in words for the settings pages
and the audit log page: who, when, and each changed field as before → after."""
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.admin.services import field_labels
from app.advisors.services import COLUMN_LABELS as ADVISOR_LABELS
from app.advisors.services import display_value as advisor_value
from app.audit.labels import FIELD_LABELS
from app.audit.services import changed_fields, history
from app.extensions import db
from app.japan.dates import format_jst
from app.japan.money import yen
from app.models import AuditLog, Role
from app.models.notification import MAIL_STATUS_LABELS
from app.models.referral import CONSENT_METHOD_LABELS, REFERRAL_STATUS_LABELS
from app.models.subsidy import SCOPE_LABELS
from app.models.user import ROLE_LABELS
from app.referrals.consent_items import item_label
from app.referrals.workflow import STEP_LABELS
from app.subsidies.terms import condition_lines, cost_type_labels

MONEY_FIELDS = {"monthly_fee", "cap_yen", "hq_approval_threshold"}
# Yes/no settings read as words (any other flag: 対象／対象外).
FLAG_WORDS = {"active": ("有効", "無効"), "approval_requires_supervisor": ("必須", "不要"),
              "can_approve_on_behalf": ("指名", "指名なし")}


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    role: str
    summary: str
    changes: list[Change]


def _text(field: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field in FLAG_WORDS:
        return FLAG_WORDS[field][0 if value else 1]
    if isinstance(value, bool):
        return "対象" if value else "対象外"
    if field in MONEY_FIELDS and isinstance(value, int):
        return yen(value)
    if field == "scope":
        return next((label for s, label in SCOPE_LABELS.items() if s.value == value), value)
    if field == "eligible_cost_types":
        return "、".join(cost_type_labels(value))
    if field == "conditions":
        return "／".join(condition_lines(value))
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return str(value)


def role_label(value: str) -> str:
    """The actor's role as stored on an audit row, in Japanese."""
    if value == "signer":
        return "署名者（お客さま）"
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return "自動処理"  # seeding and other jobs run as the system


def _vocabulary(record_type: str) -> tuple[Mapping[str, str], Callable[[str, Any], str]]:
    if record_type == "advisor":  # the roster keeps its own words (skills, status)
        return ADVISOR_LABELS, advisor_value
    labels = field_labels(record_type)
    if labels:
        return labels, _text
    return FIELD_LABELS, lambda field, value: _workflow_text(record_type, field, value)


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_STATUS_WORDS = {"referral": REFERRAL_STATUS_LABELS, "outgoing_mail": MAIL_STATUS_LABELS}


def _workflow_text(record_type: str, field: str, value: Any) -> str:
    """A value of a workflow row in words: states and steps by name, moments in JST, money in
    yen, the consent's items and recipients by name."""
    if isinstance(value, str) and _ISO_MOMENT.match(value):
        try:
            return format_jst(datetime.fromisoformat(value))
        except ValueError:
            return value
    if field == "status" and record_type in _STATUS_WORDS:
        return next((label for s, label in _STATUS_WORDS[record_type].items()
                     if s.value == value), str(value))
    if field == "step":
        return STEP_LABELS.get(value, value) or "—"
    if field == "steps" and isinstance(value, list):
        return " → ".join(STEP_LABELS.get(v, v) for v in value)
    if field in {"annual_value", "monthly_fee"} and isinstance(value, int):
        return yen(value)
    if field == "items" and isinstance(value, list):
        return "、".join(item_label(v) for v in value)
    if field == "recipients" and isinstance(value, list):
        return "、".join(str(r.get("name", r)) if isinstance(r, dict) else str(r)
                        for r in value)
    if field == "method":
        return next((label for m, label in CONSENT_METHOD_LABELS.items() if m.value == value),
                    str(value))
    if field == "mode":
        return {"email": "メール", "in_branch": "店頭"}.get(value, str(value))
    if field == "addressee_differs":
        return "異なる" if value else "同じ"
    return _text(field, value)


def row_changes(row: AuditLog) -> list[Change]:
    """Each field an audit row changed, before → after; a creation lists what it set."""
    labels, text = _vocabulary(row.record_type)
    return [Change(labels.get(field, field), text(field, before), text(field, after))
            for field, (before, after) in changed_fields(row.before or {},
                                                         row.after or {}).items()]


def _entries(rows: Iterable[AuditLog]) -> list[HistoryEntry]:
    """A creation lists no changes (its summary says what was created)."""
    return [HistoryEntry(row.at, row.actor_name, role_label(row.actor_role), row.summary,
                         row_changes(row) if row.before is not None else [])
            for row in rows]


def change_history(record_type: str, record_id: int) -> list[HistoryEntry]:
    """Newest first."""
    return _entries(history(record_type, record_id))


def deputy_history(bank_id: int, limit: int = 50) -> list[HistoryEntry]:
    """Who named or unnamed the bank's 代理承認者, newest first."""
    return _entries(db.session.scalars(
        sa.select(AuditLog).where(AuditLog.action == "user.deputy", AuditLog.bank_id == bank_id)
        .order_by(AuditLog.id.desc()).limit(limit)))
