"""Demo referrals (紹介稟議): some completed cases brought through proposal → consent → approval
with the real services, so the approval queue, the pipeline, the case trails, the notices
and the outbox have something to show right after seeding. The other cases stay 候補選定中
for people to walk the flow themselves.

Times are working hours (JST) of past weekdays, in order: `day` counts weekdays back from
today (1 = the last weekday before today), so every event is in the past whenever the seed
runs. A case is brought through only while nobody has moved it on (no proposal, no
advisors picked): seeding again changes nothing, and a case moved on by hand is left alone."""
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from app.demo.banks import MIRAI
from app.extensions import db
from app.japan.dates import JST, today_jst
from app.matching.cases import select_advisors
from app.matching.services import match_intake
from app.models import (
    ActionKind,
    Case,
    ClientCompany,
    ConsentMethod,
    Notification,
    Plan,
    ReferralStatus,
    User,
)
from app.proposals.services import issue_proposal
from app.referrals.consent_items import DEFAULT_ITEMS, consent_recipients
from app.referrals.services import (
    ConsentInput,
    act,
    issue_referral_document,
    record_consent,
    submit,
)

PROPOSAL, CONSENT, SUBMIT = "proposal", "consent", "submit"

OFFICER, SUPERVISOR = "officer@kitakyushu", "supervisor@kitakyushu"
MANAGER, DEPUTY = "manager@kitakyushu", "deputy@kitakyushu"


@dataclass(frozen=True)
class Event:
    day: int  # weekdays before today (JST)
    at: str  # "HH:MM" JST
    what: str  # PROPOSAL, CONSENT, SUBMIT or an ActionKind value
    actor: str  # login id
    comment: str = ""


@dataclass(frozen=True)
class DemoReferral:
    client: str  # company name in DEMO_CLIENTS (みらい信用金庫)
    plan: str  # plan code
    opened: tuple[int, str]  # (day, "HH:MM"): when the intake was completed
    events: list[Event] = field(default_factory=list)


def _steps(officer: str, proposal: tuple[int, str], consent: tuple[int, str]) -> list[Event]:
    """The officer issues the proposal, then records the client's (electronic) consent."""
    return [Event(*proposal, PROPOSAL, officer), Event(*consent, CONSENT, officer)]


DEMO_REFERRALS: list[DemoReferral] = [
    # Proposal issued and consent recorded: the officer has yet to submit.
    DemoReferral("有限会社紫川食品", "light", (4, "16:20"),
                 _steps(OFFICER, (2, "10:30"), (1, "15:10"))),
    # Submitted: waiting for the 役席.
    DemoReferral("有限会社小倉焼うどん本舗", "light", (3, "14:00"), [
        *_steps(OFFICER, (2, "09:40"), (1, "11:00")),
        Event(1, "13:30", SUBMIT, OFFICER,
              "観光客のキャッシュレス対応を急ぎたいとのご意向です。1か月以内の導入を希望されています。"),
    ]),
    # Approved by the 役席: waiting for the 支店長.
    DemoReferral("有限会社黒崎青果", "standard", (5, "11:10"), [
        *_steps(OFFICER, (4, "10:00"), (3, "14:30")),
        Event(3, "16:00", SUBMIT, OFFICER),
        Event(2, "10:20", ActionKind.APPROVE, SUPERVISOR,
              "受発注の課題に合った人選です。支店長の承認をお願いします。"),
    ]),
    # Returned by the 役席 with the reason.
    DemoReferral("株式会社皿倉ケアサービス", "standard", (6, "15:00"), [
        *_steps(OFFICER, (5, "10:15"), (4, "13:40")),
        Event(4, "15:30", SUBMIT, OFFICER),
        Event(3, "09:50", ActionKind.RETURN, SUPERVISOR,
              "月額費用の根拠（訪問回数）を提案書に追記してください。"),
    ]),
    # Approved: the 役席, then the named deputy for the 支店長 (away); document issued.
    DemoReferral("株式会社北九運輸", "standard", (8, "10:30"), [
        *_steps(OFFICER, (7, "14:00"), (6, "10:30")),
        Event(6, "11:15", SUBMIT, OFFICER,
              "2024年問題への対応として、配車と勤怠の見直しを早期に始めたいとのことです。"),
        Event(5, "09:30", ActionKind.APPROVE, SUPERVISOR),
        Event(5, "16:40", ActionKind.APPROVE_ON_BEHALF, DEPUTY,
              "支店長出張中のため、代理で承認します。"),
    ]),
    # プレミアム: 120万円 a year is above the bank's threshold, so 本部 approves last.
    DemoReferral("株式会社めかり観光", "premium", (7, "13:30"), [
        *_steps(OFFICER, (6, "10:00"), (5, "11:20")),
        Event(5, "14:00", SUBMIT, OFFICER,
              "年額120万円（税抜）のため、本部の承認までお願いいたします。"),
        Event(4, "10:45", ActionKind.APPROVE, SUPERVISOR),
        Event(3, "17:10", ActionKind.APPROVE, MANAGER,
              "インバウンド対応は当地区の重点施策です。本部のご承認をお願いします。"),
    ]),
    # 旭川支店: proposal and consent only (the branch's chain is for its own people to walk).
    DemoReferral("株式会社道北ロジスティクス", "standard", (3, "10:00"),
                 _steps("officer@asahikawa", (2, "11:30"), (1, "10:40"))),
]


def opening_order(client: str) -> tuple[int, int, str]:
    """Sort key for completing the demo intakes, so case numbers follow the opening times:
    the demo referrals' cases first (oldest first), then the others (opened at seeding)."""
    demo = next((d for d in DEMO_REFERRALS if d.client == client), None)
    return (0, -demo.opened[0], demo.opened[1]) if demo else (1, 0, "")


def weekday_before(today: date, days: int) -> date:
    """The `days`-th weekday before `today` (1: the last weekday before it)."""
    day = today
    while days > 0:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def moment(today: date, day: int, at: str) -> datetime:
    hour, minute = map(int, at.split(":"))
    local = datetime.combine(weekday_before(today, day), time(hour, minute), tzinfo=JST)
    return local.astimezone(UTC)


def seed_referrals(users: dict[str, User], clients: dict[tuple[str, str], ClientCompany],
                   now: datetime) -> int:
    """Bring each demo referral's case through its events, if nobody has moved the case on.
    Returns the number of cases brought through by this run."""
    today = today_jst(now)
    plans = {p.code: p for p in db.session.scalars(sa.select(Plan))}
    done = 0
    for demo in DEMO_REFERRALS:
        client = clients[(MIRAI, demo.client)]
        case = db.session.scalar(sa.select(Case).where(Case.client_id == client.id))
        if case is None or case.proposals or case.selections:
            continue
        _run(case, demo, plans[demo.plan], users, today)
        done += 1
    return done


def _run(case: Case, demo: DemoReferral, plan: Plan, users: dict[str, User],
         today: date) -> None:
    opened = moment(today, *demo.opened)
    case.created_at = case.intake.completed_at = opened  # the intake was done that day
    case.intake.created_at = opened - timedelta(hours=1)
    result = match_intake(case.intake)
    if not result.team:
        raise ValueError(f"demo referral {demo.client}: no advisor team")
    select_advisors(case, [r.advisor.external_id for r in result.team], result)
    referral = None
    for event in demo.events:
        actor, at = users[event.actor], moment(today, event.day, event.at)
        if event.what == PROPOSAL:
            issue_proposal(case, plan, actor, now=at)
        elif event.what == CONSENT:
            record_consent(case, actor, _electronic_consent(case, actor, at), now=at)
        elif event.what == SUBMIT:
            referral = submit(case, actor, comment=event.comment, now=at)
        else:
            _read_notices(actor, case, at)  # whoever acts has opened their notice
            act(referral, actor, ActionKind(event.what), comment=event.comment, now=at)
            if referral.status == ReferralStatus.APPROVED:
                issue_referral_document(referral, now=at + timedelta(minutes=1))


def _electronic_consent(case: Case, officer: User, at: datetime) -> ConsentInput:
    client = case.client
    return ConsentInput(
        items=list(DEFAULT_ITEMS), recipients=consent_recipients(case),
        consented_on=today_jst(at), method=ConsentMethod.ELECTRONIC,
        consenter_name=client.representative_name, consenter_title=client.representative_title,
        obtained_by=officer)


def _read_notices(user: User, case: Case, at: datetime) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.link == f"/cases/{case.id}",
               Notification.read_at.is_(None))
        .values(read_at=at).execution_options(synchronize_session=False))
