"""The dispatcher sends fleets with breaks to VROOM and everything else to PyVRP."""

from __future__ import annotations

from doorstep.planning.check import check
from doorstep.planning.model import Break, Job, Problem, Vehicle
from doorstep.planning.solver import backend_for, solve
from tests.planning.builders import grid_problem, window


def problem(*vehicles: Vehicle) -> Problem:
    return grid_problem([(0, 0), (2, 0), (0, 2)], [Job("a", 1), Job("b", 2)], vehicles)


def test_without_breaks_pyvrp_plans():
    p = problem(Vehicle("v1", 0, 0), Vehicle("v2", 0, 0))
    assert backend_for(p) == "pyvrp"
    solution = solve(p, seed=3, time_limit_s=0.2)
    assert solution.solver["name"] == "pyvrp"
    assert solution.solver["seed"] == 3
    assert check(p, solution) == []


def test_one_vehicle_with_a_break_sends_the_fleet_to_vroom():
    p = problem(Vehicle("v1", 0, 0), Vehicle("v2", 0, 0, breaks=(Break(window(0, 900), 120),)))
    assert backend_for(p) == "vroom"
    solution = solve(p, seed=3, time_limit_s=0.5)
    assert solution.solver["name"] == "vroom"
    assert solution.solver["time_limit_s"] == 0.5
    assert check(p, solution) == []
    for route in solution.routes:
        assert len(route.breaks) == (1 if route.vehicle_id == "v2" and route.stops else 0)
    assert {s.job_id for r in solution.routes for s in r.stops} == {"a", "b"}
