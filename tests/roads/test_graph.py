"""The CSR graph: parallel edges, the strongly connected core, saving and loading."""

from __future__ import annotations

import numpy as np

from doorstep.domain.geo import LatLon, haversine_m
from doorstep.roads.graph import RoadGraph, build_graph, haversine_arrays


def line(n: int):
    lat = np.full(n, 60.0)
    lon = 24.0 + np.arange(n) * 0.001
    return lat, lon


def test_parallel_edges_keep_the_fastest_and_self_loops_go():
    lat, lon = line(2)
    tails = np.array([0, 0, 1, 1])
    heads = np.array([1, 1, 0, 1])
    graph = build_graph(
        lat, lon, tails, heads, np.array([10.0, 40.0, 20.0, 5.0]), np.zeros(4, np.uint8)
    )
    assert graph.edge_count == 2
    assert graph.seconds[0] == graph.metres[0] / (40 / 3.6)


def test_nodes_outside_the_largest_strongly_connected_component_are_dropped():
    lat, lon = line(4)
    # 0 <-> 1 <-> 2 is strongly connected; 2 -> 3 is a one-way dead end.
    tails, heads = np.array([0, 1, 1, 2, 2]), np.array([1, 0, 2, 1, 3])
    graph = build_graph(lat, lon, tails, heads, np.full(5, 30.0), np.zeros(5, np.uint8))
    assert graph.node_count == 3
    assert graph.lon.max() < lon[3]
    assert np.array_equal(graph.indptr, [0, 1, 3, 4])


def test_edge_lengths_are_great_circle_metres():
    a, b = LatLon(60.0, 24.0), LatLon(60.01, 24.02)
    got = haversine_arrays(
        np.array([a.lat]), np.array([a.lon]), np.array([b.lat]), np.array([b.lon])
    )
    assert got[0] == haversine_m(a, b)


def test_a_graph_saved_and_loaded_is_the_same_graph(tmp_path, monaco):
    path = tmp_path / "g.npz"
    monaco.save(path, key="k1")
    loaded, meta = RoadGraph.load(path)
    assert meta == {"key": "k1"}
    for name in ("lat", "lon", "indptr", "indices", "seconds", "metres", "road_class"):
        assert np.array_equal(getattr(loaded, name), getattr(monaco, name))
        assert getattr(loaded, name).dtype == getattr(monaco, name).dtype
