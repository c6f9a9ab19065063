"""Geometry the detectors need on top of ``domain.geo``: bearings, headings, polygons.

Distances are haversine metres. Polygons are tested in plain lat/lon (edges are
straight lines in degrees), which is exact enough for zones of a few kilometres and
does not handle a polygon that crosses the antimeridian.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from doorstep.domain.geo import EARTH_RADIUS_M, LatLon
from doorstep.domain.ping import Ping


def position(ping: Ping) -> LatLon:
    """The fix's point. A ``Ping`` was range-checked when it was decoded, so the
    point is built without checking again (this runs several times per fix)."""
    return LatLon.trusted(ping.lat, ping.lon)


_recent: list[tuple[Ping, Ping, float]] = []


def distance_m(a: Ping, b: Ping) -> float:
    """Great-circle metres between two fixes.

    The pipeline, the live state and several detectors all ask for the step from the
    previous fix to the new one, and from an anchor fix to it; the last few answers are
    kept (with their fixes, which are immutable) so each is computed once per fix."""
    for x, y, metres in _recent:
        if x is a and y is b:
            return metres
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    h = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(b.lon - a.lon) / 2) ** 2
    )
    metres = 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
    _recent[:] = [(a, b, metres), *_recent[:2]]
    return metres


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
