"""A basemap drawn from Doorstep's own road network, for maps with no tile server.

The embedded network is a directed graph of straight segments. Once per graph its
segments become undirected *chains*: runs of segments of one road class joined at
nodes where nothing else meets (so a street is one line, not dozens). A request for
a bounding box and zoom level then picks the chains that cross the box, leaves out
minor roads at low zoom, simplifies each chain to the zoom's pixel grid and caps the
answer's size; the result is a GeoJSON ``FeatureCollection`` of ``LineString``\\ s with
a ``class`` property (``primary``, ``residential``, ...).

Pure: numpy over a :class:`~doorstep.roads.graph.RoadGraph`, no I/O.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from doorstep.roads.graph import RoadGraph
from doorstep.roads.tagging import RoadClass

MIN_ZOOM = 0
MAX_ZOOM = 22
# A response holds at most this many features and points; past them, the most minor
# roads are left out first and the answer says ``"truncated": true``.
MAX_FEATURES = 4000
MAX_POINTS = 40_000

R = RoadClass
_MAJOR = (R.MOTORWAY, R.MOTORWAY_LINK, R.TRUNK, R.TRUNK_LINK)
# The lowest zoom at which each class is drawn.
MIN_ZOOM_OF: dict[RoadClass, int] = {
    **dict.fromkeys(_MAJOR, 0),
    R.PRIMARY: 9,
    R.PRIMARY_LINK: 11,
    R.SECONDARY: 11,
    R.SECONDARY_LINK: 12,
    R.TERTIARY: 12,
    R.TERTIARY_LINK: 13,
    R.UNCLASSIFIED: 13,
    R.RESIDENTIAL: 14,
    R.LIVING_STREET: 15,
    R.SERVICE: 15,
}


@dataclass(frozen=True)
class Chain:
    road_class: RoadClass
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat


@dataclass(frozen=True)
class Bbox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float

    @classmethod
    def parse(cls, text: str) -> Bbox:
        """``minlon,minlat,maxlon,maxlat``; ``ValueError`` saying what is wrong."""
        parts = text.split(",")
        if len(parts) != 4:
            raise ValueError("bbox must be minlon,minlat,maxlon,maxlat")
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise ValueError("bbox must be four numbers") from None
        if not all(math.isfinite(v) for v in values):
            raise ValueError("bbox must be four finite numbers")
        box = cls(*values)
        if not (-180 <= box.min_lon < box.max_lon <= 180):
            raise ValueError("bbox longitudes must satisfy -180 <= minlon < maxlon <= 180")
        if not (-90 <= box.min_lat < box.max_lat <= 90):
            raise ValueError("bbox latitudes must satisfy -90 <= minlat < maxlat <= 90")
        return box


def chains_of(graph: RoadGraph) -> list[Chain]:
    """The graph's segments joined into undirected same-class chains (memoised per graph)."""
    with _lock:
        cached = _cache.get(graph)
        if cached is None:
            cached = _build_chains(graph)
            _cache[graph] = cached
        return cached


_cache: weakref.WeakKeyDictionary[RoadGraph, list[Chain]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def _build_chains(graph: RoadGraph) -> list[Chain]:
    tails = graph.edge_sources()
    heads = graph.indices.astype(np.int64)
    a, b = np.minimum(tails, heads), np.maximum(tails, heads)
    # One undirected segment per node pair (a two-way street is two directed edges);
    # where classes differ, the more major (smaller) class wins.
    order = np.lexsort((graph.road_class, b, a))
    a, b, cls = a[order], b[order], graph.road_class[order]
    first = np.ones(a.shape[0], dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, cls = a[first], b[first], cls[first]

    incident: dict[int, list[int]] = defaultdict(list)
    for k, (u, v) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        incident[u].append(k)
        incident[v].append(k)
    classes = cls.tolist()
    ends = (a.tolist(), b.tolist())

    def other(k: int, node: int) -> int:
        return ends[1][k] if ends[0][k] == node else ends[0][k]

    def passes_through(node: int, k: int) -> int | None:
        """The next segment when ``node`` is a plain bend of one road, else None."""
        edges = incident[node]
        if len(edges) != 2:
            return None
        nxt = edges[0] if edges[1] == k else edges[1]
        return nxt if classes[nxt] == classes[k] and nxt != k else None

    used = np.zeros(a.shape[0], dtype=bool)
    chains: list[Chain] = []

    def walk(start: int, k: int) -> None:
        nodes = [start]
        node = start
        while True:
            used[k] = True
            node = other(k, node)
            nodes.append(node)
            nxt = passes_through(node, k)
            if nxt is None or used[nxt] or node == start:
                break
            k = nxt
        lat = graph.lat[nodes]
        lon = graph.lon[nodes]
        bbox = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
        chains.append(Chain(RoadClass(classes[k]), lat, lon, bbox))

    # Chains start at junctions and dead ends (and where the class changes) ...
    for node, edges in incident.items():
        if len(edges) == 2 and classes[edges[0]] == classes[edges[1]]:
            continue
        for k in edges:
            if not used[k]:
                walk(node, k)
    # ... and what is left are closed loops of bends.
    for k in range(a.shape[0]):
        if not used[k]:
            walk(ends[0][k], k)
    return chains


def decimals_for(zoom: int) -> int:
    """Enough decimal places for about a pixel at ``zoom`` (256-pixel tiles)."""
    pixel_deg = 360.0 / (256 * 2**zoom)
    return max(3, min(6, math.ceil(-math.log10(pixel_deg))))


def _simplified(chain: Chain, decimals: int) -> list[list[float]]:
    """The chain on the zoom's grid, repeated points dropped (lon, lat order)."""
    lon = np.round(chain.lon, decimals)
    lat = np.round(chain.lat, decimals)
    keep = np.ones(lon.shape[0], dtype=bool)
    keep[1:] = (lon[1:] != lon[:-1]) | (lat[1:] != lat[:-1])
    keep[-1] = True
    return [[float(x), float(y)] for x, y in zip(lon[keep], lat[keep], strict=True)]


def roads_geojson(
    graph: RoadGraph | None,
    box: Bbox,
    zoom: int,
    *,
    max_features: int = MAX_FEATURES,
    max_points: int = MAX_POINTS,
) -> dict[str, Any]:
    """The roads of ``graph`` crossing ``box`` that are drawn at ``zoom``, as GeoJSON."""
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if graph is None or graph.edge_count == 0:
        return collection
    zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
    decimals = decimals_for(zoom)
    picked = [
        c
        for c in chains_of(graph)
        if MIN_ZOOM_OF[c.road_class] <= zoom
        and c.bbox[0] <= box.max_lon
        and c.bbox[2] >= box.min_lon
        and c.bbox[1] <= box.max_lat
        and c.bbox[3] >= box.min_lat
    ]
    # Major roads first, so a cap leaves out the most minor ones.
    picked.sort(key=lambda c: int(c.road_class))
    features = collection["features"]
    points = 0
    truncated = False
    for chain in picked:
        line = _simplified(chain, decimals)
        if len(line) < 2:
            continue
        if len(features) >= max_features or points + len(line) > max_points:
            truncated = True
            break
        points += len(line)
        features.append(
            {
                "type": "Feature",
                "properties": {"class": chain.road_class.osm},
                "geometry": {"type": "LineString", "coordinates": line},
            }
        )
    if truncated:
        collection["truncated"] = True
    return collection
