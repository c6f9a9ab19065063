"""Maintenance: service schedules by distance, engine hours or calendar time.

A ``Schedule`` says how often a service is due (any of ``every_km``,
``every_engine_hours``, ``every_days``; the first limit reached counts) and how early to
warn (``margin_km`` 1 000 km, ``margin_engine_hours`` 25 h, ``margin_days`` 14 days by
default). Given the vehicle's ``Usage`` (odometer, engine hours, date) and its last
service, ``assess`` says ``ok``, ``due_soon`` or ``overdue`` and why.

``update(state, usage, params)`` is the state machine: it emits
``maintenance_due_soon`` and ``maintenance_overdue`` once each per service interval
(when the level rises), and ``record_service`` starts a new interval. Unlike the other
detectors it runs on usage readings (the live odometer, a daily tick), not raw fixes.

``unusual_vehicles`` compares vehicles with the fleet: a vehicle whose unscheduled
repairs or services per 10 000 km exceed ``factor`` (2×) the fleet median, and at least
``min_count`` (3) repairs / a ``min_distance_km`` (1 000 km) of driving so that a brand
new or idle vehicle is not flagged by a single visit, is flagged with the numbers.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Level = Literal["ok", "due_soon", "overdue"]
RANK: dict[Level, int] = {"ok": 0, "due_soon": 1, "overdue": 2}


@dataclass(frozen=True, slots=True)
class Usage:
    """A reading of the vehicle's counters on a date."""

    on: date
    odometer_km: float | None = None
    engine_hours: float | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    every_km: float | None = None
    every_engine_hours: float | None = None
    every_days: int | None = None
    margin_km: float = 1000.0
    margin_engine_hours: float = 25.0
    margin_days: int = 14

    def __post_init__(self) -> None:
        if self.every_km is None and self.every_engine_hours is None and self.every_days is None:
            raise ValueError(f"schedule {self.name!r} needs a distance, engine hours or days")


@dataclass(frozen=True, slots=True)
class Assessment:
    schedule: str
    level: Level
    reasons: tuple[dict[str, Any], ...] = ()  # each measure that is due soon or overdue


def assess(schedule: Schedule, usage: Usage, last_service: Usage) -> Assessment:
    """How the vehicle stands against one schedule since its last service."""
    measures: list[tuple[str, float | None, float | None, float]] = [
        (
            "km",
            _since(usage.odometer_km, last_service.odometer_km),
            schedule.every_km,
            schedule.margin_km,
        ),
        (
            "engine_hours",
            _since(usage.engine_hours, last_service.engine_hours),
            schedule.every_engine_hours,
            schedule.margin_engine_hours,
        ),
        (
            "days",
            float((usage.on - last_service.on).days),
            _float(schedule.every_days),
            float(schedule.margin_days),
        ),
    ]
    level: Level = "ok"
    reasons: list[dict[str, Any]] = []
    for unit, used, every, margin in measures:
        if used is None or every is None:
            continue
        here: Level = "overdue" if used >= every else "due_soon" if used >= every - margin else "ok"
        if here != "ok":
            reasons.append(
                {
                    "measure": unit,
                    "since_service": used,
                    "every": every,
                    "margin": margin,
                    "level": here,
                }
            )
            level = here if RANK[here] > RANK[level] else level
    return Assessment(schedule.name, level, tuple(reasons))


def _since(now: float | None, then: float | None) -> float | None:
    return None if now is None or then is None else now - then


def _float(value: int | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True, slots=True)
class Params:
    vehicle: str
    schedules: tuple[Schedule, ...] = ()


@dataclass(frozen=True, slots=True)
class State:
    last_service: dict[str, Usage] = field(default_factory=dict)  # schedule name -> usage
    notified: dict[str, Level] = field(default_factory=dict)  # highest level announced


@dataclass(frozen=True, slots=True)
class MaintenanceEvent:
    kind: str  # maintenance_due_soon | maintenance_overdue
    on: date
    vehicle: str
    data: dict[str, Any]


def update(
    state: State | None, usage: Usage, params: Params
) -> tuple[State, list[MaintenanceEvent]]:
    state = state or State()
    notified = dict(state.notified)
    events: list[MaintenanceEvent] = []
    for schedule in params.schedules:
        last = state.last_service.get(schedule.name)
        if last is None:
            continue  # no service recorded yet: nothing to count from
        result = assess(schedule, usage, last)
        announced = notified.get(schedule.name, "ok")
        if RANK[result.level] > RANK[announced]:
            notified[schedule.name] = result.level
            data = {
                "schedule": schedule.name,
                "last_service": _usage_data(last),
                "usage": _usage_data(usage),
                "reasons": list(result.reasons),
            }
            events.append(
                MaintenanceEvent(f"maintenance_{result.level}", usage.on, params.vehicle, data)
            )
    return State(dict(state.last_service), notified), events


def record_service(state: State | None, schedule: str, at: Usage) -> State:
    """A service was done: the schedule's interval starts again from ``at``."""
    state = state or State()
    notified = {k: v for k, v in state.notified.items() if k != schedule}
    return State(state.last_service | {schedule: at}, notified)


def _usage_data(usage: Usage) -> dict[str, Any]:
    return {
        "on": usage.on.isoformat(),
        "odometer_km": usage.odometer_km,
        "engine_hours": usage.engine_hours,
    }


@dataclass(frozen=True, slots=True)
class FleetRecord:
    """One vehicle's history over the period compared."""

    vehicle: str
    unscheduled_repairs: int
    services: int
    distance_km: float


@dataclass(frozen=True, slots=True)
class OutlierParams:
    factor: float = 2.0
    min_count: int = 3
    min_distance_km: float = 1000.0


@dataclass(frozen=True, slots=True)
class Outlier:
    vehicle: str
    metric: str  # unscheduled_repairs | services_per_10000_km
    value: float
    fleet_median: float
    factor: float


def unusual_vehicles(
    records: Sequence[FleetRecord], params: OutlierParams | None = None
) -> list[Outlier]:
    """Vehicles far above the fleet median in unscheduled repairs or service frequency."""
    p = params or OutlierParams()
    if not records:
        return []
    found: list[Outlier] = []
    repairs = {r.vehicle: float(r.unscheduled_repairs) for r in records}
    found += _above(repairs, "unscheduled_repairs", p, lambda v: v >= p.min_count)
    driven = [r for r in records if r.distance_km >= p.min_distance_km]
    per_10k = {r.vehicle: r.services / r.distance_km * 10_000 for r in driven}
    found += _above(per_10k, "services_per_10000_km", p, lambda v: v > 0)
    return found


def _above(
    values: dict[str, float], metric: str, p: OutlierParams, enough: Callable[[float], bool]
) -> list[Outlier]:
    if not values:
        return []
    median = statistics.median(values.values())
    return [
        Outlier(vehicle, metric, round(value, 2), median, p.factor)
        for vehicle, value in sorted(values.items())
        if value > p.factor * median and enough(value)
    ]
