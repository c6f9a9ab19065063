"""The one interface every source of travel times implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from doorstep.domain.geo import LatLon


class RoadsUnavailable(Exception):
    """The road network cannot answer (bad file, server down); the message says why."""


@dataclass(frozen=True, slots=True)
class Snapped:
    """Where a GPS point lands on the routable network."""

    query: LatLon
    point: LatLon  # the position on the road (or the node) it snapped to
    node: int | None  # graph node, for providers that have one
    distance_m: float  # from the query to the road


@dataclass(frozen=True, slots=True)
class RoutePath:
    """A route's totals and road geometry. Providers that know the edges driven also
    give, per geometry segment, its seconds (summing to ``seconds``, snap offsets in the
    first and last) and its OSM highway class; others leave both ``None``."""

    seconds: float
    metres: float
    geometry: list[LatLon]  # from the first snapped point to the last
    segment_seconds: list[float] | None = None
    segment_classes: list[str | None] | None = None


@dataclass(frozen=True, slots=True)
class Matrix:
    """``seconds[i, j]`` and ``metres[i, j]`` from ``sources[i]`` to ``targets[j]``;
    ``inf`` where no path exists."""

    seconds: NDArray[np.float64]
    metres: NDArray[np.float64]


class TravelTimeProvider(ABC):
    """Route, matrix and snap. ``depart_at`` lets a provider with time-of-day speeds
    answer for that hour; providers without them ignore it."""

    name: str = "provider"

    @abstractmethod
    def snap(self, points: Sequence[LatLon]) -> list[Snapped]: ...

    @abstractmethod
    def matrix(
        self,
        sources: Sequence[LatLon],
        targets: Sequence[LatLon] | None = None,
        depart_at: datetime | None = None,
    ) -> Matrix:
        """Targets default to the sources (a square matrix)."""

    @abstractmethod
    def route(self, a: LatLon, b: LatLon, depart_at: datetime | None = None) -> RoutePath: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release files or connections."""
