"""House rules checked on the source: services and documents stay free of request globals."""
import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
FORBIDDEN = {"request", "session", "g", "current_user", "flash", "url_for", "render_template"}
PURE = sorted([*APP.glob("*/services.py"), *APP.glob("documents/*.py"), *APP.glob("japan/*.py"),
               APP / "matching" / "engine.py", APP / "matching" / "inference.py",
               APP / "matching" / "explain.py"])


@pytest.mark.parametrize("path", PURE, ids=lambda p: str(p.relative_to(APP)))
def test_no_request_globals(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("flask", "flask_login"):
            bad += [a.name for a in node.names if a.name in FORBIDDEN]
    assert not bad, f"{path.name} imports {bad}"


@pytest.mark.parametrize("path", sorted(APP.glob("*/services.py")),
                         ids=lambda p: str(p.relative_to(APP)))
def test_services_never_commit(path: Path):
    source = path.read_text(encoding="utf-8")
    assert ".commit()" not in source, f"{path.name}: services flush; the view commits"


def test_every_template_is_japanese():
    for template in (APP / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if "<html" in text:
            assert '<html lang="ja">' in text, template
