"""Live state: where the vehicle is now; odometer, speed and heading when the device
does not send them; offline after ten quiet minutes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.pipeline.live_state import VehicleState, apply, tick
from doorstep.pipeline.params import LiveParams
from tests.domain.detectors.track import T0, at


def follow(*fixes):
    state = VehicleState("van-1")
    for fix in fixes:
        state = apply(state, fix)
    return state


def test_a_fix_sets_position_time_and_online():
    state = follow(at(0, north=10, ignition=True, battery=80.0))
    assert state.position is not None and state.position.lat == at(0, north=10).lat
    assert state.last_seen == T0 and state.online and state.ignition and state.battery == 80.0


def test_the_odometer_adds_up_distance_when_the_device_sends_none():
    state = follow(at(0), at(10, east=100), at(20, east=250))
    assert state.odometer_m == pytest.approx(250, abs=0.1)


def test_the_devices_own_odometer_wins():
    state = follow(at(0, odometer=1_000_000.0), at(10, east=100, odometer=1_000_120.0))
    assert state.odometer_m == 1_000_120.0


def test_an_older_fix_never_moves_live_state_backwards():
    state = follow(at(0), at(20, east=200))
    assert apply(state, at(10, east=100)) is state
    assert apply(state, at(20, east=999)) is state


def test_speed_and_heading_are_derived_from_the_move_when_not_sent():
    state = follow(at(0), at(10, east=100))
    assert state.speed == pytest.approx(10.0, rel=1e-3)
    assert state.heading == pytest.approx(90.0, abs=0.1)
    assert state.motion == "moving"


def test_a_reported_speed_and_heading_are_kept():
    state = follow(at(0), at(10, east=100, speed=3.0, heading=45.0))
    assert (state.speed, state.heading) == (3.0, 45.0)


def test_drift_of_a_parked_vehicle_is_stopped_and_keeps_its_heading():
    state = follow(at(0, heading=180.0), at(10, east=2))
    assert state.motion == "stopped" and state.heading == 180.0


def test_speed_exactly_at_walking_pace_is_stopped():
    assert follow(at(0, speed=LiveParams().moving_above_ms)).motion == "stopped"


def test_offline_exactly_ten_minutes_after_the_last_fix():
    state = follow(at(0))
    assert tick(state, T0 + timedelta(minutes=10) - timedelta(seconds=1)) is state
    offline = tick(state, T0 + timedelta(minutes=10))
    assert not offline.online
    assert apply(offline, at(700)).online


def test_the_offline_time_is_configurable():
    state = follow(at(0))
    assert not tick(
        state, T0 + timedelta(minutes=2), LiveParams(offline_after=timedelta(minutes=1))
    ).online


def test_a_vehicle_never_seen_is_offline():
    assert not tick(VehicleState("van-1"), T0).online
