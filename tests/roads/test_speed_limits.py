"""Legal speed limits on the road graph: from ``maxspeed`` or the class's documented
default, kept per edge (and in the cache), and looked up by position for speeding."""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from doorstep.roads import embedded
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.graph import METRES_PER_DEGREE, RoadGraph
from doorstep.roads.graph_cache import FORMAT_VERSION, SUFFIX, cache_key, load_graph
from doorstep.roads.osm_parse import parse_pbf
from doorstep.roads.synthetic import synthetic_city
from doorstep.roads.tagging import (
    LEGAL_DEFAULT_KMH,
    NO_LIMIT_KMH,
    WALK_KMH,
    RoadClass,
    legal_limit_kmh,
    way_rule,
)
from tests.roads.conftest import SQUARE_NODES, edge_between, node_at, square_with_diagonal

COORDS = {node_id: (lat, lon) for node_id, lat, lon in SQUARE_NODES}


def edge(graph: RoadGraph, a: int, b: int) -> int:
    found = edge_between(graph, node_at(graph, *COORDS[a]), node_at(graph, *COORDS[b]))
    assert found is not None
    return found


@pytest.fixture(scope="module")
def city() -> RoadGraph:
    return synthetic_city(900, seed=3)


def middle_of(graph: RoadGraph, cls: RoadClass) -> tuple[float, float]:
    """The midpoint of the longest edge of this class: other roads are half a block away."""
    k = int(np.argmax(np.where(graph.road_class == cls, graph.metres, 0.0)))
    a, b = graph.edge_sources()[k], graph.indices[k]
    return float(graph.lat[a] + graph.lat[b]) / 2, float(graph.lon[a] + graph.lon[b]) / 2


def test_every_road_class_has_a_documented_legal_default():
    assert set(LEGAL_DEFAULT_KMH) == set(RoadClass)
    assert LEGAL_DEFAULT_KMH[RoadClass.MOTORWAY] == 120
    assert LEGAL_DEFAULT_KMH[RoadClass.RESIDENTIAL] == 50  # the general urban limit
    assert LEGAL_DEFAULT_KMH[RoadClass.LIVING_STREET] == 20


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30.0),
        ("30 mph", 30 * 1.609344),
        ("50;30", 30.0),
        ("walk", WALK_KMH),
        ("DE:zone30", 30.0),
        ("DE:zone:20", 20.0),
        ("FI:urban", 50.0),
        ("NL:living_street", 20.0),
        ("none", NO_LIMIT_KMH),
        ("RU:rural", LEGAL_DEFAULT_KMH[RoadClass.PRIMARY]),  # the country's number is unknown
        ("signals", LEGAL_DEFAULT_KMH[RoadClass.PRIMARY]),
        (None, LEGAL_DEFAULT_KMH[RoadClass.PRIMARY]),
    ],
)
def test_a_maxspeed_value_or_zone_code_gives_the_legal_limit(value, expected):
    assert legal_limit_kmh(value, RoadClass.PRIMARY) == pytest.approx(expected)


def test_a_directional_maxspeed_limits_only_its_direction():
    rule = way_rule({"highway": "primary", "maxspeed": "60", "maxspeed:backward": "40"})
    assert rule is not None
    assert (rule.forward_limit_kmh, rule.backward_limit_kmh) == (60.0, 40.0)


def test_a_tagged_way_keeps_its_maxspeed_and_an_untagged_one_its_class_default(tmp_path):
    tags = {"highway": "tertiary", "maxspeed": "30"}
    graph = parse_pbf(square_with_diagonal(tmp_path / "limits.osm.pbf", tags))
    assert graph.limit_kmh[edge(graph, 1, 5)] == 30.0
    assert graph.limit_kmh[edge(graph, 5, 1)] == 30.0
    assert graph.limit_kmh[edge(graph, 1, 2)] == LEGAL_DEFAULT_KMH[RoadClass.RESIDENTIAL]


def test_the_synthetic_city_posts_50_on_arterials_40_on_secondaries_30_on_streets(city):
    for cls, limit in ((RoadClass.PRIMARY, 50), (RoadClass.SECONDARY, 40)):
        assert set(city.limit_kmh[city.road_class == cls]) == {limit}
    assert set(city.limit_kmh[city.road_class == RoadClass.RESIDENTIAL]) == {30}


def test_the_limit_is_saved_with_the_graph(city, tmp_path):
    assert "limit_kmh" in {f.name for f in fields(RoadGraph)}
    city.save(tmp_path / "city.npz")
    loaded, _ = RoadGraph.load(tmp_path / "city.npz")
    assert np.array_equal(loaded.limit_kmh, city.limit_kmh)


def test_a_cache_written_before_edges_had_limits_is_parsed_again(tmp_path):
    pbf = square_with_diagonal(tmp_path / "old.osm.pbf", {"highway": "residential"})
    assert FORMAT_VERSION >= 2 and SUFFIX.endswith(f"-v{FORMAT_VERSION}.npz")
    fresh = parse_pbf(pbf)
    cache = pbf.with_name(pbf.name + SUFFIX)
    payload = {f.name: getattr(fresh, f.name) for f in fields(RoadGraph) if f.name != "limit_kmh"}
    with cache.open("wb") as handle:  # what a version-1 build wrote, under the current key
        np.savez(handle, **payload, meta_key=np.array(cache_key(pbf)))
    graph = load_graph(pbf)
    assert np.array_equal(graph.limit_kmh, fresh.limit_kmh)
    rewritten, _ = RoadGraph.load(cache)
    assert np.array_equal(rewritten.limit_kmh, fresh.limit_kmh)


def test_the_provider_gives_the_limit_of_the_road_a_point_is_on(city):
    roads = EmbeddedProvider(city)
    assert roads.speed_limit_kmh(*middle_of(city, RoadClass.RESIDENTIAL)) == 30.0
    assert roads.speed_limit_kmh(*middle_of(city, RoadClass.PRIMARY)) == 50.0


def test_far_from_any_road_there_is_no_limit(city):
    roads = EmbeddedProvider(city)
    lat, lon = float(city.lat.max()) + 100 / METRES_PER_DEGREE, float(city.lon.mean())
    assert roads.speed_limit_kmh(lat, lon) is None  # 100 m beyond the city's edge
    assert roads.speed_limit_kmh(0.0, 0.0) is None


def test_at_a_junction_the_higher_limit_wins(city, monkeypatch):
    monkeypatch.setattr(embedded, "LIMIT_CELL_M", 1.0)  # look up at the junction itself
    roads = EmbeddedProvider(city)
    tails = city.edge_sources()
    arterial = set(tails[city.road_class == RoadClass.PRIMARY].tolist())
    side = set(tails[city.road_class == RoadClass.RESIDENTIAL].tolist())
    node = min(arterial & side)  # where a 30 street meets a 50 arterial
    assert roads.speed_limit_kmh(float(city.lat[node]), float(city.lon[node])) == 50.0


def test_lookups_in_one_grid_cell_are_answered_from_the_memo(city, monkeypatch):
    roads = EmbeddedProvider(city)
    lat, lon = middle_of(city, RoadClass.RESIDENTIAL)
    cell_lat = embedded.LIMIT_CELL_M / METRES_PER_DEGREE
    lat = (np.floor(lat / cell_lat) + 0.5) * cell_lat  # the middle of its cell
    computed: list[int] = []
    fill = roads._fill
    monkeypatch.setattr(roads, "_fill", lambda cells: computed.append(len(cells)) or fill(cells))
    answers = {roads.speed_limit_kmh(lat + d, lon) for d in (0.0, 2e-5, -2e-5)}  # +-2 m
    assert answers == {30.0} and computed == [1]


def test_a_batch_of_fixes_is_looked_up_with_one_query(city, monkeypatch):
    roads = EmbeddedProvider(city)
    lat, lon = middle_of(city, RoadClass.RESIDENTIAL)
    points = [(lat + i * 3e-4, lon) for i in range(20)]  # 20 cells, 33 m apart
    computed: list[int] = []
    fill = roads._fill
    monkeypatch.setattr(roads, "_fill", lambda cells: computed.append(len(cells)) or fill(cells))
    roads.warm_speed_limits(points)
    alone = EmbeddedProvider(city)
    assert [roads.speed_limit_kmh(*p) for p in points] == [
        alone.speed_limit_kmh(*p) for p in points
    ]
    assert computed == [20]  # one query for the batch, none afterwards


def test_the_memo_is_emptied_when_full_so_its_memory_is_bounded(city, monkeypatch):
    monkeypatch.setattr(embedded, "LIMIT_CACHE_CELLS", 10)
    roads = EmbeddedProvider(city)
    lat, lon = float(city.lat.mean()), float(city.lon.mean())
    for i in range(25):
        roads.speed_limit_kmh(lat + i * 5e-4, lon)
    assert len(roads._limits) <= 10
