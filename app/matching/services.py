"""Matching against the database: advisors as profiles, intakes as requests, reservations
by open proposals. No request globals; reads only (nothing here writes).

Reservations (PRODUCT.md §4, capacity that stays true): an advisor proposed to a client whose
case is still open holds a place of their capacity until the case closes, so the same advisor
is not offered to more clients than they can take. An *open* proposal is the latest issued
proposal of a case whose status is in OPEN_CASE_STATUSES. A signed case keeps its place:
Advisor.active_clients counts the clients an advisor had before (from the roster import),
not the ones signed here."""
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.matching.engine import (
    AdvisorProfile,
    MatchRequest,
    MatchResult,
    exclusion,
    match,
)
from app.models import Advisor, AdvisorSkill, Bank, Case, CaseStatus, Intake, Proposal

# Case statuses in which the latest proposal holds its advisors' places: proposed (also
# while the referral is in approval), approved (agreement out for signing) and signed (the
# advisor now serves the client). A rejected case frees them.
OPEN_CASE_STATUSES: frozenset[CaseStatus] = frozenset(
    {CaseStatus.PROPOSED, CaseStatus.APPROVED, CaseStatus.SIGNED})

_PROFILE_COLUMNS = (
    Advisor.id, Advisor.external_id, Advisor.name, Advisor.name_kana,
    Advisor.hometown_prefecture, Advisor.hometown_municipality, Advisor.contribution_prefectures,
    Advisor.industries, Advisor.tools, Advisor.onsite, Advisor.capacity, Advisor.active_clients,
    Advisor.rating, Advisor.completed_engagements, Advisor.status, Advisor.conflicts,
    Advisor.bio,
)


def _profile(advisor: Any, skills: dict[str, int]) -> AdvisorProfile:
    """From an Advisor entity or a row of _PROFILE_COLUMNS (same attribute names)."""
    status = advisor.status
    return AdvisorProfile(
        id=advisor.id,
        external_id=advisor.external_id,
        name=advisor.name,
        name_kana=advisor.name_kana or "",
        hometown_prefecture=advisor.hometown_prefecture or "",
        hometown_municipality=advisor.hometown_municipality or "",
        contribution_prefectures=tuple(advisor.contribution_prefectures or ()),
        skills=skills,
        industries=frozenset(advisor.industries or ()),
        tools=frozenset(advisor.tools or ()),
        onsite=bool(advisor.onsite),
        capacity=advisor.capacity or 0,
        active_clients=advisor.active_clients or 0,
        rating=advisor.rating,
        completed_engagements=advisor.completed_engagements or 0,
        status=str(getattr(status, "value", status) or ""),
        conflicts=frozenset(advisor.conflicts or ()),
        bio=advisor.bio or "",
    )


def profile_from_advisor(advisor: Advisor) -> AdvisorProfile:
    """The engine's view of one advisor (its skills are loaded if they are not yet)."""
    return _profile(advisor, {s.tag: s.level for s in advisor.skills})


def load_profiles() -> list[AdvisorProfile]:
    """Every advisor as a profile, ordered by external id. Inactive ones are included: the
    matching page shows why they were left out.

    Reads plain rows (one query for the advisors, one for all skills) instead of ORM
    entities: for 10,000 advisors that is several times faster than selectinload, and the
    matching page calls this on every request."""
    skills: dict[int, dict[str, int]] = defaultdict(dict)
    for advisor_id, tag, level in db.session.execute(
            sa.select(AdvisorSkill.advisor_id, AdvisorSkill.tag, AdvisorSkill.level)):
        skills[advisor_id][tag] = level
    rows = db.session.execute(sa.select(*_PROFILE_COLUMNS).order_by(Advisor.external_id))
    return [_profile(row, skills.get(row.id, {})) for row in rows]


def _needs(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def count_reservations(*, excluding_intake_id: int | None = None) -> dict[str, int]:
    """external_id → number of open cases whose latest proposal lists the advisor, over all
    banks (an advisor's capacity is shared by every bank). Seen from one case, pass its
    intake's id (Case.intake_id is unique): a case never reserves against itself.

    One query (the latest version per open case, joined back to its advisor list); the JSON
    lists are counted here, the same way on SQLite and PostgreSQL."""
    open_cases = Case.status.in_(OPEN_CASE_STATUSES)
    if excluding_intake_id is not None:
        open_cases = sa.and_(open_cases, Case.intake_id != excluding_intake_id)
    latest = (sa.select(Proposal.case_id, sa.func.max(Proposal.version).label("version"))
              .join(Case, Case.id == Proposal.case_id).where(open_cases)
              .group_by(Proposal.case_id).subquery())
    stmt = sa.select(Proposal.advisor_external_ids).join(
        latest, sa.and_(Proposal.case_id == latest.c.case_id,
                        Proposal.version == latest.c.version))
    counts: Counter[str] = Counter()
    for external_ids in db.session.scalars(stmt):
        counts.update(set(external_ids or ()))  # one place per case, even if listed twice
    return dict(counts)


def request_for_intake(intake: Intake, bank: Bank | None) -> MatchRequest:
    """The request for a saved intake: its ticked and accepted needs, its client, the bank's
    competitor list for conflict checks, and the places other open cases reserve."""
    client = intake.client
    return MatchRequest(
        needs=_needs(intake.all_needs),
        industry=client.industry,
        prefecture=client.prefecture,
        municipality=client.municipality,
        corporate_number=client.corporate_number,
        tools=tuple(intake.tools or ()),
        onsite_required=bool(intake.onsite_required),
        competitor_numbers=frozenset(bank.competitor_corporate_numbers or ()) if bank else
        frozenset(),
        reservations=count_reservations(excluding_intake_id=intake.id) if intake.id else {},
    )


def match_intake(intake: Intake, *, top: int | None = None) -> MatchResult:
    """Rank all advisors for a saved intake (its client's bank gives the competitor list)."""
    return match(request_for_intake(intake, intake.client.bank), load_profiles(), top=top)


def unavailable_advisors(case: Case, external_ids: Iterable[str]) -> dict[str, str]:
    """external_id → Japanese reason, for the given advisors that a hard filter now excludes
    for this case with the intake's own conditions (capacity including other open proposals,
    status, conflicts, on-site). Meant for a last check right before a proposal is issued:
    another officer may have proposed the advisor since this case's selection was made."""
    ids = list(dict.fromkeys(external_ids))
    if not ids:
        return {}
    request = request_for_intake(case.intake, case.bank)
    advisors = db.session.scalars(
        sa.select(Advisor).where(Advisor.external_id.in_(ids))).all()
    out = {}
    for advisor in advisors:
        rejected = exclusion(profile_from_advisor(advisor), request)
        if rejected:
            out[advisor.external_id] = rejected.reason
    return out


def request_from_values(company: Mapping[str, Any], intake: Mapping[str, Any],
                        needs: Iterable[str],
                        competitor_numbers: Iterable[str] = frozenset()) -> MatchRequest:
    """The request for cleaned form values (clean_company / clean_intake output), e.g. from
    a case file on the command line."""
    return MatchRequest(
        needs=_needs(needs),
        industry=company.get("industry") or "",
        prefecture=company.get("prefecture") or "",
        municipality=company.get("municipality") or "",
        corporate_number=company.get("corporate_number") or "",
        tools=tuple(intake.get("tools") or ()),
        onsite_required=bool(intake.get("onsite_required")),
        competitor_numbers=frozenset(competitor_numbers),
    )
