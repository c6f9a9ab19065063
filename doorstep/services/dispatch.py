"""Urgent jobs into running routes: ranked options for a dispatcher, then applying one.

Each active route of the day is described as it stands now: where the vehicle is (its
last stop done, or the depot; a live fix will take precedence once telemetry supplies
it), when it can go on, its remaining stops and their stored leg times. Two searches on
the road network (every candidate place to the new job, and back) are the only road
queries; :mod:`doorstep.planning.insertion` does the rest.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain.errors import Conflict, FieldError, InvalidInput
from doorstep.domain.geo import LatLon
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.domain.route_status import ACTIVE
from doorstep.planning import insertion as ins
from doorstep.planning.model import TimeWindow
from doorstep.roads.base import TravelTimeProvider
from doorstep.schemas.orders import StatusChange
from doorstep.schemas.planning import DispatchAssign, DispatchQuery
from doorstep.services import accounts, timing
from doorstep.services.orders import apply_transition
from doorstep.services.route_timing import DONE, remaining, retime, route_changed
from doorstep.storage import repository as repo
from doorstep.storage.tables import Depot, Order, Route, Stop, Vehicle

PLANNABLE = (OrderStatus.CREATED.value, OrderStatus.RESCHEDULED.value)


@dataclass
class _Board:
    """Every active route of the day as insertion input, and the way back to rows."""

    epoch: dt.datetime
    routes: dict[str, Route]
    active: list[ins.ActiveRoute]
    stops: dict[str, Stop]
    places: list[LatLon]  # location index -> point
    to_job: dict[int, int]
    from_job: dict[int, int]
    job: ins.NewJob


def options(
    session: Session, principal: Principal, roads: TravelTimeProvider, query: DispatchQuery
) -> tuple[list[dict[str, object]], float]:
    started = time.perf_counter()
    order = _plannable(session, principal, query.order_id)
    board = _board(session, principal, roads, order, query.date, query.at or clock.now())
    ranked = ins.options(board.active, board.job, board.to_job, board.from_job, limit=query.limit)
    delayed = {board.stops[d.stop_id].order_id for option in ranked for d in option.delays} - {None}
    customers = (
        {
            o.id: (o.recipient_name, o.tracking_code)
            for o in session.scalars(
                repo.owned(Order, principal.org_id).where(Order.id.in_(delayed))
            )
        }
        if delayed
        else {}
    )
    vans = {board.routes[option.route_id].vehicle_id for option in ranked} - {None}
    names = (
        {
            v.id: v.name
            for v in session.scalars(
                repo.owned(Vehicle, principal.org_id).where(Vehicle.id.in_(vans))
            )
        }
        if vans
        else {}
    )
    result = [_public(board, option, customers, names) for option in ranked]
    return result, round((time.perf_counter() - started) * 1000, 2)


def assign(
    session: Session, principal: Principal, roads: TravelTimeProvider, data: DispatchAssign
) -> Route:
    order = _plannable(session, principal, data.order_id)
    route = repo.find_owned(session, Route, principal.org_id, data.route_id)
    if route is None:
        raise InvalidInput([FieldError(("body", "route_id"), f"no route with id {data.route_id}")])
    at = data.at or clock.now()
    board = _board(session, principal, roads, order, route.date, at, only=route)
    active = board.active[0]
    if data.position > len(active.stops):
        raise InvalidInput(
            [
                FieldError(
                    ("body", "position"),
                    f"the route has {len(active.stops)} remaining stops; "
                    f"position must be 0..{len(active.stops)}",
                )
            ]
        )
    candidates = ins.options([active], board.job, board.to_job, board.from_job, limit=10**6)
    option = next((o for o in candidates if o.position == data.position), None)
    if option is None:
        raise Conflict("nothing may be inserted before a locked stop")
    if not option.feasible and not data.allow_late:
        raise Conflict(
            "this insertion breaks the plan: "
            + "; ".join(option.problems)
            + " (send allow_late to apply it anyway)"
        )
    todo = remaining(route)
    before = {s.id: s.planned_arrival for s in todo}
    index = (
        route.stops.index(todo[data.position]) if data.position < len(todo) else len(route.stops)
    )
    prev_loc = active.position if data.position == 0 else active.stops[data.position - 1].location
    stop = Stop(
        org_id=principal.org_id,
        route_id=route.id,
        order_id=order.id,
        sequence=0,
        lat=order.lat,
        lon=order.lon,
        leg_seconds=float(board.to_job[prev_loc]),
        leg_metres=None,
    )
    if data.position < len(todo):
        todo[data.position].leg_seconds = float(
            board.from_job[active.stops[data.position].location]
        )
    elif route.end_leg_seconds is not None and active.end is not None:
        route.end_leg_seconds = float(board.from_job[active.end])
    route.stops.insert(index, stop)
    for i, row in enumerate(route.stops):
        row.sequence = i
    session.flush()
    orders = {o.id: o for o in _orders_of(session, principal, route)}
    retime(route, orders, board.epoch, now=at)
    apply_transition(
        session,
        principal,
        order,
        StatusChange(status=OrderStatus.SCHEDULED),
        data={"route_id": str(route.id), "inserted": True},
    )
    delays: dict[str, int] = {}
    for s in todo:
        old, new = before.get(s.id), s.planned_arrival
        if old is not None and new is not None and new > old:
            delays[str(s.order_id)] = round((new - old).total_seconds())
    route_changed(
        session,
        principal,
        route,
        "urgent job inserted",
        order_id=str(order.id),
        position=data.position,
        delays_s=delays,
    )
    session.flush()
    return route


def _plannable(session: Session, principal: Principal, order_id: uuid.UUID) -> Order:
    order = repo.find_owned(session, Order, principal.org_id, order_id)
    if order is None:
        raise InvalidInput([FieldError(("body", "order_id"), f"no order with id {order_id}")])
    if order.status not in PLANNABLE:
        raise Conflict(
            f"the order is {order.status}; only created or rescheduled orders can "
            "be inserted into a route"
        )
    if order.pickup_lat is not None:
        raise Conflict(
            "a pickup-and-delivery order needs two stops on one van; plan it with "
            "POST /plans or add it to running routes with POST /routes/reoptimise"
        )
    return order


def _board(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    order: Order,
    day: dt.date | None,
    at: dt.datetime,
    only: Route | None = None,
) -> _Board:
    org = accounts.get_organisation(session, principal)
    day = day or at.astimezone(ZoneInfo(org.timezone)).date()
    epoch = timing.day_epoch(day, org.timezone)
    if only is not None:
        if only.status not in {s.value for s in ACTIVE}:
            raise Conflict(f"the route is {only.status}; only an active route takes new stops")
        routes = [only]
    else:
        routes = list(
            session.scalars(
                repo.owned(Route, principal.org_id).where(
                    Route.date == day, Route.status.in_([s.value for s in ACTIVE])
                )
            )
        )
    depots = {d.id: d for d in session.scalars(repo.owned(Depot, principal.org_id))}
    places: list[LatLon] = []
    index: dict[tuple[float, float], int] = {}

    def place(lat: float, lon: float) -> int:
        key = (lat, lon)
        if key not in index:
            index[key] = len(places)
            places.append(LatLon(lat, lon))
        return index[key]

    orders = {o.id: o for r in routes for o in _orders_of(session, principal, r)}
    active: list[ins.ActiveRoute] = []
    stops: dict[str, Stop] = {}
    now_s = timing.to_seconds(at, epoch)
    for route in routes:
        todo = remaining(route)
        done = [s for s in route.stops if s.status in DONE]
        depot = depots.get(route.depot_id) if route.depot_id else None
        if done:
            position = place(done[-1].lat, done[-1].lon)
            leave = done[-1].departed_at or done[-1].planned_departure or at
        elif depot is not None:
            position = place(depot.lat, depot.lon)
            leave = route.planned_start or at
        elif todo:
            position = place(todo[0].lat, todo[0].lon)
            leave = route.planned_start or at
        elif only is not None:
            raise Conflict(
                "the route has no depot and no stops, so there is no place it starts from; "
                "give it a depot first"
            )
        else:
            continue
        legs = [round(s.leg_seconds) if s.leg_seconds is not None else None for s in todo]
        end = (
            place(depot.lat, depot.lon)
            if depot is not None and route.end_leg_seconds is not None
            else None
        )
        if end is not None:
            legs.append(round(route.end_leg_seconds or 0))
        if any(leg is None for leg in legs):
            legs = _legs_from_roads(
                roads,
                [places[position]]
                + [LatLon(s.lat, s.lon) for s in todo]
                + ([places[end]] if end is not None else []),
            )
        for s in todo:
            stops[str(s.id)] = s
        active.append(
            ins.ActiveRoute(
                route_id=str(route.id),
                position=position,
                ready_at=max(now_s, timing.to_seconds(leave, epoch)),
                stops=tuple(
                    ins.ActiveStop(
                        stop_id=str(s.id),
                        location=place(s.lat, s.lon),
                        service=round(orders[s.order_id].service_minutes * 60)
                        if s.order_id in orders
                        else 0,
                        window=_window(orders.get(s.order_id) if s.order_id else None, epoch),
                        locked=s.locked,
                    )
                    for s in todo
                ),
                legs=tuple(int(x) for x in legs if x is not None),
                end=end,
            )
        )
    job_point = LatLon(order.lat, order.lon)
    if places:
        back = roads.matrix(places, [job_point])
        out = roads.matrix([job_point], places)
        to_job = {i: round(float(back.seconds[i, 0])) for i in range(len(places))}
        from_job = {i: round(float(out.seconds[0, i])) for i in range(len(places))}
    else:
        to_job, from_job = {}, {}
    job = ins.NewJob(
        location=-1,
        service=round(order.service_minutes * 60),
        window=_window(order, epoch),
    )
    return _Board(
        epoch, {str(r.id): r for r in routes}, active, stops, places, to_job, from_job, job
    )


def _legs_from_roads(roads: TravelTimeProvider, chain: list[LatLon]) -> list[int | None]:
    matrix = roads.matrix(chain)
    return [round(float(matrix.seconds[i, i + 1])) for i in range(len(chain) - 1)]


def _window(order: Order | None, epoch: dt.datetime) -> TimeWindow | None:
    if order is None or order.window_start is None or order.window_end is None:
        return None
    return TimeWindow(
        timing.to_seconds(order.window_start, epoch), timing.to_seconds(order.window_end, epoch)
    )


def _orders_of(session: Session, principal: Principal, route: Route) -> list[Order]:
    ids = [s.order_id for s in route.stops if s.order_id is not None]
    if not ids:
        return []
    return list(session.scalars(repo.owned(Order, principal.org_id).where(Order.id.in_(ids))))


def _customer(
    known: dict[uuid.UUID, tuple[str, str]], order_id: uuid.UUID | None
) -> tuple[str | None, str | None]:
    found = known.get(order_id) if order_id is not None else None
    return found if found is not None else (None, None)


def _public(
    board: _Board,
    option: ins.InsertionOption,
    customers: dict[uuid.UUID, tuple[str, str]] | None = None,
    vans: dict[uuid.UUID, str] | None = None,
) -> dict[str, object]:
    """One option as the API shows it; ``customers``: (name, tracking code) by order,
    for the people whose delivery it would make later; ``vans``: names by vehicle."""
    route = board.routes[option.route_id]
    known = customers or {}
    return {
        "route_id": route.id,
        "route_revision": route.revision,
        "vehicle_id": route.vehicle_id,
        "vehicle_name": (vans or {}).get(route.vehicle_id) if route.vehicle_id else None,
        "driver_id": route.driver_id,
        "position": option.position,
        "added_drive_s": option.added_drive,
        "arrival": timing.to_moment(option.arrival, board.epoch),
        "service_start": timing.to_moment(option.start, board.epoch),
        "route_end": timing.to_moment(option.finish, board.epoch),
        "feasible": option.feasible,
        "problems": list(option.problems),
        "delays": [
            {
                "stop_id": board.stops[d.stop_id].id,
                "order_id": board.stops[d.stop_id].order_id,
                "recipient": _customer(known, board.stops[d.stop_id].order_id)[0],
                "tracking_code": _customer(known, board.stops[d.stop_id].order_id)[1],
                "delay_s": d.seconds,
                "breaks_window": d.breaks_window,
            }
            for d in option.delays
        ],
    }
