"""The jump filter: fixes the vehicle could not have reached are dropped as
implausible_jump; short moves and tiny time deltas do not fool it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.pipeline.jump_filter import implied_speed_kmh, jump
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import JumpParams, PipelineParams
from doorstep.pipeline.stages import run
from doorstep.pipeline.verdict import JUMP_CONFIRMED, Accepted, Dropped
from tests.domain.detectors.track import T0, at

PARAMS = PipelineParams()
NOW = T0 + timedelta(hours=1)


def test_a_50_km_jump_in_one_second_is_dropped_as_implausible_jump():
    outcome = run(at(1, east=50_000), DeviceMemory(last_live=at(0)), PARAMS, NOW)
    assert isinstance(outcome.verdict, Dropped)
    assert (outcome.stage, outcome.verdict.rule) == ("jump", "implausible_jump")
    assert "50.0 km" in outcome.verdict.reason and "300 km/h" in outcome.verdict.reason


def test_the_first_fix_has_nothing_to_jump_from():
    assert jump(at(0, east=50_000), DeviceMemory(), PARAMS, NOW) == Accepted()


def test_exactly_the_speed_bound_is_accepted_and_above_it_is_dropped():
    last = DeviceMemory(last_live=at(0))
    at_bound = at(36, east=3000)  # 3 km in 36 s = 300 km/h
    assert implied_speed_kmh(last.last_live, at_bound, JumpParams()) == pytest.approx(300, rel=1e-3)
    assert isinstance(jump(at(36, east=2990), last, PARAMS, NOW), Accepted)
    assert isinstance(jump(at(36, east=3020), last, PARAMS, NOW), Dropped)


def test_a_van_at_motorway_speed_is_accepted():
    assert jump(at(10, east=350), DeviceMemory(last_live=at(0)), PARAMS, NOW) == Accepted()


def test_gps_jitter_a_fraction_of_a_second_apart_is_not_a_jump():
    memory = DeviceMemory(last_live=at(0))
    assert jump(at(0.01, east=60), memory, PARAMS, NOW) == Accepted()


def test_tiny_time_deltas_count_as_one_second_instead_of_dividing_by_zero():
    memory = DeviceMemory(last_live=at(0))
    speed = implied_speed_kmh(at(0), at(0.001, east=150), JumpParams())
    assert speed == pytest.approx(150 * 3.6, rel=1e-3)
    assert isinstance(jump(at(0.001, east=150), memory, PARAMS, NOW), Dropped)


def test_a_late_fix_hours_earlier_is_judged_on_the_absolute_time_difference():
    memory = DeviceMemory(last_live=at(7200, east=50_000))
    assert jump(at(0), memory, PARAMS, NOW) == Accepted()


def test_the_speed_bound_is_configurable():
    slow = PipelineParams(jump=JumpParams(max_speed_kmh=100))
    assert isinstance(jump(at(10, east=350), DeviceMemory(last_live=at(0)), slow, NOW), Dropped)


def test_consistent_fixes_after_a_bad_live_fix_win_after_three():
    memory = DeviceMemory(last_live=at(0, east=50_000))  # the outlier that got through
    outcomes = []
    for t in (1, 2, 3):
        outcome = run(at(t, east=t * 10), memory, PARAMS, NOW)
        memory = outcome.memory
        outcomes.append(outcome)
    assert [o.accepted for o in outcomes] == [False, False, True]
    assert JUMP_CONFIRMED in outcomes[-1].flags and outcomes[-1].live
    assert memory.last_live == at(3, east=30) and memory.jump_streak == ()


def test_scattered_bad_fixes_do_not_confirm_each_other():
    memory = DeviceMemory(last_live=at(0))
    for t, east in ((1, 50_000), (2, -50_000), (3, 50_000)):
        outcome = run(at(t, east=east), memory, PARAMS, NOW)
        memory = outcome.memory
        assert not outcome.accepted
    assert memory.last_live == at(0)
