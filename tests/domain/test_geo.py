"""Coordinates."""

from __future__ import annotations

import math

import pytest

from doorstep.domain.geo import LatLon, haversine_m


@pytest.mark.parametrize(
    ("lat", "lon"), [(91, 0), (-91, 0), (0, 181), (0, -200), (math.nan, 0), (0, math.inf)]
)
def test_impossible_coordinates_are_refused(lat, lon):
    with pytest.raises(ValueError):
        LatLon(lat, lon)


def test_haversine_matches_a_known_distance():
    helsinki, tallinn = LatLon(60.1699, 24.9384), LatLon(59.4370, 24.7536)
    assert haversine_m(helsinki, tallinn) == pytest.approx(82_300, rel=0.01)
    assert haversine_m(helsinki, helsinki) == 0
