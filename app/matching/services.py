"""Matching against the database: advisors as profiles, intakes as requests. No request
globals; reads only (nothing here writes)."""
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.matching.engine import AdvisorProfile, MatchRequest, MatchResult, match
from app.models import Advisor, AdvisorSkill, Bank, Intake

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


def request_for_intake(intake: Intake, bank: Bank | None) -> MatchRequest:
    """The request for a saved intake: its ticked and accepted needs, its client, and the
    bank's competitor list for conflict checks."""
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
    )


def match_intake(intake: Intake, *, top: int | None = None) -> MatchResult:
    """Rank all advisors for a saved intake (its client's bank gives the competitor list)."""
    return match(request_for_intake(intake, intake.client.bank), load_profiles(), top=top)


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
