"""What goes into the ETA engine (a route's plan, a fix) and what comes out of it.

Inputs are frozen dataclasses with aware datetimes, as the services hold them. The
outputs are made on every refresh (ten thousand a second), so they are NamedTuples
whose times are POSIX seconds (floats); the ``eta``/``earliest``/``latest``
properties give aware UTC datetimes when a caller wants them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

LatLonPair = tuple[float, float]


def to_datetime(seconds: float) -> dt.datetime:
    """POSIX seconds -> an aware UTC datetime."""
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def _require_aware(name: str, value: dt.datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True, slots=True)
class ServedStop:
    """A stop served before the engine started, for ``EtaEngine.learn_history``: the
    plan's drive to it and service, and when the driver arrived and left."""

    leg_s: float
    service_s: float
    arrived: dt.datetime
    departed: dt.datetime
    window_start: dt.datetime | None = None
    items: int = 1
    customer_key: str | None = None

    def __post_init__(self) -> None:
        _require_aware("arrived", self.arrived)
        _require_aware("departed", self.departed)
        _require_aware("window_start", self.window_start)


@dataclass(frozen=True, slots=True)
class ServedRoute:
    """A route driven before the engine started, for ``EtaEngine.learn_history``: its
    driver, its served stops, its planned start, whether it is over and when the driver
    started it (where known). Only a route that is over says its driver took no break
    after the due stops it drove past."""

    driver_key: str | None
    stops: Sequence[ServedStop]
    start_time: dt.datetime | None = None
    over: bool = False
    started: dt.datetime | None = None

    def __post_init__(self) -> None:
        _require_aware("start_time", self.start_time)
        _require_aware("started", self.started)


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """One stop of a route in planned order.

    ``leg_s``/``leg_m`` are the roads provider's drive from the previous stop (or the
    depot) to this one; ``path`` is that leg's polyline as (lat, lon) pairs, empty when
    the provider gave no geometry. ``done`` restores a stop already closed (after a
    restart or a route change), with when the driver ``arrived`` and ``departed`` where
    known: a route rebuilt in progress counts the time worked and the break from them.
    """

    stop_id: str
    lat: float
    lon: float
    leg_s: float
    leg_m: float = 0.0
    service_s: float = 0.0
    planned_arrival: dt.datetime | None = None
    window_start: dt.datetime | None = None
    window_end: dt.datetime | None = None
    items: int = 1
    customer_key: str | None = None
    path: tuple[LatLonPair, ...] = ()
    done: bool = False
    arrived: dt.datetime | None = None
    departed: dt.datetime | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.leg_s) and self.leg_s >= 0.0):
            raise ValueError(f"stop {self.stop_id}: leg_s must be finite and >= 0")
        if not (math.isfinite(self.service_s) and self.service_s >= 0.0):
            raise ValueError(f"stop {self.stop_id}: service_s must be finite and >= 0")
        _require_aware("planned_arrival", self.planned_arrival)
        _require_aware("window_start", self.window_start)
        _require_aware("window_end", self.window_end)
        _require_aware("arrived", self.arrived)
        _require_aware("departed", self.departed)


@dataclass(frozen=True, slots=True)
class RoutePlan:
    """A dispatched route: its stops in planned order and where and when it starts.

    ``start``/``start_time`` are the depot and the planned departure; before the first
    stop is closed nothing leaves earlier than ``start_time``. ``started`` is when the
    driver started the route, where known (a route reloaded after a restart): the
    driver's time worked, and so the break, counts from it.
    """

    route_id: str
    stops: tuple[PlannedStop, ...]
    vehicle_key: str | None = None
    driver_key: str | None = None
    start: LatLonPair | None = None
    start_time: dt.datetime | None = None
    started: dt.datetime | None = None

    def __post_init__(self) -> None:
        _require_aware("start_time", self.start_time)
        _require_aware("started", self.started)
        ids = [s.stop_id for s in self.stops]
        if len(set(ids)) != len(ids):
            raise ValueError(f"route {self.route_id}: stop ids repeat")


@dataclass(frozen=True, slots=True)
class Fix:
    """An accepted position of the vehicle (after the ping pipeline)."""

    time: dt.datetime
    lat: float
    lon: float
    speed_ms: float | None = None

    def __post_init__(self) -> None:
        _require_aware("time", self.time)


class StopEta(NamedTuple):
    """The prediction for one remaining stop.

    ``earliest``..``latest`` is meant to hold the actual arrival 80 % of the time;
    ``late_risk`` is the probability of arriving after the promised window's end (None
    when the stop promises no end); ``horizon_s`` is how far ahead of the last known
    position this predicts, which is what the window's width was learned against.
    """

    stop_id: str
    eta_s: float
    earliest_s: float
    latest_s: float
    stops_away: int
    late_risk: float | None
    horizon_s: float

    @property
    def eta(self) -> dt.datetime:
        return to_datetime(self.eta_s)

    @property
    def earliest(self) -> dt.datetime:
        return to_datetime(self.earliest_s)

    @property
    def latest(self) -> dt.datetime:
        return to_datetime(self.latest_s)


class RouteEta(NamedTuple):
    """Every remaining stop of one route, in the order they are expected to be served.

    ``position_stale`` says the vehicle has not been seen for longer than the stale
    threshold, so the ETAs were propagated from the plan and the last known point;
    ``pace`` is the factor applied to the remaining drive (1.0 when stale).
    """

    route_id: str
    computed_at_s: float
    stops: tuple[StopEta, ...]
    position_stale: bool
    pace: float
    known_at_s: float

    @property
    def computed_at(self) -> dt.datetime:
        return to_datetime(self.computed_at_s)
