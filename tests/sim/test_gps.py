import itertools
import math
from datetime import timedelta

import pytest

from doorstep.sim import FixEmitted, Scenario, simulate
from doorstep.sim.geometry import metres_between

from .conftest import quiet


def fixes_by_van(events):
    out = {}
    for e in events:
        if isinstance(e, FixEmitted):
            out.setdefault(e.vehicle_key, []).append(e)
    return out


def active_hours(truth):
    return sum((r.finished - r.started).total_seconds() for r in truth.routes) / 3600


def test_fixes_come_in_time_order_for_every_vehicle(routes):
    events, _ = simulate(routes, Scenario(seed=5))
    for fixes in fixes_by_van(events).values():
        times = [f.time for f in fixes]
        assert times == sorted(times)


def test_fixes_are_every_interval_while_moving_and_sparser_while_standing(routes):
    events, _ = simulate(routes[:2], quiet())
    for fixes in fixes_by_van(events).values():
        for a, b in itertools.pairwise(fixes):
            dt = (b.time - a.time).total_seconds()
            if a.speed_ms > 1 and b.speed_ms > 1:
                assert dt == pytest.approx(5.0, abs=1e-3)
            assert dt <= 30.0 + 1e-3


def test_gaps_happen_at_the_configured_rate(routes):
    scenario = quiet(gps={"gaps_per_hour": 2.0, "gap_s": [60, 120], "stationary_interval_s": 10})
    events, truth = simulate(routes, scenario)
    gaps = 0
    for fixes in fixes_by_van(events).values():
        gaps += sum((b.time - a.time).total_seconds() > 30 for a, b in itertools.pairwise(fixes))
    expected = 2.0 * active_hours(truth)
    assert 0.7 * expected < gaps < 1.3 * expected
    assert 0.7 * expected < sum(len(g.gaps) for g in truth.gps) < 1.3 * expected


def test_jumps_happen_at_the_configured_rate_and_land_far_away(routes):
    scenario = quiet(gps={"jump_probability": 0.01, "jump_m": [500, 1500]})
    events, truth = simulate(routes, scenario)
    jumps = total = 0
    for fixes in fixes_by_van(events).values():
        total += len(fixes)
        for a, b, c in zip(fixes, fixes[1:], fixes[2:], strict=False):
            away = metres_between((a.lat, a.lon), (b.lat, b.lon))
            back = metres_between((b.lat, b.lon), (c.lat, c.lon))
            jumps += away > 300 and back > 300
    assert 0.7 * 0.01 * total < jumps < 1.3 * 0.01 * total
    assert sum(len(g.jumps) for g in truth.gps) == pytest.approx(jumps, abs=3)


def test_a_standing_van_reports_noisy_still_fixes_with_the_engine_off(routes):
    events, truth = simulate(routes[:1], quiet(gps={"noise_m": 8.0}))
    checked = 0
    for stop in truth.stops:  # while serving a stop the van stands still
        standing = [
            e
            for e in events
            if isinstance(e, FixEmitted) and stop.service_started < e.time < stop.completed
        ]
        if len(standing) < 5:
            continue
        checked += 1
        lat = sum(f.lat for f in standing) / len(standing)
        lon = sum(f.lon for f in standing) / len(standing)
        spread = math.sqrt(
            sum(metres_between((lat, lon), (f.lat, f.lon)) ** 2 for f in standing) / len(standing)
        )
        assert 1.0 < spread < 20.0
        assert all(f.speed_ms < 0.5 and f.heading is None and not f.ignition for f in standing)
    assert checked >= 3


def test_tracker_settings_never_change_what_really_happened(routes):
    _, clean = simulate(routes, Scenario(seed=4))
    noisy = Scenario.model_validate(
        Scenario(seed=4).model_dump()
        | {"gps": {"interval_s": 2, "noise_m": 30, "gaps_per_hour": 5, "jump_probability": 0.05}}
    )
    _, dirty = simulate(routes, noisy)
    assert clean.stops == dirty.stops
    assert clean.legs == dirty.legs


def test_no_fixes_are_lost_in_a_quiet_world(routes):
    events, truth = simulate(routes[:1], quiet())
    fixes = fixes_by_van(events)["van-0"]
    route = truth.routes[0]
    assert fixes[0].time == route.started
    assert route.finished - fixes[-1].time < timedelta(seconds=30)
