"""How far from a road a stop may be: the caller's bound on snapping.

Snapping always answers, however far the point (a customer geocoded into the sea, or
onto another continent, still snaps somewhere). The distance it reports lets the
caller decide; :func:`require_near` is that decision with a default bound and an
exception that carries the distance, so a planner can name the bad stop.
"""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.geo import LatLon
from doorstep.roads.base import RoadsUnavailable, Snapped

MAX_SNAP_M = 2000.0


class SnapTooFar(RoadsUnavailable):
    """A point is further from any road than the caller accepts."""

    def __init__(self, index: int, point: LatLon, distance_m: float, bound_m: float) -> None:
        super().__init__(
            f"point {index} ({point.lat:.6f}, {point.lon:.6f}) is {distance_m:,.0f} m from "
            f"the nearest road, beyond the {bound_m:,.0f} m allowed"
        )
        self.index = index
        self.point = point
        self.distance_m = distance_m
        self.bound_m = bound_m


def require_near(snapped: Sequence[Snapped], bound_m: float = MAX_SNAP_M) -> list[Snapped]:
    """``snapped`` unchanged, or :class:`SnapTooFar` for the first point beyond the bound."""
    for index, snap in enumerate(snapped):
        if snap.distance_m > bound_m:
            raise SnapTooFar(index, snap.query, snap.distance_m, bound_m)
    return list(snapped)
