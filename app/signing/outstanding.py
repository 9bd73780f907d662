"""Agreements still on their way to a signature, for the home page: what each one waits for,
and whether the officer has to act (send, resend, seal again) or only wait for the client."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import AgreementStatus, RequestStatus, SubscriptionAgreement, User
from app.scope import restrict

LIMIT = 10


@dataclass(frozen=True)
class Outstanding:
    agreement: SubscriptionAgreement
    text: str
    needs_action: bool
    expires_at: datetime | None = None


def state_of(agreement: SubscriptionAgreement, now: datetime) -> Outstanding:
    """Where one agreement (SENT or AGREED) stands, from its latest signing request."""
    if agreement.status == AgreementStatus.AGREED:
        return Outstanding(agreement, "同意済・封緘が未完了（封緘し直してください）", True)
    latest = agreement.requests[-1] if agreement.requests else None
    if latest is None:
        return Outstanding(agreement, "未送付（署名依頼を送ってください）", True)
    if latest.status == RequestStatus.ACTIVE and latest.expires_at <= now:
        return Outstanding(agreement, "リンクの期限切れ（再送が必要）", True, latest.expires_at)
    if latest.status == RequestStatus.ACTIVE:
        return Outstanding(agreement, "署名待ち", False, latest.expires_at)
    if latest.status == RequestStatus.LOCKED:
        return Outstanding(agreement, "アクセスコードの誤りでロック（再送が必要）", True)
    return Outstanding(agreement, "リンクを取り消し済み（再送が必要）", True)


def outstanding_agreements(user: User, now: datetime) -> list[Outstanding]:
    """The user's scope's agreements not yet signed, declined or void: those that need the
    officer first, then those waiting for the client, the nearest expiry first."""
    agreements = db.session.scalars(
        restrict(sa.select(SubscriptionAgreement), SubscriptionAgreement, user)
        .where(SubscriptionAgreement.status.in_((AgreementStatus.SENT, AgreementStatus.AGREED)))
        .options(selectinload(SubscriptionAgreement.requests),
                 selectinload(SubscriptionAgreement.case))
        .order_by(SubscriptionAgreement.id)).all()
    states = [state_of(a, now) for a in agreements]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    states.sort(key=lambda s: (not s.needs_action, s.expires_at or far, s.agreement.id))
    return states[:LIMIT]
