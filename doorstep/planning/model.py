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
    """Inclusive ``[start, end]`` in seconds. On a job it bounds the *start* of service
    (arriving early means waiting; service may run past ``end``), as in PyVRP and the
    Solomon benchmarks. On a vehicle it is the shift: leave no earlier than ``start``,
    be back at the end depot no later than ``end``."""

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
    # ``required=False`` lets the solver leave the job out; leaving it out costs a
    # penalty that grows with ``priority`` (0 counts as 1). A required job is always
    # planned when it can be; when it cannot, it comes back as Unplanned with a reason.
    priority: int = 0
    required: bool = True
    skills: frozenset[str] = frozenset()
    # For a delivery that needs a pickup first: the id of that pickup job. The pair is
    # served by one vehicle, pickup first, and carries the element-wise maximum of the
    # two jobs' demands from the pickup to the delivery. Other jobs' demand is loaded
    # at the start depot.
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
    # Driver breaks taken on this route as ``(start, end)`` in seconds, in the order of
    # the vehicle's ``breaks``; empty when the vehicle has none (or the backend does not
    # plan them). A break may fall between two stops or interrupt the drive between them.
    breaks: tuple[tuple[int, int], ...] = ()


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
