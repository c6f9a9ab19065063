"""Where the vehicle is along its planned path, in seconds of drive still ahead.

A route is projected once onto a flat local plane (equirectangular around its mean
latitude: metres, accurate to well under 1 % across a city), so a fix costs one
projection and a scan of the current leg's segments, never trigonometry per segment.
Without a leg polyline, or when the vehicle is off it, the remaining drive is the
straight-line distance times the leg's own seconds per straight-line metre.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

from doorstep.eta.model import LatLonPair

METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180.0


class LocalPlane:
    """A flat projection good for one route's area: (lat, lon) -> metres (x, y)."""

    __slots__ = ("kx", "ky", "lat0", "lon0")

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0 = lat0
        self.lon0 = lon0
        self.ky = METRES_PER_DEGREE
        self.kx = METRES_PER_DEGREE * math.cos(math.radians(lat0))

    @classmethod
    def around(cls, points: Sequence[LatLonPair]) -> LocalPlane:
        if not points:
            return cls(0.0, 0.0)
        return cls(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    def project(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Straight-line metres between two projected points."""
    return math.hypot(a[0] - b[0], a[1] - b[1])


class LegPath:
    """One leg's polyline, projected, with what snapping needs precomputed."""

    __slots__ = ("_segments", "total_m")

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        if len(points) < 2:
            raise ValueError("a leg path needs at least two points")
        # Per segment: start x, y, direction dx, dy, squared length (inf when nil, so
        # a point projects onto its start), metres along the path to its start, length.
        self._segments: list[tuple[float, float, float, float, float, float, float]] = []
        along = 0.0
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            dx, dy = x1 - x0, y1 - y0
            length = math.hypot(dx, dy)
            l2 = dx * dx + dy * dy
            self._segments.append((x0, y0, dx, dy, l2 if l2 > 0.0 else math.inf, along, length))
            along += length
        self.total_m = along

    def locate(self, x: float, y: float) -> tuple[float, float]:
        """(fraction of the leg already driven, metres off the path) at the nearest point.

        O(segments of this leg).
        """
        best = math.inf
        best_along = 0.0
        for ax, ay, dx, dy, l2, along, length in self._segments:
            px = x - ax
            py = y - ay
            t = (px * dx + py * dy) / l2
            if t < 0.0:
                t = 0.0
            elif t > 1.0:
                t = 1.0
            ex = px - t * dx
            ey = py - t * dy
            d2 = ex * ex + ey * ey
            if d2 < best:
                best = d2
                best_along = along + t * length
        if self.total_m <= 0.0:
            return 1.0, math.sqrt(best)
        return best_along / self.total_m, math.sqrt(best)


def remaining_drive_s(
    position: tuple[float, float],
    target: tuple[float, float],
    leg_s: float,
    path: LegPath | None,
    seconds_per_m: float,
    off_path_m: float,
) -> float:
    """Plan seconds of drive from ``position`` to ``target``.

    On the leg's polyline (within ``off_path_m``): the part of the provider's leg time
    still ahead, in proportion to distance along it. Otherwise: straight-line metres to
    the target times ``seconds_per_m`` (the leg's or the route's seconds per
    straight-line metre, which carries the road network's detours and speeds).
    """
    if path is not None:
        done, off = path.locate(position[0], position[1])
        if off <= off_path_m:
            return leg_s * (1.0 - done)
    return distance_m(position, target) * seconds_per_m
