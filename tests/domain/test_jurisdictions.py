"""Distance per jurisdiction counts driving only, by the zone holding each step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.detectors.geofence import Circle, Zone
from doorstep.domain.detectors.geometry import offset
from doorstep.domain.geo import LatLon
from doorstep.domain.jurisdictions import OUTSIDE, distance_by_jurisdiction
from doorstep.domain.ping import Ping

T0 = datetime(2026, 11, 26, 8, tzinfo=UTC)
ORIGIN = LatLon(60.17, 24.94)


def _fixes(count: int, step_m: float = 100.0) -> list[Ping]:
    return [
        Ping("d", T0 + timedelta(seconds=10 * i), *_at(i * step_m), speed=10.0)
        for i in range(count)
    ]


def _at(east_m: float) -> tuple[float, float]:
    point = offset(ORIGIN, east_m=east_m)
    return point.lat, point.lon


HOME = Zone("1", "Home", Circle(ORIGIN, 520.0))  # holds the midpoints at 50..450 m


def test_steps_go_to_the_zone_holding_their_midpoint_and_the_rest_outside():
    fixes = _fixes(11)  # 1 km east in 100 m steps
    split = distance_by_jurisdiction(fixes, [(fixes[0].time, fixes[-1].time)], [HOME])
    assert split["Home"] == pytest.approx(500, abs=1)
    assert split[OUTSIDE] == pytest.approx(500, abs=1)


def test_only_steps_inside_a_trip_count():
    fixes = _fixes(11)
    trip = (fixes[2].time, fixes[5].time)
    assert sum(distance_by_jurisdiction(fixes, [trip], [HOME]).values()) == pytest.approx(
        300, abs=1
    )


def test_without_zones_or_trips_nothing_is_reported():
    fixes = _fixes(5)
    assert distance_by_jurisdiction(fixes, [(fixes[0].time, fixes[-1].time)], []) == {}
    assert distance_by_jurisdiction(fixes, [], [HOME]) == {}
