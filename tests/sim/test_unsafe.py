"""The scripted unsafe episodes, checked against the fixes and against Doorstep's own
detectors (the functions the live pipeline runs): each episode is found, and ordinary
driving raises nothing."""

import itertools
from collections import Counter
from datetime import timedelta

import pytest

from doorstep.domain.detectors import harsh, idling, speeding
from doorstep.sim import FixEmitted, Scenario, Simulation

from .conftest import detected, quiet


@pytest.fixture(scope="module")
def day(routes):
    sim = Simulation(routes, Scenario(seed=21))
    events = sim.run()
    return events, sim.ground_truth()


def episodes(truth, kind):
    found = [e for e in truth.episodes if e.kind == kind]
    assert found, f"no {kind} episode in this day"
    return found


def fixes_during(events, vehicle, start, end):
    return [
        e
        for e in events
        if isinstance(e, FixEmitted) and e.vehicle_key == vehicle and start <= e.time <= end
    ]


def test_the_default_day_has_a_few_episodes_of_each_kind(day):
    _, truth = day
    assert Counter(e.kind for e in truth.episodes) == {
        "speeding": 2,
        "harsh_braking": 2,
        "idling": 1,
    }


def test_the_idling_van_reports_ignition_on_while_standing_over_3_minutes(day):
    events, truth = day
    for episode in episodes(truth, "idling"):
        assert episode.end - episode.start > timedelta(minutes=3)
        standing = fixes_during(events, episode.vehicle_key, episode.start, episode.end)
        assert standing[-1].time - standing[0].time > timedelta(minutes=3)
        assert all(f.ignition and f.speed_ms <= 0.5 for f in standing)


def test_a_speeding_episode_exceeds_the_limit(day):
    events, truth = day
    limit_ms = Scenario().unsafe.speeding.limit_kmh / 3.6
    for episode in episodes(truth, "speeding"):
        assert episode.value > Scenario().unsafe.speeding.limit_kmh + 15
        fast = fixes_during(events, episode.vehicle_key, episode.start, episode.end)
        assert len(fast) >= 5
        assert all(f.speed_ms > limit_ms - 1.0 for f in fast)
        assert max(f.speed_ms for f in fast) * 3.6 > 65


def test_a_harsh_braking_episode_drops_speed_faster_than_3_ms2(day):
    events, truth = day
    for episode in episodes(truth, "harsh_braking"):
        assert episode.value >= 4.5
        around = fixes_during(
            events, episode.vehicle_key, episode.start - timedelta(seconds=2), episode.end
        )
        drops = [
            (a.speed_ms - b.speed_ms) / (b.time - a.time).total_seconds()
            for a, b in itertools.pairwise(around)
        ]
        assert max(drops) > 3.0


@pytest.mark.parametrize(
    ("module", "kinds"),
    [
        (speeding, {"speeding_started": "speeding"}),
        (harsh, {"harsh_braking": "harsh_braking"}),
        (idling, {"idling_started": "idling"}),
    ],
)
def test_doorsteps_detectors_find_each_episode_and_nothing_else(day, module, kinds):
    events, truth = day
    found = [
        d for d in detected(module.update, module.Params(), events) if not d[1].endswith("_ended")
    ]
    assert {kind for _, kind, _ in found} <= set(kinds)
    expected = [e for e in truth.episodes if e.kind in kinds.values()]
    assert len(found) == len(expected)
    for vehicle, kind, moment in found:
        assert any(
            e.vehicle_key == vehicle
            and e.kind == kinds[kind]
            and e.start - timedelta(seconds=15) <= moment <= e.end + timedelta(seconds=15)
            for e in expected
        )


def test_ordinary_driving_raises_no_detector_event(routes):
    events = Simulation(routes, quiet(), seed=3).run()
    for module in (speeding, harsh, idling):
        assert detected(module.update, module.Params(), events) == []


def test_more_episodes_can_be_asked_for(routes):
    many = quiet(
        unsafe={"speeding": {"count": 5}, "harsh_braking": {"count": 6}, "idling": {"count": 4}}
    )
    sim = Simulation(routes, many)
    sim.run()
    assert Counter(e.kind for e in sim.ground_truth().episodes) == {
        "speeding": 5,
        "harsh_braking": 6,
        "idling": 4,
    }
