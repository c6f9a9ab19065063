"""The synthetic city generator: seeded, sized, strongly connected, mixed speeds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from doorstep.domain.geo import LatLon
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.synthetic import synthetic_city
from doorstep.roads.tagging import RoadClass


@pytest.fixture(scope="module")
def city():
    return synthetic_city(10_000, seed=7)


def test_the_same_seed_builds_the_same_city(city):
    again = synthetic_city(10_000, seed=7)
    for name in ("lat", "lon", "indptr", "indices", "seconds", "metres", "road_class"):
        assert np.array_equal(getattr(city, name), getattr(again, name))
    other = synthetic_city(10_000, seed=8)
    assert not np.array_equal(city.lat, other.lat)


def test_the_city_has_about_the_nodes_asked_for_and_is_strongly_connected(city):
    assert 9_500 <= city.node_count <= 10_100
    assert connected_components(city.csr(city.seconds), connection="strong")[0] == 1


def test_arterials_are_faster_and_some_streets_are_one_way(city):
    kmh = city.metres / city.seconds * 3.6
    assert np.allclose(kmh[city.road_class == RoadClass.PRIMARY], 50.0)
    assert set(np.unique(kmh[city.road_class == RoadClass.RESIDENTIAL]).round()) == {25.0, 30.0}
    tails = city.edge_sources()
    pairs = set(zip(tails.tolist(), city.indices.tolist(), strict=True))
    one_way = sum((v, u) not in pairs for u, v in pairs)
    assert 0.03 < one_way / len(pairs) < 0.3


def test_crossing_town_prefers_arterials(city):
    provider = EmbeddedProvider(city)
    west = LatLon(float(np.median(city.lat)), float(city.lon.min()) + 0.0005)
    east = LatLon(float(np.median(city.lat)), float(city.lon.max()) - 0.0005)
    route = provider.route(west, east)
    metres_per_second = route.metres / route.seconds
    assert metres_per_second > 30 / 3.6  # faster than any residential street allows


def test_a_tiny_or_nonsense_city_is_refused():
    with pytest.raises(ValueError, match="at least 4"):
        synthetic_city(3)
    with pytest.raises(ValueError, match="one_way_share"):
        synthetic_city(100, one_way_share=1.5)
