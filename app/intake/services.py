"""Intake interviews: start, save each step as a draft, complete into a numbered case.
No request globals; flush, never commit."""
from datetime import UTC, datetime

import sqlalchemy as sa

from app.audit.services import record
from app.errors import DomainError
from app.extensions import db
from app.japan.dates import today_jst
from app.models import (
    Case,
    CaseNumberCounter,
    ClientCompany,
    Intake,
    IntakeStatus,
    User,
)

# The wizard: step number → (title, fields saved by that step).
STEPS: dict[int, tuple[str, list[str]]] = {
    1: ("現状とニーズ", ["current_situation", "needs"]),
    2: ("お客さまのお話", ["notes", "accepted_needs"]),
    3: ("ツール・予算・時期", ["tools", "budget_monthly_max", "urgency", "onsite_required",
                             "decision_maker"]),
    4: ("確認", []),
}
LAST_STEP = max(STEPS)


class IntakeClosed(DomainError):
    """The intake is already completed; it can no longer be edited."""


def start_intake(client: ClientCompany, officer: User) -> Intake:
    """Open a draft intake for the client, or return the client's open draft (one at a time:
    a double-clicked start never makes two)."""
    draft = db.session.scalar(
        sa.select(Intake)
        .where(Intake.client_id == client.id, Intake.status == IntakeStatus.DRAFT)
        .order_by(Intake.id.desc())
        .limit(1)
    )
    if draft is not None:
        return draft
    intake = Intake(client_id=client.id, created_by_id=officer.id, needs=[], accepted_needs=[],
                    tools=[])
    db.session.add(intake)
    db.session.flush()
    return intake


def save_step(intake: Intake, step: int, values: dict) -> Intake:
    """Store one step's cleaned values on a draft; the draft remembers the furthest step."""
    if intake.status != IntakeStatus.DRAFT:
        raise IntakeClosed("このヒアリングは完了しているため、変更できません。")
    for field in STEPS[step][1]:
        if field in values:
            setattr(intake, field, values[field])
    intake.step = max(intake.step, min(step + 1, LAST_STEP))
    db.session.flush()
    return intake


def next_case_number(now: datetime | None = None) -> str:
    """PTA-YYYY-NNNNNN, numbered per JST year. The counter row is incremented with one
    UPDATE … RETURNING, so two sessions never get the same number."""
    year = today_jst(now).year
    for _ in range(3):
        stmt = (
            sa.update(CaseNumberCounter)
            .where(CaseNumberCounter.year == year)
            .values(last_number=CaseNumberCounter.last_number + 1)
            .returning(CaseNumberCounter.last_number)
        )
        number = db.session.execute(stmt).scalar()
        if number is not None:
            return f"PTA-{year}-{number:06d}"
        try:
            with db.session.begin_nested():
                db.session.add(CaseNumberCounter(year=year, last_number=0))
        except sa.exc.IntegrityError:
            pass  # another session created this year's row first: increment it
    raise RuntimeError("could not allocate a case number")


def complete_intake(intake: Intake, officer: User, now: datetime | None = None, *,
                    ip: str = "") -> Case:
    """Close the draft and open its case (案件) with a new case number.
    Requires at least one need (ticked or accepted from the notes)."""
    if intake.status != IntakeStatus.DRAFT:
        raise IntakeClosed("このヒアリングはすでに完了しています。")
    if not intake.all_needs:
        raise DomainError("ニーズ分類を1つ以上選んでください（手順1、または手順2の提案から）。")
    now = now or datetime.now(UTC)
    intake.status = IntakeStatus.COMPLETED
    intake.completed_at = now
    client = intake.client
    case = Case(
        case_number=next_case_number(now), bank_id=client.bank_id, branch_id=client.branch_id,
        client_id=client.id, intake_id=intake.id, officer_id=officer.id, created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    record(officer, "case.create", "case", case.id, case_id=case.id, bank_id=case.bank_id,
           ip=ip, at=now, summary=f"{case.case_number} ヒアリングを完了し、案件を作成しました。")
    return case
