"""A planning problem and its solution, independent of any solver.

Times are integer seconds from the plan's epoch (usually local midnight of the planned
day); distances are integer metres. Every location is an index into the problem's
duration and distance matrices, so the same problem can be solved on road travel
times, straight lines or a benchmark's Euclidean distances.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

# Demand and capacity dimensions, in this order: grams, litres, items.
DIMENSIONS = ("weight_g", "volume_l", "items")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Job:
    """One stop to make: a delivery (or a pickup paired with a delivery)."""

    id: str
    location: int
    service: int = 0
    window: TimeWindow | None = None
    demand: tuple[int, ...] = (0, 0, 0)
    # 0 = must be planned; above 0 the job may be left out at a penalty that grows with it.
    priority: int = 0
    required: bool = True
    skills: frozenset[str] = frozenset()
    # For a delivery that needs a pickup first: the id of that pickup job.
    pickup: str | None = None


@dataclass(frozen=True, slots=True)
class Break:
    """A driver's rest: ``duration`` seconds starting inside ``window``."""

    window: TimeWindow
    duration: int


@dataclass(frozen=True, slots=True)
class Vehicle:
    id: str
    start: int  # location index of the depot it leaves from
    end: int  # location index it must return to
    capacity: tuple[int, ...] = (2**31 - 1, 2**31 - 1, 2**31 - 1)
    shift: TimeWindow = TimeWindow(0, 24 * 3600)
    max_duration: int | None = None
    skills: frozenset[str] = frozenset()
    breaks: tuple[Break, ...] = ()
    fixed_cost: int = 0


@dataclass(frozen=True)
class Problem:
    duration: NDArray[np.int64]  # seconds, [from, to]
    distance: NDArray[np.int64]  # metres, [from, to]
    jobs: tuple[Job, ...]
    vehicles: tuple[Vehicle, ...]


@dataclass(frozen=True, slots=True)
class PlannedStop:
    job_id: str
    location: int
    arrival: int
    start: int  # service start (after any wait for the window)
    departure: int


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    vehicle_id: str
    stops: tuple[PlannedStop, ...]
    start: int  # leaves the depot
    end: int  # back at the end depot
    distance: int
    duration: int


@dataclass(frozen=True, slots=True)
class Unplanned:
    job_id: str
    reason: str


@dataclass(frozen=True)
class Solution:
    routes: tuple[PlannedRoute, ...]
    unplanned: tuple[Unplanned, ...]
    solver: dict[str, object] = field(default_factory=dict)  # name, version, seed, limit

    @property
    def distance(self) -> int:
        return sum(r.distance for r in self.routes)
