"""Every acceptance case (tests/data/intakes.json) through `flask match`, against the 30
acceptance advisors imported with import_advisors: each expectation must hold."""
import json

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Advisor, AdvisorSkill, ClientCompany, Intake
from tests.factories import acceptance_cases

CASES = acceptance_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["case_id"] for c in CASES])
def test_case_expectations(case, imported_advisors, run_match):
    expect = case["expect"]
    result = run_match(case, "--top", "50")
    if "error" in expect:
        assert result.exit_code == 1
        assert expect["error"] in result.stderr
        return
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"company", "intake", "needs", "inferred_needs", "warnings", "ranked",
                        "excluded", "team"}
    order = [a["external_id"] for a in out["ranked"]]
    excluded = {e["external_id"]: e["reason"] for e in out["excluded"]}

    for better, worse in expect["prefer"]:
        assert better in order, f"{better} not ranked"
        if worse in order:
            assert order.index(better) < order.index(worse), f"{better} should beat {worse}"
    for ext in expect["excluded"]:
        assert excluded.get(ext), f"{ext} should be excluded with a reason"
        assert ext not in order
    for ext in expect["not_excluded"]:
        assert ext in order and ext not in excluded
    assert set(expect["inferred_needs"]) <= set(out["inferred_needs"])
    assert set(out["inferred_needs"]) <= set(out["needs"])
    assert set(case["intake"]["needs"]) <= set(out["needs"])

    skills = {a["external_id"]: {s["tag"] for s in a["skills"]} for a in imported_advisors}
    assert len(out["team"]) <= 3
    covered = set().union(*(skills[ext] for ext in out["team"]))
    assert set(expect["team_covers"]) <= covered

    codes = {w["code"] for w in out["warnings"]}
    assert set(expect["warnings"]) <= codes
    assert not set(expect["no_warnings"]) & codes
    assert all(w["message"] for w in out["warnings"])
    assert all(a["reasons"] for a in out["ranked"]), "every ranked advisor has a reason"
    assert len(order) + len(excluded) == len(imported_advisors)


def test_match_stores_nothing(imported_advisors, run_match):
    def counts():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(m))
                for m in (Advisor, AdvisorSkill, ClientCompany, Intake)]

    before = counts()
    assert run_match(CASES[0]).exit_code == 0
    db.session.expire_all()
    assert counts() == before
