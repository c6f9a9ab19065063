"""Trips and stops: moving once 200 m from the stop point, stopped after 180 s within
200 m, a gap over an hour ends a trip."""

from __future__ import annotations

import pytest

from doorstep.domain.detectors import motion
from doorstep.domain.detectors.geometry import distance_m
from doorstep.domain.detectors.replay import replay, replay_with_state
from tests.domain.detectors.track import at, drive, kinds, stand

PARAMS = motion.Params()


def test_standing_for_three_minutes_is_a_stop_and_driving_away_a_trip():
    fixes = [*stand(0, 300, 30), *drive(330, 600, 30, 10.0)]
    events = replay(motion.update, PARAMS, fixes)
    assert kinds(events) == ["stop_started", "stop_ended", "trip_started"]
    stop_started, stop_ended, trip_started = events
    assert stop_started.time == at(0).time and stop_started.data["stop_after_s"] == 180
    # The departure is the last fix within the radius: the first drive fix is still at home.
    assert stop_ended.data["duration_s"] == 330 and trip_started.time == at(330).time


def test_exactly_180_seconds_within_the_radius_is_a_stop():
    state, events = replay_with_state(motion.update, PARAMS, stand(0, 180, 60))
    assert kinds(events) == ["stop_started"] and state is not None and state.mode == "stopped"


def test_179_seconds_is_not_yet_a_stop():
    events = replay(motion.update, PARAMS, [at(0), at(179, east=5)])
    assert events == []


def test_a_fix_exactly_the_radius_away_starts_a_trip_and_closer_does_not():
    stopped = stand(0, 200, 100)
    far = at(300, east=200)
    exact = motion.Params(move_radius_m=distance_m(at(0), far))
    events = replay(motion.update, exact, [*stopped, far])
    assert kinds(events) == ["stop_started", "stop_ended", "trip_started"]
    assert kinds(replay(motion.update, PARAMS, [*stopped, at(300, east=199)])) == ["stop_started"]


def test_gps_drift_of_a_parked_van_is_not_a_trip():
    drift = [at(t, east=(-1) ** (t // 30) * 60, north=40) for t in range(0, 1800, 30)]
    assert kinds(replay(motion.update, PARAMS, drift)) == ["stop_started"]


def test_a_trip_ends_at_the_arrival_with_distance_duration_start_and_end():
    # Home, then east at 9 m/s (fixes every 10 s) to a spot 1815 m east, and stay there.
    fixes = [
        *stand(0, 200, 100),
        *drive(210, 400, 10, 9.0, east0=105),
        *stand(410, 700, 30, east=1815),
    ]
    events = replay(motion.update, PARAMS, fixes)
    assert kinds(events) == [
        "stop_started",
        "stop_ended",
        "trip_started",
        "trip_ended",
        "stop_started",
    ]
    trip_ended = events[3]
    assert trip_ended.data["reason"] == "stopped"
    # Departure: the last fix within 200 m of home (t=220, 195 m east).
    assert trip_ended.data["start"]["time"] == at(220).time.isoformat()
    # Arrival: the first fix of the 200 m circle it then stayed in (t=380, 1635 m east),
    # confirmed 180 s later by the fix at t=560.
    assert trip_ended.time == at(380).time == events[4].time
    assert trip_ended.data["distance_m"] == pytest.approx(1635 - 195, abs=1)
    assert trip_ended.data["duration_s"] == 160
    assert trip_ended.data["detected_at"] == at(560).time.isoformat()


def test_a_red_light_is_not_a_stop():
    fixes = [
        *drive(0, 100, 10, 10.0),
        *stand(110, 200, 10, east=1000),
        *drive(210, 300, 10, 10.0, east0=1100),
    ]
    assert kinds(replay(motion.update, PARAMS, fixes)) == ["trip_started"]


def test_a_data_gap_over_an_hour_ends_the_trip_at_the_last_fix():
    fixes = [*drive(0, 100, 10, 10.0), at(100 + 3601, east=50_000)]
    events = replay(motion.update, PARAMS, fixes)
    assert kinds(events) == ["trip_started", "trip_ended"]
    assert events[1].data["reason"] == "data_gap" and events[1].time == at(100).time
    assert events[1].data["gap_ends_trip_s"] == 3600


def test_a_gap_of_exactly_an_hour_does_not_end_the_trip():
    fixes = [*drive(0, 100, 10, 10.0), at(3700, east=30_000, speed=10.0)]
    assert kinds(replay(motion.update, PARAMS, fixes)) == ["trip_started"]


def test_a_stop_survives_a_night_without_fixes_if_the_van_has_not_moved():
    fixes = [*stand(0, 300, 60), at(10 * 3600, east=20)]
    state, events = replay_with_state(motion.update, PARAMS, fixes)
    assert kinds(events) == ["stop_started"] and state is not None and state.mode == "stopped"


def test_a_far_fix_with_poor_accuracy_does_not_start_a_trip():
    fixes = [*stand(0, 300, 60), at(360, east=500, accuracy=300.0)]
    assert kinds(replay(motion.update, PARAMS, fixes)) == ["stop_started"]


def test_an_older_fix_is_ignored():
    state, _ = motion.update(None, at(100), PARAMS)
    assert motion.update(state, at(50, east=5000), PARAMS) == (state, [])


def test_the_radius_and_stop_time_are_configurable():
    tight = motion.Params(move_radius_m=50.0, stop_after=motion.timedelta(seconds=60))
    events = replay(motion.update, tight, [at(0), at(60, east=10), at(90, east=60)])
    assert kinds(events) == ["stop_started", "stop_ended", "trip_started"]
