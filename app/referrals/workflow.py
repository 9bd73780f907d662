"""The 稟議 state table, as pure functions: which action is allowed in which state, where it
leads, and which chain of approval steps a referral goes through."""
from dataclasses import dataclass

from app.models.referral import ActionKind, ReferralStatus

# Approval steps, in chain order; the value is the role that acts on the step.
SUPERVISOR, MANAGER, HQ = "supervisor", "manager", "hq"
STEP_LABELS = {SUPERVISOR: "役席", MANAGER: "支店長", HQ: "本部"}

# Where a submission may start from: no referral yet (None), or taken back / returned.
SUBMITTABLE = {None, ReferralStatus.RETURNED, ReferralStatus.WITHDRAWN}
DECISIONS = {ActionKind.APPROVE, ActionKind.APPROVE_ON_BEHALF, ActionKind.RETURN,
             ActionKind.REJECT, ActionKind.WITHDRAW}


class TransitionRefused(Exception):
    """The action is not allowed in the referral's current state."""


@dataclass(frozen=True)
class State:
    status: ReferralStatus | None  # None: not submitted yet
    step_index: int = 0


def approval_chain(*, submitter_role: str, requires_supervisor: bool, annual_value: int,
                   hq_threshold: int, branch_has_supervisor: bool = True) -> list[str]:
    """担当 → 役席 (if the bank requires it and the branch has one) → 支店長, plus 本部 when the
    annual contract value is above the bank's threshold. The chain starts above the
    submitter: a 役席's own referral goes straight to the 支店長 (nobody approves their own
    referral)."""
    steps = []
    if requires_supervisor and branch_has_supervisor and submitter_role == "officer":
        steps.append(SUPERVISOR)
    steps.append(MANAGER)
    if annual_value > hq_threshold:
        steps.append(HQ)
    return steps


def next_state(state: State, action: ActionKind, steps: list[str]) -> State:
    """The state after `action`, or TransitionRefused. Every pair not listed here is refused."""
    if action == ActionKind.SUBMIT:
        if state.status not in SUBMITTABLE:
            raise TransitionRefused(action)
        return State(ReferralStatus.PENDING, 0)
    if state.status != ReferralStatus.PENDING:
        raise TransitionRefused(action)
    if action in (ActionKind.APPROVE, ActionKind.APPROVE_ON_BEHALF):
        if action == ActionKind.APPROVE_ON_BEHALF and steps[state.step_index] != MANAGER:
            raise TransitionRefused(action)  # a deputy stands in for the 支店長 only
        if state.step_index + 1 < len(steps):
            return State(ReferralStatus.PENDING, state.step_index + 1)
        return State(ReferralStatus.APPROVED, state.step_index)
    if action == ActionKind.RETURN:
        return State(ReferralStatus.RETURNED, 0)
    if action == ActionKind.REJECT:
        return State(ReferralStatus.REJECTED, state.step_index)
    if action == ActionKind.WITHDRAW:
        return State(ReferralStatus.WITHDRAWN, 0)
    raise TransitionRefused(action)


def comment_required(action: ActionKind) -> str | None:
    """The Japanese message when the action needs a comment, else None."""
    if action == ActionKind.RETURN:
        return "差戻しの理由（コメント）を入力してください。"
    if action == ActionKind.REJECT:
        return "否決の理由を入力してください。"
    return None
