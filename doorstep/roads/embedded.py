"""The offline provider: travel times on an in-memory road graph, no server needed.

Times and distances include the snap offset at both ends: the straight line from the
query point to the road, at ``OFFSET_KMH`` (15 km/h, a van creeping out of a yard or a
courier walking the last metres). A point 30 m off the road adds 30 m and 7.2 s. Two
identical query points are 0 s apart.

``depart_at`` selects the hour of week of the :class:`SpeedProfile` for all legs of
that call (see :mod:`doorstep.roads.speed_profile`).

``speed_limit_kmh(lat, lon)`` gives the legal limit where a vehicle is, for the live
speeding detector: that of the road piece whose sample (one every 20 m at most, see
:mod:`doorstep.roads.snapping`) is nearest, if within ``LIMIT_RADIUS_M`` (30 m;
farther is off the network: None, and the organisation's default applies). A sample
on a junction takes the highest limit of the roads meeting there, so a van passing a
side street is never held to the side street's limit. Answers are memoised per cell
of a ``LIMIT_CELL_M`` (20 m) grid, computed at the cell's centre, so fixes along a
road mostly cost one dictionary look-up (under a microsecond); a miss is one KD-tree
query, and ``warm_speed_limits`` answers a whole batch of fixes' misses with one
query. The memo is emptied once it holds ``LIMIT_CACHE_CELLS`` cells, which bounds
its memory (about 100 bytes a cell).
"""

from __future__ import annotations

import functools
import math
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import pairwise

import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.roads.base import Matrix, RoadsUnavailable, RoutePath, Snapped, TravelTimeProvider
from doorstep.roads.graph import METRES_PER_DEGREE, FloatArray, RoadGraph
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
LIMIT_RADIUS_M = 30.0
LIMIT_CELL_M = 20.0
LIMIT_CACHE_CELLS = 500_000
_UNKNOWN = -1.0  # memo value: no road near the cell


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
        lat0 = float(np.mean(graph.lat)) if graph.node_count else 0.0
        self._cells_per_lat = METRES_PER_DEGREE / LIMIT_CELL_M
        self._cells_per_lon = self._cells_per_lat * math.cos(math.radians(lat0))
        self._limits: dict[tuple[int, int], float] = {}

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

    def prepare_speed_limits(self) -> None:
        """Build what limit look-ups need (the KD-tree, each sample's limit) now, so
        the first fix does not pay for it."""
        _ = self._sample_limits

    def speed_limit_kmh(self, lat: float, lon: float) -> float | None:
        """The legal limit (km/h) of the road at this point; None off the network."""
        cell = (math.floor(lat * self._cells_per_lat), math.floor(lon * self._cells_per_lon))
        limit = self._limits.get(cell)
        if limit is None:
            limit = self._fill([cell])[0]
        return None if limit == _UNKNOWN else limit

    def warm_speed_limits(self, points: Iterable[tuple[float, float]]) -> None:
        """Memoise the limits at many (lat, lon) points at once: one KD-tree query
        for all the cells not known yet (a batch of fixes, before its detectors run)."""
        memo, per_lat, per_lon = self._limits, self._cells_per_lat, self._cells_per_lon
        cells = {(math.floor(lat * per_lat), math.floor(lon * per_lon)) for lat, lon in points}
        missing = [cell for cell in cells if cell not in memo]
        if missing:
            self._fill(missing)

    def _fill(self, cells: list[tuple[int, int]]) -> list[float]:
        """Compute and memoise these cells' limits (``_UNKNOWN`` off the network)."""
        if len(self._limits) + len(cells) > LIMIT_CACHE_CELLS:
            self._limits.clear()
        index = np.array(cells, dtype=np.float64).reshape(-1, 2) + 0.5  # cell centres
        sample = self.snapper.nearest_sample(
            index[:, 0] / self._cells_per_lat, index[:, 1] / self._cells_per_lon, LIMIT_RADIUS_M
        )
        found = np.where(sample >= 0, self._sample_limits[np.maximum(sample, 0)], _UNKNOWN)
        limits: list[float] = found.tolist()
        self._limits.update(zip(cells, limits, strict=True))
        return limits

    @functools.cached_property
    def _sample_limits(self) -> FloatArray:
        """Per snapping sample: its road piece's limit (the higher of its directions),
        or on a junction the highest limit of the edges that meet there."""
        graph, snapper, segments = self.graph, self.snapper, self.snapper.segments
        limit = graph.limit_kmh.astype(np.float64)
        at_node = np.zeros(graph.node_count)
        np.maximum.at(at_node, graph.edge_sources(), limit)
        np.maximum.at(at_node, graph.indices, limit)
        forward = np.where(segments.forward_edge >= 0, limit[segments.forward_edge], 0.0)
        backward = np.where(segments.backward_edge >= 0, limit[segments.backward_edge], 0.0)
        on_segment = np.round(np.maximum(forward, backward), 1)
        node = snapper.sample_node
        result: FloatArray = np.where(
            node >= 0, np.round(at_node[np.maximum(node, 0)], 1), on_segment[snapper.sample_segment]
        )
        return result

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
