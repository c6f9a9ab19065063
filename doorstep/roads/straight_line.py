"""The explicit fallback: great-circle distance times a detour factor at one speed.

No road data at all, so it is never chosen silently: only ``DOORSTEP_ROAD_PROVIDER=
straight`` or ``DOORSTEP_STRAIGHT_LINE_FALLBACK=true`` (after the real provider failed,
with a warning) select it, and its name says what it is. Snapping returns the point
itself at 0 m; geometry is the two end points.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.roads.base import Matrix, RoutePath, Snapped, TravelTimeProvider
from doorstep.roads.graph import haversine_arrays

DETOUR_FACTOR = 1.3
STRAIGHT_KMH = 30.0


class StraightLineProvider(TravelTimeProvider):
    """``metres = haversine * detour``, ``seconds = metres / speed``; ignores ``depart_at``."""

    def __init__(self, detour_factor: float = DETOUR_FACTOR, kmh: float = STRAIGHT_KMH) -> None:
        if detour_factor < 1.0 or kmh <= 0:
            raise ValueError("detour factor must be at least 1 and the speed positive")
        self.detour_factor = detour_factor
        self.kmh = kmh
        self.name = f"straight-line (x{detour_factor:g} at {kmh:g} km/h)"

    def snap(self, points: Sequence[LatLon]) -> list[Snapped]:
        return [Snapped(query=p, point=p, node=None, distance_m=0.0) for p in points]

    def matrix(
        self,
        sources: Sequence[LatLon],
        targets: Sequence[LatLon] | None = None,
        depart_at: datetime | None = None,
    ) -> Matrix:
        targets = sources if targets is None else targets
        src = np.array([(p.lat, p.lon) for p in sources], dtype=np.float64).reshape(-1, 2)
        tgt = np.array([(p.lat, p.lon) for p in targets], dtype=np.float64).reshape(-1, 2)
        metres = self.detour_factor * haversine_arrays(
            src[:, None, 0], src[:, None, 1], tgt[None, :, 0], tgt[None, :, 1]
        )
        return Matrix(seconds=metres / (self.kmh / 3.6), metres=metres)

    def route(self, a: LatLon, b: LatLon, depart_at: datetime | None = None) -> RoutePath:
        m = self.matrix([a], [b])
        return RoutePath(
            seconds=float(m.seconds[0, 0]), metres=float(m.metres[0, 0]), geometry=[a, b]
        )
