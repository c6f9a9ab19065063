"""Solve a planning Problem with PyVRP 0.14 (iterated local search).

How the Problem maps onto PyVRP's ``Model``:

* every job gets its own PyVRP location (a copy of its row and column of the problem's
  matrices), so that skills can block one job without blocking another job at the
  same address; depots are shared per depot location. The entities are declared with
  the Model API; the matrices are then set in one piece with ``ProblemData.replace``
  (adding n² ``Edge`` objects one by one would cost seconds on 1000 stops).
* time window -> client ``tw_early``/``tw_late`` (bounds the start of service; PyVRP
  lets the vehicle wait), service time -> ``service_duration``.
* demand/capacity -> load dimensions; dimensions no job uses are dropped so that the
  search does not track them.
* vehicle shift -> vehicle type ``tw_early``/``tw_late`` (leave no earlier, back no
  later); ``max_duration`` -> ``shift_duration`` (no overtime); start/end depots ->
  ``start_depot``/``end_depot``; ``fixed_cost`` -> ``fixed_cost``; distance is the
  cost (``unit_distance_cost=1``). Identical vehicles share one vehicle type.
* skills -> routing profiles: vehicles whose skills exclude some jobs get a profile in
  which every edge to or from those jobs costs ``MAX_VALUE`` in distance and duration
  (what PyVRP's own VRPLIB reader does for allowed clients); the duration makes such a
  visit break the shift, so no feasible solution uses it, and the independent checker
  verifies skills anyway.
* optional jobs -> ``required=False`` with ``prize = max(priority, 1) *
  prize_per_priority`` (in distance units): the solver leaves one out when serving it
  costs more distance than the prize.
* pickup-and-delivery pairs -> PyVRP ``Shipment`` (same vehicle, pickup first).
* breaks -> not supported: PyVRP 0.14 has no break activity, and a dummy client cannot
  stand in for one because a break happens wherever the vehicle is, which no fixed
  matrix row can express (any "zero distance to everywhere" location would let the
  vehicle skip the real leg it interrupts). ``UnsupportedProblem`` is raised; a VROOM
  backend (pyvroom) can add them.

Required jobs that cannot be served: first every job is pre-checked alone against every
vehicle (``precheck``) and the hopeless ones are reported with the reason and kept out
of the model. If PyVRP then still finds no solution that serves every remaining
required job, the search runs a second time with those jobs optional but worth more
than any route could save by leaving them out; the ones it still drops come back as
``left_out``. That second phase only happens when the first failed, so the call takes
up to twice ``time_limit_s`` in that case.

The result is checked by ``doorstep.planning.check`` (which does not use PyVRP); a plan
that fails the check raises ``SolverError`` rather than reaching a driver.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from numpy.typing import NDArray
from pyvrp import ActivityType, Model, ProblemData, SolveParams
from pyvrp.constants import MAX_VALUE
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from doorstep.planning.errors import UnsupportedProblem
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
from doorstep.planning.pyvrp_params import solve_params
from doorstep.planning.validation import Unit, units

SOLVER_NAME = "pyvrp"
# What leaving out an optional job of priority 1 costs, in distance units (metres):
# a detour longer than 10 km per priority point is not worth it.
DEFAULT_PRIZE_PER_PRIORITY = 10_000


def solve(
    problem: Problem,
    *,
    seed: int = 1,
    time_limit_s: float = 5.0,
    max_iterations: int | None = None,
    prize_per_priority: int = DEFAULT_PRIZE_PER_PRIORITY,
) -> Solution:
    """Plan ``problem``: routes for the vehicles and a reason for every job left out.

    ``time_limit_s`` bounds one search phase (see the module docstring for when a
    second one runs). ``max_iterations`` additionally stops after that many
    iterations; with it, a run no longer depends on machine speed, so the same seed
    gives the same plan.
    """
    all_units = units(problem)
    if any(v.breaks for v in problem.vehicles):
        raise UnsupportedProblem(
            "vehicle breaks are not supported by the PyVRP 0.14 backend (it has no break "
            "activity, and a dummy stop cannot model a break taken wherever the vehicle "
            "is); plan without breaks or use a backend that has them"
        )
    info: dict[str, object] = {
        "name": SOLVER_NAME,
        "version": importlib.metadata.version("pyvrp"),
        "seed": seed,
        "time_limit_s": time_limit_s,
        "max_iterations": max_iterations,
        "iterations": 0,
        "runtime_s": 0.0,
        "phases": 0,
    }

    hopeless = unplannable(problem, all_units)
    todo = tuple(u for u in all_units if u.job.id not in hopeless)
    routes: tuple[PlannedRoute, ...] = ()
    if todo:
        built = _build(problem, todo, required_prize=None, prize_per_priority=prize_per_priority)
        result = _run(built, seed, time_limit_s, max_iterations, info)
        if not result.best.is_feasible():
            prize = _required_prize(problem, todo, prize_per_priority)
            built = _build(
                problem, todo, required_prize=prize, prize_per_priority=prize_per_priority
            )
            result = _run(built, seed, time_limit_s, max_iterations, info)
        routes = _routes(problem, built, result.best)
        {s.job_id for r in routes for s in r.stops}

    return finish(
        problem,
        routes,
        hopeless,
        todo,
        info,
        optional_left_out="serving it costs more than it is worth",
        backend="PyVRP",
    )


@dataclass
class _Built:
    """A PyVRP instance and the way back from its indices to the problem's ids."""

    data: ProblemData
    clients: list[str]  # client index -> job id
    shipments: list[tuple[str, str]]  # shipment index -> (pickup id, delivery id)
    vehicle_ids: list[list[str]]  # vehicle type index -> vehicle ids


def _build(
    problem: Problem,
    todo: Sequence[Unit],
    *,
    required_prize: int | None,
    prize_per_priority: int,
) -> _Built:
    """Declare ``todo`` and the fleet in a PyVRP Model. With ``required_prize`` every
    unit is optional and required ones are worth that much (the fallback phase)."""
    model = Model()
    dims = [i for i in range(_ndims(problem)) if any(u.demand[i] for u in todo)]
    location_of: list[int] = []  # PyVRP location -> problem location

    def location(problem_location: int, name: str) -> pyvrp.Location:
        location_of.append(problem_location)
        return model.add_location(x=0, y=0, name=name)

    depots = {
        loc: model.add_depot(location(loc, f"depot {loc}"), name=f"depot {loc}")
        for loc in sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    }

    clients: list[str] = []
    shipments: list[tuple[str, str]] = []
    vehicle_ids: list[list[str]] = []
    owner: list[int] = [-1] * len(depots)  # PyVRP location -> unit index (-1: depot)
    for index, unit in enumerate(todo):
        required = unit.required and required_prize is None
        if not unit.required:
            prize = max(unit.priority, 1) * prize_per_priority
        else:
            prize = required_prize or 0
        amount = [unit.demand[i] for i in dims]
        job = unit.job
        if unit.pickup is None:
            early, late = _window(job.window)
            model.add_client(
                location(job.location, job.id),
                delivery=amount,
                service_duration=job.service,
                tw_early=early,
                tw_late=late,
                prize=prize,
                required=required,
                name=job.id,
            )
            clients.append(job.id)
            owner.append(index)
        else:
            pickup = unit.pickup
            p_early, p_late = _window(pickup.window)
            d_early, d_late = _window(job.window)
            model.add_shipment(
                location(pickup.location, pickup.id),
                location(job.location, job.id),
                pickup_tw_early=p_early,
                pickup_tw_late=p_late,
                pickup_service_duration=pickup.service,
                delivery_tw_early=d_early,
                delivery_tw_late=d_late,
                delivery_service_duration=job.service,
                amount=amount,
                prize=prize,
                required=required,
                name=f"{pickup.id}->{job.id}",
            )
            shipments.append((pickup.id, job.id))
            owner.extend((index, index))

    groups: dict[tuple[object, ...], list[Vehicle]] = {}
    for v in problem.vehicles:
        key = (v.start, v.end, v.capacity, v.shift, v.max_duration, v.skills, v.fixed_cost)
        groups.setdefault(key, []).append(v)
    allowed_sets: list[frozenset[int]] = []
    for fleet in groups.values():
        v = fleet[0]
        allowed = frozenset(i for i, u in enumerate(todo) if u.skills <= v.skills)
        if len(allowed) < len(todo) and allowed not in allowed_sets:
            allowed_sets.append(allowed)
    profiles = [model.add_profile(name=f"skills {i}") for i in range(len(allowed_sets) + 1)]
    for fleet in groups.values():
        v = fleet[0]
        allowed = frozenset(i for i, u in enumerate(todo) if u.skills <= v.skills)
        profile = (
            profiles[0] if len(allowed) == len(todo) else profiles[1 + allowed_sets.index(allowed)]
        )
        model.add_vehicle_type(
            num_available=len(fleet),
            capacity=[v.capacity[i] for i in dims],
            start_depot=depots[v.start],
            end_depot=depots[v.end],
            fixed_cost=v.fixed_cost,
            tw_early=v.shift.start,
            tw_late=v.shift.end,
            shift_duration=v.max_duration if v.max_duration is not None else _UNBOUNDED,
            unit_distance_cost=1,
            profile=profile,
            name=",".join(x.id for x in fleet),
        )
        vehicle_ids.append([x.id for x in fleet])

    rows = np.asarray(location_of, dtype=np.int64)
    base_distance = _clip(problem.distance[np.ix_(rows, rows)])
    base_duration = _clip(problem.duration[np.ix_(rows, rows)])
    distances: list[Any] = [base_distance]  # PyVRP's stubs type matrices loosely
    durations: list[Any] = [base_duration]
    owners = np.asarray(owner, dtype=np.int64)
    for allowed in allowed_sets:
        blocked = (owners >= 0) & ~np.isin(owners, np.fromiter(allowed, np.int64, len(allowed)))
        distances.append(_block(base_distance, blocked))
        durations.append(_block(base_duration, blocked))
    data = model.data().replace(distance_matrices=distances, duration_matrices=durations)
    return _Built(data, clients, shipments, vehicle_ids)


_UNBOUNDED = int(np.iinfo(np.int64).max)


def _window(window: TimeWindow | None) -> tuple[int, int]:
    return (0, _UNBOUNDED) if window is None else (window.start, window.end)


def _clip(matrix: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.minimum(matrix.astype(np.int64), MAX_VALUE)


def _block(matrix: NDArray[np.int64], blocked: NDArray[np.bool_]) -> NDArray[np.int64]:
    out = matrix.copy()
    out[blocked, :] = MAX_VALUE
    out[:, blocked] = MAX_VALUE
    np.fill_diagonal(out, 0)
    return out


def _ndims(problem: Problem) -> int:
    if problem.vehicles:
        return len(problem.vehicles[0].capacity)
    return len(problem.jobs[0].demand) if problem.jobs else 0


def _required_prize(problem: Problem, todo: Sequence[Unit], prize_per_priority: int) -> int:
    """A prize no saving can beat: more than the longest detour a stop can add (two
    legs of the longest edge and a pair needs four) plus a vehicle's fixed cost plus
    every optional prize together."""
    longest = int(problem.distance.max()) if problem.distance.size else 0
    fixed = max((v.fixed_cost for v in problem.vehicles), default=0)
    optional = sum(max(u.priority, 1) * prize_per_priority for u in todo if not u.required)
    return min(4 * longest + fixed + optional + 1, MAX_VALUE)


def _run(
    built: _Built,
    seed: int,
    time_limit_s: float,
    max_iterations: int | None,
    info: dict[str, object],
) -> pyvrp.Result:
    criteria: list[StoppingCriterion] = [MaxRuntime(time_limit_s)]
    if max_iterations is not None:
        criteria.append(MaxIterations(max_iterations))
    params: SolveParams = solve_params(built.data)
    result = pyvrp.solve(
        built.data,
        stop=MultipleCriteria(criteria),
        seed=seed,
        collect_stats=False,
        display=False,
        params=params,
    )
    info["iterations"] = int(info["iterations"]) + result.num_iterations  # type: ignore[call-overload]
    info["runtime_s"] = round(float(info["runtime_s"]) + result.runtime, 3)  # type: ignore[arg-type]
    info["phases"] = int(info["phases"]) + 1  # type: ignore[call-overload]
    return result


def _routes(problem: Problem, built: _Built, best: pyvrp.Solution) -> tuple[PlannedRoute, ...]:
    """Translate PyVRP routes back, taking its schedule (service start, waiting) as is;
    routes PyVRP itself marks infeasible are dropped, their jobs become unplanned."""
    free = [list(ids) for ids in built.vehicle_ids]
    jobs = {job.id: job for job in problem.jobs}
    routes: list[PlannedRoute] = []
    for route in best.routes():
        if not route.is_feasible():
            continue
        schedule = route.schedule()
        stops: list[PlannedStop] = []
        for act in schedule:
            if act.type == ActivityType.DEPOT:
                continue
            if act.type == ActivityType.CLIENT:
                job_id = built.clients[act.idx]
            elif act.type == ActivityType.PICKUP:
                job_id = built.shipments[act.idx][0]
            else:
                job_id = built.shipments[act.idx][1]
            stops.append(
                PlannedStop(
                    job_id=job_id,
                    location=jobs[job_id].location,
                    arrival=act.start_time - act.wait_duration,
                    start=act.start_time,
                    departure=act.end_time,
                )
            )
        start, end = schedule[0].end_time, schedule[-1].start_time
        routes.append(
            PlannedRoute(
                vehicle_id=free[route.vehicle_type()].pop(0),
                stops=tuple(stops),
                start=start,
                end=end,
                distance=route.distance(),
                duration=end - start,
            )
        )
    return tuple(routes)
