"""Fixtures for the advisor roster: an operator (logged in or not) and the acceptance file."""
import copy
import json

import pytest

from app.extensions import db
from app.models import Role
from tests.factories import DATA, login, make_user

RECORDS = json.loads((DATA / "advisors.json").read_text(encoding="utf-8"))


@pytest.fixture
def records() -> list[dict]:
    """A fresh copy of the 30 acceptance advisors (JSON import format)."""
    return copy.deepcopy(RECORDS)


@pytest.fixture
def operator(app_ctx):
    user = make_user(Role.OPERATOR, name="運営 花子")
    db.session.commit()
    return user


@pytest.fixture
def operator_client(client, operator):
    login(client, operator)
    return client


def csv_text(records: list[dict], columns: list[str] | None = None) -> str:
    """Acceptance records as the roster CSV (lists joined with 「;」), as a spreadsheet would
    save them."""
    import csv
    import io

    from app.advisors.csv_format import CSV_COLUMNS

    columns = columns or CSV_COLUMNS
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for r in records:
        flat = {**r}
        for place in ("hometown", "residence"):
            flat[f"{place}_prefecture"] = (r.get(place) or {}).get("prefecture", "")
            flat[f"{place}_municipality"] = (r.get(place) or {}).get("municipality", "")
        flat["skills"] = ";".join(f"{s['tag']}:{s['level']}" for s in r.get("skills", []))
        for key in ("contribution_prefectures", "industries", "tools", "conflicts"):
            flat[key] = ";".join(r.get(key, []))
        flat["onsite"] = "true" if r.get("onsite") else "false"
        for key in ("rating", "invoice_registration"):
            flat[key] = "" if r.get(key) is None else r[key]
        writer.writerow([flat.get(c, "") for c in columns])
    return buffer.getvalue()
