"""A dispatcher's hand on a planned route: lock a stop, move it to another route,
re-sequence a route, reschedule an order off its route. Each edit re-asks the road
network only for the legs it changed and re-times what is left of the route."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.domain.route_status import ACTIVE
from doorstep.roads.base import TravelTimeProvider
from doorstep.schemas.orders import StatusChange
from doorstep.schemas.planning import Reschedule
from doorstep.services import accounts, events, route_revision, timing
from doorstep.services.orders import apply_transition, get_order
from doorstep.services.route_timing import redraw, refresh_legs, retime, route_changed
from doorstep.services.routes import get_route
from doorstep.storage import repository as repo
from doorstep.storage.tables import Depot, Order, Route, Stop

ACTIVE_VALUES = {s.value for s in ACTIVE}
# An order may be rescheduled from these; "arriving" means the driver is at the door.
RESCHEDULABLE = {
    OrderStatus.SCHEDULED.value,
    OrderStatus.OUT_FOR_DELIVERY.value,
    OrderStatus.FAILED.value,
}


def set_locked(
    session: Session, principal: Principal, route_id: uuid.UUID, stop_id: uuid.UUID, locked: bool
) -> Route:
    route = _active(session, principal, route_id)
    stop = _stop(route, stop_id)
    if stop.locked != locked:
        stop.locked = locked
        reason = "stop locked" if locked else "stop unlocked"
        route_revision.record(session, principal, route, reason, {"stop_id": str(stop_id)})
    session.flush()
    return route


def resequence(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    route_id: uuid.UUID,
    stop_ids: list[uuid.UUID],
) -> Route:
    """Put the route's stops in the given order; done and locked stops keep their place."""
    route = _active(session, principal, route_id)
    current = [s.id for s in route.stops]
    if sorted(map(str, stop_ids)) != sorted(map(str, current)) or len(set(stop_ids)) != len(
        stop_ids
    ):
        raise InvalidInput(
            [FieldError(("body", "stop_ids"), "must list every stop of the route exactly once")]
        )
    by_id = {s.id: s for s in route.stops}
    for index, stop in enumerate(route.stops):
        if (stop.locked or stop.status != "pending") and stop_ids[index] != stop.id:
            raise Conflict(
                f"stop {stop.id} is {'locked' if stop.locked else stop.status} and must stay "
                f"at position {index}"
            )
    seen_pickups: set[object] = set()
    for stop_id in stop_ids:
        stop = by_id[stop_id]
        if stop.kind == "pickup":
            seen_pickups.add(stop.order_id)
        elif any(s.kind == "pickup" and s.order_id == stop.order_id for s in route.stops) and (
            stop.order_id not in seen_pickups
        ):
            raise InvalidInput(
                [FieldError(("body", "stop_ids"), f"stop {stop.id} is delivered before its pickup")]
            )
    route.stops[:] = [by_id[i] for i in stop_ids]
    _renumber_and_retime(session, principal, roads, route)
    route_changed(session, principal, route, "re-sequenced")
    return route


def later(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
) -> Route:
    """The driver's "skip / do later": the stop goes after the route's other open stops,
    and the rest is re-timed (the recipients' ETAs follow)."""
    route = _active(session, principal, route_id)
    stop = _stop(route, stop_id)
    if stop.status != "pending":
        raise Conflict(f"the stop is {stop.status}; only a stop not yet reached can wait")
    if stop.locked:
        raise Conflict("the dispatcher locked this stop in its place")
    if stop.kind == "pickup" and any(
        s.kind == "delivery" and s.order_id == stop.order_id and s.status == "pending"
        for s in route.stops
    ):
        raise Conflict("a pickup cannot wait until after its own delivery")
    last_open = max(i for i, s in enumerate(route.stops) if s.status == "pending")
    order = [s.id for s in route.stops]
    order.remove(stop.id)
    order.insert(last_open, stop.id)
    return resequence(session, principal, roads, route_id, order)


def move_stop(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    to_route_id: uuid.UUID,
    position: int | None,
) -> Route:
    source = _active(session, principal, route_id)
    stop = _stop(source, stop_id)
    if stop.kind == "pickup" or any(
        s.order_id == stop.order_id and s.kind == "pickup" for s in source.stops
    ):
        raise Conflict(
            "a pickup and its delivery travel on one van; move them together by "
            "re-optimising (POST /routes/reoptimise)"
        )
    if stop.status != "pending" or stop.locked:
        raise Conflict(
            f"the stop is {'locked' if stop.locked else stop.status}; only a pending, unlocked "
            "stop can move"
        )
    target = repo.find_owned(session, Route, principal.org_id, to_route_id)
    if target is None:
        raise InvalidInput([FieldError(("body", "route_id"), f"no route with id {to_route_id}")])
    if target.status not in ACTIVE_VALUES:
        raise Conflict(f"the target route is {target.status}")
    if target.id == source.id:
        raise InvalidInput([FieldError(("body", "route_id"), "the stop is already on this route")])
    source.stops.remove(stop)
    session.flush()
    first_free = max(
        (i + 1 for i, s in enumerate(target.stops) if s.locked or s.status != "pending"), default=0
    )
    at = (
        len(target.stops) if position is None else max(first_free, min(position, len(target.stops)))
    )
    moved = Stop(
        org_id=principal.org_id,
        route_id=target.id,
        order_id=stop.order_id,
        sequence=0,
        lat=stop.lat,
        lon=stop.lon,
    )
    target.stops.insert(at, moved)
    session.flush()
    for route in (source, target):
        _renumber_and_retime(session, principal, roads, route)
        route_changed(session, principal, route, "stop moved")
    return target


def reschedule(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    order_id: uuid.UUID,
    data: Reschedule,
) -> Order:
    """A new window for the order: off its route (the rest re-timed) and back to be planned."""
    if data.window_end <= data.window_start:
        raise InvalidInput([FieldError(("body", "window_end"), "must be after window_start")])
    order = get_order(session, principal, order_id)
    old = (order.window_start, order.window_end)
    if order.status in (OrderStatus.CREATED.value, OrderStatus.RESCHEDULED.value):
        pass
    elif order.status not in RESCHEDULABLE:
        raise Conflict(f"an order that is {order.status} cannot be rescheduled")
    stop = session.scalar(
        repo.owned(Stop, principal.org_id).where(
            Stop.order_id == order.id, Stop.status == "pending"
        )
    )
    if stop is not None:
        route = session.get(Route, stop.route_id)
        if route is not None and route.status in ACTIVE_VALUES:
            route.stops.remove(stop)
            session.flush()
            _renumber_and_retime(session, principal, roads, route)
            route_changed(session, principal, route, "order rescheduled")
    order.window_start, order.window_end = data.window_start, data.window_end
    change = {
        "old_window": [t.isoformat() if t else None for t in old],
        "new_window": [data.window_start.isoformat(), data.window_end.isoformat()],
    }
    if order.status in RESCHEDULABLE:
        apply_transition(
            session,
            principal,
            order,
            StatusChange(status=OrderStatus.RESCHEDULED, reason=data.reason),
            data=change,
        )
    else:
        events.record(session, order, principal, "rescheduled", reason=data.reason, data=change)
    session.flush()
    return order


def _active(session: Session, principal: Principal, route_id: uuid.UUID) -> Route:
    route = get_route(session, principal, route_id)
    if route.status not in ACTIVE_VALUES:
        raise Conflict(f"the route is {route.status} and can no longer be changed")
    return route


def _stop(route: Route, stop_id: uuid.UUID) -> Stop:
    for stop in route.stops:
        if stop.id == stop_id:
            return stop
    raise NotFound("stop", stop_id)


def _renumber_and_retime(
    session: Session, principal: Principal, roads: TravelTimeProvider, route: Route
) -> None:
    for index, stop in enumerate(route.stops):
        stop.sequence = index
    depot = session.get(Depot, route.depot_id) if route.depot_id else None
    refresh_legs(route, depot, roads)
    org = accounts.get_organisation(session, principal)
    orders = {
        o.id: o
        for o in session.scalars(
            repo.owned(Order, principal.org_id).where(
                Order.id.in_([s.order_id for s in route.stops if s.order_id])
            )
        )
    }
    epoch = timing.day_epoch(route.date, org.timezone)
    now = clock.now() if route.status == "in_progress" else None
    retime(route, orders, epoch, now=now)
    if route.geometry is not None and depot is not None:
        redraw(route, depot, roads)
    session.flush()
