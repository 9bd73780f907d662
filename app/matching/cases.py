"""Recording the advisors the officer picked for a case (no request globals; flush only)."""
import sqlalchemy as sa

from app.extensions import db
from app.matching.engine import MatchResult
from app.models import Advisor, Case, CaseAdvisor

MAX_ADVISORS = 3


def select_advisors(case: Case, external_ids: list[str], result: MatchResult) -> None:
    """Replace the case's chosen advisors (1–3, in the order given). Only advisors the
    ranking offered may be picked: an excluded one (also one whose free capacity other open
    proposals have used up, when `result` was matched with the current reservations) is
    refused with its reason. Raises ValueError with a Japanese message."""
    referral = case.referral
    if referral is not None and referral.status.value in ("pending", "approved", "rejected"):
        raise ValueError(f"紹介稟議が「{referral.status_label}」のため、"
                         "アドバイザーは変更できません。")
    ids = list(dict.fromkeys(external_ids))
    if not ids:
        raise ValueError("アドバイザーを1名以上選んでください。")
    if len(ids) > MAX_ADVISORS:
        raise ValueError(f"アドバイザーは{MAX_ADVISORS}名までです。")
    excluded = {e.advisor.external_id: e for e in result.excluded}
    ranked = {}
    for ext in ids:
        if ext in excluded:
            out = excluded[ext]
            raise ValueError(f"{out.advisor.name}さんは選べません：{out.reason}")
        ranked[ext] = result.standings.get(ext)
        if ranked[ext] is None:
            raise ValueError("候補にないアドバイザーが選ばれました。画面を更新してください。")
    advisors = {a.external_id: a for a in db.session.scalars(
        sa.select(Advisor).where(Advisor.external_id.in_(ids)))}
    case.selections.clear()
    db.session.flush()
    for position, ext in enumerate(ids):
        case.selections.append(CaseAdvisor(advisor=advisors[ext], position=position,
                                           reasons=list(ranked[ext].reasons)))
    db.session.flush()
