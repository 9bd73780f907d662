"""Recording and verifying the audit log. No request globals: the caller passes the actor
and the client's IP. Flushes, never commits."""
import enum
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models.audit import AuditLog
from app.models.base import utcnow
from app.models.user import User

GENESIS = "0" * 64


def _plain(value: Any) -> Any:
    """JSON-safe form of a column value (dates as ISO text, enums as their value)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    return value


def snapshot(obj: Any, fields: Iterable[str]) -> dict:
    """The named attributes of a record, JSON-safe: the 'before' or 'after' of a change."""
    return {f: _plain(getattr(obj, f)) for f in fields}


def _row_digest(row: AuditLog) -> str:
    payload = {
        "id": row.id, "at": row.at.isoformat(), "actor_id": row.actor_id,
        "actor_name": row.actor_name, "actor_role": row.actor_role, "bank_id": row.bank_id,
        "action": row.action, "record_type": row.record_type, "record_id": row.record_id,
        "summary": row.summary, "before": row.before, "after": row.after, "ip": row.ip,
        "prev_hash": row.prev_hash,
    }
    if row.case_id is not None:  # added later: rows without it keep their original digest
        payload["case_id"] = row.case_id
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record(actor: User | None, action: str, record_type: str, record_id: Any, *,
           summary: str = "", before: dict | None = None, after: dict | None = None,
           ip: str = "", bank_id: int | None = None, case_id: int | None = None,
           at: datetime | None = None, outsider: str = "") -> AuditLog:
    """Append one row, chained to the last one. Appends are serialised by locking the last
    row (PostgreSQL) or by SQLite's single writer; the unique hash column refuses a fork."""
    last = db.session.execute(
        sa.select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)
        .with_for_update()
    ).first()
    row = AuditLog(
        at=at or utcnow(), actor_id=actor.id if actor else None,
        # `outsider`: someone without an account acting (a signer), named as they typed.
        actor_name=actor.name if actor else (outsider or "システム"),
        actor_role=actor.role.value if actor else ("signer" if outsider else "system"),
        bank_id=bank_id if bank_id is not None else (actor.bank_id if actor else None),
        action=action, record_type=record_type, record_id=str(record_id), summary=summary[:300],
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        ip=ip[:45], case_id=case_id, prev_hash=last.hash if last else GENESIS, hash="pending",
    )
    db.session.add(row)
    db.session.flush()  # assigns the id, which is part of the digest
    row.hash = _row_digest(row)
    db.session.flush()
    return row


def changed_fields(before: dict, after: dict) -> dict:
    """Only what changed: {field: [before, after]} (for history displays)."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def history(record_type: str, record_id: Any) -> list[AuditLog]:
    return list(db.session.scalars(
        sa.select(AuditLog).where(AuditLog.record_type == record_type,
                                  AuditLog.record_id == str(record_id))
        .order_by(AuditLog.id.desc())))


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    broken_id: int | None = None
    reason: str = ""
    head_id: int | None = None  # the last row: kept elsewhere, it reveals a cut-off tail
    head_hash: str = ""
    own_rows: int = 0  # rows of the bank asked about (verify_chain(bank_id=…))
    broken_bank_id: int | None = None  # the bank of the row named in broken_id


def verify_chain(bank_id: int | None = None) -> VerifyResult:
    """Recompute every row's digest in order; the first row that does not match (changed,
    or its predecessor removed) is named. Every bank's rows chain together; with `bank_id`
    the rows of that bank are also counted (what its 本部 is told)."""
    prev = GENESIS
    count = own = 0
    head_id = None
    for row in db.session.scalars(sa.select(AuditLog).order_by(AuditLog.id)).yield_per(500):
        count += 1
        if row.prev_hash != prev:
            return VerifyResult(False, count, row.id,
                                "直前の行とつながっていません（行の削除・挿入）",
                                own_rows=own, broken_bank_id=row.bank_id)
        if _row_digest(row) != row.hash:
            return VerifyResult(False, count, row.id, "行の内容がハッシュと一致しません（改ざん）",
                                own_rows=own, broken_bank_id=row.bank_id)
        own += bank_id is not None and row.bank_id == bank_id
        prev = row.hash
        head_id = row.id
    return VerifyResult(True, count, head_id=head_id if count else None,
                        head_hash=prev if count else "", own_rows=own)
