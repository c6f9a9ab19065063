"""Structural validation of a Problem, shared by the solver adapter and the pre-check.

A problem that fails here is the caller's mistake (``InvalidProblem``), not something
to report per job: an unknown pickup id or an out-of-range location means the data
is wrong, and planning on wrong data would hide that.
"""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.planning.errors import InvalidProblem
from doorstep.planning.model import Job, Problem


@dataclass(frozen=True, slots=True)
class Unit:
    """What the solver places as one piece: a single job, or a pickup and its delivery
    (``pickup`` set), which must ride on the same vehicle, pickup first."""

    job: Job  # the delivery, or the only job
    pickup: Job | None = None

    @property
    def jobs(self) -> tuple[Job, ...]:
        return (self.job,) if self.pickup is None else (self.pickup, self.job)

    @property
    def required(self) -> bool:
        return any(j.required for j in self.jobs)

    @property
    def priority(self) -> int:
        return max(j.priority for j in self.jobs)

    @property
    def demand(self) -> tuple[int, ...]:
        if self.pickup is None:
            return self.job.demand
        return tuple(max(a, b) for a, b in zip(self.pickup.demand, self.job.demand, strict=True))

    @property
    def skills(self) -> frozenset[str]:
        return frozenset().union(*(j.skills for j in self.jobs))


def units(problem: Problem) -> tuple[Unit, ...]:
    """Validate ``problem`` and group its jobs into units, in job order (a pair sits at
    its delivery's position). Raises ``InvalidProblem`` naming what is wrong."""
    n = _matrix_size(problem)
    dims = _dimensions(problem)
    by_id: dict[str, Job] = {}
    for job in problem.jobs:
        if job.id in by_id:
            raise InvalidProblem(f"job id {job.id!r} is used twice")
        by_id[job.id] = job
        if not 0 <= job.location < n:
            raise InvalidProblem(f"job {job.id!r}: location {job.location} outside 0..{n - 1}")
        if job.service < 0:
            raise InvalidProblem(f"job {job.id!r}: negative service time")
        if len(job.demand) != dims or any(d < 0 for d in job.demand):
            raise InvalidProblem(
                f"job {job.id!r}: demand {job.demand} needs {dims} non-negative numbers"
            )
    vehicle_ids: set[str] = set()
    for v in problem.vehicles:
        if v.id in vehicle_ids:
            raise InvalidProblem(f"vehicle id {v.id!r} is used twice")
        vehicle_ids.add(v.id)
        for loc in (v.start, v.end):
            if not 0 <= loc < n:
                raise InvalidProblem(f"vehicle {v.id!r}: depot {loc} outside 0..{n - 1}")
        if len(v.capacity) != dims:
            raise InvalidProblem(f"vehicle {v.id!r}: capacity needs {dims} numbers")
        if v.shift.end < v.shift.start:
            raise InvalidProblem(f"vehicle {v.id!r}: shift ends before it starts")

    pickups: dict[str, str] = {}  # pickup id -> delivery id
    for job in problem.jobs:
        if job.pickup is None:
            continue
        pickup = by_id.get(job.pickup)
        if pickup is None:
            raise InvalidProblem(f"job {job.id!r}: pickup {job.pickup!r} does not exist")
        if pickup.pickup is not None or pickup.id == job.id:
            raise InvalidProblem(f"job {job.id!r}: pickup {pickup.id!r} is itself a delivery")
        if pickup.id in pickups:
            raise InvalidProblem(
                f"pickup {pickup.id!r} is claimed by {pickups[pickup.id]!r} and {job.id!r}"
            )
        pickups[pickup.id] = job.id
    if any(job.id in pickups for job in problem.jobs if job.pickup is not None):
        raise InvalidProblem("a job cannot be both a pickup and a delivery of a pair")

    result: list[Unit] = []
    for job in problem.jobs:
        if job.id in pickups:
            continue  # placed with its delivery
        result.append(Unit(job, by_id[job.pickup] if job.pickup is not None else None))
    return tuple(result)


def _matrix_size(problem: Problem) -> int:
    shapes = {problem.duration.shape, problem.distance.shape}
    if len(shapes) != 1:
        raise InvalidProblem(f"duration and distance matrices differ in shape: {shapes}")
    shape = problem.duration.shape
    if len(shape) != 2 or shape[0] != shape[1]:
        raise InvalidProblem(f"matrices must be square, got {shape}")
    if (problem.duration < 0).any() or (problem.distance < 0).any():
        raise InvalidProblem("matrices must not hold negative values")
    return int(shape[0])


def _dimensions(problem: Problem) -> int:
    if problem.vehicles:
        return len(problem.vehicles[0].capacity)
    if problem.jobs:
        return len(problem.jobs[0].demand)
    return 0
