"""Fastest paths between snapped points: matrices and single routes, on arrays.

Seconds and metres in one Dijkstra. Each edge weight packs both into one float64
integer, ``milliseconds * METRE_SLOTS + decimetres``: comparing packed values compares
time first and breaks exact ties by distance, and a sum of packed weights is the pair
of sums, so the metres read back from a distance are the metres *along the fastest
path* with no predecessor walk. Integers add exactly in float64 below 2**53, which
allows paths up to 25 hours and 10,000 km; a matrix with a longer path falls back to
walking predecessors for the metres. Per-edge rounding is 0.5 ms and 5 cm.

A snapped point sits at fraction ``t`` along a segment ``a - b``. A source becomes a
virtual node with edges onto ``b`` (if the segment can be driven ``a -> b``) and onto
``a`` (if ``b -> a``), priced by the fraction left to drive; these rows are appended
to the CSR, so the base graph is never copied edge by edge. A target is reached from
``a`` or ``b`` by the same rule, and a source and target on one segment may also drive
straight along it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.sparse.csgraph import dijkstra

from doorstep.roads.graph import FloatArray, IntArray, RoadGraph
from doorstep.roads.snapping import Segments, SnapResult

MS_PER_SECOND = 1000.0
DM_PER_METRE = 10.0
METRE_SLOTS = 1e8  # decimetres below one millisecond: paths up to 10,000 km
EXACT_LIMIT = 2.0**53
NO_PRED = -9999
CHUNK_BYTES = 64 << 20  # distance rows kept in memory at once


def pack(seconds: FloatArray, metres: FloatArray) -> FloatArray:
    """Integer milliseconds and decimetres in one float64 (see the module docstring)."""
    result: FloatArray = np.rint(seconds * MS_PER_SECOND) * METRE_SLOTS + np.rint(
        metres * DM_PER_METRE
    )
    return result


def unpack(packed: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Seconds and metres back from packed sums; ``inf`` stays ``inf`` in both."""
    finite = np.isfinite(packed)
    safe = np.where(finite, packed, 0.0)
    ms = np.floor(safe / METRE_SLOTS)
    seconds = np.where(finite, ms / MS_PER_SECOND, np.inf)
    metres = np.where(finite, (safe - ms * METRE_SLOTS) / DM_PER_METRE, np.inf)
    return seconds, metres


@dataclass(frozen=True, eq=False)
class Weights:
    """Per-edge seconds and metres of a graph for one hour, packed once and reused."""

    seconds: FloatArray
    metres: FloatArray
    packed: FloatArray

    @classmethod
    def of(cls, seconds: FloatArray, metres: FloatArray) -> Weights:
        # A zero weight would vanish from scipy's sparse graph: one decimetre minimum.
        return cls(seconds, metres, np.maximum(pack(seconds, metres), 1.0))


def _part(weights: Weights, edge: IntArray, fraction: FloatArray) -> FloatArray:
    """Packed cost of driving ``fraction`` of each edge; ``inf`` where ``edge`` is -1."""
    ok = edge >= 0
    safe = np.where(ok, edge, 0)
    cost = pack(weights.seconds[safe] * fraction, weights.metres[safe] * fraction)
    return np.where(ok, cost, np.inf)


def _augmented(
    graph: RoadGraph, weights: Weights, segments: Segments, src: SnapResult
) -> tuple[sp.csr_matrix, IntArray, FloatArray]:
    """The graph plus one virtual node per source (rows ``n..n+S``), and those edges."""
    n, s = graph.node_count, src.segment.size
    seg = src.segment
    to_b = _part(weights, segments.forward_edge[seg], 1.0 - src.t)
    to_a = _part(weights, segments.backward_edge[seg], src.t)
    heads = np.stack((segments.b[seg], segments.a[seg]), axis=1)
    costs = np.stack((to_b, to_a), axis=1)
    keep = np.isfinite(costs)
    costs = np.maximum(costs, 1.0)
    indptr = np.concatenate((graph.indptr, graph.indptr[-1] + np.cumsum(keep.sum(axis=1))))
    indices = np.concatenate((graph.indices, heads[keep].astype(np.int32)))
    data = np.concatenate((weights.packed, costs[keep]))
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n + s, n + s))
    return matrix, heads[keep].astype(np.int64), costs[keep]


def _arrive(
    dist_a: FloatArray,
    dist_b: FloatArray,
    weights: Weights,
    segments: Segments,
    src: SnapResult,
    tgt: SnapResult,
    rows: IntArray,
) -> FloatArray:
    """Packed cost to each target from distances to its segment's ends (rows x targets)."""
    seg = tgt.segment
    via_a = dist_a + _part(weights, segments.forward_edge[seg], tgt.t)[None, :]
    via_b = dist_b + _part(weights, segments.backward_edge[seg], 1.0 - tgt.t)[None, :]
    best = np.minimum(via_a, via_b)
    same = src.segment[rows][:, None] == seg[None, :]
    if np.any(same):
        ts, tt = src.t[rows][:, None], tgt.t[None, :]
        ahead = _part(weights, segments.forward_edge[seg], np.clip(tt - ts, 0, 1))
        behind = _part(weights, segments.backward_edge[seg], np.clip(ts - tt, 0, 1))
        direct = np.minimum(np.where(tt >= ts, ahead, np.inf), np.where(tt <= ts, behind, np.inf))
        best = np.where(same, np.minimum(best, direct), best)
    return best


def packed_matrix(
    graph: RoadGraph, weights: Weights, segments: Segments, src: SnapResult, tgt: SnapResult
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Packed fastest costs, sources x targets, and where they exceed exact range."""
    matrix, _, _ = _augmented(graph, weights, segments, src)
    n, s = graph.node_count, src.segment.size
    a, b = segments.a[tgt.segment], segments.b[tgt.segment]
    out = np.empty((s, tgt.segment.size))
    chunk = max(1, CHUNK_BYTES // (8 * (n + s)))
    for start in range(0, s, chunk):
        rows = np.arange(start, min(s, start + chunk))
        dist = dijkstra(matrix, directed=True, indices=n + rows)
        out[rows] = _arrive(dist[:, a], dist[:, b], weights, segments, src, tgt, rows)
    return out, np.isfinite(out) & (out >= EXACT_LIMIT)


@dataclass(frozen=True, slots=True)
class Path:
    """A fastest path: its packed cost and the graph nodes driven through, in order
    (empty when source and target share a segment and drive straight along it)."""

    packed: float
    nodes: list[int]


def fastest_paths_from(
    graph: RoadGraph,
    weights: Weights,
    segments: Segments,
    src: SnapResult,
    tgt: SnapResult,
    source: int = 0,
) -> list[Path]:
    """One Dijkstra from ``src[source]``; the fastest path to every target."""
    one = pick(src, source)
    matrix, _, _ = _augmented(graph, weights, segments, one)
    n = graph.node_count
    dist, pred = dijkstra(matrix, directed=True, indices=n, return_predecessors=True)
    a, b = segments.a[tgt.segment], segments.b[tgt.segment]
    via_a = dist[a] + _part(weights, segments.forward_edge[tgt.segment], tgt.t)
    via_b = dist[b] + _part(weights, segments.backward_edge[tgt.segment], 1.0 - tgt.t)
    zero = np.zeros(1, dtype=np.int64)
    best = _arrive(dist[a][None, :], dist[b][None, :], weights, segments, one, tgt, zero)[0]
    paths = []
    for j in range(tgt.segment.size):
        if not np.isfinite(best[j]):
            paths.append(Path(float("inf"), []))
            continue
        if best[j] < min(via_a[j], via_b[j]):  # straight along the shared segment
            paths.append(Path(float(best[j]), []))
            continue
        nodes = [int(a[j]) if via_a[j] <= via_b[j] else int(b[j])]
        while (step := int(pred[nodes[-1]])) != NO_PRED and step < n:
            nodes.append(step)
        nodes.reverse()
        paths.append(Path(float(best[j]), nodes))
    return paths


def pick(snap: SnapResult, i: int) -> SnapResult:
    """The ``i``-th snapped point alone."""
    sl = slice(i, i + 1)
    return SnapResult(snap.segment[sl], snap.t[sl], snap.lat[sl], snap.lon[sl], snap.distance_m[sl])


def path_metres(
    graph: RoadGraph,
    weights: Weights,
    segments: Segments,
    src: SnapResult,
    tgt: SnapResult,
    path: Path,
) -> float:
    """Metres of a path from ``src[0]`` to ``tgt[0]`` by summing its edges (exact)."""
    if not np.isfinite(path.packed):
        return float("inf")
    seg_s, seg_t = int(src.segment[0]), int(tgt.segment[0])
    ts, tt = float(src.t[0]), float(tgt.t[0])
    if not path.nodes:
        edge = segments.forward_edge[seg_s] if tt >= ts else segments.backward_edge[seg_s]
        return float(weights.metres[edge]) * abs(tt - ts)
    if path.nodes[0] == segments.b[seg_s]:
        total = float(weights.metres[segments.forward_edge[seg_s]]) * (1.0 - ts)
    else:
        total = float(weights.metres[segments.backward_edge[seg_s]]) * ts
    if path.nodes[-1] == segments.a[seg_t]:
        total += float(weights.metres[segments.forward_edge[seg_t]]) * tt
    else:
        total += float(weights.metres[segments.backward_edge[seg_t]]) * (1.0 - tt)
    for u, v in zip(path.nodes[:-1], path.nodes[1:], strict=True):
        lo, hi = graph.indptr[u], graph.indptr[u + 1]
        total += float(weights.metres[lo + int(np.flatnonzero(graph.indices[lo:hi] == v)[0])])
    return total


def metres_by_walking(
    graph: RoadGraph, weights: Weights, segments: Segments, src: SnapResult, tgt: SnapResult
) -> FloatArray:
    """Metres along each fastest path by following predecessors: the slow, exact way.

    Used where packed sums leave the exact range, and by tests to check the packing."""
    out = np.empty((src.segment.size, tgt.segment.size))
    for i in range(src.segment.size):
        paths = fastest_paths_from(graph, weights, segments, src, tgt, i)
        for j, path in enumerate(paths):
            out[i, j] = path_metres(graph, weights, segments, pick(src, i), pick(tgt, j), path)
    return out


_REVERSED: weakref.WeakKeyDictionary[Weights, sp.csr_matrix] = weakref.WeakKeyDictionary()


def _reversed(graph: RoadGraph, weights: Weights) -> sp.csr_matrix:
    """The graph with every edge turned round, built once per set of weights."""
    reverse = _REVERSED.get(weights)
    if reverse is None or reverse.shape[0] != graph.node_count:
        reverse = _REVERSED[weights] = graph.csr(weights.packed).T.tocsr()
    return reverse


def packed_matrix_to(
    graph: RoadGraph, weights: Weights, segments: Segments, src: SnapResult, tgt: SnapResult
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """The same matrix as :func:`packed_matrix`, searched backwards from the targets.

    Many sources to few targets (every stop of a fleet to one urgent job) costs one
    Dijkstra per target instead of one per source. On the reversed graph a target is a
    virtual node with edges to ``a`` (the part of ``a -> b`` driven to reach it) and to
    ``b`` (the part of ``b -> a``); its distances are the costs *to* the target from
    every node, and each source adds the part of its own segment it drives first.
    """
    n, t = graph.node_count, tgt.segment.size
    seg = tgt.segment
    from_a = _part(weights, segments.forward_edge[seg], tgt.t)
    from_b = _part(weights, segments.backward_edge[seg], 1.0 - tgt.t)
    heads = np.stack((segments.a[seg], segments.b[seg]), axis=1)
    costs = np.stack((from_a, from_b), axis=1)
    keep = np.isfinite(costs)
    costs = np.maximum(costs, 1.0)
    reverse = _reversed(graph, weights)
    indptr = np.concatenate((reverse.indptr, reverse.indptr[-1] + np.cumsum(keep.sum(axis=1))))
    indices = np.concatenate((reverse.indices, heads[keep].astype(np.int32)))
    data = np.concatenate((reverse.data, costs[keep]))
    augmented = sp.csr_matrix((data, indices, indptr), shape=(n + t, n + t))
    dist = dijkstra(augmented, directed=True, indices=n + np.arange(t))  # targets x nodes
    sseg = src.segment
    leave_b = _part(weights, segments.forward_edge[sseg], 1.0 - src.t)[:, None]
    leave_a = _part(weights, segments.backward_edge[sseg], src.t)[:, None]
    out = np.minimum(leave_b + dist[:, segments.b[sseg]].T, leave_a + dist[:, segments.a[sseg]].T)
    same = sseg[:, None] == seg[None, :]
    if np.any(same):
        ts, tt = src.t[:, None], tgt.t[None, :]
        ahead = _part(weights, segments.forward_edge[seg], np.clip(tt - ts, 0, 1))
        behind = _part(weights, segments.backward_edge[seg], np.clip(ts - tt, 0, 1))
        direct = np.minimum(np.where(tt >= ts, ahead, np.inf), np.where(tt <= ts, behind, np.inf))
        out = np.where(same, np.minimum(out, direct), out)
    return out, np.isfinite(out) & (out >= EXACT_LIMIT)
