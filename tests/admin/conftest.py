"""Staff of two banks and the operator, each with their own logged-in test client."""
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import Bank, Plan, Role, SubsidyProgramme, User
from app.subsidies.services import seed_programmes
from tests.factories import PASSWORD, csrf_token, login, make_bank, make_branch, make_plans

_HASH: list[str] = []  # one scrypt hash per run: six users a test would cost seconds


def make_user(role: Role, bank: Bank | None = None, branch=None, name: str = "") -> User:
    if not _HASH:
        _HASH.append(generate_password_hash(PASSWORD))
    user = User(login_id=f"{role.value}-{name}@admin-test", name=name, role=role,
                bank_id=bank.id if bank else None, branch_id=branch.id if branch else None,
                password_hash=_HASH[0])
    db.session.add(user)
    db.session.flush()
    return user


@dataclass
class Staff:
    bank: Bank
    other_bank: Bank
    users: dict[str, User]  # officer, supervisor, manager, hq, other_hq, operator
    plans: list[Plan]
    programme: SubsidyProgramme

    def client(self, app, who: str) -> FlaskClient:
        c = app.test_client()
        login(c, self.users[who])
        return c


@pytest.fixture
def staff(app_ctx) -> Staff:
    bank, other = make_bank("みらい信用金庫"), make_bank("はやぶさ信用金庫")
    branch = make_branch(bank)
    users = {
        "officer": make_user(Role.OFFICER, bank, branch, name="担当 一郎"),
        "supervisor": make_user(Role.SUPERVISOR, bank, branch, name="役席 二郎"),
        "manager": make_user(Role.MANAGER, bank, branch, name="支店長 三郎"),
        "hq": make_user(Role.HQ, bank, name="本部 花子"),
        "other_hq": make_user(Role.HQ, other, name="他金庫 本部"),
        "operator": make_user(Role.OPERATOR, name="運営 涼"),
    }
    plans = make_plans()
    seed_programmes()
    programme = db.session.scalar(sa.select(SubsidyProgramme).order_by(SubsidyProgramme.id))
    db.session.commit()
    return Staff(bank, other, users, plans, programme)


def post(client: FlaskClient, url: str, data: dict | None = None, **kwargs):
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)
