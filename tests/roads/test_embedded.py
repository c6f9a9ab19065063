"""The embedded provider on real extracts: matrices, routes, snap offsets, speeds."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from doorstep.domain.geo import LatLon, haversine_m
from doorstep.roads.embedded import OFFSET_KMH, EmbeddedProvider
from doorstep.roads.osm_parse import parse_pbf
from doorstep.roads.shortest_paths import metres_by_walking, packed_matrix, unpack
from doorstep.roads.speed_profile import CLASSES, HOURS_PER_WEEK, SpeedProfile
from doorstep.roads.tagging import DEFAULT_KMH, RoadClass
from tests.roads.conftest import square_with_diagonal


@pytest.fixture(scope="module")
def provider(baltimore):
    return EmbeddedProvider(baltimore)


def spread(graph, count, seed):
    rng = np.random.default_rng(seed)
    lat = rng.uniform(*np.percentile(graph.lat, [10, 90]), count)
    lon = rng.uniform(*np.percentile(graph.lon, [10, 90]), count)
    return [LatLon(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]


def on_nodes(graph, count, seed):
    idx = np.random.default_rng(seed).choice(graph.node_count, count, replace=False)
    return [LatLon(float(graph.lat[i]), float(graph.lon[i])) for i in idx]


def test_every_pair_in_the_core_has_a_finite_time_and_the_diagonal_is_zero(provider):
    points = spread(provider.graph, 40, 1)
    matrix = provider.matrix(points)
    assert matrix.seconds.shape == matrix.metres.shape == (40, 40)
    assert np.all(np.isfinite(matrix.seconds)) and np.all(np.isfinite(matrix.metres))
    assert np.all(np.diag(matrix.seconds) == 0) and np.all(np.diag(matrix.metres) == 0)
    off = ~np.eye(40, dtype=bool)
    assert np.all(matrix.seconds[off] > 0)


def test_there_and_back_take_similar_times(provider):
    seconds = provider.matrix(spread(provider.graph, 40, 2)).seconds
    off = ~np.eye(40, dtype=bool)
    ratio = seconds[off] / seconds.T[off]
    assert 0.85 < np.median(ratio) < 1.15
    assert np.corrcoef(seconds[off], seconds.T[off])[0, 1] > 0.9


def test_a_detour_through_a_third_point_is_never_faster(provider):
    s = provider.matrix(spread(provider.graph, 25, 3)).seconds
    via = s[:, :, None] + s[None, :, :]  # i -> j -> k
    assert np.all(s[:, None, :] <= via + 0.01)


def test_roads_are_longer_than_straight_lines_but_not_absurdly(provider):
    points = spread(provider.graph, 30, 4)
    metres = provider.matrix(points).metres
    crow = np.array([[haversine_m(p, q) for q in points] for p in points])
    off = ~np.eye(30, dtype=bool)
    assert np.all(crow[off] <= metres[off] + 1.0)
    # Harbour inlets, one-way streets and motorway ramps make some pairs long; not most.
    assert 1.1 < np.median(metres[off] / crow[off]) < 2.0


def test_the_matrix_equals_routes_for_sampled_pairs(provider):
    points = spread(provider.graph, 12, 5)
    matrix = provider.matrix(points)
    rng = np.random.default_rng(5)
    for i, j in rng.integers(0, 12, size=(15, 2)):
        route = provider.route(points[i], points[j])
        assert route.seconds == pytest.approx(matrix.seconds[i, j], abs=1e-9)
        assert route.metres == pytest.approx(matrix.metres[i, j], abs=1e-9)


def test_a_rectangular_matrix_matches_the_square_one(provider):
    points = spread(provider.graph, 10, 6)
    square = provider.matrix(points)
    part = provider.matrix(points[:3], points[5:])
    assert np.array_equal(part.seconds, square.seconds[:3, 5:])


def test_metres_read_from_packed_weights_match_walking_the_path(provider):
    points = spread(provider.graph, 6, 7)
    _, snapped = provider.snapper.snap(points)
    weights = provider.weights(None)
    packed, inexact = packed_matrix(
        provider.graph, weights, provider.snapper.segments, snapped, snapped
    )
    assert not inexact.any()
    _, metres = unpack(packed)
    walked = metres_by_walking(provider.graph, weights, provider.snapper.segments, snapped, snapped)
    assert np.allclose(metres, walked, atol=1.5)


def test_a_route_follows_the_road_from_snapped_point_to_snapped_point(provider):
    a, b = spread(provider.graph, 2, 8)
    route = provider.route(a, b)
    snap_a, snap_b = provider.snap([a, b])
    assert route.geometry[0] == snap_a.point and route.geometry[-1] == snap_b.point
    along = sum(haversine_m(p, q) for p, q in zip(route.geometry, route.geometry[1:], strict=False))
    on_road = route.metres - snap_a.distance_m - snap_b.distance_m
    assert along == pytest.approx(on_road, rel=0.01, abs=2.0)
    assert len(route.geometry) > 10


def test_the_snap_offset_is_counted_at_walking_pace(tmp_path):
    graph = parse_pbf(square_with_diagonal(tmp_path / "sq.osm.pbf", {"highway": "residential"}))
    provider = EmbeddedProvider(graph)
    beside_south_side = LatLon(60.0 + 20 / 111_195, 24.002)  # 20 m north of its middle
    corner_2 = LatLon(60.000, 24.004)
    half_side = haversine_m(LatLon(60.0, 24.002), corner_2)
    route = provider.route(beside_south_side, corner_2)
    offset = provider.snap([beside_south_side])[0].distance_m
    assert offset == pytest.approx(20.0, abs=0.2)
    assert route.metres == pytest.approx(offset + half_side, abs=0.2)
    assert route.seconds == pytest.approx(
        offset / (OFFSET_KMH / 3.6) + half_side / (DEFAULT_KMH[RoadClass.RESIDENTIAL] / 3.6),
        abs=0.01,
    )
    assert route.geometry == [provider.snap([beside_south_side])[0].point, corner_2]


def test_identical_points_are_zero_apart(provider):
    a = spread(provider.graph, 1, 10)[0]
    assert provider.matrix([a], [a]).seconds[0, 0] == 0
    route = provider.route(a, a)
    assert (route.seconds, route.metres) == (0.0, 0.0)


def test_one_way_streets_make_the_way_back_longer(tmp_path):
    graph = parse_pbf(
        square_with_diagonal(tmp_path / "sq.osm.pbf", {"highway": "residential", "oneway": "yes"})
    )
    provider = EmbeddedProvider(graph)
    corner_1, corner_3 = LatLon(60.000, 24.000), LatLon(60.002, 24.004)
    there = provider.route(corner_1, corner_3)
    back = provider.route(corner_3, corner_1)
    assert LatLon(60.001, 24.002) in there.geometry
    assert LatLon(60.001, 24.002) not in back.geometry
    assert back.seconds > there.seconds


def test_a_rush_hour_profile_slows_the_departure_hour_only(provider):
    table = np.ones((CLASSES, HOURS_PER_WEEK))
    table[:, 8] = 0.5  # Monday 08:00-09:00, every class at half speed
    slow = EmbeddedProvider(provider.graph, SpeedProfile(table))
    points = on_nodes(provider.graph, 8, 11)
    free = provider.matrix(points).seconds
    monday_8 = slow.matrix(points, depart_at=datetime(2025, 3, 3, 8, 30)).seconds
    monday_9 = slow.matrix(points, depart_at=datetime(2025, 3, 3, 9, 0)).seconds
    assert np.allclose(monday_8, 2 * free, atol=0.05)
    assert np.array_equal(monday_9, free)
    assert np.array_equal(slow.matrix(points).seconds, free)


def test_slower_primary_roads_never_make_a_trip_faster(provider):
    jam = SpeedProfile.from_kmh({RoadClass.PRIMARY: 10.0, RoadClass.SECONDARY: 15.0})
    points = spread(provider.graph, 15, 12)
    free = provider.matrix(points).seconds
    jammed = (
        EmbeddedProvider(provider.graph, jam)
        .matrix(points, depart_at=datetime(2025, 3, 4, 17))
        .seconds
    )
    assert np.all(jammed >= free - 0.01)
    assert np.mean(jammed) > np.mean(free) * 1.1


def test_many_to_few_searched_backwards_equals_the_forward_search():
    """Every stop of a fleet to one job runs one Dijkstra per target, on the reversed
    graph; it must agree with searching forwards from every source."""
    import tempfile
    from pathlib import Path

    from doorstep.roads.bench import random_points
    from doorstep.roads.embedded import EmbeddedProvider
    from doorstep.roads.graph_cache import load_graph
    from doorstep.roads.helsinki import helsinki_pbf

    with tempfile.TemporaryDirectory() as cache:
        provider = EmbeddedProvider(load_graph(helsinki_pbf(), cache_dir=Path(cache), beside=False))
    points = random_points(provider.graph, 60, seed=3)
    sources, targets = points[:50], points[50:53]
    backwards = provider.matrix(sources, targets)  # 50 sources > 3 targets
    forwards = provider.matrix(sources, targets + points[:60])  # more targets: forward search
    # Equal up to the one-decimetre floor each search puts on its own partial edge.
    assert np.allclose(backwards.seconds, forwards.seconds[:, :3], atol=0.002)
    assert np.allclose(backwards.metres, forwards.metres[:, :3], atol=0.2)
    assert backwards.seconds.shape == (50, 3)
