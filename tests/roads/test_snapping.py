"""Snapping points onto the road, and refusing points too far from any road."""

from __future__ import annotations

import numpy as np
import pytest

from doorstep.domain.geo import LatLon, haversine_m
from doorstep.roads.osm_parse import parse_pbf
from doorstep.roads.snap_bound import MAX_SNAP_M, SnapTooFar, require_near
from doorstep.roads.snapping import Snapper
from tests.roads.conftest import square_with_diagonal


@pytest.fixture(scope="module")
def square(tmp_path_factory):
    path = tmp_path_factory.mktemp("sq") / "square.osm.pbf"
    return parse_pbf(square_with_diagonal(path, {"highway": "residential"}))


def test_a_point_beside_a_long_segment_lands_on_the_segment_not_a_corner(square):
    # Halfway along the south side (24.000 -> 24.004 at lat 60.000), 20 m north of it.
    query = LatLon(60.0 + 20 / 111_195, 24.002)
    snapped = Snapper(square).snap([query])[0][0]
    assert snapped.point.lat == pytest.approx(60.0, abs=1e-7)
    assert snapped.point.lon == pytest.approx(24.002, abs=1e-6)
    assert snapped.distance_m == pytest.approx(20.0, abs=0.2)


def test_a_point_on_a_dead_end_outside_the_core_snaps_onto_the_core(square):
    dead_end = LatLon(59.999, 24.006)  # one-way spur, dropped from the graph
    snapped = Snapper(square).snap([dead_end])[0][0]
    assert snapped.distance_m > 100
    assert snapped.node is not None and snapped.node < square.node_count


def test_the_snapped_distance_is_the_distance_to_the_snapped_point(monaco):
    rng = np.random.default_rng(3)
    points = [
        LatLon(float(a), float(b))
        for a, b in zip(rng.uniform(43.725, 43.75, 50), rng.uniform(7.41, 7.435, 50), strict=True)
    ]
    for snap in Snapper(monaco).snap(points)[0]:
        assert snap.distance_m == pytest.approx(haversine_m(snap.query, snap.point))
        assert snap.distance_m < 2000  # some draws fall in the harbour


def test_the_nearest_segment_is_never_farther_than_the_nearest_node(monaco):
    rng = np.random.default_rng(4)
    lat = rng.uniform(43.725, 43.75, 200)
    lon = rng.uniform(7.41, 7.435, 200)
    result = Snapper(monaco).snap_arrays(lat, lon)
    for i in range(200):
        nearest_node = min(
            haversine_m(LatLon(lat[i], lon[i]), LatLon(a, b))
            for a, b in zip(monaco.lat, monaco.lon, strict=True)
        )
        assert result.distance_m[i] <= nearest_node + 0.01


def test_points_at_sea_or_on_another_continent_report_their_distance(monaco):
    snapper = Snapper(monaco)
    at_sea, sydney = snapper.snap([LatLon(43.60, 7.45), LatLon(-33.87, 151.21)])[0]
    assert 10_000 < at_sea.distance_m < 20_000
    assert sydney.distance_m > 15_000_000


def test_the_bound_refuses_a_far_point_naming_it_and_its_distance(monaco):
    snapped = Snapper(monaco).snap([LatLon(43.735, 7.42), LatLon(43.60, 7.45)])[0]
    with pytest.raises(SnapTooFar) as caught:
        require_near(snapped)
    assert caught.value.index == 1
    assert caught.value.distance_m == snapped[1].distance_m
    assert caught.value.bound_m == MAX_SNAP_M
    assert "point 1" in str(caught.value) and "2,000 m allowed" in str(caught.value)
    assert require_near(snapped, bound_m=20_000) == snapped
