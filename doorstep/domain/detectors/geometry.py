"""Geometry the detectors need on top of ``domain.geo``: bearings, headings, polygons.

Distances are haversine metres. Polygons are tested in plain lat/lon (edges are
straight lines in degrees), which is exact enough for zones of a few kilometres and
does not handle a polygon that crosses the antimeridian.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from doorstep.domain.geo import EARTH_RADIUS_M, LatLon, haversine_m
from doorstep.domain.ping import Ping


def position(ping: Ping) -> LatLon:
    return LatLon(ping.lat, ping.lon)


def distance_m(a: Ping, b: Ping) -> float:
    """Great-circle metres between two fixes."""
    return haversine_m(position(a), position(b))


def offset(origin: LatLon, north_m: float = 0.0, east_m: float = 0.0) -> LatLon:
    """The point ``north_m`` north and ``east_m`` east of ``origin`` (small offsets)."""
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlon = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(origin.lat))))
    return LatLon(origin.lat + dlat, origin.lon + dlon)


def bearing_deg(a: LatLon, b: LatLon) -> float:
    """Initial bearing from ``a`` to ``b``, degrees clockwise from north in [0, 360)."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dlmb = math.radians(b.lon - a.lon)
    y = math.sin(dlmb) * math.cos(phi2)
    x = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlmb)
    return math.degrees(math.atan2(y, x)) % 360.0


def heading_change_deg(before: float, after: float) -> float:
    """Signed smallest turn from ``before`` to ``after``, in (-180, 180]."""
    turn = (after - before) % 360.0
    return turn - 360.0 if turn > 180.0 else turn


def point_in_polygon(point: LatLon, vertices: Sequence[LatLon]) -> bool:
    """Ray casting (even-odd rule) in lat/lon; points exactly on an edge may go either way."""
    inside = False
    n = len(vertices)
    for i in range(n):
        a, b = vertices[i], vertices[(i + 1) % n]
        if (a.lat > point.lat) != (b.lat > point.lat):
            crossing_lon = a.lon + (point.lat - a.lat) * (b.lon - a.lon) / (b.lat - a.lat)
            if point.lon < crossing_lon:
                inside = not inside
    return inside
