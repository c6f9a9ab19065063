"""Read an OpenStreetMap ``.osm.pbf`` into a :class:`RoadGraph` (the one slow step).

pyosmium streams the file once with node locations attached to ways; only ways with a
``highway`` tag reach Python. Each drivable way (rules in :mod:`doorstep.roads.tagging`)
contributes one edge per pair of consecutive nodes in each open direction, so edges are
split at every OSM node and routes follow the road's shape. Turn restrictions are not
applied.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium

from doorstep.roads.base import RoadsUnavailable
from doorstep.roads.graph import RoadGraph, build_graph
from doorstep.roads.tagging import WayRule, way_rule


def parse_pbf(path: Path) -> RoadGraph:
    """The drivable network of ``path``; :class:`RoadsUnavailable` says why if none."""
    if not path.is_file():
        raise RoadsUnavailable(f"road network {path}: no such file")
    refs: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    way_ends: list[int] = []  # cumulative node count after each kept way
    fwd_kmh: list[float] = []
    bwd_kmh: list[float] = []  # 0 = that direction is closed
    limits: list[tuple[float, float]] = []  # legal (forward, backward) km/h
    classes: list[int] = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in processor:
            if not isinstance(obj, osmium.osm.Way):
                continue
            rule = way_rule(dict(obj.tags))
            if rule is None:
                continue
            # An extract clipped at its border leaves ways pointing at nodes it does not
            # hold: the way is cut there and each run of two or more present nodes kept.
            run = 0
            for node in obj.nodes:
                location = node.location
                if not location.valid():
                    if run == 1:
                        del refs[-1], lats[-1], lons[-1]
                    elif run > 1:
                        _close_run(way_ends, fwd_kmh, bwd_kmh, limits, classes, len(refs), rule)
                    run = 0
                    continue
                refs.append(node.ref)
                lats.append(location.lat)
                lons.append(location.lon)
                run += 1
            if run == 1:
                del refs[-1], lats[-1], lons[-1]
            elif run > 1:
                _close_run(way_ends, fwd_kmh, bwd_kmh, limits, classes, len(refs), rule)
    except (RuntimeError, ValueError, OSError) as exc:
        raise RoadsUnavailable(
            f"road network {path} is not a readable OpenStreetMap PBF file: {exc}"
        ) from None
    if not way_ends:
        raise RoadsUnavailable(f"road network {path} has no drivable roads")
    return _graph_from_ways(
        np.asarray(refs, dtype=np.int64),
        np.asarray(lats),
        np.asarray(lons),
        np.asarray(way_ends, dtype=np.int64),
        np.asarray(fwd_kmh),
        np.asarray(bwd_kmh),
        np.asarray(limits, dtype=np.float64).reshape(-1, 2),
        np.asarray(classes, dtype=np.uint8),
        path,
    )


def _close_run(
    way_ends: list[int],
    fwd_kmh: list[float],
    bwd_kmh: list[float],
    limits: list[tuple[float, float]],
    classes: list[int],
    end: int,
    rule: WayRule,
) -> None:
    way_ends.append(end)
    fwd_kmh.append(rule.forward_kmh if rule.forward else 0.0)
    bwd_kmh.append(rule.backward_kmh if rule.backward else 0.0)
    limits.append((rule.forward_limit_kmh, rule.backward_limit_kmh))
    classes.append(int(rule.road_class))


def _graph_from_ways(
    refs: np.ndarray,
    lats: np.ndarray,
    lons: np.ndarray,
    way_ends: np.ndarray,
    fwd_kmh: np.ndarray,
    bwd_kmh: np.ndarray,
    limits: np.ndarray,
    classes: np.ndarray,
    path: Path,
) -> RoadGraph:
    """Consecutive node pairs of every way, in each open direction, as one edge list."""
    _, first_seen, node_of = np.unique(refs, return_index=True, return_inverse=True)
    lat, lon = lats[first_seen], lons[first_seen]
    # Pair k joins refs[k] and refs[k+1] unless refs[k] ends a way.
    way_of_ref = np.repeat(np.arange(way_ends.size), np.diff(np.concatenate(([0], way_ends))))
    pair = np.ones(refs.size - 1, dtype=bool)
    pair[way_ends[:-1] - 1] = False
    a, b = node_of[:-1][pair], node_of[1:][pair]
    way = way_of_ref[:-1][pair]
    fwd, bwd = fwd_kmh[way] > 0, bwd_kmh[way] > 0
    tails = np.concatenate((a[fwd], b[bwd]))
    heads = np.concatenate((b[fwd], a[bwd]))
    kmh = np.concatenate((fwd_kmh[way][fwd], bwd_kmh[way][bwd]))
    cls = np.concatenate((classes[way][fwd], classes[way][bwd]))
    limit = np.concatenate((limits[way, 0][fwd], limits[way, 1][bwd]))
    try:
        return build_graph(lat, lon, tails, heads, kmh, cls, limit)
    except ValueError:
        raise RoadsUnavailable(f"road network {path} has no drivable roads") from None
