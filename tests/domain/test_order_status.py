"""The order state machine, without a database."""

from __future__ import annotations

import pytest

from doorstep.domain.order_status import (
    FINAL,
    REASON_REQUIRED,
    TRANSITIONS,
    IllegalTransition,
    OrderStatus,
    transition,
)

S = OrderStatus


def test_every_status_has_a_rule():
    assert set(TRANSITIONS) == set(OrderStatus)


def test_the_happy_path_is_legal():
    status = S.CREATED
    for target in (S.SCHEDULED, S.OUT_FOR_DELIVERY, S.ARRIVING, S.DELIVERED):
        status = transition(status, target)
    assert status is S.DELIVERED


def test_a_failed_attempt_can_be_rescheduled_and_delivered_later():
    status = transition(S.OUT_FOR_DELIVERY, S.FAILED, "nobody home")
    status = transition(status, S.RESCHEDULED)
    status = transition(status, S.SCHEDULED)
    assert transition(transition(status, S.OUT_FOR_DELIVERY), S.DELIVERED) is S.DELIVERED


def test_final_states_allow_nothing():
    assert {S.DELIVERED, S.RETURNED, S.CANCELLED} == FINAL
    for final in FINAL:
        for target in OrderStatus:
            with pytest.raises(IllegalTransition):
                transition(final, target, "reason")


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.CREATED, S.DELIVERED),
        (S.CREATED, S.OUT_FOR_DELIVERY),
        (S.SCHEDULED, S.ARRIVING),
        (S.ARRIVING, S.SCHEDULED),
    ],
)
def test_skipping_ahead_is_refused_naming_both_states(current, target):
    with pytest.raises(IllegalTransition) as caught:
        transition(current, target)
    assert current.value in str(caught.value) and target.value in str(caught.value)
    assert caught.value.current is current and caught.value.target is target


def test_a_status_cannot_transition_to_itself():
    for status in OrderStatus:
        assert status not in TRANSITIONS[status]


@pytest.mark.parametrize("target", sorted(REASON_REQUIRED))
def test_failing_cancelling_and_returning_need_a_reason(target):
    current = next(s for s, nxt in TRANSITIONS.items() if target in nxt)
    with pytest.raises(IllegalTransition, match="reason"):
        transition(current, target)
    with pytest.raises(IllegalTransition, match="reason"):
        transition(current, target, "   ")
    assert transition(current, target, "customer refused") is target


def test_every_status_is_reachable_from_created():
    seen, frontier = {S.CREATED}, [S.CREATED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(OrderStatus)
