"""The Japanese input corpus (tests/data/inputs.json) through `flask match`, in a copy of case
A01: each typed value is stored normalised, or rejected with a Japanese message."""
import copy
import json
import re

import pytest

from tests.factories import DATA, acceptance_case

ROWS = json.loads((DATA / "inputs.json").read_text(encoding="utf-8"))
INTAKE_FIELDS = {"budget_monthly_max"}
JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.mark.parametrize("field,typed,expected", ROWS,
                         ids=[f"{i}-{r[0]}" for i, r in enumerate(ROWS)])
def test_input_row(field, typed, expected, imported_advisors, run_match):
    case = copy.deepcopy(acceptance_case("A01"))
    case["expect"] = {}
    part = "intake" if field in INTAKE_FIELDS else "company"
    case[part][field] = typed
    result = run_match(case)
    if isinstance(expected, dict):
        assert result.exit_code == 1
        assert "Traceback" not in result.output
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert lines and all(JAPANESE.search(line) for line in lines)
        assert lines[0].startswith(f"{field}（"), lines
    else:
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)[part][field] == expected


def test_every_error_is_listed(imported_advisors, run_match):
    case = copy.deepcopy(acceptance_case("A01"))
    case["company"].update(postal_code="802-001", phone="93-541-0000")
    case["intake"]["budget_monthly_max"] = "五万円"
    result = run_match(case)
    assert result.exit_code == 1
    fields = [line.split("（", 1)[0] for line in result.stderr.strip().splitlines()]
    assert fields == ["postal_code", "phone", "budget_monthly_max"]
