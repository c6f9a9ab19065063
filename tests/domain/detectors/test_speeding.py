"""Speeding: above the limit plus tolerance for at least 10 s; one episode, one start and
one end event with peak, duration and limit."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.detectors import speeding
from doorstep.domain.detectors.replay import replay
from tests.domain.detectors.track import at, kinds

PARAMS = speeding.Params()  # 50 km/h + 10 km/h tolerance, 10 s


def kmh(t: float, speed_kmh: float | None, **fields):
    return at(t, speed=None if speed_kmh is None else speed_kmh / 3.6, **fields)


def test_ten_seconds_over_limit_plus_tolerance_is_one_episode_with_its_numbers():
    fixes = [kmh(0, 45), kmh(5, 65), kmh(10, 72), kmh(15, 66), kmh(20, 40)]
    events = replay(speeding.update, PARAMS, fixes)
    assert kinds(events) == ["speeding_started", "speeding_ended"]
    started, ended = events
    assert started.time == at(5).time and ended.time == at(15).time
    assert ended.data["peak_speed_kmh"] == 72.0 and ended.data["limit_kmh"] == 50.0
    assert ended.data["duration_s"] == 10 and ended.data["over_by_kmh"] == 22.0
    assert ended.data["peak"]["time"] == at(10).time.isoformat()
    assert ended.data["tolerance_kmh"] == 10 and ended.data["reason"] == "slowed_down"


def test_a_short_burst_is_not_speeding():
    fixes = [kmh(0, 70), kmh(9, 75), kmh(12, 40)]
    assert replay(speeding.update, PARAMS, fixes) == []


def test_exactly_limit_plus_tolerance_is_not_over():
    fixes = [kmh(t, 60) for t in range(0, 60, 5)]
    assert replay(speeding.update, PARAMS, fixes) == []


def test_exactly_ten_seconds_counts():
    events = replay(speeding.update, PARAMS, [kmh(0, 61), kmh(10, 61)])
    assert kinds(events) == ["speeding_started"]


def test_a_long_episode_alerts_once():
    fixes = [kmh(t, 80) for t in range(0, 300, 5)]
    assert kinds(replay(speeding.update, PARAMS, fixes)) == ["speeding_started"]


def test_the_road_limit_from_the_caller_wins_over_the_default():
    motorway = speeding.Params(limit_kmh_for=lambda ping: 100.0)
    fixes = [kmh(0, 95), kmh(10, 105), kmh(20, 80)]
    assert replay(speeding.update, motorway, fixes) == []
    school = speeding.Params(limit_kmh_for=lambda ping: 30.0)
    events = replay(speeding.update, school, [kmh(0, 45), kmh(10, 45), kmh(20, 20)])
    assert kinds(events) == ["speeding_started", "speeding_ended"]
    assert events[1].data["limit_kmh"] == 30.0


def test_an_unknown_road_limit_falls_back_to_the_organisation_default():
    unknown = speeding.Params(default_limit_kmh=80.0, limit_kmh_for=lambda ping: None)
    assert replay(speeding.update, unknown, [kmh(0, 85), kmh(10, 85)]) == []


def test_a_gap_in_fixes_ends_the_episode():
    fixes = [kmh(0, 80), kmh(10, 80), kmh(80, 80), kmh(90, 80)]
    events = replay(speeding.update, PARAMS, fixes)
    assert kinds(events) == ["speeding_started", "speeding_ended", "speeding_started"]
    assert events[1].data["reason"] == "data_gap"


def test_a_fix_without_speed_neither_extends_nor_ends_an_episode():
    fixes = [kmh(0, 80), kmh(5, None), kmh(10, 80), kmh(15, 40)]
    events = replay(speeding.update, PARAMS, fixes)
    assert kinds(events) == ["speeding_started", "speeding_ended"]


def test_an_older_fix_is_ignored():
    state, _ = speeding.update(None, kmh(10, 80), PARAMS)
    assert speeding.update(state, kmh(5, 30), PARAMS) == (state, [])


def test_the_duration_and_tolerance_are_configurable():
    strict = speeding.Params(tolerance_kmh=0.0, min_duration=timedelta(seconds=0))
    assert kinds(replay(speeding.update, strict, [kmh(0, 51)])) == ["speeding_started"]
