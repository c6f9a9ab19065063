"""Geometry: offsets, bearings, heading changes and point-in-polygon."""

from __future__ import annotations

import pytest

from doorstep.domain.detectors.geometry import (
    bearing_deg,
    heading_change_deg,
    offset,
    point_in_polygon,
)
from doorstep.domain.geo import LatLon, haversine_m
from tests.domain.detectors.track import HOME


def test_an_offset_lands_the_asked_distance_away():
    assert haversine_m(HOME, offset(HOME, north_m=300)) == pytest.approx(300, rel=1e-4)
    assert haversine_m(HOME, offset(HOME, east_m=300)) == pytest.approx(300, rel=1e-4)


@pytest.mark.parametrize(
    ("north", "east", "bearing"), [(100, 0, 0), (0, 100, 90), (-100, 0, 180), (0, -100, 270)]
)
def test_bearings_point_the_compass_way(north, east, bearing):
    got = bearing_deg(HOME, offset(HOME, north, east))
    assert min(abs(got - bearing), 360 - abs(got - bearing)) < 0.1


@pytest.mark.parametrize(
    ("before", "after", "turn"), [(350, 10, 20), (10, 350, -20), (0, 180, 180), (90, 90, 0)]
)
def test_heading_change_takes_the_short_way_round(before, after, turn):
    assert heading_change_deg(before, after) == pytest.approx(turn)


def test_point_in_polygon_tells_inside_from_outside_of_a_concave_shape():
    # An L shape: a square with its north-east quarter missing.
    el = [LatLon(0, 0), LatLon(0, 2), LatLon(1, 2), LatLon(1, 1), LatLon(2, 1), LatLon(2, 0)]
    assert point_in_polygon(LatLon(0.5, 0.5), el)
    assert point_in_polygon(LatLon(0.5, 1.5), el)
    assert not point_in_polygon(LatLon(1.5, 1.5), el)
    assert not point_in_polygon(LatLon(3, 0.5), el)
