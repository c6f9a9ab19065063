"""The offline provider: travel times on an in-memory road graph, no server needed.

Times and distances include the snap offset at both ends: the straight line from the
query point to the road, at ``OFFSET_KMH`` (15 km/h, a van creeping out of a yard or a
courier walking the last metres). A point 30 m off the road adds 30 m and 7.2 s. Two
identical query points are 0 s apart.

``depart_at`` selects the hour of week of the :class:`SpeedProfile` for all legs of
that call (see :mod:`doorstep.roads.speed_profile`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.roads.base import Matrix, RoadsUnavailable, RoutePath, Snapped, TravelTimeProvider
from doorstep.roads.graph import FloatArray, RoadGraph
from doorstep.roads.shortest_paths import (
    EXACT_LIMIT,
    Weights,
    fastest_paths_from,
    metres_by_walking,
    packed_matrix,
    packed_matrix_to,
    path_metres,
    unpack,
)
from doorstep.roads.snapping import Segments, Snapper, SnapResult
from doorstep.roads.speed_profile import SpeedProfile, hour_of_week
from doorstep.roads.tagging import RoadClass

OFFSET_KMH = 15.0
WEIGHT_CACHE_HOURS = 4


class EmbeddedProvider(TravelTimeProvider):
    """Route, matrix and snap on a :class:`RoadGraph` (parsed OSM or synthetic)."""

    def __init__(
        self,
        graph: RoadGraph,
        speeds: SpeedProfile | None = None,
        name: str = "embedded",
    ) -> None:
        self.graph = graph
        self.speeds = speeds if speeds is not None else SpeedProfile.free_flow()
        self.name = name
        self._snapper: Snapper | None = None
        self._free_flow = Weights.of(graph.seconds, graph.metres)
        self._by_hour: OrderedDict[int, Weights] = OrderedDict()

    @property
    def snapper(self) -> Snapper:
        """Built on first use: a graph used only for benchmarks never pays for it."""
        if self._snapper is None:
            self._snapper = Snapper(self.graph)
        return self._snapper

    def weights(self, depart_at: datetime | None) -> Weights:
        """Edge weights for the departure hour (free flow without one)."""
        if depart_at is None or self.speeds.is_free_flow:
            return self._free_flow
        hour = hour_of_week(depart_at)
        if hour not in self._by_hour:
            seconds = self.speeds.edge_seconds(self.graph.seconds, self.graph.road_class, hour)
            self._by_hour[hour] = Weights.of(seconds, self.graph.metres)
            while len(self._by_hour) > WEIGHT_CACHE_HOURS:
                self._by_hour.popitem(last=False)
        return self._by_hour[hour]

    def snap(self, points: Sequence[LatLon]) -> list[Snapped]:
        return self.snapper.snap(points)[0]

    def matrix(
        self,
        sources: Sequence[LatLon],
        targets: Sequence[LatLon] | None = None,
        depart_at: datetime | None = None,
    ) -> Matrix:
        targets = sources if targets is None else targets
        if not sources or not targets:
            empty = np.zeros((len(sources), len(targets)))
            return Matrix(seconds=empty, metres=empty.copy())
        weights = self.weights(depart_at)
        unique_src, src_row = _unique(sources)
        unique_tgt, tgt_col = _unique(targets)
        _, src = self.snapper.snap(unique_src)
        _, tgt = self.snapper.snap(unique_tgt)
        segments = self.snapper.segments
        # One Dijkstra per source, or per target on the reversed graph: whichever is fewer.
        search = packed_matrix if len(unique_src) <= len(unique_tgt) else packed_matrix_to
        packed, inexact = search(self.graph, weights, segments, src, tgt)
        seconds, metres = unpack(packed)
        if np.any(inexact):
            exact = metres_by_walking(self.graph, weights, segments, src, tgt)
            metres = np.where(inexact, exact, metres)
        seconds, metres = seconds[np.ix_(src_row, tgt_col)], metres[np.ix_(src_row, tgt_col)]
        seconds, metres = _with_offsets(
            seconds, metres, src.distance_m[src_row], tgt.distance_m[tgt_col]
        )
        same = _same_points(sources, targets)
        seconds[same], metres[same] = 0.0, 0.0
        return Matrix(seconds=seconds, metres=metres)

    def route(self, a: LatLon, b: LatLon, depart_at: datetime | None = None) -> RoutePath:
        if a == b:
            return RoutePath(0.0, 0.0, [a, b], segment_seconds=[0.0], segment_classes=[None])
        weights = self.weights(depart_at)
        _, src = self.snapper.snap([a])
        _, tgt = self.snapper.snap([b])
        segments = self.snapper.segments
        path = fastest_paths_from(self.graph, weights, segments, src, tgt)[0]
        if not np.isfinite(path.packed):
            raise RoadsUnavailable(f"no road path from {a} to {b}")
        seconds, metres = unpack(np.array([[path.packed]]))
        if path.packed >= EXACT_LIMIT:
            metres[0, 0] = path_metres(self.graph, weights, segments, src, tgt, path)
        seconds, metres = _with_offsets(seconds, metres, src.distance_m, tgt.distance_m)
        geometry = [LatLon(float(src.lat[0]), float(src.lon[0]))]
        g = self.graph
        geometry += [LatLon(float(g.lat[n]), float(g.lon[n])) for n in path.nodes]
        geometry.append(LatLon(float(tgt.lat[0]), float(tgt.lon[0])))
        # The edge (and fraction of it) driven to reach each point after the first.
        edges = _path_edges(g, segments, src, tgt, path.nodes)
        raw_seconds = [float(weights.seconds[e]) * f if e >= 0 else 0.0 for e, f in edges]
        raw_seconds[0] += float(offset_seconds(src.distance_m)[0])
        raw_seconds[-1] += float(offset_seconds(tgt.distance_m)[0])
        raw_classes: list[str | None] = [
            RoadClass(int(g.road_class[e])).osm if e >= 0 else None for e, _ in edges
        ]
        kept = [geometry[0]]
        segment_seconds: list[float] = []
        segment_classes: list[str | None] = []
        carry = 0.0  # time of repeated points before the first real segment
        for point, part, cls in zip(geometry[1:], raw_seconds, raw_classes, strict=True):
            if point == kept[-1]:  # a repeated point: its time joins a neighbour
                if segment_seconds:
                    segment_seconds[-1] += part
                else:
                    carry += part
                continue
            kept.append(point)
            segment_seconds.append(part + carry)
            segment_classes.append(cls)
            carry = 0.0
        geometry = kept
        if len(geometry) == 1:
            geometry.append(geometry[0])
            segment_seconds, segment_classes = [carry], [None]
        total = float(seconds[0, 0])
        scale = total / sum(segment_seconds) if sum(segment_seconds) > 0 else 0.0
        return RoutePath(
            seconds=total,
            metres=float(metres[0, 0]),
            geometry=geometry,
            segment_seconds=[s * scale for s in segment_seconds],
            segment_classes=segment_classes,
        )


def _path_edges(
    graph: RoadGraph, segments: Segments, src: SnapResult, tgt: SnapResult, nodes: list[int]
) -> list[tuple[int, float]]:
    """For each point of a path after the snapped source (the nodes, then the snapped
    target): the edge driven to reach it and the fraction of that edge driven."""
    seg_s, seg_t = int(src.segment[0]), int(tgt.segment[0])
    ts, tt = float(src.t[0]), float(tgt.t[0])
    if not nodes:  # straight along the one shared segment
        if tt >= ts:
            return [(int(segments.forward_edge[seg_s]), tt - ts)]
        return [(int(segments.backward_edge[seg_s]), ts - tt)]
    if nodes[0] == segments.b[seg_s]:
        edges = [(int(segments.forward_edge[seg_s]), 1.0 - ts)]
    else:
        edges = [(int(segments.backward_edge[seg_s]), ts)]
    for u, v in pairwise(nodes):
        lo, hi = int(graph.indptr[u]), int(graph.indptr[u + 1])
        heads = graph.indices[lo:hi]
        k = int(np.searchsorted(heads, v))  # heads are sorted within a row
        if k >= heads.size or heads[k] != v:
            k = int(np.flatnonzero(heads == v)[0])
        edges.append((lo + k, 1.0))
    if nodes[-1] == segments.a[seg_t]:
        edges.append((int(segments.forward_edge[seg_t]), tt))
    else:
        edges.append((int(segments.backward_edge[seg_t]), 1.0 - tt))
    return edges


def offset_seconds(distance_m: FloatArray) -> FloatArray:
    """Time to cover the snap offset at ``OFFSET_KMH``."""
    result: FloatArray = distance_m / (OFFSET_KMH / 3.6)
    return result


def _with_offsets(
    seconds: FloatArray, metres: FloatArray, src_m: FloatArray, tgt_m: FloatArray
) -> tuple[FloatArray, FloatArray]:
    extra_m = src_m[:, None] + tgt_m[None, :]
    return seconds + offset_seconds(extra_m), metres + extra_m


def _unique(points: Sequence[LatLon]) -> tuple[list[LatLon], np.ndarray]:
    """Distinct points (one Dijkstra each) and, per input, the row of its distinct point."""
    index: dict[LatLon, int] = {}
    rows = np.fromiter((index.setdefault(p, len(index)) for p in points), dtype=np.int64)
    return list(index), rows


def _same_points(sources: Sequence[LatLon], targets: Sequence[LatLon]) -> np.ndarray:
    src = np.array([(p.lat, p.lon) for p in sources])
    tgt = np.array([(p.lat, p.lon) for p in targets])
    result: np.ndarray = (src[:, None, 0] == tgt[None, :, 0]) & (src[:, None, 1] == tgt[None, :, 1])
    return result
