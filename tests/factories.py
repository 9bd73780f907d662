"""Plain typed factories for tests."""
import itertools
import json
from pathlib import Path

from flask.testing import FlaskClient

from app.extensions import db
from app.japan.text import search_key
from app.models import Bank, Branch, ClientCompany, Plan, Role, User

DATA = Path(__file__).parent / "data"
_seq = itertools.count(1)
PASSWORD = "pass-1234"


def acceptance_cases() -> list[dict]:
    return json.loads((DATA / "intakes.json").read_text(encoding="utf-8"))


def acceptance_case(case_id: str) -> dict:
    return next(c for c in acceptance_cases() if c["case_id"] == case_id)


def make_bank(name: str = "テスト信用金庫") -> Bank:
    n = next(_seq)
    bank = Bank(code=f"T{n:03d}", name=name)
    db.session.add(bank)
    db.session.flush()
    return bank


def make_branch(bank: Bank, name: str = "北九州支店", prefecture: str = "福岡県",
                municipality: str = "北九州市") -> Branch:
    n = next(_seq)
    branch = Branch(bank_id=bank.id, code=f"{n:03d}", name=name, prefecture=prefecture,
                    municipality=municipality, address="小倉北区1-1", phone="0935410000")
    db.session.add(branch)
    db.session.flush()
    return branch


def make_user(role: Role, bank: Bank | None = None, branch: Branch | None = None,
              name: str = "担当 太郎") -> User:
    n = next(_seq)
    user = User(login_id=f"user{n}@test", name=name, role=role,
                bank_id=bank.id if bank else None, branch_id=branch.id if branch else None)
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user


def company_values(case_id: str = "A01", **overrides) -> dict:
    """Form fields of an acceptance case's company (flat)."""
    company = dict(acceptance_case(case_id)["company"])
    rep = company.pop("representative")
    company["representative_name"] = rep["name"]
    company["representative_title"] = rep["title"]
    company.update(overrides)
    return company


def make_client(branch: Branch, case_id: str = "A01", **overrides) -> ClientCompany:
    values = company_values(case_id, **overrides)
    values.pop("case_id", None)
    client = ClientCompany(bank_id=branch.bank_id, branch_id=branch.id,
                           search_key=search_key(values["name"], values["name_kana"]), **values)
    db.session.add(client)
    db.session.flush()
    return client


def make_plans() -> list[Plan]:
    plans = [Plan(code="light", name="ライト", monthly_fee=30000, sort_order=1),
             Plan(code="standard", name="スタンダード", monthly_fee=50000, sort_order=2),
             Plan(code="premium", name="プレミアム", monthly_fee=100000, sort_order=3)]
    db.session.add_all(plans)
    db.session.flush()
    return plans


def login(client: FlaskClient, user: User) -> None:
    """Log in through the real login form (CSRF is on in tests)."""
    page = client.get("/auth/login")
    token = _csrf(page.get_data(as_text=True))
    response = client.post("/auth/login", data={"login_id": user.login_id, "password": PASSWORD,
                                                "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def csrf_token(client: FlaskClient, url: str = "/") -> str:
    return _csrf(client.get(url).get_data(as_text=True))


def _csrf(html: str) -> str:
    import re

    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'"X-CSRFToken": "([^"]+)"', html)
    assert m, "no CSRF token on the page"
    return m.group(1)
