"""Find jobs no vehicle could serve even on an otherwise empty route, and say why.

The solver cannot explain why it left a job out; this pre-check can, for the common
cases a dispatcher can act on (a wrong window, a parcel too big, a missing skill, a
stop too far for anyone's shift). It tests each job alone against every vehicle and
reports the first failing rule in this order: empty window, skills, capacity, then
timing. Jobs that pass here but still end up unplanned were crowded out by others.
"""

from __future__ import annotations

from doorstep.planning import reasons
from doorstep.planning.model import DIMENSIONS, Problem, Vehicle
from doorstep.planning.validation import Unit


def unplannable(problem: Problem, units: tuple[Unit, ...]) -> dict[str, str]:
    """Map the id of every job in a unit that no vehicle can serve to the reason."""
    found: dict[str, str] = {}
    for unit in units:
        why = unit_reason(problem, unit)
        if why is not None:
            for job in unit.jobs:
                found[job.id] = why
    return found


def unit_reason(problem: Problem, unit: Unit) -> str | None:
    """The first reason that makes ``unit`` impossible for every vehicle, or None."""
    if not problem.vehicles:
        return reasons.reason(reasons.NO_VEHICLES, "the plan has no vehicles")
    for job in unit.jobs:
        if job.window is not None and job.window.end < job.window.start:
            return reasons.reason(
                reasons.EMPTY_WINDOW,
                f"job {job.id}: window {_clock(job.window.start)}-{_clock(job.window.end)} "
                "ends before it starts",
            )

    skilled = [v for v in problem.vehicles if unit.skills <= v.skills]
    if not skilled:
        return reasons.reason(
            reasons.NO_SKILLED_VEHICLE,
            f"no vehicle has all required skills ({', '.join(sorted(unit.skills))})",
        )

    demand = unit.demand
    fitting = [v for v in skilled if all(d <= c for d, c in zip(demand, v.capacity, strict=True))]
    if not fitting:
        dims = sorted(
            {_dim_name(i) for i, d in enumerate(demand) if all(d > v.capacity[i] for v in skilled)}
        )
        detail = ", ".join(dims) or "the combination of dimensions"
        return reasons.reason(
            reasons.OVER_CAPACITY,
            f"demand {demand} exceeds the capacity of every suitable vehicle ({detail})",
        )

    timing = [_timing_reason(problem, unit, v) for v in fitting]
    if all(t is not None for t in timing):
        return timing[0]
    return None


def _timing_reason(problem: Problem, unit: Unit, vehicle: Vehicle) -> str | None:
    """Why ``vehicle`` cannot serve ``unit`` alone within windows, shift and max
    duration: leave at shift start, drive, wait for each window, serve, return."""
    dur = problem.duration
    time = vehicle.shift.start
    here = vehicle.start
    travel_and_service = 0
    for job in unit.jobs:
        leg = int(dur[here, job.location])
        time += leg
        travel_and_service += leg + job.service
        if job.window is not None:
            if time > job.window.end:
                return reasons.reason(
                    reasons.UNREACHABLE,
                    f"job {job.id}: earliest arrival {_clock(time)} (vehicle {vehicle.id} "
                    f"leaving at {_clock(vehicle.shift.start)}) is after its window closes "
                    f"at {_clock(job.window.end)}",
                )
            time = max(time, job.window.start)
        time += job.service
        here = job.location
    back = int(dur[here, vehicle.end])
    time += back
    travel_and_service += back
    if time > vehicle.shift.end:
        return reasons.reason(
            reasons.AFTER_SHIFT,
            f"vehicle {vehicle.id} would be back at {_clock(time)}, after its shift ends at "
            f"{_clock(vehicle.shift.end)}",
        )
    if vehicle.max_duration is not None and travel_and_service > vehicle.max_duration:
        return reasons.reason(
            reasons.TOO_LONG,
            f"driving and service alone take {travel_and_service}s, more than vehicle "
            f"{vehicle.id}'s maximum route duration of {vehicle.max_duration}s",
        )
    return None


def _dim_name(i: int) -> str:
    return DIMENSIONS[i] if i < len(DIMENSIONS) else f"dimension {i}"


def _clock(t: int) -> str:
    """Seconds from the plan's epoch as [-]HH:MM:SS (hours may exceed 24)."""
    sign = "-" if t < 0 else ""
    t = abs(t)
    return f"{sign}{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"
