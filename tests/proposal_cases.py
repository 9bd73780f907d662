"""Test helper: a saved case from an acceptance case (client, completed intake, case number,
bank/branch/officer, the matching team as selections), for proposal and document tests."""
import itertools
import json

from app.advisors.services import import_advisors
from app.extensions import db
from app.intake.validation import clean_intake
from app.matching.cases import select_advisors
from app.matching.inference import infer_needs
from app.matching.services import match_intake
from app.models import Case, Intake, IntakeStatus, Plan, Role, User, utcnow
from app.proposals.plans import DEFAULT_PLANS
from tests.factories import DATA, acceptance_case, make_bank, make_branch, make_client, make_user

_numbers = itertools.count(1)


def import_acceptance_advisors() -> None:
    import_advisors(json.loads((DATA / "advisors.json").read_text(encoding="utf-8")))


def make_default_plans() -> dict[str, Plan]:
    plans = {p["code"]: Plan(**p) for p in DEFAULT_PLANS}
    db.session.add_all(plans.values())
    db.session.flush()
    return plans


def make_case(case_id: str = "A01", *, officer: User | None = None,
              intake_overrides: dict | None = None, team: list[str] | None = None) -> Case:
    """A completed intake of acceptance case `case_id` as a saved case with its team
    selected. Advisors must be imported first (import_acceptance_advisors)."""
    if officer is None:
        bank = make_bank("みらい信用金庫")
        branch = make_branch(bank, name="北九州支店")
        officer = make_user(Role.OFFICER, bank, branch, name="山本 健太")
        officer.email = "yamamoto@mirai-shinkin.example.jp"
    branch = officer.branch
    client = make_client(branch, case_id)
    raw = {**acceptance_case(case_id)["intake"], **(intake_overrides or {})}
    values, errors = clean_intake(raw)
    assert not errors, errors
    inferred = [t for t in infer_needs(values["notes"]) if t not in values["needs"]]
    values["accepted_needs"] = list(dict.fromkeys([*(values.get("accepted_needs") or []),
                                                   *inferred]))
    intake = Intake(client=client, created_by=officer, status=IntakeStatus.COMPLETED,
                    completed_at=utcnow(), **values)
    db.session.add(intake)
    db.session.flush()
    case = Case(case_number=f"PTA-2026-{next(_numbers):06d}", bank_id=branch.bank_id,
                branch_id=branch.id, client=client, intake=intake, officer=officer)
    db.session.add(case)
    db.session.flush()
    result = match_intake(intake)
    select_advisors(case, team or [r.advisor.external_id for r in result.team], result)
    return case
