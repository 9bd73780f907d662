"""A case's stage as people name it: the case status, and while a proposal is out, where its
紹介稟議 stands. One place for the list filter, the home tiles and the badge (Case.status_label),
so a count, the filter it links to and the badges on that list agree."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Case, CaseStatus, Referral, ReferralStatus
from app.models.case import CASE_STATUS_LABELS
from app.models.referral import REFERRAL_STATUS_LABELS

# value → label, in the order of the filter; the labels are the badges' words
# (Case.status_label), built from the same dicts.
_REFERRAL = "紹介稟議："
STAGES = {
    "matching": CASE_STATUS_LABELS[CaseStatus.MATCHING],
    "proposed": CASE_STATUS_LABELS[CaseStatus.PROPOSED],
    "pending": _REFERRAL + REFERRAL_STATUS_LABELS[ReferralStatus.PENDING],
    "returned": (_REFERRAL + REFERRAL_STATUS_LABELS[ReferralStatus.RETURNED] + "・"
                 + REFERRAL_STATUS_LABELS[ReferralStatus.WITHDRAWN]),
    "approved": CASE_STATUS_LABELS[CaseStatus.APPROVED],
    "rejected": CASE_STATUS_LABELS[CaseStatus.REJECTED],
    "signed": CASE_STATUS_LABELS[CaseStatus.SIGNED],
}
_REFERRAL_STAGES = {"pending": (ReferralStatus.PENDING,),
                    "returned": (ReferralStatus.RETURNED, ReferralStatus.WITHDRAWN)}


def where_stage(stmt: sa.Select, stage: str) -> sa.Select:
    """`stmt` (a select of Case) narrowed to one stage; an unknown stage is not a filter."""
    if stage in _REFERRAL_STAGES:
        return stmt.where(Case.status == CaseStatus.PROPOSED, Case.id.in_(
            sa.select(Referral.case_id).where(Referral.status.in_(_REFERRAL_STAGES[stage]))))
    if stage == "proposed":  # issued, no 稟議 yet
        return stmt.where(Case.status == CaseStatus.PROPOSED,
                          ~Case.id.in_(sa.select(Referral.case_id)))
    if stage in STAGES:
        return stmt.where(Case.status == stage)
    return stmt


def count_stage(stmt: sa.Select, stage: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(
        where_stage(stmt, stage).subquery())) or 0
