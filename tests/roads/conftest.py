"""Road fixtures: the shared OSM extracts (skipped with the reason when absent), parsed
graphs shared by the session, and a writer for hand-built PBFs.

The shared extracts are found at ``<repo>/../shared/data/osm`` or under
``DOORSTEP_SHARED_DATA`` (the ``data`` folder or the ``osm`` folder itself). They are
read-only: tests parse them but never cache beside them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import osmium
import pytest

from doorstep.roads.graph import RoadGraph
from doorstep.roads.osm_parse import parse_pbf

REPO = Path(__file__).resolve().parents[2]


def shared_osm_dir() -> Path | None:
    candidates = []
    if os.environ.get("DOORSTEP_SHARED_DATA"):
        base = Path(os.environ["DOORSTEP_SHARED_DATA"])
        candidates += [base / "osm", base / "data" / "osm", base]
    candidates.append(REPO / ".." / "shared" / "data" / "osm")
    for folder in candidates:
        if (folder / "monaco.osm.pbf").is_file():
            return folder.resolve()
    return None


@pytest.fixture(scope="session")
def osm_dir() -> Path:
    folder = shared_osm_dir()
    if folder is None:
        pytest.skip(
            "shared OSM extracts not found: expected monaco.osm.pbf in "
            f"{REPO / '..' / 'shared' / 'data' / 'osm'} or under DOORSTEP_SHARED_DATA"
        )
    return folder


@pytest.fixture(scope="session")
def monaco(osm_dir: Path) -> RoadGraph:
    return parse_pbf(osm_dir / "monaco.osm.pbf")


@pytest.fixture(scope="session")
def baltimore(osm_dir: Path) -> RoadGraph:
    return parse_pbf(osm_dir / "baltimore.osm.pbf")


Node = tuple[int, float, float]  # id, lat, lon
Way = tuple[int, list[int], dict[str, str]]


def write_pbf(path: Path, nodes: Iterable[Node], ways: Iterable[Way]) -> Path:
    """A small OSM file written by pyosmium, nodes then ways, as real extracts are."""
    writer = osmium.SimpleWriter(str(path))
    try:
        for node_id, lat, lon in sorted(nodes):
            writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon, lat)))
        for way_id, refs, tags in sorted(ways, key=lambda w: w[0]):
            writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags))
    finally:
        writer.close()
    return path


# A square of two-way residential streets, about 220 m a side, corners 1-4, with a
# diagonal 1 -> 5 -> 3 whose tags each test chooses, and a dead-end spur 2 -> 6 (one-way,
# so node 6 is outside the largest strongly connected component).
SQUARE_NODES: list[Node] = [
    (1, 60.000, 24.000),
    (2, 60.000, 24.004),
    (3, 60.002, 24.004),
    (4, 60.002, 24.000),
    (5, 60.001, 24.002),
    (6, 59.999, 24.006),
]
SQUARE_WAYS: list[Way] = [
    (100, [1, 2, 3, 4, 1], {"highway": "residential"}),
    (101, [2, 6], {"highway": "service", "oneway": "yes"}),
]


def square_with_diagonal(path: Path, tags: dict[str, str]) -> Path:
    return write_pbf(path, SQUARE_NODES, [*SQUARE_WAYS, (200, [1, 5, 3], tags)])


def node_at(graph: RoadGraph, lat: float, lon: float) -> int | None:
    """The graph node at these coordinates, if the graph kept one there."""
    hit = np.flatnonzero((np.abs(graph.lat - lat) < 1e-7) & (np.abs(graph.lon - lon) < 1e-7))
    return int(hit[0]) if hit.size else None


def edge_between(graph: RoadGraph, u: int | None, v: int | None) -> int | None:
    if u is None or v is None:
        return None
    lo, hi = graph.indptr[u], graph.indptr[u + 1]
    hit = np.flatnonzero(graph.indices[lo:hi] == v)
    return int(lo + hit[0]) if hit.size else None
