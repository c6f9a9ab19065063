"""Geofences: circle and polygon zones, with enter, exit and dwell events.

Events per zone visit: ``zone_entered`` (plus ``restricted_zone_entered``, an alert,
for a zone marked ``restricted``), ``zone_dwell`` once the vehicle has been inside for
the zone's ``dwell_after`` (``Params.dwell_after`` when the zone sets none: 10 min), and
``zone_exited`` with the time spent inside. The state keeps which zones the vehicle is
inside and since when.

A vehicle whose first fix is inside a zone enters it at that fix (a restricted zone
alerts at once). Fixes with accuracy worse than ``max_accuracy_m`` (100 m) are ignored:
at a zone's edge they would make it flap in and out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.detectors.geometry import point_in_polygon
from doorstep.domain.geo import LatLon, haversine_m
from doorstep.domain.ping import Ping


@dataclass(frozen=True, slots=True)
class Circle:
    center: LatLon
    radius_m: float

    def contains(self, point: LatLon) -> bool:
        return haversine_m(self.center, point) <= self.radius_m


@dataclass(frozen=True, slots=True)
class Polygon:
    vertices: tuple[LatLon, ...]

    def __post_init__(self) -> None:
        if len(self.vertices) < 3:
            raise ValueError("a polygon needs at least three vertices")

    def contains(self, point: LatLon) -> bool:
        return point_in_polygon(point, self.vertices)


Shape = Circle | Polygon


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    name: str
    shape: Shape
    restricted: bool = False
    dwell_after: timedelta | None = None

    def contains(self, point: LatLon) -> bool:
        return self.shape.contains(point)


@dataclass(frozen=True, slots=True)
class Params:
    zones: tuple[Zone, ...] = ()
    dwell_after: timedelta = timedelta(minutes=10)
    max_accuracy_m: float = 100.0


@dataclass(frozen=True, slots=True)
class Visit:
    zone_id: str
    entered: Ping
    dwelled: bool = False


@dataclass(frozen=True, slots=True)
class State:
    last_time: datetime
    inside: tuple[Visit, ...] = ()

    def zone_ids(self) -> frozenset[str]:
        return frozenset(v.zone_id for v in self.inside)


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    if state is not None and ping.time <= state.last_time:
        return state, []
    if ping.accuracy is not None and ping.accuracy > params.max_accuracy_m:
        return state or State(ping.time), []
    visits = {v.zone_id: v for v in (state.inside if state else ())}
    point = LatLon(ping.lat, ping.lon)
    events: list[DetectorEvent] = []
    kept: list[Visit] = []
    for zone in params.zones:
        visit = visits.pop(zone.id, None)
        if not zone.contains(point):
            if visit is not None:
                data = _data(zone, ping) | {
                    "entered": fix_data(visit.entered),
                    "duration_s": (ping.time - visit.entered.time).total_seconds(),
                }
                events.append(DetectorEvent("zone_exited", ping.time, ping.device, data))
            continue
        if visit is None:
            visit = Visit(zone.id, ping)
            events.append(DetectorEvent("zone_entered", ping.time, ping.device, _data(zone, ping)))
            if zone.restricted:
                events.append(
                    DetectorEvent(
                        "restricted_zone_entered", ping.time, ping.device, _data(zone, ping)
                    )
                )
        dwell_after = zone.dwell_after or params.dwell_after
        if not visit.dwelled and ping.time - visit.entered.time >= dwell_after:
            visit = Visit(zone.id, visit.entered, True)
            data = _data(zone, ping) | {
                "entered": fix_data(visit.entered),
                "dwell_after_s": dwell_after.total_seconds(),
                "detected_at": ping.time.isoformat(),
            }
            events.append(
                DetectorEvent("zone_dwell", visit.entered.time + dwell_after, ping.device, data)
            )
        kept.append(visit)
    # Zones no longer in params (deleted) are forgotten without an exit event.
    return State(ping.time, tuple(kept)), events


def _data(zone: Zone, ping: Ping) -> dict[str, Any]:
    return {
        "zone_id": zone.id,
        "zone_name": zone.name,
        "restricted": zone.restricted,
        "fix": fix_data(ping),
    }
