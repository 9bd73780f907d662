"""The README's promises: the two commands, and demo logins that really exist."""
from pathlib import Path

from app.demo.seed import DEMO_LOGINS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_shows_the_two_commands():
    assert "make run" in README and "make test" in README


def test_readme_lists_every_demo_login():
    for login in DEMO_LOGINS:
        assert f"| `{login.login_id}` | `{login.password}` | {login.role} |" in README
