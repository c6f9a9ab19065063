"""What every solver backend does with its routes: give each job it left out a reason,
and let the independent checker pass the plan before anyone drives it."""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.planning import reasons
from doorstep.planning.check import UNPLANNED_REQUIRED, check
from doorstep.planning.errors import SolverError
from doorstep.planning.model import PlannedRoute, Problem, Solution, Unplanned
from doorstep.planning.validation import Unit


def finish(
    problem: Problem,
    routes: tuple[PlannedRoute, ...],
    hopeless: dict[str, str],
    todo: Sequence[Unit],
    info: dict[str, object],
    *,
    optional_left_out: str,
    backend: str,
) -> Solution:
    """The checked Solution. ``hopeless``: jobs the precheck ruled out, with reasons;
    ``optional_left_out``: why this backend drops an optional job."""
    planned = {s.job_id for r in routes for s in r.stops}
    unplanned = [Unplanned(job.id, hopeless[job.id]) for job in problem.jobs if job.id in hopeless]
    for unit in todo:
        if unit.job.id in planned:
            continue
        why = (
            reasons.reason(reasons.LEFT_OUT, reasons.LEFT_OUT_TEXT)
            if unit.required
            else reasons.reason(
                reasons.OPTIONAL_DROPPED,
                f"optional (priority {unit.priority}): {optional_left_out}",
            )
        )
        unplanned.extend(Unplanned(job.id, why) for job in unit.jobs)
    order = {job.id: i for i, job in enumerate(problem.jobs)}
    unplanned.sort(key=lambda u: order[u.job_id])
    solution = Solution(routes=routes, unplanned=tuple(unplanned), solver=info)
    violations = [v for v in check(problem, solution) if v.kind != UNPLANNED_REQUIRED]
    if violations:
        listed = "; ".join(v.message for v in violations[:5])
        raise SolverError(f"{backend} returned a plan that fails the check: {listed}")
    return solution
