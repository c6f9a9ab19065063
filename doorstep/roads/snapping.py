"""Put GPS points onto the road: the nearest point of the nearest road segment.

A segment is a road piece between two graph nodes, whichever directions it may be
driven in. Points are projected onto segments in a local equirectangular plane (metres,
centred on the network: accurate to well under 1 % across a city). A KD-tree holds
sample points along every segment, at most ``SAMPLE_SPACING_M`` apart; the nearest
sample (at distance d) bounds the answer, and every segment with a sample within
d + spacing/2 is projected exactly, so the chosen segment is the true nearest one.
Points more than ``FAR_M`` from any road (the sea, another continent) are projected
onto the segments of their 16 nearest samples only: for them metres of precision do
not matter, and the caller will refuse them anyway (see :mod:`doorstep.roads.snap_bound`).

The reported distance is the haversine distance from the query to the snapped point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from doorstep.domain.geo import LatLon
from doorstep.roads.base import Snapped
from doorstep.roads.graph import (
    METRES_PER_DEGREE,
    FloatArray,
    IntArray,
    RoadGraph,
    haversine_arrays,
)

SAMPLE_SPACING_M = 20.0
FAR_M = 1000.0
FAR_CANDIDATES = 16


@dataclass(frozen=True, eq=False)
class Segments:
    """Undirected road pieces ``a < b`` with the edge that drives each way (-1 = none)."""

    a: IntArray
    b: IntArray
    forward_edge: IntArray  # a -> b
    backward_edge: IntArray  # b -> a

    @classmethod
    def of(cls, graph: RoadGraph) -> Segments:
        tails = graph.edge_sources()
        heads = graph.indices.astype(np.int64)
        low, high = np.minimum(tails, heads), np.maximum(tails, heads)
        keys, segment = np.unique(low * graph.node_count + high, return_inverse=True)
        forward = np.full(keys.size, -1, dtype=np.int64)
        backward = np.full(keys.size, -1, dtype=np.int64)
        edge = np.arange(tails.size, dtype=np.int64)
        is_forward = tails < heads
        forward[segment[is_forward]] = edge[is_forward]
        backward[segment[~is_forward]] = edge[~is_forward]
        return cls(keys // graph.node_count, keys % graph.node_count, forward, backward)

    @property
    def count(self) -> int:
        return int(self.a.size)


@dataclass(frozen=True, eq=False)
class SnapResult:
    """Per query point: the segment, the fraction ``t`` from ``a`` to ``b``, the snapped
    position and its distance from the query."""

    segment: IntArray
    t: FloatArray
    lat: FloatArray
    lon: FloatArray
    distance_m: FloatArray


class Snapper:
    """The KD-tree over segment samples of one graph; build once, query often."""

    def __init__(self, graph: RoadGraph, segments: Segments | None = None) -> None:
        self.graph = graph
        self.segments = segments if segments is not None else Segments.of(graph)
        self._lat0 = float(np.mean(graph.lat))
        self._lon0 = float(np.mean(graph.lon))
        self._kx = METRES_PER_DEGREE * np.cos(np.radians(self._lat0))
        x, y = self.project(graph.lat, graph.lon)
        seg = self.segments
        self._ax, self._ay, self._bx, self._by = x[seg.a], y[seg.a], x[seg.b], y[seg.b]
        length = np.hypot(self._bx - self._ax, self._by - self._ay)
        pieces = np.maximum(1, np.ceil(length / SAMPLE_SPACING_M)).astype(np.int64)
        counts = pieces + 1
        self._sample_segment = np.repeat(np.arange(seg.count, dtype=np.int64), counts)
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        step = np.arange(self._sample_segment.size) - starts
        frac = step / pieces[self._sample_segment]
        sx = self._ax[self._sample_segment] + frac * (self._bx - self._ax)[self._sample_segment]
        sy = self._ay[self._sample_segment] + frac * (self._by - self._ay)[self._sample_segment]
        self._tree = cKDTree(np.column_stack((sx, sy)))
        # The graph node a sample sits on (a segment's first or last sample), else -1.
        at_end = np.where(step == pieces[self._sample_segment], seg.b[self._sample_segment], -1)
        self.sample_node: IntArray = np.where(step == 0, seg.a[self._sample_segment], at_end)
        self.sample_segment: IntArray = self._sample_segment

    def project(self, lat: FloatArray, lon: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Local metres east and north of the network's centre."""
        return (lon - self._lon0) * self._kx, (lat - self._lat0) * METRES_PER_DEGREE

    def nearest_sample(self, lat: FloatArray, lon: FloatArray, within_m: float) -> IntArray:
        """Per point, the nearest sample no farther than ``within_m``, else -1: one
        KD-tree query, for callers that need a road near a point, not the exact snap."""
        px, py = self.project(lat, lon)
        _, index = self._tree.query(np.column_stack((px, py)), distance_upper_bound=within_m)
        found: IntArray = np.where(index < self._tree.n, index, -1)
        return found

    def snap_arrays(self, lat: FloatArray, lon: FloatArray) -> SnapResult:
        """Snap many points at once."""
        px, py = self.project(lat, lon)
        xy = np.column_stack((px, py))
        d0, _ = self._tree.query(xy, k=1)
        point_ids: list[IntArray] = []
        sample_ids: list[IntArray] = []
        near = np.flatnonzero(d0 <= FAR_M)
        if near.size:
            balls = self._tree.query_ball_point(xy[near], r=d0[near] + SAMPLE_SPACING_M / 2 + 0.01)
            sizes = np.fromiter((len(b) for b in balls), dtype=np.int64, count=near.size)
            point_ids.append(np.repeat(near, sizes))
            sample_ids.append(np.fromiter((s for b in balls for s in b), dtype=np.int64))
        far = np.flatnonzero(d0 > FAR_M)
        if far.size:
            k = min(FAR_CANDIDATES, self._tree.n)
            _, idx = self._tree.query(xy[far], k=k)
            idx = np.asarray(idx, dtype=np.int64).reshape(far.size, k)
            point_ids.append(np.repeat(far, k))
            sample_ids.append(idx.ravel())
        point = np.concatenate(point_ids)
        segment = self._sample_segment[np.concatenate(sample_ids)]

        ax, ay = self._ax[segment], self._ay[segment]
        dx, dy = self._bx[segment] - ax, self._by[segment] - ay
        length2 = dx * dx + dy * dy
        with np.errstate(invalid="ignore", divide="ignore"):
            t = ((px[point] - ax) * dx + (py[point] - ay) * dy) / length2
        t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
        d2 = (ax + t * dx - px[point]) ** 2 + (ay + t * dy - py[point]) ** 2
        order = np.lexsort((segment, d2, point))  # per point: nearest, then lowest id
        first = np.ones(order.size, dtype=bool)
        first[1:] = point[order][1:] != point[order][:-1]
        best = order[first]
        seg, frac = segment[best], t[best]
        a, b = self.segments.a[seg], self.segments.b[seg]
        g = self.graph
        slat = g.lat[a] + frac * (g.lat[b] - g.lat[a])
        slon = g.lon[a] + frac * (g.lon[b] - g.lon[a])
        return SnapResult(seg, frac, slat, slon, haversine_arrays(lat, lon, slat, slon))

    def snap(self, points: Sequence[LatLon]) -> tuple[list[Snapped], SnapResult]:
        """The interface's :class:`Snapped` list plus the arrays routing needs."""
        if not points:
            empty = np.zeros(0)
            return [], SnapResult(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
        lat = np.fromiter((p.lat for p in points), dtype=np.float64, count=len(points))
        lon = np.fromiter((p.lon for p in points), dtype=np.float64, count=len(points))
        result = self.snap_arrays(lat, lon)
        nodes = np.where(
            result.t < 0.5, self.segments.a[result.segment], self.segments.b[result.segment]
        )
        snapped = [
            Snapped(
                query=p,
                point=LatLon(float(result.lat[i]), float(result.lon[i])),
                node=int(nodes[i]),
                distance_m=float(result.distance_m[i]),
            )
            for i, p in enumerate(points)
        ]
        return snapped, result
