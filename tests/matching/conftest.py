"""Fixtures for matching: the acceptance advisors in the database, and a runner for
`flask match` on a case written to a temporary file."""
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from app.advisors.services import import_advisors
from app.extensions import db


@pytest.fixture
def advisors_data(data_dir: Path) -> list[dict]:
    return json.loads((data_dir / "advisors.json").read_text(encoding="utf-8"))


@pytest.fixture
def imported_advisors(app_ctx, advisors_data) -> list[dict]:
    """The 30 acceptance advisors, committed (the CLI runs in its own app context)."""
    import_advisors(advisors_data)
    db.session.commit()
    return advisors_data


@pytest.fixture
def run_match(app, tmp_path) -> Callable[..., Result]:
    """Write `case` (a dict or a list) to a file and run `flask match` on it."""

    def run(case, *args: str) -> Result:
        path = tmp_path / "case.json"
        path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
        return app.test_cli_runner().invoke(args=["match", str(path), *args])

    return run
