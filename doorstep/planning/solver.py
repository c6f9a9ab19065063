"""Pick the solver backend for a Problem: VROOM when a vehicle has breaks, else PyVRP.

PyVRP 0.14 (``pyvrp_solver``) is the default: its iterated local search gives the
shorter routes on large problems, and it weighs optional jobs against the detour they
cost. It cannot plan driver breaks, so a problem in which any vehicle has ``breaks``
goes to the VROOM backend (``vroom_solver``), which plans every break inside its window
(between stops or interrupting a drive) and reports it in ``PlannedRoute.breaks``.
Both take the same ``seed`` and ``time_limit_s``, report jobs they leave out with the
same reasons, and have every plan re-checked by ``doorstep.planning.check``; the chosen
backend is in ``Solution.solver["name"]`` (``"pyvrp"`` or ``"vroom"``).

Differences a caller may notice on the VROOM side: ``seed`` is only recorded (VROOM is
deterministic), an optional job is left out only when it does not fit (never to save
distance), and a vehicle's ``max_duration`` may be enforced by narrowing its shift to
``[shift.start, shift.start + max_duration]`` (see ``vroom_solver``).
"""

from __future__ import annotations

from doorstep.planning import pyvrp_solver, vroom_solver
from doorstep.planning.model import Problem, Solution


def backend_for(problem: Problem) -> str:
    """``"vroom"`` when any vehicle has breaks, otherwise ``"pyvrp"``."""
    if any(v.breaks for v in problem.vehicles):
        return vroom_solver.SOLVER_NAME
    return pyvrp_solver.SOLVER_NAME


def solve(problem: Problem, *, seed: int = 1, time_limit_s: float = 5.0) -> Solution:
    """Plan ``problem`` with the backend ``backend_for`` picks."""
    if backend_for(problem) == vroom_solver.SOLVER_NAME:
        return vroom_solver.solve(problem, seed=seed, time_limit_s=time_limit_s)
    return pyvrp_solver.solve(problem, seed=seed, time_limit_s=time_limit_s)
