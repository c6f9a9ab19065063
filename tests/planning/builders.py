"""Tiny hand-made planning problems for the tests.

Locations are points on a grid; travel takes 60 s and 100 m per unit of Manhattan
distance, so every expected time can be worked out by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from doorstep.planning.model import (
    Job,
    PlannedRoute,
    PlannedStop,
    Problem,
    TimeWindow,
    Vehicle,
)

SECONDS_PER_UNIT = 60
METRES_PER_UNIT = 100


def grid_problem(
    points: Sequence[tuple[int, int]], jobs: Sequence[Job], vehicles: Sequence[Vehicle]
) -> Problem:
    xy = np.array(points, dtype=np.int64)
    units = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=-1)
    return Problem(
        duration=units * SECONDS_PER_UNIT,
        distance=units * METRES_PER_UNIT,
        jobs=tuple(jobs),
        vehicles=tuple(vehicles),
    )


def window(start: int, end: int) -> TimeWindow:
    return TimeWindow(start, end)


def route_for(
    problem: Problem, vehicle_id: str, job_ids: Sequence[str], start: int
) -> PlannedRoute:
    """The earliest schedule for visiting ``job_ids`` in order, leaving at ``start``
    (computed here, independently of the solver and the checker)."""
    vehicle = next(v for v in problem.vehicles if v.id == vehicle_id)
    jobs = {j.id: j for j in problem.jobs}
    here, now, distance = vehicle.start, start, 0
    stops = []
    for job_id in job_ids:
        job = jobs[job_id]
        arrival = now + int(problem.duration[here, job.location])
        begin = max(arrival, job.window.start) if job.window else arrival
        distance += int(problem.distance[here, job.location])
        stops.append(PlannedStop(job_id, job.location, arrival, begin, begin + job.service))
        here, now = job.location, begin + job.service
    end = now + int(problem.duration[here, vehicle.end])
    distance += int(problem.distance[here, vehicle.end])
    return PlannedRoute(vehicle_id, tuple(stops), start, end, distance, end - start)
