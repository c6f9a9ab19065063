"""Ordering: a fix older than the last live one is stored, flagged late, and never moves
live state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.pipeline.live_state import VehicleState, apply
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.ordering import order
from doorstep.pipeline.params import PipelineParams
from doorstep.pipeline.stages import run
from doorstep.pipeline.verdict import LATE, Accepted
from tests.domain.detectors.track import T0, at

PARAMS = PipelineParams()
NOW = T0 + timedelta(minutes=5)


def test_a_fix_older_than_the_last_live_fix_is_flagged_late():
    verdict = order(at(5), DeviceMemory(last_live=at(10)), PARAMS, NOW)
    assert verdict == Accepted(frozenset({LATE}))


def test_a_newer_fix_is_in_order():
    assert order(at(11), DeviceMemory(last_live=at(10)), PARAMS, NOW) == Accepted()


def test_the_first_fix_of_a_device_is_in_order():
    assert order(at(0), DeviceMemory(), PARAMS, NOW) == Accepted()


def test_a_fix_at_the_same_time_is_late_when_dedupe_is_off():
    no_dedupe = PipelineParams(disabled=frozenset({"dedupe"}))
    outcome = run(at(10, east=20), DeviceMemory(last_live=at(10)), no_dedupe, NOW)
    assert outcome.accepted and not outcome.live


def test_a_late_fix_is_stored_but_does_not_move_live_state_nor_the_memory():
    memory, state = DeviceMemory(), VehicleState("van-1")
    for fix in (at(0), at(10, east=100), at(5, east=50)):
        outcome = run(fix, memory, PARAMS, NOW)
        memory = outcome.memory
        if outcome.live:
            state = apply(state, outcome.ping)
    assert outcome.accepted and LATE in outcome.flags and not outcome.live
    assert memory.last_live == at(10, east=100)
    assert state.last_seen == at(10).time
    assert state.odometer_m == pytest.approx(100.0, abs=0.01)
    assert at(5).time in memory.recent_times  # a resend of the late fix is still a duplicate
