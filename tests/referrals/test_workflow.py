"""The 稟議 state table, walked completely: every (state, action) pair is either the one
allowed transition written out here or refused."""
import itertools

import pytest

from app.models import ActionKind, ReferralStatus
from app.referrals.workflow import (
    HQ,
    MANAGER,
    SUPERVISOR,
    State,
    TransitionRefused,
    approval_chain,
    next_state,
)

P, R, W, X, A = (ReferralStatus.PENDING, ReferralStatus.RETURNED, ReferralStatus.WITHDRAWN,
                 ReferralStatus.REJECTED, ReferralStatus.APPROVED)
STEPS = [SUPERVISOR, MANAGER, HQ]

# (status, step_index, action) → (status, step_index); anything absent must be refused.
ALLOWED = {
    (None, 0, ActionKind.SUBMIT): (P, 0),
    (R, 0, ActionKind.SUBMIT): (P, 0),
    (W, 0, ActionKind.SUBMIT): (P, 0),
    (P, 0, ActionKind.APPROVE): (P, 1),
    (P, 1, ActionKind.APPROVE): (P, 2),
    (P, 2, ActionKind.APPROVE): (A, 2),
    (P, 1, ActionKind.APPROVE_ON_BEHALF): (P, 2),  # the deputy stands in for the 支店長 only
    **{(P, i, ActionKind.RETURN): (R, 0) for i in range(3)},
    **{(P, i, ActionKind.REJECT): (X, i) for i in range(3)},
    **{(P, i, ActionKind.WITHDRAW): (W, 0) for i in range(3)},
}


@pytest.mark.parametrize(("status", "index", "action"), list(itertools.product(
    [None, P, R, W, X, A], range(3), list(ActionKind))))
def test_every_transition_is_either_allowed_or_refused(status, index, action):
    expected = ALLOWED.get((status, index, action))
    if expected is None and status != P and action == ActionKind.SUBMIT and index != 0:
        expected = ALLOWED.get((status, 0, action))  # the step index is irrelevant unless pending
    if expected is None:
        with pytest.raises(TransitionRefused):
            next_state(State(status, index), action, STEPS)
    else:
        assert next_state(State(status, index), action, STEPS) == State(*expected)


def test_final_states_accept_nothing():
    for status, action in itertools.product([A, X], ActionKind):
        with pytest.raises(TransitionRefused):
            next_state(State(status, 0), action, STEPS)


def test_chain_per_bank_settings_and_amount():
    chain = dict(requires_supervisor=True, hq_threshold=1_000_000)
    assert approval_chain(submitter_role="officer", annual_value=600_000, **chain) == \
        [SUPERVISOR, MANAGER]
    assert approval_chain(submitter_role="officer", annual_value=1_200_000, **chain) == \
        [SUPERVISOR, MANAGER, HQ]
    # At the threshold exactly: not above it.
    assert approval_chain(submitter_role="officer", annual_value=1_000_000, **chain) == \
        [SUPERVISOR, MANAGER]
    # The chain starts above the submitter: a 役席's referral goes to the 支店長.
    assert approval_chain(submitter_role="supervisor", annual_value=600_000, **chain) == \
        [MANAGER]
    assert approval_chain(submitter_role="officer", annual_value=600_000,
                          requires_supervisor=False, hq_threshold=1_000_000) == [MANAGER]
