"""An independent feasibility check of a Solution against its Problem.

It shares no code with the solver adapter and does not use PyVRP: it replays every
route on the problem's own matrices and checks the reported schedule against the
rules, so a mistake in the adapter's translation (or in the solver) shows up as a
violation instead of a driver arriving after the window. Tests and the benchmark
rely on it; ``pyvrp_solver.solve`` runs it on every plan it returns.

A reported schedule is accepted when it is *achievable*: each arrival is no earlier
than the previous departure plus the travel time, service starts inside the window
and lasts at least the service time. Waiting longer than needed is allowed.

Breaks: a vehicle with breaks must report one ``(start, end)`` per break on every route
that serves stops, in the order of ``Vehicle.breaks``. Each must start inside its
window, last at least its duration, lie within the route and overlap no service or
other break; and between two services (or the depot) there must be time for the drive
plus every break taken in between, since a break may interrupt the drive but not
shorten it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from doorstep.planning.model import (
    DIMENSIONS,
    Job,
    PlannedRoute,
    PlannedStop,
    Problem,
    Solution,
    Vehicle,
)

# Violation kinds.
MISSING = "missing"  # a required job is neither planned nor listed as unplanned
UNPLANNED_REQUIRED = "unplanned_required"  # a required job is listed as unplanned
DUPLICATE = "duplicate"  # a job planned twice, or planned and listed as unplanned
UNKNOWN_JOB = "unknown_job"
UNKNOWN_VEHICLE = "unknown_vehicle"
VEHICLE_REUSED = "vehicle_reused"  # one vehicle with two routes
TOO_MANY_ROUTES = "too_many_routes"
LOCATION = "location"  # a stop reported at another place than its job
SKILLS = "skills"
WINDOW = "window"
CAPACITY = "capacity"
SHIFT = "shift"
MAX_DURATION = "max_duration"
TIMING = "timing"  # reported times that travel and service times make impossible
DISTANCE = "distance"  # reported distance differs from the matrix
DURATION = "duration"  # reported duration differs from end - start
PAIR = "pair"  # pickup and delivery on different routes or in the wrong order
BREAK = "break"  # a driver break missing, outside its window, too short or overlapping


@dataclass(frozen=True, slots=True)
class Violation:
    kind: str
    message: str
    vehicle_id: str | None = None
    job_id: str | None = None


def check(problem: Problem, solution: Solution) -> list[Violation]:
    """Every rule ``solution`` breaks; empty means feasible (and complete, unless a
    required job was reported unplanned, which is the ``unplanned_required`` kind)."""
    jobs = {job.id: job for job in problem.jobs}
    vehicles = {v.id: v for v in problem.vehicles}
    delivery_of = {job.pickup: job for job in problem.jobs if job.pickup is not None}
    out: list[Violation] = []

    if len(solution.routes) > len(problem.vehicles):
        out.append(
            Violation(
                TOO_MANY_ROUTES,
                f"{len(solution.routes)} routes for {len(problem.vehicles)} vehicles",
            )
        )

    seen_vehicles: set[str] = set()
    where: dict[str, tuple[int, int]] = {}  # job id -> (route index, stop index)
    for r_index, route in enumerate(solution.routes):
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None:
            out.append(
                Violation(
                    UNKNOWN_VEHICLE, f"unknown vehicle {route.vehicle_id!r}", route.vehicle_id
                )
            )
            continue
        if route.vehicle_id in seen_vehicles:
            out.append(
                Violation(VEHICLE_REUSED, f"vehicle {vehicle.id} has several routes", vehicle.id)
            )
        seen_vehicles.add(route.vehicle_id)
        for s_index, stop in enumerate(route.stops):
            if stop.job_id not in jobs:
                out.append(
                    Violation(UNKNOWN_JOB, f"unknown job {stop.job_id!r}", vehicle.id, stop.job_id)
                )
            elif stop.job_id in where:
                out.append(
                    Violation(
                        DUPLICATE, f"job {stop.job_id} is planned twice", vehicle.id, stop.job_id
                    )
                )
            else:
                where[stop.job_id] = (r_index, s_index)
        out.extend(_check_route(problem, jobs, delivery_of, vehicle, route))

    listed: set[str] = set()
    for item in solution.unplanned:
        job = jobs.get(item.job_id)
        if job is None:
            out.append(Violation(UNKNOWN_JOB, f"unknown unplanned job {item.job_id!r}"))
            continue
        if item.job_id in where or item.job_id in listed:
            out.append(
                Violation(
                    DUPLICATE,
                    f"job {item.job_id} is both planned and unplanned, or unplanned twice",
                    job_id=item.job_id,
                )
            )
        listed.add(item.job_id)
        if job.required:
            out.append(
                Violation(
                    UNPLANNED_REQUIRED,
                    f"required job {job.id} is unplanned: {item.reason}",
                    job_id=job.id,
                )
            )
    for job in problem.jobs:
        if job.required and job.id not in where and job.id not in listed:
            out.append(Violation(MISSING, f"required job {job.id} is missing", job_id=job.id))

    out.extend(_check_pairs(problem, where, solution))
    return out


def route_distance(problem: Problem, vehicle: Vehicle, locations: list[int]) -> int:
    """Distance of start depot -> ``locations`` -> end depot on the problem's matrix."""
    path = [vehicle.start, *locations, vehicle.end]
    return sum(int(problem.distance[a, b]) for a, b in itertools.pairwise(path))


def recompute_distance(problem: Problem, solution: Solution) -> int:
    """Total distance of ``solution`` recomputed from the problem's matrix (routes of
    unknown vehicles or with unknown jobs are skipped; ``check`` reports them)."""
    vehicles = {v.id: v for v in problem.vehicles}
    jobs = {job.id: job for job in problem.jobs}
    total = 0
    for route in solution.routes:
        vehicle = vehicles.get(route.vehicle_id)
        if vehicle is None or any(s.job_id not in jobs for s in route.stops):
            continue
        total += route_distance(problem, vehicle, [jobs[s.job_id].location for s in route.stops])
    return total


def _check_route(
    problem: Problem,
    jobs: dict[str, Job],
    delivery_of: dict[str, Job],
    vehicle: Vehicle,
    route: PlannedRoute,
) -> list[Violation]:
    """Replay one route: places, skills, times, load per dimension, distance."""
    out: list[Violation] = []
    vid = vehicle.id

    def add(kind: str, message: str, job_id: str | None = None) -> None:
        out.append(Violation(kind, message, vid, job_id))

    stops = [s for s in route.stops if s.job_id in jobs]
    if route.start < vehicle.shift.start:
        add(
            SHIFT,
            f"vehicle {vid} leaves at {route.start}, before its shift ({vehicle.shift.start})",
        )

    here, free_at = vehicle.start, route.start
    delivered_from_depot = [0] * len(vehicle.capacity)
    loads: list[list[int]] = []  # load change at each stop
    for stop in stops:
        job = jobs[stop.job_id]
        if stop.location != job.location:
            add(LOCATION, f"stop {job.id} at {stop.location}, job is at {job.location}", job.id)
        if not job.skills <= vehicle.skills:
            missing = ", ".join(sorted(job.skills - vehicle.skills))
            add(SKILLS, f"vehicle {vid} lacks skills {missing} for job {job.id}", job.id)
        earliest = free_at + int(problem.duration[here, job.location])
        if stop.arrival < earliest:
            add(TIMING, f"job {job.id}: arrival {stop.arrival} before {earliest} possible", job.id)
        if stop.start < stop.arrival:
            add(TIMING, f"job {job.id}: service starts {stop.start} before arrival", job.id)
        if job.window is not None and not job.window.start <= stop.start <= job.window.end:
            add(
                WINDOW,
                f"job {job.id}: service starts at {stop.start}, window "
                f"{job.window.start}-{job.window.end}",
                job.id,
            )
        if stop.departure < stop.start + job.service:
            add(TIMING, f"job {job.id}: leaves {stop.departure} before service ends", job.id)
        here, free_at = job.location, max(stop.departure, earliest)

        if job.pickup is not None:  # delivery of a pair: unload the pair's amount
            change = [-a for a in _pair_amount(jobs.get(job.pickup), job)]
        elif job.id in delivery_of:  # pickup of a pair: load the pair's amount
            change = _pair_amount(job, delivery_of[job.id])
        else:  # plain delivery: loaded at the depot, unloaded here
            delivered_from_depot = [
                a + b for a, b in zip(delivered_from_depot, job.demand, strict=True)
            ]
            change = [-d for d in job.demand]
        loads.append(change)

    back = free_at + int(problem.duration[here, vehicle.end])
    if route.end < back:
        add(TIMING, f"vehicle {vid} reported back at {route.end}, {back} is the earliest")
    if max(route.end, back) > vehicle.shift.end:
        add(SHIFT, f"vehicle {vid} back at {max(route.end, back)}, shift ends {vehicle.shift.end}")
    length = max(route.end, back) - route.start
    if vehicle.max_duration is not None and length > vehicle.max_duration:
        add(MAX_DURATION, f"vehicle {vid}: route takes {length}, max {vehicle.max_duration}")
    if route.duration != route.end - route.start:
        add(DURATION, f"vehicle {vid}: duration {route.duration} != end - start")

    load = list(delivered_from_depot)
    over = _over(load, vehicle.capacity)
    for change in loads:
        load = [a + b for a, b in zip(load, change, strict=True)]
        over |= _over(load, vehicle.capacity)
    for dim in sorted(over):
        name = DIMENSIONS[dim] if dim < len(DIMENSIONS) else f"dimension {dim}"
        add(CAPACITY, f"vehicle {vid}: load exceeds capacity {vehicle.capacity[dim]} in {name}")

    distance = route_distance(problem, vehicle, [jobs[s.job_id].location for s in stops])
    if distance != route.distance:
        add(DISTANCE, f"vehicle {vid}: reported distance {route.distance}, recomputed {distance}")
    out.extend(_check_breaks(problem, jobs, vehicle, route, stops))
    return out


def _check_breaks(
    problem: Problem,
    jobs: dict[str, Job],
    vehicle: Vehicle,
    route: PlannedRoute,
    stops: list[PlannedStop],
) -> list[Violation]:
    """The route's breaks against the vehicle's: count, window, length, overlaps, and
    room for every leg's drive plus the breaks taken during that leg."""
    vid = vehicle.id
    out: list[Violation] = []

    def add(message: str) -> None:
        out.append(Violation(BREAK, message, vid))

    if not route.breaks and not (vehicle.breaks and stops):
        return out
    if len(route.breaks) != len(vehicle.breaks):
        add(f"vehicle {vid}: {len(route.breaks)} breaks planned, it needs {len(vehicle.breaks)}")
    for index, ((start, end), rule) in enumerate(zip(route.breaks, vehicle.breaks, strict=False)):
        if not rule.window.start <= start <= rule.window.end:
            add(
                f"vehicle {vid}: break {index} starts at {start}, window "
                f"{rule.window.start}-{rule.window.end}"
            )
        if end - start < rule.duration:
            add(f"vehicle {vid}: break {index} lasts {end - start}, needs {rule.duration}")
    for index, (start, end) in enumerate(route.breaks):
        if start < route.start or end > route.end:
            add(f"vehicle {vid}: break {index} ({start}-{end}) outside the route")

    busy = sorted(
        [(s, e, f"break {i}") for i, (s, e) in enumerate(route.breaks)]
        + [(stop.start, stop.departure, f"job {stop.job_id}") for stop in stops]
    )
    for (_, a_end, a), (b_start, _, b) in itertools.pairwise(busy):
        if b_start < a_end:
            add(f"vehicle {vid}: {b} starts at {b_start} while {a} lasts until {a_end}")

    here, free_at = vehicle.start, route.start
    legs = [(jobs[s.job_id].location, s.start) for s in stops] + [(vehicle.end, route.end)]
    departures = [s.departure for s in stops]
    for leg, (there, due) in enumerate(legs):
        resting = sum(e - s for s, e in route.breaks if free_at <= s and e <= due)
        needed = int(problem.duration[here, there]) + resting
        if due - free_at < needed:
            add(
                f"vehicle {vid}: {due - free_at}s between {free_at} and {due} cannot hold "
                f"the drive and {resting}s of breaks"
            )
        if leg < len(departures):
            here, free_at = there, departures[leg]
    return out


def _over(load: list[int], capacity: tuple[int, ...]) -> set[int]:
    return {i for i, (a, c) in enumerate(zip(load, capacity, strict=True)) if a > c}


def _pair_amount(pickup: Job | None, delivery: Job) -> list[int]:
    """What a pair carries from pickup to delivery: the larger demand per dimension."""
    if pickup is None:
        return list(delivery.demand)
    return [max(a, b) for a, b in zip(pickup.demand, delivery.demand, strict=True)]


def _check_pairs(
    problem: Problem, where: dict[str, tuple[int, int]], solution: Solution
) -> list[Violation]:
    out: list[Violation] = []
    for job in problem.jobs:
        if job.pickup is None:
            continue
        d, p = where.get(job.id), where.get(job.pickup)
        if d is None and p is None:
            continue
        if d is None or p is None or d[0] != p[0] or p[1] > d[1]:
            vehicle = solution.routes[(d or p or (0, 0))[0]].vehicle_id
            out.append(
                Violation(
                    PAIR,
                    f"pickup {job.pickup} must precede delivery {job.id} on the same route",
                    vehicle,
                    job.id,
                )
            )
    return out
