"""The straight-line fallback says what it is and computes what it says."""

from __future__ import annotations

import pytest

from doorstep.domain.geo import LatLon, haversine_m
from doorstep.roads.straight_line import StraightLineProvider

A, B = LatLon(60.1699, 24.9384), LatLon(60.1841, 24.9603)


def test_its_name_says_straight_line():
    assert "straight-line" in StraightLineProvider().name


def test_distance_is_the_great_circle_times_the_detour_at_the_class_speed():
    matrix = StraightLineProvider().matrix([A, B])
    assert matrix.metres[0, 1] == pytest.approx(1.3 * haversine_m(A, B))
    assert matrix.seconds[0, 1] == pytest.approx(matrix.metres[0, 1] / (30 / 3.6))
    assert matrix.seconds[0, 0] == 0


def test_a_route_is_the_two_points_and_snapping_moves_nothing():
    provider = StraightLineProvider(detour_factor=1.5, kmh=20)
    route = provider.route(A, B)
    assert route.geometry == [A, B]
    assert route.metres == pytest.approx(1.5 * haversine_m(A, B))
    assert provider.snap([A])[0].distance_m == 0 and provider.snap([A])[0].point == A


def test_a_detour_below_one_is_refused():
    with pytest.raises(ValueError, match="detour"):
        StraightLineProvider(detour_factor=0.9)
