"""A route being driven: started, each stop arrived at and completed (delivered or
failed), the route finished. The driver's app (or a dispatcher on their behalf) calls
these; each moves the orders through the order state machine, stamps the stop, and
announces it on the bus (``route.started``, ``stop.arrived``, ``stop.completed``,
``route.completed``) for ETAs, notifications and the live pages.

A driver may only drive their own route: another driver's route is answered like one
that does not exist. ``at`` is when it happened on the road (an app that was offline
sends its events later); without it, now.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.bus import Event
from doorstep.domain.errors import Conflict, Forbidden, NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.domain.route_status import RouteStatus
from doorstep.domain.tracking_rules import OPEN_STOPS
from doorstep.schemas.common import Location
from doorstep.schemas.orders import StatusChange
from doorstep.services import custody, proof_rules, route_lifecycle
from doorstep.services.events import emit
from doorstep.services.orders import apply_transition
from doorstep.storage import repository as repo
from doorstep.storage.tables import Order, Organisation, Route, Stop

Outcome = Literal["delivered", "failed"]
# an order on a route under way; scheduled when it was added after the van left
ON_THE_WAY = frozenset({OrderStatus.SCHEDULED.value, OrderStatus.OUT_FOR_DELIVERY.value})


def driven_route(session: Session, principal: Principal, route_id: uuid.UUID) -> Route:
    """The route, if this principal may drive it: a dispatcher any route of the
    organisation, a driver only their own."""
    if not (principal.can(Permission.WRITE) or principal.can(Permission.OWN_ROUTES)):
        raise Forbidden(f"your role ({principal.role.value}) may not drive routes")
    route = repo.get_owned(session, Route, principal.org_id, route_id, "route")
    if principal.can(Permission.WRITE):
        return route
    if route.driver_id is not None and route.driver_id == principal.driver_id:
        return route
    raise NotFound("route", str(route_id))


def start_route(
    session: Session,
    principal: Principal,
    route_id: uuid.UUID,
    *,
    at: datetime | None = None,
    location: Location | None = None,
) -> Route:
    """The van leaves: the route is in progress and its orders are out for delivery."""
    route = driven_route(session, principal, route_id)
    when = at or clock.now()
    current = RouteStatus(route.status)
    if current == RouteStatus.IN_PROGRESS:
        return route  # a retried request: nothing more to do
    settings = proof_rules.organisation_settings(session.get(Organisation, route.org_id))
    if settings.require_load_scan:
        open_parcels = custody.unscanned(session, route.id, route.org_id)
        if open_parcels:
            shown = ", ".join(open_parcels[:5]) + (" …" if len(open_parcels) > 5 else "")
            raise Conflict(
                f"{len(open_parcels)} parcel(s) are neither scanned onto the van nor marked "
                f"missing: {shown}"
            )
    route_lifecycle.move(route, RouteStatus.IN_PROGRESS, when)
    seen: set[uuid.UUID] = set()
    for stop in route.stops:
        order = _order(session, stop)
        if order is None or order.id in seen or stop.status not in OPEN_STOPS:
            continue
        seen.add(order.id)
        if order.status in (OrderStatus.SCHEDULED.value, OrderStatus.FAILED.value):
            _move(session, principal, order, OrderStatus.OUT_FOR_DELIVERY, when, location)
    session.flush()
    _announce(session, route, "route.started", when, {})
    return route


def arrive(
    session: Session,
    principal: Principal,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    *,
    at: datetime | None = None,
    location: Location | None = None,
) -> Stop:
    route = driven_route(session, principal, route_id)
    stop = route_stop(route, stop_id)
    when = at or clock.now()
    _require_started(route)
    if stop.status == "arrived":
        return stop
    if stop.status != "pending":
        raise Conflict(f"the stop is {stop.status}; only a pending stop can be arrived at")
    stop.status = "arrived"
    stop.arrived_at = when
    order = _order(session, stop)
    arriving = stop.kind == "delivery" and order is not None
    if arriving and order is not None and order.status in ON_THE_WAY:
        _move(session, principal, order, OrderStatus.ARRIVING, when, location)
    session.flush()
    _announce(session, route, "stop.arrived", when, _stop_data(stop))
    return stop


def complete(
    session: Session,
    principal: Principal,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    outcome: Outcome,
    *,
    reason: str | None = None,
    received_by: str | None = None,
    at: datetime | None = None,
    location: Location | None = None,
    proof_ids: list[uuid.UUID] | None = None,
    pin: str | None = None,
    age_checked: bool | None = None,
    note: str | None = None,
) -> Stop:
    """Delivered (or picked up), or failed with a reason; the route is completed once
    no stop is left open. A delivery carries the proof the organisation requires
    (``services.proof_rules``), or is refused (409) saying what is missing."""
    route = driven_route(session, principal, route_id)
    stop = route_stop(route, stop_id)
    when = at or clock.now()
    if stop.status not in OPEN_STOPS:
        raise Conflict(f"the stop is already {stop.status}")
    _require_started(route)
    if outcome == "failed" and not (reason and reason.strip()):
        raise Conflict("a failed stop needs a reason (nobody home, refused, ...)")
    stop.status = "completed" if outcome == "delivered" else "failed"
    stop.arrived_at = stop.arrived_at or when
    stop.departed_at = when
    order = _order(session, stop)
    if order is not None:
        if outcome == "failed":
            evidence = proof_rules.attempt(session, order, proof_ids or [], note)
            _move(session, principal, order, OrderStatus.FAILED, when, location, reason, evidence)
        elif stop.kind == "delivery":
            proof = proof_rules.check(
                session,
                order,
                stop,
                proof_ids=proof_ids or [],
                received_by=received_by,
                pin=pin,
                age_checked=age_checked,
            )
            _move(
                session, principal, order, OrderStatus.DELIVERED, when, location, data=proof or None
            )
            custody.on_delivered(session, principal, order, route.id, when)
            if proof.get("proof_ids"):
                emit(
                    session,
                    Event(
                        str(order.org_id),
                        "proof.captured",
                        {"order_id": str(order.id), "stop_id": str(stop.id), **proof},
                    ),
                )
    session.flush()
    _announce(session, route, "stop.completed", when, {**_stop_data(stop), "outcome": outcome})
    if all(s.status not in OPEN_STOPS for s in route.stops):
        # The route ends with the stop closed last in time, not in sync order: a phone
        # that was offline sends an earlier stop after a later one.
        closed = [s.departed_at for s in route.stops if s.departed_at is not None]
        ended = max([when, *closed])
        route_lifecycle.move(route, RouteStatus.COMPLETED, ended)
        session.flush()
        _announce(session, route, "route.completed", ended, {})
    return stop


def _order(session: Session, stop: Stop) -> Order | None:
    return None if stop.order_id is None else session.get(Order, stop.order_id)


def _require_started(route: Route) -> None:
    if route.status != RouteStatus.IN_PROGRESS.value:
        raise Conflict(f"the route is {route.status}; start it first")


def route_stop(route: Route, stop_id: uuid.UUID) -> Stop:
    """The route's stop by id; another route's (or none) is a 404."""
    for stop in route.stops:
        if stop.id == stop_id:
            return stop
    raise NotFound("stop", str(stop_id))


def _move(
    session: Session,
    principal: Principal,
    order: Order,
    target: OrderStatus,
    at: datetime,
    location: Location | None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Through the order state machine. An order still scheduled (inserted into the
    route after the van left) passes through out for delivery on its way to arriving,
    delivered or failed; any other step the machine does not allow is refused, naming
    both states."""
    if target != OrderStatus.OUT_FOR_DELIVERY and order.status == OrderStatus.SCHEDULED.value:
        _move(session, principal, order, OrderStatus.OUT_FOR_DELIVERY, at, location)
    change = StatusChange(status=target, reason=reason, location=location)
    apply_transition(session, principal, order, change, at=at, data=data)


def _stop_data(stop: Stop) -> dict[str, Any]:
    return {
        "stop_id": str(stop.id),
        "order_id": str(stop.order_id) if stop.order_id else None,
        "kind": stop.kind,
        "sequence": stop.sequence,
        "status": stop.status,
        "arrived_at": stop.arrived_at.isoformat() if stop.arrived_at else None,
        "departed_at": stop.departed_at.isoformat() if stop.departed_at else None,
    }


def _announce(
    session: Session, route: Route, topic: str, at: datetime, data: dict[str, Any]
) -> None:
    emit(
        session,
        Event(
            str(route.org_id),
            topic,
            {
                "route_id": str(route.id),
                "vehicle_id": str(route.vehicle_id) if route.vehicle_id else None,
                "driver_id": str(route.driver_id) if route.driver_id else None,
                "route_status": route.status,
                "at": at.isoformat(),
                **data,
            },
        ),
    )
