"""Plan a day: the depot's orders and vehicles in, routes on road travel times out.

One transaction: snap every address, one travel-time matrix, the solver, then the
routes and stops are written and every planned order becomes ``scheduled`` through the
order state machine. Orders that cannot be served come back with the reason; nothing
is dropped silently.
"""

from __future__ import annotations

import datetime as dt
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import or_
from sqlalchemy.orm import Session

from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.geo import LatLon
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.planning import model as pm
from doorstep.roads.base import Matrix, TravelTimeProvider
from doorstep.schemas.orders import StatusChange
from doorstep.schemas.planning import PlanCreate
from doorstep.services import accounts, events, timing
from doorstep.services.orders import apply_transition
from doorstep.services.references import load_listed
from doorstep.services.route_timing import route_geometry
from doorstep.storage import repository as repo
from doorstep.storage.tables import Depot, Driver, Order, Plan, Route, Stop, Vehicle

PLANNABLE = (OrderStatus.CREATED.value, OrderStatus.RESCHEDULED.value)
# An address further than this from any road is refused rather than routed through a field.
MAX_SNAP_M = 2000.0
UNLIMITED = 2**31 - 1
PICKUP = "pickup:"  # job id prefix of the pickup half of a pickup-and-delivery order
Solver = Callable[..., pm.Solution]


@dataclass(frozen=True)
class PlanOutcome:
    plan: Plan
    routes: list[Route]


def plan_day(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    data: PlanCreate,
    *,
    solve: Solver | None = None,
) -> PlanOutcome:
    if solve is None:
        from doorstep.planning.solver import solve as default_solve

        solve = default_solve
    org = accounts.get_organisation(session, principal)
    depot = _depot(session, principal, data.depot_id)
    orders = _orders(session, principal, data)
    vehicles = _vehicles(session, principal, data)
    drivers = _drivers_by_vehicle(session, principal, [v.id for v in vehicles])
    epoch = timing.day_epoch(data.date, org.timezone)
    stats: dict[str, object] = {"orders": len(orders), "vehicles": len(vehicles)}

    started = time.perf_counter()
    pickups = [o for o in orders if o.pickup_lat is not None and o.pickup_lon is not None]
    snapped = roads.snap(
        [LatLon(depot.lat, depot.lon)]
        + [LatLon(o.lat, o.lon) for o in orders]
        + [LatLon(o.pickup_lat, o.pickup_lon) for o in pickups]  # type: ignore[arg-type]
    )
    far_pickups = {
        o.id: s.distance_m
        for o, s in zip(pickups, snapped[1 + len(orders) :], strict=True)
        if s.distance_m > MAX_SNAP_M
    }
    if snapped[0].distance_m > MAX_SNAP_M:
        raise InvalidInput(
            [
                FieldError(
                    ("body", "depot_id"),
                    f"the depot is {snapped[0].distance_m:.0f} m "
                    "from the nearest road of the network",
                )
            ],
            "the depot cannot be reached by road",
        )
    unplanned: list[dict[str, str]] = []
    routable: list[Order] = []
    for order, snap in zip(orders, snapped[1 : 1 + len(orders)], strict=True):
        if order.id in far_pickups:
            unplanned.append(
                {
                    "order_id": str(order.id),
                    "reason": f"off_network: the pickup is {far_pickups[order.id] / 1000:.1f} km "
                    "from the nearest road of the network; check its coordinates",
                }
            )
        elif snap.distance_m > MAX_SNAP_M:
            unplanned.append(
                {
                    "order_id": str(order.id),
                    "reason": f"off_network: the address is {snap.distance_m / 1000:.1f} km from "
                    "the nearest road of the network (limit "
                    f"{MAX_SNAP_M / 1000:.0f} km); check its coordinates",
                }
            )
        else:
            routable.append(order)
    points = [LatLon(depot.lat, depot.lon)] + [LatLon(o.lat, o.lon) for o in routable]
    pickup_at: dict[uuid.UUID, int] = {}
    for order in routable:
        if order.pickup_lat is not None and order.pickup_lon is not None:
            pickup_at[order.id] = len(points)
            points.append(LatLon(order.pickup_lat, order.pickup_lon))
    shift_start = min(
        (_shift(d, data.date, org.timezone)[0] for d in drivers.values()),
        default=timing.clock_seconds(timing.DEFAULT_SHIFT[0], data.date, org.timezone),
    )
    matrix = roads.matrix(points, depart_at=timing.to_moment(shift_start, epoch))
    stats["matrix_s"] = round(time.perf_counter() - started, 3)

    optional = {str(i) for i in data.optional_order_ids}
    problem = _problem(
        matrix.seconds,
        matrix.metres,
        routable,
        vehicles,
        drivers,
        epoch,
        data.date,
        org.timezone,
        optional,
        _breaks(data, org.timezone),
        pickup_at,
    )
    started = time.perf_counter()
    solution = solve(problem, seed=data.seed, time_limit_s=data.time_limit_s)
    stats["solve_s"] = round(time.perf_counter() - started, 3)
    unplanned += [{"order_id": u.job_id, "reason": u.reason} for u in solution.unplanned]

    plan = Plan(
        org_id=principal.org_id,
        date=data.date,
        depot_id=depot.id,
        status="done",
        provider=roads.name,
        solver=dict(solution.solver),
        stats=stats,
        unplanned=unplanned,
    )
    session.add(plan)
    session.flush()
    started = time.perf_counter()
    by_id = {str(o.id): o for o in routable}
    vehicles_by_id = {str(v.id): v for v in vehicles}
    routes = [
        _store_route(
            session,
            principal,
            roads,
            plan,
            depot,
            vehicles_by_id[r.vehicle_id],
            drivers.get(uuid.UUID(r.vehicle_id)),
            r,
            by_id,
            points,
            matrix,
            epoch,
        )
        for r in solution.routes
        if r.stops
    ]
    stats["geometry_s"] = round(time.perf_counter() - started, 3)
    stats["breaks"] = {
        str(route.id): [
            [timing.to_moment(a, epoch).isoformat(), timing.to_moment(b, epoch).isoformat()]
            for a, b in planned.breaks
        ]
        for route, planned in zip(routes, [r for r in solution.routes if r.stops], strict=True)
        if planned.breaks
    }
    stats["distance_m"] = sum(r.distance for r in solution.routes)
    stats["planned"] = sum(len(r.stops) for r in solution.routes)
    stats["unplanned"] = len(unplanned)
    plan.stats = dict(stats)
    session.flush()
    events.emit(
        session,
        events.Event(
            str(principal.org_id),
            "plan.created",
            {
                "plan_id": str(plan.id),
                "date": data.date.isoformat(),
                "routes": [str(r.id) for r in routes],
            },
        ),
    )
    return PlanOutcome(plan, routes)


def get_plan(session: Session, principal: Principal, plan_id: uuid.UUID) -> PlanOutcome:
    plan = repo.get_owned(session, Plan, principal.org_id, plan_id, "plan")
    routes = list(
        session.scalars(
            repo.owned(Route, principal.org_id).where(Route.plan_id == plan.id).order_by(Route.name)
        )
    )
    return PlanOutcome(plan, routes)


def _depot(session: Session, principal: Principal, depot_id: uuid.UUID) -> Depot:
    depot = repo.find_owned(session, Depot, principal.org_id, depot_id)
    if depot is None:
        raise InvalidInput([FieldError(("body", "depot_id"), f"no depot with id {depot_id}")])
    return depot


def _orders(session: Session, principal: Principal, data: PlanCreate) -> list[Order]:
    if data.order_ids is None:
        stmt = repo.owned(Order, principal.org_id).where(
            Order.status.in_(PLANNABLE),
            or_(Order.depot_id.is_(None), Order.depot_id == data.depot_id),
        )
        org = accounts.get_organisation(session, principal)
        start = timing.day_epoch(data.date, org.timezone)
        end = start + dt.timedelta(days=1)
        stmt = stmt.where(
            or_(
                Order.window_start.is_(None),
                (Order.window_start < end) & (Order.window_end > start),
            )
        )
        return list(session.scalars(stmt.order_by(Order.created_at, Order.id)))
    return load_listed(
        session,
        principal.org_id,
        Order,
        data.order_ids,
        field="order_ids",
        kind="order",
        refuse=lambda order: (
            None
            if order.status in PLANNABLE
            else f"the order is {order.status}; only created or rescheduled orders can be planned"
        ),
        message="some orders cannot be planned",
    )


def _vehicles(session: Session, principal: Principal, data: PlanCreate) -> list[Vehicle]:
    if data.vehicle_ids is None:
        return list(
            session.scalars(
                repo.owned(Vehicle, principal.org_id)
                .where(
                    Vehicle.active.is_(True),
                    or_(Vehicle.depot_id.is_(None), Vehicle.depot_id == data.depot_id),
                )
                .order_by(Vehicle.name, Vehicle.id)
            )
        )
    return load_listed(
        session, principal.org_id, Vehicle, data.vehicle_ids, field="vehicle_ids", kind="vehicle"
    )


def _drivers_by_vehicle(
    session: Session, principal: Principal, vehicle_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Driver]:
    drivers: dict[uuid.UUID, Driver] = {}
    for driver in session.scalars(
        repo.owned(Driver, principal.org_id)
        .where(Driver.vehicle_id.in_(vehicle_ids), Driver.active.is_(True))
        .order_by(Driver.name, Driver.id)
    ):
        assert driver.vehicle_id is not None
        drivers.setdefault(driver.vehicle_id, driver)
    return drivers


def _shift(driver: Driver | None, day: dt.date, timezone: str) -> tuple[int, int]:
    start = driver.shift_start if driver and driver.shift_start else timing.DEFAULT_SHIFT[0]
    end = driver.shift_end if driver and driver.shift_end else timing.DEFAULT_SHIFT[1]
    lo = timing.clock_seconds(start, day, timezone)
    hi = timing.clock_seconds(end, day, timezone)
    return lo, hi if hi > lo else hi + timing.DAY


def _problem(
    seconds: np.ndarray,
    metres: np.ndarray,
    orders: list[Order],
    vehicles: list[Vehicle],
    drivers: dict[uuid.UUID, Driver],
    epoch: dt.datetime,
    day: dt.date,
    timezone: str,
    optional: frozenset[str] | set[str] = frozenset(),
    breaks: tuple[pm.Break, ...] = (),
    pickup_at: dict[uuid.UUID, int] | None = None,
) -> pm.Problem:
    horizon = 2 * timing.DAY
    pickup_at = pickup_at or {}
    jobs: list[pm.Job] = []
    for i, order in enumerate(orders):
        demand = (
            round((order.weight_kg or 0) * 1000),
            round((order.volume_m3 or 0) * 1000),
            order.items,
        )
        common = {
            "priority": order.priority,
            "required": str(order.id) not in optional,
            "skills": frozenset(order.required_skills or ()),
        }
        pickup_id = None
        if order.id in pickup_at:
            pickup_id = PICKUP + str(order.id)
            jobs.append(
                pm.Job(
                    id=pickup_id,
                    location=pickup_at[order.id],
                    service=round((order.pickup_service_minutes or 0) * 60),
                    window=timing.window(
                        order.pickup_window_start, order.pickup_window_end, epoch, horizon
                    ),
                    demand=demand,
                    **common,  # type: ignore[arg-type]
                )
            )
        jobs.append(
            pm.Job(
                id=str(order.id),
                location=i + 1,
                service=round(order.service_minutes * 60),
                window=timing.window(order.window_start, order.window_end, epoch, horizon),
                demand=demand,
                pickup=pickup_id,
                **common,  # type: ignore[arg-type]
            )
        )
    fleet = []
    for vehicle in vehicles:
        driver = drivers.get(vehicle.id)
        start, end = _shift(driver, day, timezone)
        fleet.append(
            pm.Vehicle(
                id=str(vehicle.id),
                start=0,
                end=0,
                capacity=(
                    _cap(vehicle.capacity_weight_kg, 1000),
                    _cap(vehicle.capacity_volume_m3, 1000),
                    vehicle.capacity_items if vehicle.capacity_items is not None else UNLIMITED,
                ),
                shift=pm.TimeWindow(start, end),
                max_duration=driver.max_shift_minutes * 60
                if driver and driver.max_shift_minutes
                else None,
                skills=frozenset(vehicle.skills or ()),
                breaks=breaks,
            )
        )
    return pm.Problem(
        duration=np.ceil(seconds).astype(np.int64),
        distance=np.round(metres).astype(np.int64),
        jobs=tuple(jobs),
        vehicles=tuple(fleet),
    )


def _breaks(data: PlanCreate, timezone: str) -> tuple[pm.Break, ...]:
    """The driver break the plan asks for, in plan seconds (planned by the VROOM
    backend, since PyVRP has none)."""
    if data.break_minutes is None or data.break_window is None:
        return ()
    opens, closes = (timing.clock_seconds(t, data.date, timezone) for t in data.break_window)
    return (pm.Break(pm.TimeWindow(opens, closes), data.break_minutes * 60),)


def _cap(value: float | None, scale: int) -> int:
    return UNLIMITED if value is None else min(UNLIMITED, math.floor(value * scale))


def _store_route(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    plan: Plan,
    depot: Depot,
    vehicle: Vehicle,
    driver: Driver | None,
    planned: pm.PlannedRoute,
    orders: dict[str, Order],
    points: list[LatLon],
    matrix: Matrix,
    epoch: dt.datetime,
) -> Route:
    seconds, metres = matrix.seconds, matrix.metres
    route = Route(
        org_id=principal.org_id,
        name=f"{vehicle.name} {plan.date.isoformat()}",
        date=plan.date,
        status="planned",
        driver_id=driver.id if driver else None,
        vehicle_id=vehicle.id,
        depot_id=depot.id,
        planned_start=timing.to_moment(planned.start, epoch),
        planned_end=timing.to_moment(planned.end, epoch),
        planned_distance_m=float(planned.distance),
        planned_duration_s=float(planned.duration),
        plan_id=plan.id,
    )
    session.add(route)
    session.flush()
    path = [0] + [s.location for s in planned.stops] + [0]
    for index, stop in enumerate(planned.stops):
        is_pickup = stop.job_id.startswith(PICKUP)
        order = orders[stop.job_id.removeprefix(PICKUP)]
        prev = path[index]
        route.stops.append(
            Stop(
                org_id=principal.org_id,
                route_id=route.id,
                order_id=order.id,
                sequence=index,
                kind="pickup" if is_pickup else "delivery",
                lat=order.pickup_lat if is_pickup else order.lat,
                lon=order.pickup_lon if is_pickup else order.lon,
                planned_arrival=timing.to_moment(stop.arrival, epoch),
                planned_departure=timing.to_moment(stop.departure, epoch),
                leg_seconds=float(seconds[prev, stop.location]),
                leg_metres=float(metres[prev, stop.location]),
            )
        )
    last = path[-2]
    route.end_leg_seconds = float(seconds[last, 0])
    route.end_leg_metres = float(metres[last, 0])
    route.geometry = route_geometry(roads, [points[i] for i in path])
    session.flush()
    for stop_row in route.stops:
        if stop_row.kind == "pickup":
            continue  # the order is scheduled once, by its delivery stop
        apply_transition(
            session,
            principal,
            orders[str(stop_row.order_id)],
            StatusChange(status=OrderStatus.SCHEDULED),
            data={
                "route_id": str(route.id),
                "plan_id": str(plan.id),
                "planned_arrival": stop_row.planned_arrival.isoformat()
                if stop_row.planned_arrival
                else None,
            },
        )
    return route
