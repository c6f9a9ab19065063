"""Keeping a route's leg times and planned arrivals true after it changes.

Legs are stored per stop (drive from the previous stop) and for the drive home, so
re-timing after an edit costs no road queries; only an edit that makes new neighbours
asks the road network for the legs that changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Mapping

from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain.geo import LatLon
from doorstep.domain.principal import Principal
from doorstep.planning.insertion import ActiveRoute, ActiveStop, schedule
from doorstep.planning.model import TimeWindow
from doorstep.roads.base import TravelTimeProvider
from doorstep.services import route_revision, timing
from doorstep.services.events import emit
from doorstep.storage.tables import Depot, Order, Route, Stop

DONE = ("completed", "failed", "skipped")


def remaining(route: Route) -> list[Stop]:
    return [s for s in route.stops if s.status in ("pending", "arrived")]


def refresh_legs(route: Route, depot: Depot | None, roads: TravelTimeProvider) -> None:
    """Ask the road network for every leg of the route (after a re-sequence or move)."""
    points = [LatLon(s.lat, s.lon) for s in route.stops]
    home = LatLon(depot.lat, depot.lon) if depot is not None else None
    chain = ([home] if home else []) + points + ([home] if home else [])
    if len(chain) < 2:
        route.end_leg_seconds = route.end_leg_metres = None
        return
    matrix = roads.matrix(chain)
    offset = 1 if home else 0
    for i, stop in enumerate(route.stops):
        if i + offset == 0:
            stop.leg_seconds = stop.leg_metres = 0.0
            continue
        stop.leg_seconds = float(matrix.seconds[i + offset - 1, i + offset])
        stop.leg_metres = float(matrix.metres[i + offset - 1, i + offset])
    if home is not None:
        route.end_leg_seconds = float(matrix.seconds[-2, -1])
        route.end_leg_metres = float(matrix.metres[-2, -1])


def retime(
    route: Route,
    orders: Mapping[uuid.UUID, Order],
    epoch: dt.datetime,
    now: dt.datetime | None = None,
) -> None:
    """Planned arrival and departure of every stop still to do, from stored legs."""
    todo = remaining(route)
    if not todo:
        return
    done = [s for s in route.stops if s.status in DONE]
    if done:
        last = done[-1]
        leave = last.departed_at or last.planned_departure or route.planned_start
    else:
        leave = route.planned_start
    if leave is None:
        return
    if now is not None and now > leave:
        leave = now
    active = ActiveRoute(
        route_id=str(route.id),
        position=0,
        ready_at=timing.to_seconds(leave, epoch),
        stops=tuple(
            _active_stop(s, orders.get(s.order_id) if s.order_id else None, epoch) for s in todo
        ),
        legs=tuple(round(s.leg_seconds or 0) for s in todo)
        + ((round(route.end_leg_seconds),) if route.end_leg_seconds is not None else ()),
        end=0 if route.end_leg_seconds is not None else None,
    )
    plan = schedule(active)
    for stop, arrival, start, item in zip(
        todo, plan.arrivals, plan.starts, active.stops, strict=True
    ):
        stop.planned_arrival = timing.to_moment(arrival, epoch)
        stop.planned_departure = timing.to_moment(start + item.service, epoch)
    route.planned_end = timing.to_moment(plan.finish, epoch)
    route.planned_distance_m = sum(s.leg_metres or 0 for s in route.stops) + (
        route.end_leg_metres or 0
    )


def route_geometry(roads: TravelTimeProvider, points: list[LatLon]) -> list[list[float]]:
    """The road path through ``points`` in order, as [[lat, lon], ...]."""
    line: list[list[float]] = []
    for a, b in itertools.pairwise(points):
        leg = roads.route(a, b)
        coords = [[round(p.lat, 6), round(p.lon, 6)] for p in leg.geometry]
        if line and coords and line[-1] == coords[0]:
            coords = coords[1:]
        line.extend(coords)
    return line


def redraw(route: Route, depot: Depot, roads: TravelTimeProvider) -> None:
    """The route's road path from the depot through its stops and home again."""
    home = LatLon(depot.lat, depot.lon)
    route.geometry = route_geometry(
        roads, [home] + [LatLon(s.lat, s.lon) for s in route.stops] + [home]
    )


def route_changed(
    session: Session, principal: Principal, route: Route, reason: str, **extra: object
) -> None:
    """Tell the driver app and the ETA engine (after commit) that the route changed, and
    give the route its next revision with this change in its history."""
    route_revision.record(session, principal, route, reason, dict(extra))
    emit(
        session,
        Event(
            str(principal.org_id),
            "route.changed",
            {
                "route_id": str(route.id),
                "driver_id": str(route.driver_id) if route.driver_id else None,
                "reason": reason,
                "stops": [str(s.id) for s in route.stops],
                **extra,
            },
        ),
    )


def _active_stop(stop: Stop, order: Order | None, epoch: dt.datetime) -> ActiveStop:
    """The stop's window and time at the door: its order's, or for the pickup half of a
    pickup-and-delivery order, the pickup's."""
    if order is None:
        return ActiveStop(stop_id=str(stop.id), location=0, locked=stop.locked)
    pickup = stop.kind == "pickup"
    start = order.pickup_window_start if pickup else order.window_start
    end = order.pickup_window_end if pickup else order.window_end
    minutes = (order.pickup_service_minutes or 0) if pickup else order.service_minutes
    window = None
    if start is not None and end is not None:
        window = TimeWindow(timing.to_seconds(start, epoch), timing.to_seconds(end, epoch))
    return ActiveStop(
        stop_id=str(stop.id),
        location=0,
        service=round(minutes * 60),
        window=window,
        locked=stop.locked,
    )
