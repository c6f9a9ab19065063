"""Solve a planning Problem with VROOM (``pyvroom``), the backend for driver breaks.

PyVRP 0.14 cannot model a break; VROOM can: a break is an activity of the vehicle with
time windows for its start and a duration, taken wherever the vehicle is (between two
stops, while waiting, or in the middle of a drive). ``doorstep.planning.solver`` sends
fleets with breaks here and everything else to PyVRP.

How the Problem maps onto VROOM's ``Input``:

* one routing profile (``"car"``): the problem's duration matrix ->
  ``set_durations_matrix``, its distance matrix -> ``set_distances_matrix`` (so routes
  report metres) and also ``set_costs_matrix`` (distance is the cost, as in the PyVRP
  backend). Matrices are passed as uint32, values above that are clipped.
* job -> ``vroom.Job`` at its location index; service -> ``default_service`` (no setup);
  window -> one ``TimeWindow`` bounding the start of service (VROOM lets the vehicle
  wait, like the model); demand -> ``delivery`` amounts, loaded at the start depot.
  Demand dimensions no job uses are dropped.
* pickup-and-delivery pair -> ``vroom.Shipment`` (same vehicle, pickup first) carrying
  the pair's amount (element-wise maximum of both demands).
* skills (strings) -> integer ids, numbered in sorted order of all skill names.
* priority: VROOM has no notion of a *required* job and never leaves a job out to save
  distance; it maximises the sum of the priorities (0..100) of the jobs it serves, then
  their number, then minimises cost. Required jobs get priority 100, optional jobs
  ``min(max(priority, 1), 99)``, so a required job always wins over optional ones and
  an optional job is only left out when it does not fit. (Unlike PyVRP, the model's
  "not worth the detour" trade-off does not exist here.)
* vehicle -> ``vroom.Vehicle``: start/end depot indices, capacity, shift ->
  ``time_window``, skills, ``fixed_cost`` -> ``VehicleCosts(fixed=...)``, breaks ->
  ``vroom.Break(time_windows=[window], service=duration)``. VROOM plans every break of
  every vehicle it uses.
* ``max_duration``: VROOM has no bound on a route's total duration, only on travel time
  (``max_travel_time``), which is set to ``max_duration`` as a necessary condition. If
  a route still comes back longer than ``max_duration`` (service, waiting and breaks
  count too), the search runs a second time with the shift of every vehicle that has
  a ``max_duration`` narrowed to ``[shift.start, shift.start + max_duration]``, which
  guarantees the bound at the price of not letting those vehicles start later in
  their shifts (so the call can take up to twice ``time_limit_s``).

Seed and time limit: VROOM is deterministic; ``seed`` is only recorded. The search runs
at ``EXPLORATION_LEVEL`` on one thread with ``timeout=time_limit_s`` per phase; when the
timeout does not cut the search short, the same problem gives the same plan.

Unplanned jobs: first every job is pre-checked alone against every vehicle
(``precheck``, which ignores breaks) and the hopeless ones are reported with the reason
and kept out of the model; whatever VROOM then leaves unassigned comes back as
``left_out`` (or ``optional_dropped`` for optional jobs).

Stops carry VROOM's schedule (arrival, service start after waiting, departure); breaks
are not stops but ``PlannedRoute.breaks`` as ``(start, end)`` in the order of the
vehicle's ``breaks``. The result is checked by ``doorstep.planning.check`` (which does
not use VROOM, and verifies breaks); a plan that fails it raises ``SolverError``.
"""

from __future__ import annotations

import importlib.metadata
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import vroom
from numpy.typing import NDArray

from doorstep.planning.errors import InvalidProblem
from doorstep.planning.model import (
    PlannedRoute,
    PlannedStop,
    Problem,
    Solution,
    TimeWindow,
    Vehicle,
)
from doorstep.planning.outcome import finish
from doorstep.planning.precheck import unplannable
from doorstep.planning.validation import Unit, units

SOLVER_NAME = "vroom"
PROFILE = "car"
# VROOM's exploration level, 1..5 (5 searches the most).
EXPLORATION_LEVEL = 5
THREADS = 1
REQUIRED_PRIORITY = 100
MAX_OPTIONAL_PRIORITY = 99
_UINT32_MAX = int(np.iinfo(np.uint32).max)


def solve(problem: Problem, *, seed: int = 1, time_limit_s: float = 5.0) -> Solution:
    """Plan ``problem`` with VROOM: routes (with their breaks) for the vehicles and a
    reason for every job left out. ``time_limit_s`` bounds one search phase (see the
    module docstring for when a second one runs); ``seed`` is recorded, VROOM is
    deterministic."""
    all_units = units(problem)
    info: dict[str, object] = {
        "name": SOLVER_NAME,
        "version": importlib.metadata.version("pyvroom"),
        "seed": seed,
        "time_limit_s": time_limit_s,
        "exploration_level": EXPLORATION_LEVEL,
        "threads": THREADS,
        "runtime_s": 0.0,
        "phases": 0,
    }

    hopeless = unplannable(problem, all_units)
    todo = tuple(u for u in all_units if u.job.id not in hopeless)
    routes: tuple[PlannedRoute, ...] = ()
    if todo:
        built = _build(problem, todo, narrowed=frozenset())
        routes = _routes(problem, built, _run(built, time_limit_s, info))
        if any(_over_max_duration(built.vehicles[r.vehicle_id], r) for r in routes):
            bounded = frozenset(v.id for v in problem.vehicles if v.max_duration is not None)
            built = _build(problem, todo, narrowed=bounded)
            routes = _routes(problem, built, _run(built, time_limit_s, info))
    {s.job_id for r in routes for s in r.stops}

    return finish(
        problem,
        routes,
        hopeless,
        todo,
        info,
        optional_left_out="no room left for it after the required and higher-priority jobs",
        backend="VROOM",
    )


@dataclass
class _Built:
    """A VROOM input and the way back from its integer ids to the problem's ids."""

    input: vroom.Input
    vehicles: dict[str, Vehicle]  # doorstep vehicle id -> vehicle
    vehicle_ids: list[str]  # VROOM vehicle id -> doorstep vehicle id
    task_ids: dict[int, str] = field(default_factory=dict)  # VROOM task id -> job id


def _build(problem: Problem, todo: Sequence[Unit], *, narrowed: frozenset[str]) -> _Built:
    """Declare ``todo`` and the fleet in a VROOM Input; vehicles in ``narrowed`` get the
    shift ``[start, start + max_duration]`` (the fallback phase)."""
    inp = vroom.Input()
    inp.set_durations_matrix(PROFILE, _uint32(problem.duration))
    inp.set_distances_matrix(PROFILE, _uint32(problem.distance))
    inp.set_costs_matrix(PROFILE, _uint32(problem.distance))

    dims = [i for i in range(_ndims(problem)) if any(u.demand[i] for u in todo)]
    names = sorted(
        {s for u in todo for s in u.skills} | {s for v in problem.vehicles for s in v.skills}
    )
    skill_id = {name: i for i, name in enumerate(names)}
    built = _Built(inp, {v.id: v for v in problem.vehicles}, [v.id for v in problem.vehicles])

    next_id = 0

    def task(job_id: str) -> int:
        nonlocal next_id
        next_id += 1
        built.task_ids[next_id] = job_id
        return next_id

    for unit in todo:
        amount = vroom.Amount([unit.demand[i] for i in dims])
        skills = {skill_id[s] for s in unit.skills}
        priority = (
            REQUIRED_PRIORITY
            if unit.required
            else min(max(unit.priority, 1), MAX_OPTIONAL_PRIORITY)
        )
        job = unit.job
        if unit.pickup is None:
            inp.add_job(
                vroom.Job(
                    task(job.id),
                    location=job.location,
                    default_service=job.service,
                    delivery=amount,
                    skills=skills,
                    priority=priority,
                    time_windows=_windows(job.window),
                    description=job.id,
                )
            )
        else:
            pickup = unit.pickup
            inp.add_shipment(
                vroom.ShipmentStep(
                    task(pickup.id),
                    location=pickup.location,
                    default_service=pickup.service,
                    time_windows=_windows(pickup.window),
                    description=pickup.id,
                ),
                vroom.ShipmentStep(
                    task(job.id),
                    location=job.location,
                    default_service=job.service,
                    time_windows=_windows(job.window),
                    description=job.id,
                ),
                amount=amount,
                skills=skills,
                priority=priority,
            )

    for index, v in enumerate(problem.vehicles):
        shift = v.shift
        if v.id in narrowed and v.max_duration is not None:
            shift = TimeWindow(shift.start, min(shift.end, shift.start + v.max_duration))
        inp.add_vehicle(
            vroom.Vehicle(
                index,
                start=v.start,
                end=v.end,
                profile=PROFILE,
                capacity=[v.capacity[i] for i in dims],
                skills={skill_id[s] for s in v.skills},
                time_window=vroom.TimeWindow(shift.start, shift.end),
                breaks=[
                    vroom.Break(
                        b_index,
                        time_windows=[vroom.TimeWindow(b.window.start, b.window.end)],
                        service=b.duration,
                        description=f"break {b_index}",
                    )
                    for b_index, b in enumerate(v.breaks)
                ],
                description=v.id,
                costs=vroom.VehicleCosts(fixed=v.fixed_cost),
                max_travel_time=v.max_duration,
            )
        )
    return built


def _windows(window: TimeWindow | None) -> list[vroom.TimeWindow]:
    return [] if window is None else [vroom.TimeWindow(window.start, window.end)]


def _uint32(matrix: NDArray[np.int64]) -> NDArray[np.uint32]:
    return np.minimum(matrix.astype(np.int64), _UINT32_MAX).astype(np.uint32)


def _ndims(problem: Problem) -> int:
    if problem.vehicles:
        return len(problem.vehicles[0].capacity)
    return len(problem.jobs[0].demand) if problem.jobs else 0


def _over_max_duration(vehicle: Vehicle, route: PlannedRoute) -> bool:
    return vehicle.max_duration is not None and route.end - route.start > vehicle.max_duration


def _run(built: _Built, time_limit_s: float, info: dict[str, object]) -> dict[str, Any]:
    began = time.perf_counter()
    try:
        result = built.input.solve(
            exploration_level=EXPLORATION_LEVEL,
            nb_threads=THREADS,
            timeout=timedelta(seconds=time_limit_s),
        )
    except vroom._vroom.VroomInputException as exc:  # e.g. a break outside its shift
        raise InvalidProblem(f"VROOM rejected the problem: {exc}") from exc
    info["runtime_s"] = round(float(info["runtime_s"]) + time.perf_counter() - began, 3)  # type: ignore[arg-type]
    info["phases"] = int(info["phases"]) + 1  # type: ignore[call-overload]
    out: dict[str, Any] = result.to_dict()
    return out


def _routes(problem: Problem, built: _Built, result: dict[str, Any]) -> tuple[PlannedRoute, ...]:
    """Translate VROOM's routes back, taking its schedule as is: service starts after
    any wait (there is no setup time), breaks become ``(start, end)`` pairs."""
    jobs = {job.id: job for job in problem.jobs}
    routes: list[PlannedRoute] = []
    for route in result.get("routes", []):
        vehicle_id = built.vehicle_ids[int(route["vehicle"])]
        stops: list[PlannedStop] = []
        breaks: dict[int, tuple[int, int]] = {}
        start = end = 0
        for step in route["steps"]:
            kind = step["type"]
            begin = int(step["arrival"]) + int(step["waiting_time"]) + int(step["setup"])
            if kind == "start":
                start = int(step["arrival"])
            elif kind == "end":
                end = int(step["arrival"])
            elif kind == "break":
                breaks[int(step["id"])] = (begin, begin + int(step["service"]))
            else:
                job_id = built.task_ids[int(step["id"])]
                stops.append(
                    PlannedStop(
                        job_id=job_id,
                        location=jobs[job_id].location,
                        arrival=int(step["arrival"]),
                        start=begin,
                        departure=begin + int(step["service"]),
                    )
                )
        routes.append(
            PlannedRoute(
                vehicle_id=vehicle_id,
                stops=tuple(stops),
                start=start,
                end=end,
                distance=int(route.get("distance", 0)),
                duration=end - start,
                breaks=tuple(breaks[i] for i in sorted(breaks)),
            )
        )
    order = {v.id: i for i, v in enumerate(problem.vehicles)}
    routes.sort(key=lambda r: order[r.vehicle_id])
    return tuple(routes)
