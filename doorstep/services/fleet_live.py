"""The whole fleet as the dispatcher's live map shows it: every active vehicle with its
newest position, its driver, today's route (done and remaining stops, the next ones
with their ETAs) and a status colour with its reason (``domain.fleet_status``).

One read of each table for the whole organisation, so the map's first paint and each
refresh stay cheap with hundreds of vans; positions in between come from the bus.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.fleet_status import FleetStatus, OpenStop, vehicle_status
from doorstep.domain.principal import Principal
from doorstep.storage.tables import (
    Driver,
    LiveState,
    Order,
    Organisation,
    Route,
    Stop,
    TelemetryEvent,
    Vehicle,
)

OPEN = ("pending", "arrived")
NEXT_SHOWN = 3


def snapshot(session: Session, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    org = session.get(Organisation, principal.org_id)
    assert org is not None
    today = now.astimezone(ZoneInfo(org.timezone)).date()
    vehicles = list(
        session.scalars(
            select(Vehicle)
            .where(Vehicle.org_id == principal.org_id, Vehicle.active.is_(True))
            .order_by(Vehicle.name)
        )
    )
    newest: dict[uuid.UUID, LiveState] = {}
    for live in session.scalars(
        select(LiveState).where(
            LiveState.org_id == principal.org_id, LiveState.vehicle_id.is_not(None)
        )
    ):
        assert live.vehicle_id is not None
        if live.vehicle_id not in newest or live.time > newest[live.vehicle_id].time:
            newest[live.vehicle_id] = live
    routes = list(
        session.scalars(
            select(Route).where(
                Route.org_id == principal.org_id,
                Route.date == today,
                Route.status.in_(("planned", "in_progress", "completed")),
                Route.vehicle_id.is_not(None),
            )
        )
    )
    by_vehicle: dict[uuid.UUID, Route] = {}
    rank = {"in_progress": 0, "planned": 1, "completed": 2}
    for route in sorted(routes, key=lambda r: rank[r.status]):
        assert route.vehicle_id is not None
        by_vehicle.setdefault(route.vehicle_id, route)
    stops: dict[uuid.UUID, list[Stop]] = defaultdict(list)
    if by_vehicle:
        for stop in session.scalars(
            select(Stop)
            .where(Stop.route_id.in_([r.id for r in by_vehicle.values()]))
            .order_by(Stop.sequence)
        ):
            stops[stop.route_id].append(stop)
    order_ids = [s.order_id for ss in stops.values() for s in ss if s.order_id]
    orders = (
        {
            o.id: o
            for o in session.scalars(
                select(Order).where(Order.org_id == principal.org_id, Order.id.in_(order_ids))
            )
        }
        if order_ids
        else {}
    )
    drivers = {
        d.id: d.name
        for d in session.scalars(select(Driver).where(Driver.org_id == principal.org_id))
    }
    standing = _standing(session, principal.org_id, now - dt.timedelta(hours=12))
    items = []
    for vehicle in vehicles:
        todays = by_vehicle.get(vehicle.id)
        route_stops = stops.get(todays.id, []) if todays else []
        items.append(
            _vehicle(
                vehicle,
                newest.get(vehicle.id),
                todays,
                route_stops,
                orders,
                drivers,
                now,
                standing.get(vehicle.id),
            )
        )
    counts: dict[str, int] = defaultdict(int)
    for item in items:
        counts[item["status"]] += 1
    return {
        "at": now,
        "timezone": org.timezone,
        "vehicles": items,
        "counts": {s.value: counts[s.value] for s in FleetStatus},
    }


STANDING = ("idling_started", "idling_ended", "stationary_started", "stationary_ended")


def _standing(
    session: Session, org_id: uuid.UUID, since: dt.datetime
) -> dict[uuid.UUID, dt.datetime]:
    """Vehicles standing still now, by the idling detector (engine on, or a phone away
    from any known place), and since when: the newest standing event is a start."""
    newest: dict[uuid.UUID, tuple[dt.datetime, str]] = {}
    for vehicle_id, kind, time in session.execute(
        select(TelemetryEvent.vehicle_id, TelemetryEvent.kind, TelemetryEvent.time).where(
            TelemetryEvent.org_id == org_id,
            TelemetryEvent.kind.in_(STANDING),
            TelemetryEvent.time >= since,
            TelemetryEvent.vehicle_id.is_not(None),
        )
    ):
        # An *_ended event's time is when the standing ended; a start's, when it began.
        if vehicle_id is None:
            continue
        if vehicle_id not in newest or time >= newest[vehicle_id][0]:
            newest[vehicle_id] = (time, kind)
    return {v: began for v, (began, kind) in newest.items() if kind.endswith("_started")}


def _vehicle(
    vehicle: Vehicle,
    live: LiveState | None,
    route: Route | None,
    route_stops: list[Stop],
    orders: dict[uuid.UUID, Order],
    drivers: dict[uuid.UUID, str],
    now: dt.datetime,
    stood_since: dt.datetime | None = None,
) -> dict[str, Any]:
    open_stops = [s for s in route_stops if s.status in OPEN]

    def window_end(stop: Stop) -> dt.datetime | None:
        order = orders.get(stop.order_id) if stop.order_id else None
        return order.window_end if order else None

    verdict = vehicle_status(
        now,
        live.time if live else None,
        None if stood_since is None else (False, stood_since),
        route is not None and route.status == "in_progress",
        [OpenStop(s.eta, window_end(s), s.late_risk) for s in open_stops],
    )
    driver_id = route.driver_id if route and route.driver_id else None
    return {
        "id": vehicle.id,
        "name": vehicle.name,
        "plate": vehicle.plate,
        "status": verdict.status.value,
        "reason": verdict.reason,
        "position": None
        if live is None
        else {
            "lat": live.lat,
            "lon": live.lon,
            "heading": live.heading,
            "speed_kmh": None if live.speed is None else round(live.speed * 3.6, 1),
            "at": live.time,
        },
        "driver": drivers.get(driver_id) if driver_id else None,
        "driver_id": driver_id,
        "route": None
        if route is None
        else {
            "id": route.id,
            "name": route.name,
            "status": route.status,
            "stops_done": sum(1 for s in route_stops if s.status not in OPEN),
            "stops_total": len(route_stops),
            "line": route.geometry,
            "next": [
                {
                    "id": s.id,
                    "sequence": s.sequence,
                    "address": orders[s.order_id].address
                    if s.order_id and s.order_id in orders
                    else None,
                    "eta": s.eta,
                    "window_end": window_end(s),
                    "late_risk": s.late_risk,
                }
                for s in open_stops[:NEXT_SHOWN]
            ],
        },
    }
