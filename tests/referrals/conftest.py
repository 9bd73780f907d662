"""A bank with a full approval chain and a case whose proposal is issued, for the 稟議 tests."""
import hashlib
from datetime import date

import pytest

from app.extensions import db
from app.models import ConsentMethod, Proposal, Role
from app.referrals.consent_items import CONSENT_ITEMS, consent_recipients
from app.referrals.services import ConsentInput, record_consent
from tests.factories import make_bank, make_branch, make_user
from tests.notifications.conftest import mail_config  # noqa: F401 (fixture for test_mail)
from tests.proposal_cases import import_acceptance_advisors, make_case, make_default_plans


def issue_test_proposal(case, plan, officer) -> Proposal:
    """A proposal row without rendering (the PDF itself is tested in tests/proposals)."""
    pdf = f"%PDF-1.4 test proposal {case.case_number}".encode()
    proposal = Proposal(case=case, version=len(case.proposals) + 1, plan_code=plan.code,
                        plan_name=plan.name, monthly_fee=plan.monthly_fee,
                        advisor_external_ids=[s.advisor.external_id for s in case.selections],
                        pdf=pdf, sha256=hashlib.sha256(pdf).hexdigest(), size_bytes=len(pdf),
                        issued_by=officer)
    db.session.add(proposal)
    case.status = "proposed"
    case.plan = plan
    db.session.flush()
    db.session.expire(case, ["proposals"])
    return proposal


def give_consent(case, officer, **overrides):
    values = dict(items=list(CONSENT_ITEMS), recipients=consent_recipients(case),
                  consented_on=date(2026, 12, 1), method=ConsentMethod.ELECTRONIC,
                  consenter_name=case.client.representative_name,
                  consenter_title=case.client.representative_title, obtained_by=officer)
    values.update(overrides)
    return record_consent(case, officer, ConsentInput(**values))


class World(dict):
    __getattr__ = dict.__getitem__


@pytest.fixture
def world(app_ctx):
    return make_world()


def make_world() -> World:
    """Staff of every role at two banks, and an A01 case with its proposal issued."""
    import_acceptance_advisors()
    plans = make_default_plans()
    bank = make_bank("みらい信用金庫")
    bank.hq_approval_threshold = 1_000_000  # premium (¥1,200,000 a year) goes to 本部
    branch = make_branch(bank, name="北九州支店")
    other_branch = make_branch(bank, "旭川支店", "北海道", "旭川市")
    officer = make_user(Role.OFFICER, bank, branch, name="山本 健太")
    officer.email = "yamamoto@mirai.example.jp"
    supervisor = make_user(Role.SUPERVISOR, bank, branch, name="佐藤 役席")
    supervisor.email = "sato@mirai.example.jp"
    deputy = make_user(Role.SUPERVISOR, bank, branch, name="鈴木 代理")
    deputy.can_approve_on_behalf = True
    manager = make_user(Role.MANAGER, bank, branch, name="田中 支店長")
    manager.email = "tanaka@mirai.example.jp"
    hq = make_user(Role.HQ, bank, name="高橋 本部")
    hq.email = "takahashi@mirai.example.jp"
    other_manager = make_user(Role.MANAGER, bank, other_branch, name="旭川 支店長")
    foreign_bank = make_bank("はやぶさ信用金庫")
    foreign_branch = make_branch(foreign_bank)
    foreign_manager = make_user(Role.MANAGER, foreign_bank, foreign_branch, name="よそ 支店長")
    foreign_hq = make_user(Role.HQ, foreign_bank, name="よそ 本部")
    operator = make_user(Role.OPERATOR, name="運営 花子")
    case = make_case("A01", officer=officer)
    issue_test_proposal(case, plans["standard"], officer)
    db.session.commit()
    return World(bank=bank, branch=branch, officer=officer, supervisor=supervisor,
                 deputy=deputy, manager=manager, hq=hq, other_manager=other_manager,
                 foreign_manager=foreign_manager, foreign_hq=foreign_hq, operator=operator,
                 case=case, plans=plans)
