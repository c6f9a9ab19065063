"""Re-optimise routes already on the road.

Each route is taken as it stands: stops done stay done, and a locked stop keeps its
place together with every stop before it. The vehicle starts where it is (its last
stop done or locked, or the depot) at the time it can leave there, and must still
drive home. Its remaining free stops, and those of the other routes, are planned again.

Two traps a naive re-plan falls into, both closed here:

* an unused vehicle costs a solver nothing, so a van already out would look "free" to
  empty and the drive back to the depot would vanish from the comparison. Each van in
  use therefore gets a zero-length anchor stop at its current position that only it
  may serve, which keeps it in use and its drive home counted;
* goods already on board for locked stops still take room, so the capacity left for
  the re-planned stops is what the van has minus those.

Stops the solver cannot place stay on their current route, and are reported.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.geo import LatLon
from doorstep.domain.principal import Principal
from doorstep.domain.route_status import ACTIVE
from doorstep.planning import model as pm
from doorstep.roads.base import TravelTimeProvider
from doorstep.services import accounts, timing
from doorstep.services.planning import UNLIMITED, Solver, _cap, _shift
from doorstep.services.references import load_listed
from doorstep.services.route_timing import DONE, redraw, refresh_legs, retime, route_changed
from doorstep.storage import repository as repo
from doorstep.storage.tables import Depot, Driver, Order, Route, Stop, Vehicle

ANCHOR = "anchor:"


@dataclass
class Reoptimised:
    routes: list[Route]
    unplanned: list[dict[str, str]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)


def reoptimise(
    session: Session,
    principal: Principal,
    roads: TravelTimeProvider,
    day: dt.date,
    route_ids: list[uuid.UUID] | None,
    *,
    at: dt.datetime | None = None,
    time_limit_s: float = 5.0,
    seed: int = 1,
    solve: Solver | None = None,
) -> Reoptimised:
    if solve is None:
        from doorstep.planning.solver import solve as default_solve

        solve = default_solve
    at = at or clock.now()
    org = accounts.get_organisation(session, principal)
    epoch = timing.day_epoch(day, org.timezone)
    routes = _routes(session, principal, day, route_ids)
    depots = {d.id: d for d in session.scalars(repo.owned(Depot, principal.org_id))}
    orders = {
        o.id: o
        for o in session.scalars(
            repo.owned(Order, principal.org_id).where(
                Order.id.in_([s.order_id for r in routes for s in r.stops if s.order_id])
            )
        )
    }
    places: list[LatLon] = []
    jobs: list[pm.Job] = []
    fleet: list[pm.Vehicle] = []
    free_stops: dict[str, Stop] = {}
    for route in routes:
        depot = depots.get(route.depot_id) if route.depot_id else None
        if depot is None:
            raise InvalidInput(
                [FieldError(("body", "route_ids"), f"route {route.id} has no depot to return to")]
            )
        retime(route, orders, epoch, now=at)
        kept = _kept_prefix(route)
        last = kept[-1] if kept else None
        start_point = LatLon(last.lat, last.lon) if last else LatLon(depot.lat, depot.lon)
        leave = (last.departed_at or last.planned_departure) if last else route.planned_start
        ready = max(timing.to_seconds(at, epoch), timing.to_seconds(leave or at, epoch))
        start = len(places)
        places.append(start_point)
        end = len(places)
        places.append(LatLon(depot.lat, depot.lon))
        vehicle = session.get(Vehicle, route.vehicle_id) if route.vehicle_id else None
        driver = session.get(Driver, route.driver_id) if route.driver_id else None
        shift_end = _shift(driver, day, org.timezone)[1]
        on_board = [
            orders[s.order_id] for s in kept if s.status == "pending" and s.order_id in orders
        ]
        capacity = _capacity(vehicle, on_board)
        key = str(route.id)
        fleet.append(
            pm.Vehicle(
                id=key,
                start=start,
                end=end,
                capacity=capacity,
                shift=pm.TimeWindow(ready, max(ready, shift_end)),
                skills=frozenset((vehicle.skills if vehicle else None) or ()) | {ANCHOR + key},
            )
        )
        jobs.append(pm.Job(id=ANCHOR + key, location=start, skills=frozenset({ANCHOR + key})))
        free = [
            s
            for s in route.stops
            if s not in kept and s.status not in DONE and s.order_id in orders
        ]
        free_pickups = {s.order_id: s for s in free if s.kind == "pickup"}
        for stop in free:
            order = orders[stop.order_id]
            pickup = stop.kind == "pickup"
            skills = frozenset(order.required_skills or ())
            pair = None
            if not pickup and order.pickup_lat is not None:
                partner = free_pickups.get(stop.order_id)
                if partner is not None:
                    pair = str(partner.id)  # both halves re-planned, together
                else:
                    skills |= {ANCHOR + key}  # picked up already: stays on this van
            index = len(places)
            places.append(LatLon(stop.lat, stop.lon))
            free_stops[str(stop.id)] = stop
            start, end = (
                (order.pickup_window_start, order.pickup_window_end)
                if pickup
                else (order.window_start, order.window_end)
            )
            minutes = (order.pickup_service_minutes or 0) if pickup else order.service_minutes
            jobs.append(
                pm.Job(
                    id=str(stop.id),
                    location=index,
                    service=round(minutes * 60),
                    window=timing.window(start, end, epoch, 2 * timing.DAY),
                    demand=_demand(order),
                    priority=order.priority,
                    skills=skills,
                    pickup=pair,
                )
            )
    before = sum((r.planned_distance_m or 0) for r in routes)
    if not free_stops:
        return Reoptimised(routes, stats={"distance_before_m": before, "moved": 0})
    matrix = roads.matrix(places, depart_at=at)
    problem = pm.Problem(
        duration=np.ceil(matrix.seconds).astype(np.int64),
        distance=np.round(matrix.metres).astype(np.int64),
        jobs=tuple(jobs),
        vehicles=tuple(fleet),
    )
    solution = solve(problem, seed=seed, time_limit_s=time_limit_s)
    # Work out every route's new list first, then attach them all before one flush, so
    # a stop moving between routes is never an orphan in between.
    placed = {s.job_id: r.vehicle_id for r in solution.routes for s in r.stops}
    new_lists: dict[str, list[Stop]] = {}
    for route in routes:
        key = str(route.id)
        kept = _kept_prefix(route)
        done = [s for s in route.stops if s.status in DONE and s not in kept]
        planned = next((r for r in solution.routes if r.vehicle_id == key), None)
        mine = (
            [free_stops[s.job_id] for s in planned.stops if s.job_id in free_stops]
            if planned
            else []
        )
        stays = [s for s in route.stops if str(s.id) in free_stops and str(s.id) not in placed]
        new_lists[key] = done + kept + mine + stays
    moved = sum(
        1 for key, stops in new_lists.items() for stop in stops if str(stop.route_id) != key
    )
    for route in routes:
        route.stops[:] = new_lists[str(route.id)]
        for index, stop in enumerate(route.stops):
            stop.sequence = index
    session.flush()
    unplanned = [
        {"order_id": str(free_stops[u.job_id].order_id), "reason": u.reason}
        for u in solution.unplanned
        if u.job_id in free_stops
    ]
    for route in routes:
        depot = depots[route.depot_id] if route.depot_id else None
        assert depot is not None  # checked when the problem was built
        refresh_legs(route, depot, roads)
        retime(route, orders, epoch, now=at)
        redraw(route, depot, roads)
        route_changed(session, principal, route, "re-optimised")
    session.flush()
    after = sum((r.planned_distance_m or 0) for r in routes)
    return Reoptimised(
        routes,
        unplanned,
        {
            "distance_before_m": round(before),
            "distance_after_m": round(after),
            "moved": moved,
            "replanned": len(placed),
        },
        dict(solution.solver),
    )


def _routes(
    session: Session, principal: Principal, day: dt.date, route_ids: list[uuid.UUID] | None
) -> list[Route]:
    active = [s.value for s in ACTIVE]
    if route_ids is None:
        return list(
            session.scalars(
                repo.owned(Route, principal.org_id)
                .where(Route.date == day, Route.status.in_(active))
                .order_by(Route.name, Route.id)
            )
        )
    return load_listed(
        session,
        principal.org_id,
        Route,
        route_ids,
        field="route_ids",
        kind="route",
        refuse=lambda route: (
            None
            if route.status in active and route.date == day
            else f"the route is {route.status} on {route.date}; only active routes of {day} "
            "can be re-optimised"
        ),
        message="some routes cannot be re-optimised",
    )


def _kept_prefix(route: Route) -> list[Stop]:
    """Stops that keep their place: done or arrived, and locked ones with all before them."""
    last_locked = max((i for i, s in enumerate(route.stops) if s.locked), default=-1)
    return [
        s for i, s in enumerate(route.stops) if i <= last_locked or s.status not in ("pending",)
    ]


def _demand(order: Order) -> tuple[int, int, int]:
    return (round((order.weight_kg or 0) * 1000), round((order.volume_m3 or 0) * 1000), order.items)


def _capacity(vehicle: Vehicle | None, on_board: list[Order]) -> tuple[int, int, int]:
    if vehicle is None:
        return (UNLIMITED, UNLIMITED, UNLIMITED)
    full = (
        _cap(vehicle.capacity_weight_kg, 1000),
        _cap(vehicle.capacity_volume_m3, 1000),
        vehicle.capacity_items if vehicle.capacity_items is not None else UNLIMITED,
    )
    used = [sum(_demand(o)[d] for o in on_board) for d in range(3)]
    left = [max(0, c - u) if c != UNLIMITED else c for c, u in zip(full, used, strict=True)]
    return left[0], left[1], left[2]
