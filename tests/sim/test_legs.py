"""Legs from the roads provider, and the embedded provider's per-segment detail."""

import math
import random

import pytest

from doorstep.domain.geo import LatLon
from doorstep.roads.base import RoutePath
from doorstep.roads.tagging import BY_OSM_VALUE
from doorstep.sim import leg_from_path
from doorstep.sim.geometry import metres_between
from doorstep.sim.legs import guess_road_class


def pairs(graph, n, seed=0):
    rng = random.Random(seed)
    nodes = range(graph.node_count)
    for _ in range(n):
        a, b = rng.sample(nodes, 2)
        # a few metres off the road, as addresses are
        yield (
            LatLon(float(graph.lat[a]) + 0.0001, float(graph.lon[a])),
            LatLon(float(graph.lat[b]), float(graph.lon[b]) - 0.0001),
        )


def test_the_embedded_route_gives_seconds_and_a_class_per_geometry_segment(provider, city):
    for a, b in pairs(city, 25):
        path = provider.route(a, b)
        assert path.segment_seconds is not None and path.segment_classes is not None
        assert len(path.segment_seconds) == len(path.geometry) - 1
        assert len(path.segment_classes) == len(path.segment_seconds)
        assert sum(path.segment_seconds) == pytest.approx(path.seconds, rel=1e-9)
        assert all(s >= 0 for s in path.segment_seconds)
        assert set(path.segment_classes) <= set(BY_OSM_VALUE)
        assert all(p != q for p, q in zip(path.geometry, path.geometry[1:], strict=False))


def test_interior_segments_run_at_their_roads_speed(provider, city):
    """The synthetic city's streets are 50, 40, 30 or 25 km/h: each edge found for a
    geometry segment must be the one between its two points."""
    speeds = set()
    for a, b in pairs(city, 10, seed=1):
        path = provider.route(a, b)
        assert path.segment_seconds is not None
        for p, q, s in zip(
            path.geometry[1:-2], path.geometry[2:-1], path.segment_seconds[1:-1], strict=True
        ):
            metres = metres_between((p.lat, p.lon), (q.lat, q.lon))
            speeds.add(round(metres / s * 3.6))
    assert speeds <= {25, 30, 40, 50}


def test_snap_offsets_are_in_the_first_and_last_segments(provider, city):
    a = LatLon(float(city.lat[10]) + 0.0002, float(city.lon[10]) + 0.0001)
    b = LatLon(float(city.lat[500]) - 0.0001, float(city.lon[500]) + 0.0002)
    path = provider.route(a, b)
    assert path.segment_seconds is not None
    off_a, off_b = (s.distance_m for s in provider.snap([a, b]))
    assert min(off_a, off_b) > 5
    walking = 15 / 3.6  # embedded.OFFSET_KMH
    assert path.segment_seconds[0] > off_a / walking
    assert path.segment_seconds[-1] > off_b / walking


def test_identical_points_give_a_zero_leg(provider):
    a = LatLon(60.17, 24.94)
    path = provider.route(a, a)
    assert path.segment_seconds == [0.0]
    leg = leg_from_path(path)
    assert leg.free_flow_s == 0.0 and len(leg.points) == 2


def test_a_leg_keeps_the_providers_segment_detail(provider, city):
    a, b = next(pairs(city, 1, seed=2))
    path = provider.route(a, b)
    leg = leg_from_path(path)
    assert leg.points == tuple((p.lat, p.lon) for p in path.geometry)
    assert list(leg.seconds) == path.segment_seconds
    assert list(leg.road_class or ()) == path.segment_classes


def test_without_detail_a_leg_spreads_the_seconds_by_length_and_guesses_the_class():
    geometry = [LatLon(60.0, 24.0), LatLon(60.0, 24.002), LatLon(60.0, 24.006)]
    metres = metres_between((60.0, 24.0), (60.0, 24.006))
    path = RoutePath(seconds=metres / (50 / 3.6), metres=metres, geometry=geometry)
    leg = leg_from_path(path)
    assert leg.seconds[1] == pytest.approx(2 * leg.seconds[0], rel=1e-3)
    assert leg.free_flow_s == pytest.approx(path.seconds)
    assert leg.road_class == ("primary", "primary")


@pytest.mark.parametrize(
    ("kmh", "road_class"),
    [
        (90, "motorway"),
        (65, "trunk"),
        (50, "primary"),
        (40, "secondary"),
        (30, "tertiary"),
        (25, "residential"),
        (10, "service"),
    ],
)
def test_the_class_guess_follows_the_speed(kmh, road_class):
    assert guess_road_class(kmh) == road_class
    assert math.isfinite(kmh)
