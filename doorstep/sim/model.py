"""What the simulator is given: routes as planned, with the road geometry of every leg.

Plain frozen dataclasses, so a caller can build them from the planner's output, from a
test or from a file without touching the simulator's internals. Coordinates are
``(lat, lon)`` tuples; times are timezone-aware datetimes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

Point = tuple[float, float]  # (lat, lon)


@dataclass(frozen=True, slots=True)
class SimStop:
    """One planned stop. ``customer_key`` ties repeat visits to the same habits (slow
    door, rarely home); without one the stop id stands in for it."""

    stop_id: str
    lat: float
    lon: float
    planned_service_s: float
    window_start: datetime | None = None
    window_end: datetime | None = None
    items: int = 1
    customer_key: str | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.planned_service_s) and self.planned_service_s >= 0):
            raise ValueError(f"stop {self.stop_id}: planned_service_s must be >= 0")
        for name in ("window_start", "window_end"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"stop {self.stop_id}: {name} must be timezone-aware")

    @property
    def customer(self) -> str:
        return self.customer_key if self.customer_key is not None else self.stop_id


@dataclass(frozen=True, slots=True)
class SimLeg:
    """A drive along ``points``; ``seconds[i]`` is the free-flow time of the segment
    ``points[i] -> points[i + 1]`` and ``road_class[i]`` its OSM highway class (when
    known). The simulator's world slows or speeds these; they are its reference."""

    points: tuple[Point, ...]
    seconds: tuple[float, ...]
    road_class: tuple[str | None, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.points) < 2:
            raise ValueError("a leg needs at least two points")
        if len(self.seconds) != len(self.points) - 1:
            raise ValueError("a leg needs one seconds value per segment (points - 1)")
        if any(not (math.isfinite(s) and s >= 0) for s in self.seconds):
            raise ValueError("leg seconds must be finite and >= 0")
        if self.road_class is not None and len(self.road_class) != len(self.seconds):
            raise ValueError("a leg needs one road class per segment (or none at all)")

    @property
    def free_flow_s(self) -> float:
        return float(sum(self.seconds))


@dataclass(frozen=True, slots=True)
class SimRoute:
    """One van's day as planned: depot -> stops in order -> depot, ``len(stops) + 1``
    legs. ``start`` is the planned departure from the depot."""

    vehicle_key: str
    driver_key: str
    start: datetime
    depot: Point
    stops: tuple[SimStop, ...]
    legs: tuple[SimLeg, ...]

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError(f"route {self.vehicle_key}: start must be timezone-aware")
        if len(self.legs) != len(self.stops) + 1:
            raise ValueError(
                f"route {self.vehicle_key}: {len(self.stops)} stops need "
                f"{len(self.stops) + 1} legs, got {len(self.legs)}"
            )
        ids = [s.stop_id for s in self.stops]
        if len(set(ids)) != len(ids):
            raise ValueError(f"route {self.vehicle_key}: stop ids must be unique")
