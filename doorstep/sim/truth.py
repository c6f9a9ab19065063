"""What really happened in a run: the answers an ETA engine or a detector is scored
against. Available after (or during) a run from ``Simulation.ground_truth()``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from doorstep.sim.events import Outcome

EpisodeKind = Literal["speeding", "harsh_braking", "idling"]


@dataclass(frozen=True, slots=True)
class StopTruth:
    vehicle_key: str
    stop_id: str
    planned_position: int  # 1-based, in the plan; 0: added during the day
    visit_position: int  # 1-based, as driven
    arrived: datetime
    service_started: datetime  # after waiting for the window, if the driver waited
    completed: datetime
    departed: datetime
    outcome: Outcome
    reason: str | None

    @property
    def service_s(self) -> float:
        return (self.completed - self.service_started).total_seconds()

    @property
    def waited_s(self) -> float:
        return (self.service_started - self.arrived).total_seconds()


@dataclass(frozen=True, slots=True)
class LegTruth:
    vehicle_key: str
    to_stop_id: str | None  # None: back to the depot
    departed: datetime
    arrived: datetime
    free_flow_s: float  # the leg's own seconds, as planned
    metres: float

    @property
    def actual_s(self) -> float:
        return (self.arrived - self.departed).total_seconds()


@dataclass(frozen=True, slots=True)
class RouteTruth:
    vehicle_key: str
    driver_key: str
    planned_start: datetime
    started: datetime
    finished: datetime | None  # None while the van is still out
    speed_factor: float  # the driver's pace (above 1 = faster than traffic)
    visit_order: tuple[str, ...]
    swapped: tuple[tuple[str, str], ...]  # (planned first, planned second) pairs
    breaks: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True, slots=True)
class EpisodeTruth:
    vehicle_key: str
    kind: EpisodeKind
    start: datetime
    end: datetime
    value: float  # speeding: peak km/h; harsh_braking: m/s² (positive); idling: seconds
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class IncidentTruth:
    lat: float
    lon: float
    radius_m: float
    factor: float
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class GpsTruth:
    vehicle_key: str
    fixes: int
    gaps: tuple[tuple[datetime, datetime], ...]
    jumps: tuple[datetime, ...]


@dataclass(frozen=True, slots=True)
class GroundTruth:
    routes: tuple[RouteTruth, ...]
    stops: tuple[StopTruth, ...]
    legs: tuple[LegTruth, ...]
    episodes: tuple[EpisodeTruth, ...]
    incidents: tuple[IncidentTruth, ...]
    gps: tuple[GpsTruth, ...]

    def stop(self, vehicle_key: str, stop_id: str) -> StopTruth:
        for s in self.stops:
            if s.vehicle_key == vehicle_key and s.stop_id == stop_id:
                return s
        raise KeyError((vehicle_key, stop_id))

    def arrivals(self) -> dict[tuple[str, str], datetime]:
        """Actual arrival per ``(vehicle_key, stop_id)``."""
        return {(s.vehicle_key, s.stop_id): s.arrived for s in self.stops}
