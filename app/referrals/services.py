"""Consent, referral submission and the approval chain (紹介稟議). No request globals: the
caller passes the actor, the client's IP and the time. Flushes, never commits.

Concurrency: every transition is one conditional UPDATE on the referral's `version`; of two
people acting at once exactly one UPDATE matches and the other gets a ReferralConflict with
the state as it is now."""
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.audit.services import record
from app.errors import DomainError
from app.extensions import db
from app.japan import JapanInputError
from app.japan.text import clean_text
from app.models import (
    ActionKind,
    Case,
    CaseStatus,
    ConsentMethod,
    ConsentRecord,
    Notification,
    Referral,
    ReferralAction,
    ReferralDocument,
    ReferralStatus,
    Role,
    User,
    utcnow,
)
from app.models.referral import ACTION_LABELS, ACTION_VERB_STEMS
from app.notifications.services import notify
from app.referrals.consent_items import CONSENT_ITEMS, consent_recipients
from app.referrals.workflow import (
    HQ,
    MANAGER,
    STEP_LABELS,
    SUPERVISOR,
    State,
    TransitionRefused,
    approval_chain,
    comment_required,
    next_state,
)

SUBMITTER_ROLES = (Role.OFFICER, Role.SUPERVISOR)
FINAL = (ReferralStatus.APPROVED, ReferralStatus.REJECTED)
MAX_COMMENT = 2000


class ReferralError(DomainError):
    """The action is refused by a rule (409); the message says why, in Japanese."""


class ReferralConflict(ReferralError):
    """Someone else acted first; the message gives the state as it is now."""


class NotAllowed(DomainError):
    """The user may see the referral but may not do this (403)."""

    status = 403


# ---------------------------------------------------------------- consent


@dataclass(frozen=True)
class ConsentInput:
    items: list[str]
    recipients: list[dict]
    consented_on: date
    method: ConsentMethod
    consenter_name: str
    consenter_title: str
    obtained_by: User
    note: str = ""
    scan: bytes | None = None
    scan_filename: str = ""
    scan_mimetype: str = ""


def record_consent(case: Case, actor: User, data: ConsentInput, *, ip: str = "",
                   now: datetime | None = None) -> ConsentRecord:
    """Keep the client's consent as given. Never edits an earlier record: a new consent is a
    new row and the latest one is in force."""
    if not actor.role.is_branch_role:
        raise NotAllowed("同意の記録は支店の担当者が行います。")
    if _locked(case):
        raise ReferralError("稟議の申請中・承認後は同意を記録し直せません"
                            "（取り戻してから記録してください）。")
    consent = ConsentRecord(
        case=case, items=list(data.items), recipients=list(data.recipients),
        consented_on=data.consented_on, method=data.method,
        consenter_name=data.consenter_name, consenter_title=data.consenter_title,
        obtained_by_id=data.obtained_by.id, note=data.note, recorded_by_id=actor.id,
        recorded_at=now or utcnow(),
        scan=data.scan, scan_filename=data.scan_filename, scan_mimetype=data.scan_mimetype,
        scan_sha256=hashlib.sha256(data.scan).hexdigest() if data.scan else "",
    )
    db.session.add(consent)
    db.session.flush()
    record(actor, "consent.record", "consent_record", consent.id, ip=ip, case_id=case.id,
           at=consent.recorded_at,
           bank_id=case.bank_id,
           summary=f"{case.case_number} 第三者提供の同意を記録しました（{consent.method_label}）。",
           after={"items": consent.items, "recipients": consent.recipients,
                  "consented_on": consent.consented_on, "method": consent.method,
                  "consenter": f"{consent.consenter_title} {consent.consenter_name}".strip(),
                  "obtained_by": data.obtained_by.name, "scan_sha256": consent.scan_sha256})
    return consent


def consent_problems(case: Case) -> list[str]:
    """Why the consent in force does not cover the referral (empty: it does)."""
    consent = case.consent
    if consent is None:
        return ["お客さまの同意（第三者提供同意）が記録されていません。"
                "同意を記録してから申請してください。"]
    problems = []
    if not consent.items:
        problems.append("同意の対象となる情報が選ばれていません。")
    consented = {r.get("name") for r in consent.recipients}
    missing = [r["name"] for r in consent_recipients(case) if r["name"] not in consented]
    if missing:
        problems.append(f"同意の提供先に {'、'.join(missing)} が含まれていません。"
                        "提案内容に合わせて同意を取り直し、記録してください。")
    return problems


# ---------------------------------------------------------------- submission


def _locked(case: Case) -> bool:
    referral = case.referral
    return referral is not None and referral.status in (ReferralStatus.PENDING, *FINAL)


def submit_problems(case: Case, actor: User) -> list[str]:
    """Everything that stops `actor` from submitting the case's referral now."""
    problems = []
    if actor.role not in SUBMITTER_ROLES or actor.branch_id != case.branch_id:
        problems.append("稟議を申請できるのは、この支店の担当者・役席です。")
    if case.latest_proposal is None or case.status == CaseStatus.MATCHING:
        problems.append("提案書を発行してから申請してください。")
    referral = case.referral
    if referral is not None and referral.status not in (ReferralStatus.RETURNED,
                                                         ReferralStatus.WITHDRAWN):
        problems.append(f"この案件の稟議は「{referral.status_label}」です。")
    elif referral is not None and actor.id not in (referral.submitter_id, case.officer_id):
        # Otherwise a 役席 could resubmit an officer's returned referral and skip the 役席 step.
        problems.append("差し戻し・取り戻しの後に再申請できるのは、申請者本人か案件の担当者です。")
    if case.latest_proposal is not None:
        problems += consent_problems(case)
    return problems


def submit(case: Case, actor: User, *, comment: str = "", ip: str = "",
           now: datetime | None = None) -> Referral:
    """Start (or restart after 差戻し / 取り戻し) the referral's approval chain.

    A double-clicked submit creates one referral: when the same person's submission of the
    current round is already pending, that referral is returned unchanged."""
    now = now or utcnow()
    referral = case.referral
    if (referral is not None and referral.status == ReferralStatus.PENDING
            and referral.submitter_id == actor.id and referral.step_index == 0):
        return referral  # the second click of a double click
    problems = submit_problems(case, actor)
    if problems:
        raise ReferralError(" ".join(problems))
    comment = _clean_comment(comment)
    proposal = case.latest_proposal
    annual = proposal.monthly_fee * 12
    steps = approval_chain(submitter_role=actor.role.value,
                           requires_supervisor=case.bank.approval_requires_supervisor,
                           annual_value=annual, hq_threshold=case.bank.hq_approval_threshold,
                           branch_has_supervisor=_has_staff(case, Role.SUPERVISOR, actor))
    for step in steps:
        if step != SUPERVISOR and not _has_staff(case, Role(step), actor):
            raise ReferralError(f"{STEP_LABELS[step]}の承認者が登録されていないため申請できません。"
                                "本部の管理者に連絡してください。")
    fields = dict(status=ReferralStatus.PENDING, step_index=0, steps=steps,
                  submitter_id=actor.id, proposal_id=proposal.id, consent_id=case.consent.id,
                  annual_value=annual, submitted_at=now, decided_at=None)
    if referral is None:
        referral = Referral(case_id=case.id, bank_id=case.bank_id, branch_id=case.branch_id,
                            round=1, version=1, **fields)
        try:
            with db.session.begin_nested():
                db.session.add(referral)
        except sa.exc.IntegrityError:
            # Another request created it first (double click, two tabs): that one stands.
            db.session.expire(case)
            existing = db.session.scalar(sa.select(Referral).where(Referral.case_id == case.id))
            if existing is not None and existing.submitter_id == actor.id \
                    and existing.status == ReferralStatus.PENDING:
                return existing
            raise ReferralConflict(
                "この案件はすでに申請されています。画面を更新してください。") from None
        case.referral = referral
    else:
        try:
            _update(referral, referral.version, actor, round=Referral.round + 1, **fields)
        except ReferralConflict:
            if referral.status == ReferralStatus.PENDING and referral.submitter_id == actor.id:
                return referral  # the other click of a double click resubmitted it
            raise
    db.session.add(ReferralAction(
        referral_id=referral.id, round=referral.round, step="", action=ActionKind.SUBMIT,
        actor_id=actor.id, actor_name=actor.name, actor_role=actor.role.value,
        comment=comment, at=now))
    chain = " → ".join(STEP_LABELS[s] for s in steps)
    record(actor, "referral.submit", "referral", referral.id, ip=ip, case_id=case.id, at=now,
           bank_id=case.bank_id,
           summary=f"{case.case_number} 紹介稟議を申請しました（{chain}）。",
           after={"status": referral.status, "steps": steps, "round": referral.round,
                  "proposal_version": proposal.version, "annual_value": annual,
                  "consent_id": referral.consent_id, "comment": comment})
    _notify_approvers(referral, now)
    db.session.flush()
    return referral


def _has_staff(case: Case, role: Role, submitter: User) -> bool:
    """Is there an active user, other than the submitter, who can act on a step of `role`?"""
    stmt = sa.select(User.id).where(User.active.is_(True), User.role == role,
                                    User.bank_id == case.bank_id, User.id != submitter.id)
    if role != Role.HQ:
        stmt = stmt.where(User.branch_id == case.branch_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _clean_comment(comment: str) -> str:
    """A comment as typed (line breaks kept); control, zero-width and direction characters
    are refused — they would garble the trail and the notices."""
    try:
        return clean_text(comment or "", max_length=MAX_COMMENT, required=False,
                          multiline=True)
    except JapanInputError as exc:
        raise ReferralError(f"コメント：{exc}") from None


def _update(referral: Referral, expected_version: int, actor: User, **values) -> None:
    """One conditional UPDATE: applies only if nobody changed the referral since it was read."""
    result = db.session.execute(
        sa.update(Referral)
        .where(Referral.id == referral.id, Referral.version == expected_version)
        .values(version=Referral.version + 1, **values)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.expire(referral)
        raise ReferralConflict(_conflict_message(referral, actor))
    db.session.expire(referral)  # re-read what the UPDATE wrote (version, round)


def _conflict_message(referral: Referral, actor: User) -> str:
    """Who moved the referral on since the user's page was drawn: someone else, or the user
    in another tab (then 「ほかの方」 would send them looking for a colleague)."""
    db.session.refresh(referral)
    last = db.session.scalar(sa.select(ReferralAction)
                             .where(ReferralAction.referral_id == referral.id)
                             .order_by(ReferralAction.id.desc()).limit(1))
    if last is not None and last.actor_id == actor.id:
        first = f"この稟議は、あなたが別の画面ですでに{ACTION_VERB_STEMS[last.action]}ています。"
    else:
        first = "ほかの方が先にこの稟議を処理しました。"
    return first + "現在の状態：" + state_text(referral) + "。画面を更新して確認してください。"


def state_text(referral: Referral) -> str:
    if referral.status == ReferralStatus.PENDING:
        return f"{STEP_LABELS[referral.current_step]}の承認待ち"
    return referral.status_label


# ---------------------------------------------------------------- approval actions


def _in_scope(user: User, referral: Referral) -> bool:
    if user.role == Role.OPERATOR:
        return False  # the platform never acts in a bank's 稟議
    if user.bank_id != referral.bank_id:
        return False
    return not user.role.is_branch_role or user.branch_id == referral.branch_id


def _already_approved(referral: Referral, user: User) -> bool:
    """Did this person approve an earlier step of the current round?"""
    return any(a.actor_id == user.id and a.round == referral.round
               and a.action in (ActionKind.APPROVE, ActionKind.APPROVE_ON_BEHALF)
               for a in referral.actions)


def _may_decide(user: User, referral: Referral, step: str, action: ActionKind) -> str | None:
    """None if `user` may take `action` on `step`, else the Japanese reason."""
    if not _in_scope(user, referral):
        return "この稟議を処理する権限がありません。"
    if user.id == referral.submitter_id:
        return "ご自身が申請した稟議は承認・差戻し・否決できません。"
    if action == ActionKind.APPROVE_ON_BEHALF:
        if step != MANAGER or user.role != Role.SUPERVISOR or not user.can_approve_on_behalf:
            return "代理承認できるのは、支店長の段階で指名された代理承認者だけです。"
    elif {SUPERVISOR: Role.SUPERVISOR, MANAGER: Role.MANAGER, HQ: Role.HQ}[step] != user.role:
        return f"この段階は{STEP_LABELS[step]}の承認です。"
    if action in (ActionKind.APPROVE, ActionKind.APPROVE_ON_BEHALF) \
            and _already_approved(referral, user):
        return "同じ方が二つの段階を承認することはできません。"
    return None


def allowed_actions(referral: Referral, user: User) -> list[ActionKind]:
    """What `user` may do on the referral right now (for the buttons)."""
    if referral.status != ReferralStatus.PENDING:
        return []
    if user.id == referral.submitter_id:
        return [ActionKind.WITHDRAW]
    step = referral.current_step
    return [a for a in (ActionKind.APPROVE, ActionKind.APPROVE_ON_BEHALF, ActionKind.RETURN,
                        ActionKind.REJECT)
            if _may_decide(user, referral, step, a) is None]


def act(referral: Referral, actor: User, action: ActionKind, *, comment: str = "",
        expected_version: int | None = None, ip: str = "",
        now: datetime | None = None) -> Referral:
    """Approve / approve on behalf / return / reject / withdraw.

    `expected_version` is the version the user saw; if the referral moved on since, the
    action is refused with the current state (ReferralConflict). Raises NotAllowed (403) when
    the user may not take this action at all, ReferralError for a missing comment or a
    transition the state table refuses."""
    now = now or utcnow()
    comment = _clean_comment(comment)
    if expected_version is not None and expected_version != referral.version:
        raise ReferralConflict(_conflict_message(referral, actor))
    version = referral.version
    old = State(referral.status, referral.step_index)
    try:
        new = next_state(old, action, referral.steps)
    except TransitionRefused:
        raise ReferralError(f"この稟議は現在「{state_text(referral)}」のため、"
                            f"{ACTION_LABELS[action]}できません。") from None
    step = referral.steps[old.step_index]
    if action == ActionKind.WITHDRAW:
        if actor.id != referral.submitter_id:
            raise NotAllowed("取り戻しできるのは申請した本人だけです。")
    else:
        reason = _may_decide(actor, referral, step, action)
        if reason:
            raise NotAllowed(reason)
    needs_comment = comment_required(action)
    if needs_comment and not comment:
        raise ReferralError(needs_comment)

    final = new.status in FINAL
    _update(referral, version, actor, status=new.status, step_index=new.step_index,
            decided_at=now if final else None)
    behalf = None
    if action == ActionKind.APPROVE_ON_BEHALF:
        behalf = _branch_manager(referral)
    db.session.add(ReferralAction(
        referral_id=referral.id, round=referral.round, step=step if action != ActionKind.WITHDRAW
        else "", action=action, actor_id=actor.id, actor_name=actor.name,
        actor_role=actor.role.value, on_behalf_of_id=behalf.id if behalf else None,
        on_behalf_of_name=behalf.name if behalf else "", comment=comment, at=now))
    case = referral.case
    if new.status == ReferralStatus.APPROVED:
        case.status = CaseStatus.APPROVED
    elif new.status == ReferralStatus.REJECTED:
        case.status = CaseStatus.REJECTED
    done = f"{ACTION_VERB_STEMS[action]}ました"
    if behalf:
        done += f"（支店長 {behalf.name} に代わり）"
    record(actor, f"referral.{action.value}", "referral", referral.id, ip=ip, case_id=case.id,
           at=now,
           bank_id=referral.bank_id,
           summary=f"{case.case_number} {STEP_LABELS.get(step, '')}段階で{done}。"
           if action != ActionKind.WITHDRAW else f"{case.case_number} 稟議を取り戻しました。",
           before={"status": old.status, "step": step},
           after={"status": new.status, "step": referral.current_step or "",
                  "comment": comment, "on_behalf_of": behalf.name if behalf else ""})
    _close_approval_notices(referral, now)  # the step they were about has been decided
    if new.status == ReferralStatus.PENDING:
        _notify_approvers(referral, now)
    elif action != ActionKind.WITHDRAW:
        _notify_submitter(referral, action, actor, comment, now)
    if behalf is not None:
        notify([behalf], bank_id=referral.bank_id, now=now, link=_case_link(referral),
               subject=f"【代理承認】{case.case_number} {case.client.name}",
               message=f"{case.case_number} {case.client.name} の紹介稟議を、{actor.name} さんが"
                       "支店長に代わって承認しました。")
    db.session.flush()
    return referral


def _branch_manager(referral: Referral) -> User | None:
    return db.session.scalar(
        sa.select(User).where(User.branch_id == referral.branch_id, User.role == Role.MANAGER,
                              User.active.is_(True)).order_by(User.id).limit(1))


def approvers(referral: Referral) -> list[User]:
    """Everyone who may act on the referral's current step (deputies included)."""
    step = referral.current_step
    if step is None:
        return []
    stmt = sa.select(User).where(User.active.is_(True), User.bank_id == referral.bank_id,
                                 User.id != referral.submitter_id)
    if step == HQ:
        stmt = stmt.where(User.role == Role.HQ)
    elif step == SUPERVISOR:
        stmt = stmt.where(User.role == Role.SUPERVISOR, User.branch_id == referral.branch_id)
    else:
        stmt = stmt.where(User.branch_id == referral.branch_id, sa.or_(
            User.role == Role.MANAGER,
            sa.and_(User.role == Role.SUPERVISOR, User.can_approve_on_behalf.is_(True))))
    return [u for u in db.session.scalars(stmt.order_by(User.id))
            if _may_decide(u, referral, step, ActionKind.APPROVE) is None
            or _may_decide(u, referral, step, ActionKind.APPROVE_ON_BEHALF) is None]


def _case_link(referral: Referral) -> str:
    return f"/cases/{referral.case_id}"


def _close_approval_notices(referral: Referral, now: datetime) -> None:
    """Approval requests for this referral that nobody needs to act on any more are marked
    read (a new request goes out for the next step)."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.link == _case_link(referral), Notification.read_at.is_(None),
               Notification.message.like("%の承認待ちです%"))
        .values(read_at=now).execution_options(synchronize_session=False))


def _notify_approvers(referral: Referral, now: datetime) -> None:
    case = referral.case
    step = STEP_LABELS[referral.current_step]
    notify(approvers(referral), bank_id=referral.bank_id, now=now, link=_case_link(referral),
           subject=f"【承認依頼】{case.case_number} {case.client.name}",
           message=f"{case.case_number} {case.client.name} の紹介稟議が{step}の承認待ちです"
                   f"（申請：{referral.submitter.name}）。")


def _notify_submitter(referral: Referral, action: ActionKind, actor: User, comment: str,
                      now: datetime) -> None:
    case = referral.case
    result = {ReferralStatus.APPROVED: "承認されました",
              ReferralStatus.RETURNED: "差し戻されました",
              ReferralStatus.REJECTED: "否決されました"}[referral.status]
    tag = {ReferralStatus.APPROVED: "承認", ReferralStatus.RETURNED: "差戻し",
           ReferralStatus.REJECTED: "否決"}[referral.status]
    message = f"{case.case_number} {case.client.name} の紹介稟議が{result}（{actor.name}）。"
    if comment:
        message += f" コメント：{comment[:100]}"
    notify([referral.submitter], bank_id=referral.bank_id, now=now, link=_case_link(referral),
           subject=f"【{tag}】{case.case_number} {case.client.name}", message=message)


# ---------------------------------------------------------------- queues


def awaiting(user: User) -> sa.Select:
    """Referrals pending at a step this user may act on (before the per-row checks)."""
    stmt = sa.select(Referral).where(Referral.status == ReferralStatus.PENDING,
                                     Referral.bank_id == user.bank_id,
                                     Referral.submitter_id != user.id)
    if user.role.is_branch_role:
        stmt = stmt.where(Referral.branch_id == user.branch_id)
    return stmt


def waiting_for(user: User, referrals: Iterable[Referral]) -> list[Referral]:
    return [r for r in referrals if any(a != ActionKind.WITHDRAW
                                        for a in allowed_actions(r, user))]


# ---------------------------------------------------------------- the referral document


def latest_document(referral: Referral) -> ReferralDocument | None:
    return db.session.scalar(sa.select(ReferralDocument)
                             .where(ReferralDocument.referral_id == referral.id)
                             .order_by(ReferralDocument.version.desc()).limit(1))


def issue_referral_document(referral: Referral, *, now: datetime | None = None,
                            render=None, actor: User | None = None,
                            ip: str = "") -> ReferralDocument:
    """Render and store 紹介票兼同意確認書 for an approved referral (a new version each time;
    earlier versions are never touched). Called after the approval is committed, so no write
    transaction is held while the PDF renders."""
    from app.japan.dates import today_jst
    from app.referrals.documents import render_referral_document

    if referral.status != ReferralStatus.APPROVED:
        raise ReferralError("紹介票は稟議の承認後に発行されます。")
    now = now or utcnow()
    pdf = (render or render_referral_document)(referral, today_jst(now))
    current = db.session.scalar(sa.select(sa.func.max(ReferralDocument.version))
                                .where(ReferralDocument.referral_id == referral.id))
    document = ReferralDocument(referral_id=referral.id, version=(current or 0) + 1, pdf=pdf,
                                sha256=hashlib.sha256(pdf).hexdigest(), size_bytes=len(pdf),
                                issued_at=now)
    db.session.add(document)
    db.session.flush()
    record(actor, "referral_document.issue", "referral_document", document.id, at=now, ip=ip,
           case_id=referral.case_id, bank_id=referral.bank_id,
           summary=f"{referral.case.case_number} 紹介票兼同意確認書"
                   f"（第{document.version}版）を発行しました。",
           after={"sha256": document.sha256, "size_bytes": document.size_bytes})
    return document


CONSENT_ITEM_CODES = tuple(CONSENT_ITEMS)
