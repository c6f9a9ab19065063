"""What the simulator emits, in time order: what trackers and drivers would report.

``FixEmitted`` is a GPS fix as a tracker would send it (true position plus noise; a gap
is simply no fix, a jump one wild fix). The others are what the driver app would mark.
Every event carries ``vehicle_key`` and ``time`` (timezone-aware, UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

Outcome = Literal["delivered", "failed"]


@dataclass(frozen=True, slots=True)
class FixEmitted:
    vehicle_key: str
    time: datetime
    lat: float
    lon: float
    speed_ms: float
    heading: float | None  # degrees clockwise from north; None while standing
    accuracy: float  # metres, as the device reports it
    ignition: bool


@dataclass(frozen=True, slots=True)
class RouteStarted:
    vehicle_key: str
    time: datetime
    driver_key: str


@dataclass(frozen=True, slots=True)
class RouteFinished:
    vehicle_key: str
    time: datetime


@dataclass(frozen=True, slots=True)
class StopArrived:
    vehicle_key: str
    stop_id: str
    time: datetime


@dataclass(frozen=True, slots=True)
class StopCompleted:
    """The driver marks the stop done: delivered, or failed with a reason."""

    vehicle_key: str
    stop_id: str
    time: datetime
    outcome: Outcome
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class StopDeparted:
    """The van pulls away (after any idling or break taken there)."""

    vehicle_key: str
    stop_id: str
    time: datetime


@dataclass(frozen=True, slots=True)
class BreakStarted:
    vehicle_key: str
    time: datetime


@dataclass(frozen=True, slots=True)
class BreakEnded:
    vehicle_key: str
    time: datetime


SimEvent = (
    FixEmitted
    | RouteStarted
    | RouteFinished
    | StopArrived
    | StopCompleted
    | StopDeparted
    | BreakStarted
    | BreakEnded
)
