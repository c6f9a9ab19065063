"""The days ``doorstep bench eta`` replays: a road network, a simulated world fitted to
it, and each day's orders planned into van routes by the real planner.

Why the real planner: the ETA engine is scored on routes that look like the ones it
will see (sequenced against time windows, with the waits a plan has), and the static
baseline's planned arrivals then come from the roads provider's own travel times.

Why a scenario is fitted to the network: a scenario file says how the world behaves
(rush hours, drivers, doorsteps, GPS); where the city is and how big it is belong to
the network. So every scenario goes through ``scenario_for_network``: incident rate and
radii scaled to the network's extent, and the time zone from its longitude unless the
file names one other than the shipped placeholder ``UTC``.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.eta.model import PlannedStop, RoutePlan
from doorstep.planning import pyvrp_solver
from doorstep.planning.model import Job, Problem, Solution, TimeWindow, Vehicle
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.graph_cache import load_graph
from doorstep.roads.helsinki import helsinki_pbf
from doorstep.sim import (
    GeneratedOrder,
    Scenario,
    ScenarioError,
    SimLeg,
    SimRoute,
    build_route,
    builtin_scenario,
    builtin_scenarios,
    depot_location,
    generate_orders,
    load_scenario,
    points_of,
    scenario_for_network,
)
from doorstep.sim.geometry import metres_between
from doorstep.sim.model import Point

CACHE_DIR = Path.home() / ".cache" / "doorstep-bench"
FIRST_DAY = dt.date(2025, 3, 3)  # a Monday; days run on weekdays (weekend traffic differs)
SHIFT_H = (7.5, 20.0)  # vans may leave from 07:30 and must be back by 20:00 (local)
PLAN_ITERATIONS = 2000  # PyVRP iterations per day: the same seed gives the same plan
PLAN_TIME_CAP_S = 30.0  # a safety cap only; the iteration count normally stops first
HOUR = 3600


class BenchInputError(ValueError):
    """An input the bench cannot use (scenario, network, sizes); the message says why."""


@dataclass(frozen=True)
class Network:
    """A loaded road network: its provider, its road points and the depot."""

    provider: EmbeddedProvider
    points: list[Point]
    depot: Point
    name: str
    path: Path


def load_network(pbf: Path | None, cache_dir: Path = CACHE_DIR) -> Network:
    """The given ``.osm.pbf`` (or the bundled Helsinki extract), parsed or from the cache.

    The cache goes to ``cache_dir`` (``~/.cache/doorstep-bench``), never beside the file:
    a benchmark should not write into someone's data folder."""
    if pbf is None:
        pbf = helsinki_pbf()
        name = f"{pbf.name} (bundled)"
    else:
        if not pbf.is_file():
            raise BenchInputError(f"road network {pbf}: no such file")
        name = pbf.name
    graph = load_graph(pbf, cache_dir=cache_dir, beside=False)  # RoadsUnavailable says why
    points = points_of(graph.lat.tolist(), graph.lon.tolist())
    provider = EmbeddedProvider(graph, name=f"embedded ({pbf.name})")
    return Network(provider, points, depot_location(points), name, pbf)


def base_scenario(spec: str | None) -> tuple[Scenario, str | None]:
    """The scenario a run starts from and the file it came from (None: built in).

    ``spec`` is a scenario file (.yaml/.yml/.json) or the name of a shipped one; None is
    the default world."""
    if spec is None:
        return Scenario(), None
    path = Path(spec)
    if path.is_file():
        return load_scenario(path), str(path)
    if spec in builtin_scenarios():
        return builtin_scenario(spec), None
    if path.suffix or "/" in spec or "\\" in spec:
        raise ScenarioError(f"{spec}: no such scenario file")
    raise ScenarioError(
        f"{spec}: neither a scenario file nor a shipped scenario "
        f"(shipped: {', '.join(builtin_scenarios())})"
    )


def fit_scenario(base: Scenario, network: Network) -> Scenario:
    """``base`` fitted to the network (see the module docstring); keeps its name and
    its seed, which fixes the lasting traits (drivers' paces, customers' habits)."""
    fitted = scenario_for_network(network.points, seed=base.seed, base=base)
    timezone = base.timezone if base.timezone != "UTC" else fitted.timezone
    description = f"{base.description} ({fitted.description})".strip()
    return fitted.model_copy(
        update={"name": base.name, "description": description, "timezone": timezone}
    )


def bench_days(first_seed: int, count: int) -> list[tuple[int, dt.date]]:
    """(seed, date) of each replayed day: seeds N, N+1, ... on consecutive weekdays."""
    days: list[tuple[int, dt.date]] = []
    day = FIRST_DAY
    while len(days) < count:
        if day.weekday() < 5:
            days.append((first_seed + len(days), day))
        day += dt.timedelta(days=1)
    return days


@dataclass
class PlannedDay:
    """One day as dispatched: the simulator's routes and the ETA engine's plans (same
    order), every stop's planned arrival (POSIX s), and how long each step took."""

    seed: int
    date: dt.date
    routes: list[SimRoute]
    plans: list[RoutePlan]
    planned_arrival: dict[tuple[str, str], float]  # (vehicle_key, stop_id) -> POSIX s
    unplanned: int
    timings: dict[str, float] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)


def plan_day(
    network: Network, scenario: Scenario, seed: int, day: dt.date, vans: int, stops: int
) -> PlannedDay:
    """Orders on the network, planned by PyVRP on the provider's matrix, routed leg by
    leg on the provider; each van ``van-k`` is driven by ``driver-k`` every day."""
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        orders = generate_orders(
            network.points, vans * stops, seed=seed, day=day, timezone=scenario.timezone
        )
    except ValueError as exc:
        raise BenchInputError(f"{network.name}: {exc}") from None
    places = [LatLon(*network.depot), *(LatLon(o.lat, o.lon) for o in orders)]
    matrix = network.provider.matrix(places)
    timings["matrix_s"] = time.perf_counter() - started

    started = time.perf_counter()
    epoch = dt.datetime.combine(day, dt.time(0), tzinfo=scenario.zone)
    solution = _solve(orders, matrix.seconds, matrix.metres, epoch, vans, stops, seed)
    timings["solve_s"] = time.perf_counter() - started

    started = time.perf_counter()
    routes: list[SimRoute] = []
    plans: list[RoutePlan] = []
    planned_arrival: dict[tuple[str, str], float] = {}
    for route in sorted(solution.routes, key=lambda r: int(r.vehicle_id.split("-")[1])):
        if not route.stops:
            continue
        vehicle = route.vehicle_id
        driver = vehicle.replace("van", "driver")
        start = epoch + dt.timedelta(seconds=route.start)
        sim_stops = [orders[int(s.job_id[1:])].stop(f"{day}-{s.job_id}") for s in route.stops]
        sim_route = build_route(network.provider, vehicle, driver, start, network.depot, sim_stops)
        eta_stops = []
        for planned, stop, leg in zip(route.stops, sim_stops, sim_route.legs, strict=False):
            arrival = epoch + dt.timedelta(seconds=planned.arrival)
            planned_arrival[vehicle, stop.stop_id] = arrival.timestamp()
            eta_stops.append(
                PlannedStop(
                    stop_id=stop.stop_id,
                    lat=stop.lat,
                    lon=stop.lon,
                    leg_s=leg.free_flow_s,
                    leg_m=_leg_metres(leg),
                    service_s=stop.planned_service_s,
                    planned_arrival=arrival,
                    window_start=stop.window_start,
                    window_end=stop.window_end,
                    items=stop.items,
                    customer_key=stop.customer_key,
                    path=leg.points,
                )
            )
        routes.append(sim_route)
        plans.append(
            RoutePlan(
                route_id=f"{day}/{vehicle}",
                stops=tuple(eta_stops),
                vehicle_key=vehicle,
                driver_key=driver,
                start=network.depot,
                start_time=start,
            )
        )
    timings["legs_s"] = time.perf_counter() - started
    return PlannedDay(
        seed=seed,
        date=day,
        routes=routes,
        plans=plans,
        planned_arrival=planned_arrival,
        unplanned=len(solution.unplanned),
        timings=timings,
        solver=dict(solution.solver),
    )


def _solve(
    orders: list[GeneratedOrder],
    seconds: np.ndarray,
    metres: np.ndarray,
    epoch: dt.datetime,
    vans: int,
    stops: int,
    seed: int,
) -> Solution:
    """Every order a job with its window (on the start of service) and one unit of a
    ``stops``-per-van capacity, so each van gets about ``stops`` of them."""

    def since_midnight(moment: dt.datetime) -> int:
        return round((moment - epoch).total_seconds())

    jobs = tuple(
        Job(
            id=f"o{i}",
            location=i + 1,
            service=round(o.service_s),
            window=TimeWindow(since_midnight(o.window_start), since_midnight(o.window_end)),
            demand=(0, 0, 1),
        )
        for i, o in enumerate(orders)
    )
    shift = TimeWindow(round(SHIFT_H[0] * HOUR), round(SHIFT_H[1] * HOUR))
    fleet = tuple(
        Vehicle(id=f"van-{v}", start=0, end=0, capacity=(2**31 - 1, 2**31 - 1, stops), shift=shift)
        for v in range(vans)
    )
    problem = Problem(
        duration=np.ceil(seconds).astype(np.int64),
        distance=np.round(metres).astype(np.int64),
        jobs=jobs,
        vehicles=fleet,
    )
    return pyvrp_solver.solve(
        problem, seed=seed, time_limit_s=PLAN_TIME_CAP_S, max_iterations=PLAN_ITERATIONS
    )


def _leg_metres(leg: SimLeg) -> float:
    return sum(metres_between(a, b) for a, b in pairwise(leg.points))
