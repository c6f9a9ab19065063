"""Idling: ignition on and standing for 3 minutes; trackers without ignition report
'stationary' after 5 minutes away from known places."""

from __future__ import annotations

from doorstep.domain.detectors import idling
from doorstep.domain.detectors.replay import replay
from tests.domain.detectors.track import at, kinds, stand

PARAMS = idling.Params()


def test_three_minutes_standing_with_the_engine_on_is_idling():
    fixes = [*stand(0, 300, 30, ignition=True), at(330, east=50, speed=8.0, ignition=True)]
    events = replay(idling.update, PARAMS, fixes)
    assert kinds(events) == ["idling_started", "idling_ended"]
    started, ended = events
    assert started.time == at(0).time and started.data["detected_at"] == at(180).time.isoformat()
    assert ended.data["duration_s"] == 300 and ended.data["reason"] == "moved"
    assert ended.data["threshold_s"] == 180


def test_exactly_three_minutes_counts_and_a_second_less_does_not():
    assert kinds(
        replay(
            idling.update,
            PARAMS,
            [at(0, speed=0.0, ignition=True), at(180, speed=0.0, ignition=True)],
        )
    ) == ["idling_started"]
    assert (
        replay(
            idling.update,
            PARAMS,
            [at(0, speed=0.0, ignition=True), at(179, speed=0.0, ignition=True)],
        )
        == []
    )


def test_switching_the_engine_off_ends_idling():
    fixes = [*stand(0, 240, 60, ignition=True), at(300, speed=0.0, ignition=False)]
    events = replay(idling.update, PARAMS, fixes)
    assert kinds(events) == ["idling_started", "idling_ended"]
    assert events[1].data["reason"] == "ignition_off"


def test_parked_with_the_engine_off_is_not_idling():
    assert replay(idling.update, PARAMS, stand(0, 3600, 60, ignition=False)) == []


def test_a_tracker_without_ignition_reports_stationary_after_five_minutes():
    events = replay(idling.update, PARAMS, stand(0, 300, 60))
    assert kinds(events) == ["stationary_started"]
    assert replay(idling.update, PARAMS, stand(0, 240, 60)) == []


def test_standing_at_a_known_place_is_not_stationary():
    at_depot = idling.Params(in_known_place=lambda ping: True)
    assert replay(idling.update, at_depot, stand(0, 1800, 60)) == []


def test_reaching_a_known_place_ends_a_stationary_episode():
    depot = at(0).lat
    params = idling.Params(
        in_known_place=lambda ping: ping.time >= at(400).time and ping.lat == depot
    )
    events = replay(idling.update, params, stand(0, 600, 60))
    assert kinds(events) == ["stationary_started", "stationary_ended"]
    assert events[1].data["reason"] == "known_place"


def test_without_a_speed_standing_means_staying_within_the_radius():
    drift = [at(t, east=(t // 60 % 2) * 20, ignition=True) for t in range(0, 240, 60)]
    assert kinds(replay(idling.update, PARAMS, drift)) == ["idling_started"]
    walking = [at(t, east=t, ignition=True) for t in range(0, 240, 60)]
    assert replay(idling.update, PARAMS, walking) == []


def test_a_long_gap_ends_idling_at_the_last_fix_before_it():
    fixes = [*stand(0, 240, 60, ignition=True), at(240 + 601, speed=0.0, ignition=True)]
    events = replay(idling.update, PARAMS, fixes)
    assert kinds(events) == ["idling_started", "idling_ended"]
    assert events[1].time == at(240).time and events[1].data["reason"] == "data_gap"


def test_an_older_fix_is_ignored():
    state, _ = idling.update(None, at(10, speed=0.0, ignition=True), PARAMS)
    assert idling.update(state, at(5, speed=9.0), PARAMS) == (state, [])
