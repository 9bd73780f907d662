"""A settings record's change history from the audit log, in words for the settings pages:
who, when, and each changed field as before → after."""
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.admin.services import field_labels
from app.audit.services import changed_fields, history
from app.japan.money import yen
from app.models import Role
from app.models.subsidy import SCOPE_LABELS
from app.models.user import ROLE_LABELS
from app.subsidies.terms import condition_lines, cost_type_labels

MONEY_FIELDS = {"monthly_fee", "cap_yen", "hq_approval_threshold"}


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
    if field == "active":
        return "有効" if value else "無効"
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


def _role(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return "自動処理"  # seeding and other jobs run as the system


def change_history(record_type: str, record_id: int) -> list[HistoryEntry]:
    """Newest first. A creation lists no changes (its summary says what was created)."""
    labels = field_labels(record_type)
    entries = []
    for row in history(record_type, record_id):
        changes = []
        if row.before is not None:
            for field, (before, after) in changed_fields(row.before, row.after or {}).items():
                changes.append(Change(labels.get(field, field), _text(field, before),
                                      _text(field, after)))
        entries.append(HistoryEntry(row.at, row.actor_name, _role(row.actor_role),
                                    row.summary, changes))
    return entries
