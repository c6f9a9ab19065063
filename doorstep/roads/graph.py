"""The road network as plain arrays: a directed graph in CSR form.

Why arrays: scipy's shortest-path routines, the KD-tree and ``np.savez`` all take them
as they are, so a parsed network loads from its cache in milliseconds and a matrix is
one call into compiled code. Nodes are road points (every OSM node of a drivable way,
or a synthetic intersection); an edge is one straight segment between two of them, so a
path's node sequence is already its geometry.

Each edge keeps its road class and its legal limit (km/h: the way's ``maxspeed``, else
the class's default, see :mod:`doorstep.roads.tagging`), for speeding alerts.

Only the largest strongly connected component is kept: from any node you can reach any
other and come back, so every snapped point has a route to every other one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import connected_components

from doorstep.domain.geo import EARTH_RADIUS_M
from doorstep.roads.tagging import LEGAL_DEFAULT_KMH, RoadClass

METRES_PER_DEGREE = EARTH_RADIUS_M * np.pi / 180.0

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """``indptr``/``indices`` are CSR over nodes; edge ``k`` goes from the row that holds
    it to ``indices[k]`` and takes ``seconds[k]`` over ``metres[k]``, on a road of
    class ``road_class[k]`` whose legal limit is ``limit_kmh[k]``."""

    lat: FloatArray
    lon: FloatArray
    indptr: IntArray
    indices: NDArray[np.int32]
    seconds: FloatArray
    metres: FloatArray
    road_class: NDArray[np.uint8]
    limit_kmh: NDArray[np.float32]

    @property
    def node_count(self) -> int:
        return int(self.lat.shape[0])

    @property
    def edge_count(self) -> int:
        return int(self.indices.shape[0])

    def edge_sources(self) -> IntArray:
        """The tail node of every edge (CSR keeps only the heads)."""
        return np.repeat(np.arange(self.node_count, dtype=np.int64), np.diff(self.indptr))

    def csr(self, weights: FloatArray) -> sp.csr_matrix:
        """A scipy matrix over this graph's structure with the given edge weights."""
        n = self.node_count
        return sp.csr_matrix((weights, self.indices, self.indptr), shape=(n, n))

    def save(self, path: Path, **extra: str) -> None:
        """Write every array (and string metadata) to ``path`` as an uncompressed .npz."""
        payload: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        payload.update({f"meta_{k}": np.array(v) for k, v in extra.items()})
        with path.open("wb") as handle:
            np.savez(handle, **payload)

    @classmethod
    def load(cls, path: Path) -> tuple[RoadGraph, dict[str, str]]:
        """The graph and the metadata strings saved with it."""
        with np.load(path, allow_pickle=False) as data:
            graph = cls(**{f.name: data[f.name] for f in fields(cls)})
            meta = {k[5:]: str(data[k]) for k in data.files if k.startswith("meta_")}
        return graph, meta


def haversine_arrays(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle metres, element-wise (the vector form of ``domain.geo.haversine_m``)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    result: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))
    return result


def build_graph(
    lat: FloatArray,
    lon: FloatArray,
    tails: IntArray,
    heads: IntArray,
    kmh: FloatArray,
    road_class: NDArray[np.uint8],
    limit_kmh: FloatArray | None = None,
) -> RoadGraph:
    """Directed edges ``tails[k] -> heads[k]`` at ``kmh[k]`` into a CSR graph; each
    edge's legal limit is ``limit_kmh[k]``, or its class's default when not given.

    Self-loops go, parallel edges keep the fastest, lengths are haversine metres, and
    only the largest strongly connected component remains (nodes renumbered densely).
    Raises ``ValueError`` when there is no edge at all.
    """
    if limit_kmh is None:
        limit_kmh = class_limits(road_class)
    keep = tails != heads
    tails, heads, kmh, road_class = tails[keep], heads[keep], kmh[keep], road_class[keep]
    limit_kmh = limit_kmh[keep]
    if tails.size == 0:
        raise ValueError("no road segments")
    metres = haversine_arrays(lat[tails], lon[tails], lat[heads], lon[heads])
    seconds = metres / (kmh / 3.6)

    # Fastest of parallel edges: sort by (tail, head, seconds), keep the first of each pair.
    order = np.lexsort((seconds, heads, tails))
    tails, heads = tails[order], heads[order]
    first = np.ones(tails.size, dtype=bool)
    first[1:] = (tails[1:] != tails[:-1]) | (heads[1:] != heads[:-1])
    order = order[first]
    tails, heads = tails[first], heads[first]
    seconds, metres, road_class = seconds[order], metres[order], road_class[order]
    limit_kmh = limit_kmh[order]

    n = lat.shape[0]
    structure = sp.csr_matrix((np.ones(tails.size), (tails, heads)), shape=(n, n))
    _, labels = connected_components(structure, directed=True, connection="strong")
    touched = np.zeros(n, dtype=bool)
    touched[tails] = True
    counts = np.bincount(labels[touched], minlength=int(labels.max()) + 1)
    inside = labels == int(np.argmax(counts))

    new_id = np.full(n, -1, dtype=np.int64)
    new_id[inside] = np.arange(int(inside.sum()))
    kept = inside[tails] & inside[heads]
    tails, heads = new_id[tails[kept]], new_id[heads[kept]]
    # Already sorted by (tail, head): the CSR arrays follow directly.
    indptr = np.zeros(int(inside.sum()) + 1, dtype=np.int64)
    np.cumsum(np.bincount(tails, minlength=indptr.size - 1), out=indptr[1:])
    return RoadGraph(
        lat=np.ascontiguousarray(lat[inside], dtype=np.float64),
        lon=np.ascontiguousarray(lon[inside], dtype=np.float64),
        indptr=indptr,
        indices=heads.astype(np.int32),
        seconds=seconds[kept].astype(np.float64),
        metres=metres[kept].astype(np.float64),
        road_class=road_class[kept].astype(np.uint8),
        limit_kmh=limit_kmh[kept].astype(np.float32),
    )


_CLASS_LIMITS = np.array([LEGAL_DEFAULT_KMH[c] for c in sorted(RoadClass)], dtype=np.float64)


def class_limits(road_class: NDArray[np.uint8]) -> FloatArray:
    """The default legal limit of each edge's road class (km/h)."""
    result: FloatArray = _CLASS_LIMITS[road_class]
    return result
