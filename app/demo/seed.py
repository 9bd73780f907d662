"""Demo data as a service: two fictional shinkin banks with branches, staff for every role,
~170 advisors, client companies with draft intakes, the plans, the subsidy catalogue, and
some cases brought through proposal, consent and the 稟議 (app/demo/referrals.py).

seed_demo() is idempotent and deterministic: every row has a stable key (bank code, branch
code, login id, external_id, 法人番号, plan code, programme name and fiscal year); rows are
created when missing and brought back to the demo values when changed; running it twice
changes nothing. It flushes; the caller commits. Clients, intakes, proposals, consents and
referrals go through the same validation and services as the forms, so demo data obeys the
same rules (and leaves the same audit rows, notices and mails)."""
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from app.admin.services import set_deputy
from app.advisors.services import import_advisors
from app.clients.services import create_client, update_client
from app.clients.validation import clean_company
from app.demo.advisors import demo_advisor_records
from app.demo.banks import BRANCH_OFFICER, DEMO_BANKS, DEMO_BRANCHES, DEMO_USERS, MIRAI
from app.demo.clients import DEMO_CLIENTS, DEMO_INTAKE_NOTES
from app.demo.referrals import DEMO_REFERRALS, moment, opening_order, seed_referrals
from app.extensions import db
from app.intake.services import LAST_STEP, STEPS, complete_intake, save_step, start_intake
from app.intake.validation import clean_intake
from app.japan.dates import today_jst
from app.models import (
    Advisor,
    Bank,
    Branch,
    ClientCompany,
    Intake,
    Plan,
    Role,
    User,
    utcnow,
)
from app.proposals.plans import DEFAULT_PLANS
from app.subsidies.services import seed_programmes


class DemoLogin(NamedTuple):
    login_id: str
    password: str
    role: str  # 担当者, 役席 …
    branch: str  # where the user works, as shown to people


def _workplace(bank_code: str | None, branch_code: str | None) -> str:
    if bank_code is None:
        return "運営（全信用金庫）"
    bank = next(b.name for b in DEMO_BANKS if b.code == bank_code)
    if branch_code is None:
        return f"{bank} 本部"
    branch = next(b.name for b in DEMO_BRANCHES
                  if (b.bank_code, b.code) == (bank_code, branch_code))
    return f"{bank} {branch}"


DEMO_LOGINS = [
    DemoLogin(u.login_id, u.password, u.role.label, _workplace(u.bank_code, u.branch_code))
    for u in DEMO_USERS
]

# The demo clients whose 法人番号 an advisor born in the same town lists as a conflict, so
# the matching page can show an advisor excluded for 利益相反.
CONFLICT_CLIENTS = ["株式会社響灘精工", "株式会社大雪木工", "株式会社沼垂印刷"]


@dataclass
class SeedSummary:
    banks: int = 0
    branches: int = 0
    users: int = 0
    advisors: int = 0
    clients: int = 0
    draft_intakes: int = 0
    cases: int = 0
    plans: int = 0
    subsidies: int = 0
    referrals: int = 0  # demo cases brought through proposal, consent and 稟議
    created: int = 0  # rows inserted by this run
    updated: int = 0  # rows brought back to the demo values by this run

    def lines(self) -> list[str]:
        """A short Japanese summary for the console."""
        if self.created or self.updated:
            head = f"デモデータを投入しました（新規 {self.created}件・更新 {self.updated}件）。"
        else:
            head = "デモデータは投入済みで、変更はありませんでした。"
        return [
            head,
            f"  信用金庫 {self.banks} / 支店 {self.branches} / 職員 {self.users} / "
            f"アドバイザー {self.advisors} / 取引先企業 {self.clients} / "
            f"ヒアリング下書き {self.draft_intakes} / 案件 {self.cases} / プラン {self.plans} / "
            f"補助金 {self.subsidies} / 提案・稟議の進んだ案件 {self.referrals}",
        ]


def seed_demo(now: datetime | None = None) -> SeedSummary:
    """Create or restore the demo data. Flushes, never commits. Raises ValueError if a demo
    record fails validation (a bug in the demo data, not a user error). `now` dates the demo
    referrals (their events are on the weekdays before it)."""
    now = now or utcnow()
    summary = SeedSummary()
    _seed_plans(summary)
    _seed_subsidies(summary)
    banks = _seed_banks(summary)
    branches = _seed_branches(summary, banks)
    users = _seed_users(summary, banks, branches)
    clients = _seed_clients(summary, banks, branches, users)
    _seed_intakes(summary, clients, users, now)
    _seed_advisors(summary, clients)
    summary.created += seed_referrals(users, clients, now)  # needs the advisors
    summary.referrals = len(DEMO_REFERRALS)
    db.session.flush()
    return summary


def format_demo_logins() -> list[str]:
    """The demo logins as an aligned table (for the console, README and `make run`)."""
    rows = [("ログインID", "パスワード", "役割", "所属"), *DEMO_LOGINS]
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    return ["  ".join([*(_pad(v, w) for v, w in zip(row[:3], widths, strict=True)), row[3]])
            for row in rows]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _sync(obj: object, values: Mapping[str, Any]) -> bool:
    """Set the attributes that differ; True if any did."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _upsert(summary: SeedSummary, model: type, existing: object | None,
            values: Mapping[str, Any]) -> Any:
    if existing is None:
        obj = model(**values)
        db.session.add(obj)
        summary.created += 1
        return obj
    if _sync(existing, values):
        summary.updated += 1
    return existing


def _seed_plans(summary: SeedSummary) -> None:
    existing = {p.code: p for p in db.session.scalars(sa.select(Plan))}
    for values in DEFAULT_PLANS:
        _upsert(summary, Plan, existing.get(values["code"]), {**values, "active": True})
    summary.plans = len(DEFAULT_PLANS)


def _seed_subsidies(summary: SeedSummary) -> None:
    """The real programmes of the subsidy catalogue, through the catalogue's own service
    (same validation as the operator's form; changes audited as the system)."""
    result = seed_programmes()
    summary.subsidies = result.total
    summary.created += result.created
    summary.updated += result.updated


def _seed_banks(summary: SeedSummary) -> dict[str, Bank]:
    codes = [b.code for b in DEMO_BANKS]
    existing = {b.code: b for b in db.session.scalars(sa.select(Bank).where(Bank.code.in_(codes)))}
    banks = {}
    for demo in DEMO_BANKS:
        banks[demo.code] = _upsert(summary, Bank, existing.get(demo.code), {
            "code": demo.code, "name": demo.name, "referral_fee_percent": 20,
            "referral_fee_months": 12, "hq_approval_threshold": demo.hq_approval_threshold,
            "approval_requires_supervisor": True,
            "competitor_corporate_numbers": [],
        })
    db.session.flush()
    summary.banks = len(banks)
    return banks


def _seed_branches(summary: SeedSummary, banks: dict[str, Bank]
                   ) -> dict[tuple[str, str], Branch]:
    by_id = {bank.id: code for code, bank in banks.items()}
    existing = {
        (by_id[b.bank_id], b.code): b
        for b in db.session.scalars(sa.select(Branch).where(Branch.bank_id.in_(by_id)))
    }
    branches = {}
    for demo in DEMO_BRANCHES:
        key = (demo.bank_code, demo.code)
        branches[key] = _upsert(summary, Branch, existing.get(key), {
            "bank_id": banks[demo.bank_code].id, "code": demo.code, "name": demo.name,
            "prefecture": demo.prefecture, "municipality": demo.municipality,
            "address": demo.address, "phone": demo.phone,
        })
    db.session.flush()
    summary.branches = len(branches)
    return branches


# (hash, password) pairs known to match: scrypt is deliberately slow (~0.15 s a check).
_MATCHING: set[tuple[str, str]] = set()


@lru_cache
def _password_hash(password: str) -> str:
    # One hash per demo password per process; the passwords are public anyway, so users
    # sharing a password may share its salt.
    password_hash = generate_password_hash(password)
    _MATCHING.add((password_hash, password))
    return password_hash


def _password_matches(password_hash: str, password: str) -> bool:
    pair = (password_hash, password)
    if pair not in _MATCHING and check_password_hash(password_hash, password):
        _MATCHING.add(pair)
    return pair in _MATCHING


def _seed_users(summary: SeedSummary, banks: dict[str, Bank],
                branches: dict[tuple[str, str], Branch]) -> dict[str, User]:
    logins = [u.login_id for u in DEMO_USERS]
    existing = {
        u.login_id: u
        for u in db.session.scalars(sa.select(User).where(User.login_id.in_(logins)))
    }
    users = {}
    for demo in DEMO_USERS:
        bank = banks[demo.bank_code] if demo.bank_code else None
        branch = branches[(demo.bank_code, demo.branch_code)] if demo.branch_code else None
        values = {
            "login_id": demo.login_id, "name": demo.name, "email": demo.email,
            "role": demo.role, "bank_id": bank.id if bank else None,
            "branch_id": branch.id if branch else None, "active": True,
        }
        user = existing.get(demo.login_id)
        if user is None or not _password_matches(user.password_hash, demo.password):
            values["password_hash"] = _password_hash(demo.password)
        users[demo.login_id] = _upsert(summary, User, user, values)
    db.session.flush()
    for demo in DEMO_USERS:  # the named deputy, through the admin's service (audited)
        user = users[demo.login_id]
        if demo.role == Role.SUPERVISOR and bool(user.can_approve_on_behalf) != demo.deputy:
            set_deputy(user, demo.deputy, actor=None)
            summary.updated += demo.login_id in existing
    summary.users = len(users)
    return users


def _seed_clients(summary: SeedSummary, banks: dict[str, Bank],
                  branches: dict[tuple[str, str], Branch], users: dict[str, User]
                  ) -> dict[tuple[str, str], ClientCompany]:
    """Keyed by (bank code, company name). Created and updated through the client service."""
    by_id = {bank.id: code for code, bank in banks.items()}
    existing = {
        (by_id[c.bank_id], c.corporate_number): c
        for c in db.session.scalars(
            sa.select(ClientCompany).where(ClientCompany.bank_id.in_(by_id)))
    }
    clients = {}
    for demo in DEMO_CLIENTS:
        values, errors = clean_company(demo.form())
        if errors:
            raise ValueError(f"demo client {demo.name}: {errors}")
        bank = banks[demo.bank_code]
        branch = branches[(demo.bank_code, demo.branch_code)]
        client = existing.get((demo.bank_code, values["corporate_number"]))
        if client is None:
            officer = users[BRANCH_OFFICER[(demo.bank_code, demo.branch_code)]]
            client = create_client(values, branch_id=branch.id, bank_id=bank.id,
                                   created_by=officer)
            summary.created += 1
        elif client.branch_id != branch.id or any(
                getattr(client, k) != v for k, v in values.items()):
            client.branch_id = branch.id
            update_client(client, values, expected_version=client.version)
            summary.updated += 1
        clients[(demo.bank_code, demo.name)] = client
    summary.clients = len(clients)
    return clients


def _seed_intakes(summary: SeedSummary, clients: dict[tuple[str, str], ClientCompany],
                  users: dict[str, User], now: datetime) -> None:
    """Intakes saved step by step through the intake service: drafts stop at their
    `saved_steps`; the others are completed, which opens their case (案件番号). A client that
    already has an intake keeps it untouched: it may have been continued in the wizard. The
cases of the demo referrals open first, so case numbers follow their (earlier) opening."""
    ids = [clients[(MIRAI, d.client)].id for d in DEMO_INTAKE_NOTES]
    # A demo referral's case is opened when its story says (its 履歴 entry
    # 「ヒアリングを完了し、案件を作成しました」 with it); the others when seeded.
    today = today_jst(now)
    opened = {d.client: moment(today, *d.opened) for d in DEMO_REFERRALS}
    with_intake = set(db.session.scalars(
        sa.select(Intake.client_id).where(Intake.client_id.in_(ids))))
    for demo in sorted(DEMO_INTAKE_NOTES, key=lambda d: opening_order(d.client)):
        client = clients[(MIRAI, demo.client)]
        if client.id not in with_intake:
            branch_code = next(d.branch_code for d in DEMO_CLIENTS
                               if (d.bank_code, d.name) == (MIRAI, demo.client))
            officer = users[BRANCH_OFFICER[(MIRAI, branch_code)]]
            intake = start_intake(client, officer)
            raw = {f.name: getattr(demo, f.name) for f in fields(demo)}
            for step in range(1, (demo.saved_steps or LAST_STEP - 1) + 1):
                values, errors = clean_intake(raw, fields=STEPS[step][1])
                if errors:
                    raise ValueError(f"demo intake {demo.client}: {errors}")
                save_step(intake, step, values)
            if demo.saved_steps is None:
                complete_intake(intake, officer, opened.get(demo.client))
            summary.created += 1
        if demo.saved_steps is None:
            summary.cases += 1
        else:
            summary.draft_intakes += 1


def _seed_advisors(summary: SeedSummary, clients: dict[tuple[str, str], ClientCompany]
                   ) -> None:
    targets = [(clients[(MIRAI, name)].corporate_number, clients[(MIRAI, name)].municipality)
               for name in CONFLICT_CLIENTS]
    records = demo_advisor_records(targets)
    ids = [r["external_id"] for r in records]
    before = _advisor_snapshots(ids)
    import_advisors(records)  # the operator's import path: same validation, same upsert
    after = _advisor_snapshots(ids)
    summary.created += len(after) - len(before)
    summary.updated += sum(before[i] != after[i] for i in before)
    summary.advisors = len(records)


def _advisor_snapshots(external_ids: list[str]) -> dict[str, tuple]:
    """Column values and skills per advisor, to tell which ones an import really changed
    (ImportSummary counts every existing advisor as updated)."""
    columns = [c.key for c in Advisor.__table__.columns if c.key not in ("id", "updated_at")]
    advisors = db.session.scalars(
        sa.select(Advisor).options(selectinload(Advisor.skills))
        .where(Advisor.external_id.in_(external_ids)))
    return {
        a.external_id: (tuple(getattr(a, c) for c in columns),
                        sorted((s.tag, s.level) for s in a.skills))
        for a in advisors
    }
