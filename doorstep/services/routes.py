"""Routes and stops. Putting an order on a route schedules it; taking it off, or
cancelling the route, sends it back to be planned — always through the order state
machine."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain import route_status
from doorstep.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Role
from doorstep.domain.route_status import RouteStatus
from doorstep.schemas.orders import StatusChange
from doorstep.schemas.routes import RouteCreate, RouteUpdate, StopCreate, StopInsert
from doorstep.services import route_lifecycle, stop_progress
from doorstep.services.orders import apply_transition
from doorstep.services.references import check_references
from doorstep.services.route_timing import route_changed
from doorstep.storage import repository as repo
from doorstep.storage.tables import Depot, Driver, Order, Route, Stop, Vehicle
from doorstep.storage.tables.base import OrgMixin

REFERENCES: dict[str, tuple[type[OrgMixin], str]] = {
    "driver_id": (Driver, "driver"),
    "vehicle_id": (Vehicle, "vehicle"),
    "depot_id": (Depot, "depot"),
}
PLANNABLE = {OrderStatus.CREATED, OrderStatus.RESCHEDULED}
ACTIVE_VALUES = [s.value for s in route_status.ACTIVE]


def create_route(session: Session, principal: Principal, data: RouteCreate) -> Route:
    check_references(session, principal.org_id, data.model_dump(), REFERENCES)
    route = Route(
        org_id=principal.org_id,
        **data.model_dump(exclude={"stops"}),
        status=RouteStatus.PLANNED.value,
    )
    session.add(route)
    session.flush()
    _add_stops(session, principal, route, data.stops, position=None, field="stops")
    return route


def get_route(session: Session, principal: Principal, route_id: uuid.UUID) -> Route:
    route = repo.get_owned(session, Route, principal.org_id, route_id, "route")
    if principal.role == Role.DRIVER and route.driver_id != principal.driver_id:
        raise NotFound("route", route_id)
    return route


def list_routes(
    session: Session,
    principal: Principal,
    *,
    on: date | None,
    driver_id: uuid.UUID | None,
    vehicle_id: uuid.UUID | None,
    status: RouteStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[Route], int]:
    stmt = repo.owned(Route, principal.org_id)
    if principal.role == Role.DRIVER:
        stmt = stmt.where(Route.driver_id == principal.driver_id)
    if on is not None:
        stmt = stmt.where(Route.date == on)
    if driver_id is not None:
        stmt = stmt.where(Route.driver_id == driver_id)
    if vehicle_id is not None:
        stmt = stmt.where(Route.vehicle_id == vehicle_id)
    if status is not None:
        stmt = stmt.where(Route.status == status.value)
    return repo.page(session, stmt, limit, offset, (Route.date.desc(), Route.created_at, Route.id))


def update_route(
    session: Session, principal: Principal, route_id: uuid.UUID, data: RouteUpdate
) -> Route:
    route = get_route(session, principal, route_id)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    check_references(session, principal.org_id, changes, REFERENCES)
    new_status = changes.pop("status", None)
    current = RouteStatus(route.status)
    if current not in route_status.ACTIVE:
        raise Conflict(f"the route is {current.value} and can no longer be changed")
    previous_driver = route.driver_id
    for key, value in changes.items():
        setattr(route, key, value)
    reason = "route updated"
    if new_status == RouteStatus.IN_PROGRESS and current != new_status:
        # Started the one way, whoever starts it: the load check, the orders out for
        # delivery, route.started; a status set alone left them scheduled.
        stop_progress.start_route(session, principal, route.id)
    elif new_status is not None and new_status != current:
        route_lifecycle.move(route, new_status, clock.now())
        if new_status == RouteStatus.CANCELLED:
            reason = "route cancelled"
            for stop in list(route.stops):
                _release(session, principal, stop, "route cancelled")
    session.flush()
    if route.driver_id != previous_driver:
        reason = "driver changed"
    extra: dict[str, Any] = {"fields": sorted(changes)}
    if previous_driver:
        extra["previous_driver_id"] = str(previous_driver)
    route_changed(session, principal, route, reason, **extra)
    return route


def delete_route(session: Session, principal: Principal, route_id: uuid.UUID) -> None:
    route = get_route(session, principal, route_id)
    if route.status not in (RouteStatus.PLANNED.value, RouteStatus.CANCELLED.value):
        raise Conflict(f"the route is {route.status}; cancel it instead of deleting it")
    for stop in list(route.stops):
        _release(session, principal, stop, "route deleted")
    session.delete(route)
    session.flush()


def insert_stop(
    session: Session, principal: Principal, route_id: uuid.UUID, data: StopInsert
) -> Route:
    route = get_route(session, principal, route_id)
    _require_active(route)
    stop = StopCreate.model_validate(data.model_dump(exclude={"position"}))
    _add_stops(session, principal, route, [stop], position=data.position, field="order_id")
    route_changed(session, principal, route, "stop added")
    return route


def remove_stop(
    session: Session, principal: Principal, route_id: uuid.UUID, stop_id: uuid.UUID
) -> Route:
    route = get_route(session, principal, route_id)
    _require_active(route)
    stop = next((s for s in route.stops if s.id == stop_id), None)
    if stop is None:
        raise NotFound("stop", stop_id)
    if stop.status != "pending":
        raise Conflict(f"the stop is {stop.status}; only a pending stop can be removed")
    _release(session, principal, stop, "removed from route")
    route.stops.remove(stop)
    session.flush()
    for index, remaining in enumerate(route.stops):
        remaining.sequence = index
    session.flush()
    route_changed(session, principal, route, "stop removed")
    return route


def _require_active(route: Route) -> None:
    if RouteStatus(route.status) not in route_status.ACTIVE:
        raise Conflict(f"the route is {route.status} and can no longer be changed")


def _add_stops(
    session: Session,
    principal: Principal,
    route: Route,
    stops: list[StopCreate],
    *,
    position: int | None,
    field: str,
) -> None:
    if not stops:
        return
    errors: list[FieldError] = []
    orders: list[Order] = []
    seen: set[uuid.UUID] = set()
    busy = _orders_on_active_routes(session, principal.org_id, [s.order_id for s in stops])
    for index, stop in enumerate(stops):
        loc: tuple[str | int, ...] = (
            ("body", field, index, "order_id") if field == "stops" else ("body", field)
        )
        order = repo.find_owned(session, Order, principal.org_id, stop.order_id)
        if order is None:
            errors.append(FieldError(loc, f"no order with id {stop.order_id}"))
        elif stop.order_id in seen:
            errors.append(FieldError(loc, "the same order appears twice"))
        elif stop.order_id in busy:
            errors.append(FieldError(loc, "the order is already on another active route"))
        elif OrderStatus(order.status) not in PLANNABLE:
            errors.append(
                FieldError(
                    loc,
                    f"the order is {order.status}; only created or rescheduled "
                    "orders can be put on a route",
                )
            )
        else:
            orders.append(order)
        seen.add(stop.order_id)
    if errors:
        raise InvalidInput(errors, "some stops cannot be put on this route")
    new_stops = [
        Stop(
            org_id=principal.org_id,
            route_id=route.id,
            order_id=order.id,
            sequence=0,
            lat=order.lat,
            lon=order.lon,
            planned_arrival=stop.planned_arrival,
            planned_departure=stop.planned_departure,
        )
        for stop, order in zip(stops, orders, strict=True)
    ]
    at = len(route.stops) if position is None else min(position, len(route.stops))
    route.stops[at:at] = new_stops
    for index, stop_row in enumerate(route.stops):
        stop_row.sequence = index
    session.flush()
    for order in orders:
        apply_transition(
            session,
            principal,
            order,
            StatusChange(status=OrderStatus.SCHEDULED),
            data={"route_id": str(route.id), "route_date": route.date.isoformat()},
        )


def _release(session: Session, principal: Principal, stop: Stop, reason: str) -> None:
    """Send a still-scheduled order back to be planned; later states stay as they are."""
    if stop.order_id is None:
        return
    order = session.get(Order, stop.order_id)
    if order is not None and order.status == OrderStatus.SCHEDULED.value:
        apply_transition(
            session,
            principal,
            order,
            StatusChange(status=OrderStatus.CREATED, reason=reason),
            data={"route_id": str(stop.route_id)},
        )


def _orders_on_active_routes(
    session: Session, org_id: uuid.UUID, order_ids: list[uuid.UUID]
) -> set[uuid.UUID]:
    rows = session.scalars(
        select(Stop.order_id)
        .join(Route, Route.id == Stop.route_id)
        .where(
            Stop.org_id == org_id,
            Stop.order_id.in_(order_ids),
            Route.status.in_(ACTIVE_VALUES),
        )
    )
    return {r for r in rows if r is not None}
