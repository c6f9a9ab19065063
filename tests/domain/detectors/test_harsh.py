"""Harsh braking, acceleration and cornering from consecutive fixes, with GPS-noise
guards; device alarms are believed."""

from __future__ import annotations

import pytest

from doorstep.domain.detectors import harsh
from doorstep.domain.detectors.replay import replay
from tests.domain.detectors.track import at, kinds

PARAMS = harsh.Params()


def pair(v1, v2, dt=1.0, **fields):
    return [at(0, speed=v1, **fields), at(dt, east=v1 * dt, speed=v2, **fields)]


def test_braking_at_exactly_minus_3_is_harsh_and_records_why():
    events = replay(harsh.update, PARAMS, pair(20.0, 17.0))
    assert kinds(events) == ["harsh_braking"]
    data = events[0].data
    assert (
        data["value_ms2"] == -3.0 and data["threshold_ms2"] == -3.0 and data["source"] == "computed"
    )
    assert data["from"]["speed_kmh"] == 72.0 and data["to"]["speed_kmh"] == pytest.approx(61.2)


def test_gentle_braking_is_not_harsh():
    assert replay(harsh.update, PARAMS, pair(20.0, 17.5)) == []


def test_acceleration_at_exactly_2_5_is_harsh():
    assert kinds(replay(harsh.update, PARAMS, pair(10.0, 15.0, dt=2.0))) == ["harsh_acceleration"]
    assert replay(harsh.update, PARAMS, pair(10.0, 14.0, dt=2.0)) == []


def test_a_sharp_fast_turn_is_harsh_cornering():
    # 10 m/s turning 20 degrees in one second: 10 * 0.349 = 3.5 m/s2.
    fixes = [at(0, speed=10.0, heading=350.0), at(1, east=10, speed=10.0, heading=10.0)]
    events = replay(harsh.update, PARAMS, fixes)
    assert kinds(events) == ["harsh_cornering"]
    assert events[0].data["turn_deg"] == 20.0 and events[0].data["value_ms2"] == pytest.approx(
        3.49, abs=0.01
    )


def test_a_slow_turn_is_not_harsh_cornering():
    fixes = [at(0, speed=10.0, heading=0.0), at(1, east=10, speed=10.0, heading=15.0)]
    assert replay(harsh.update, PARAMS, fixes) == []


def test_heading_noise_of_a_crawling_vehicle_is_ignored():
    fixes = [at(0, speed=2.0, heading=0.0), at(1, east=2, speed=2.0, heading=170.0)]
    assert replay(harsh.update, PARAMS, fixes) == []


@pytest.mark.parametrize(
    ("fixes", "why"),
    [
        (pair(20.0, 10.0, accuracy=25.0), "poor accuracy"),
        (pair(20.0, 5.0, dt=6.0), "gap too long"),
        (pair(20.0, 19.0, dt=0.3), "gap too short"),
        ([at(0, speed=None), at(1, east=20, speed=5.0)], "unknown speed"),
    ],
)
def test_gps_noise_guards_skip_the_pair(fixes, why):
    assert replay(harsh.update, PARAMS, fixes) == [], why


def test_accuracy_exactly_at_the_bound_is_trusted():
    assert kinds(replay(harsh.update, PARAMS, pair(20.0, 10.0, accuracy=20.0))) == ["harsh_braking"]


def test_device_alarms_are_taken_with_traccar_names():
    fix = at(0, attributes={"alarm": "hardBraking,overspeed"})
    events = replay(harsh.update, PARAMS, [fix])
    assert kinds(events) == ["harsh_braking"] and events[0].data["source"] == "device"
    assert kinds(replay(harsh.update, PARAMS, [at(0, attributes={"alarm": "hardCornering"})])) == [
        "harsh_cornering"
    ]


def test_one_manoeuvre_gives_one_event():
    fixes = [at(t, east=t * 10, speed=s) for t, s in enumerate([25.0, 21.0, 17.0, 13.0, 9.0])]
    fixes[1] = at(1, east=10, speed=21.0, attributes={"alarm": "hardBraking"})
    assert kinds(replay(harsh.update, PARAMS, fixes)) == ["harsh_braking"]


def test_a_second_braking_after_the_cooldown_counts():
    fixes = [*pair(20.0, 16.0), at(15, speed=20.0), at(16, speed=16.0)]
    assert kinds(replay(harsh.update, PARAMS, fixes)) == ["harsh_braking", "harsh_braking"]


def test_thresholds_are_configurable():
    lenient = harsh.Params(brake_ms2=-5.0)
    assert replay(harsh.update, lenient, pair(20.0, 16.0)) == []
