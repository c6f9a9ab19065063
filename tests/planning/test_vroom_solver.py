"""The VROOM adapter plans driver breaks and honours every other constraint of the
Problem, on problems small enough to work out by hand (see ``builders``: 60 s and
100 m per grid unit). The checker's break rules are tested here too."""

from __future__ import annotations

import importlib.metadata
from dataclasses import replace

import pytest

from doorstep.planning import reasons
from doorstep.planning.check import BREAK, check
from doorstep.planning.errors import InvalidProblem
from doorstep.planning.model import Break, Job, Problem, Solution, Vehicle
from doorstep.planning.vroom_solver import solve
from tests.planning.builders import grid_problem, window

BIG = 2**31 - 1
LUNCH = Break(window(500, 700), 300)


def run(problem: Problem) -> Solution:
    solution = solve(problem, time_limit_s=1.0)
    assert all(v.kind == "unplanned_required" for v in check(problem, solution))
    return solution


def order(solution: Solution) -> list[list[str]]:
    return [[s.job_id for s in r.stops] for r in solution.routes if r.stops]


def codes(solution: Solution) -> dict[str, str]:
    return {u.job_id: reasons.reason_code(u.reason) for u in solution.unplanned}


@pytest.fixture
def with_lunch() -> Problem:
    """B closes early, A opens late, and the driver must rest 300 s starting 500-700."""
    return grid_problem(
        [(0, 0), (5, 0), (0, 5)],
        [
            Job("A", 1, service=60, window=window(1500, 1800)),
            Job("B", 2, service=60, window=window(0, 400)),
        ],
        [Vehicle("v1", 0, 0, breaks=(LUNCH,))],
    )


def test_break_is_planned_inside_its_window_and_the_route_stays_feasible(with_lunch):
    solution = run(with_lunch)
    assert check(with_lunch, solution) == []
    (route,) = solution.routes
    assert [s.job_id for s in route.stops] == ["B", "A"]  # the break is not a stop
    ((start, end),) = route.breaks
    assert 500 <= start <= 700
    assert end - start == 300
    b, a = route.stops
    assert b.start <= 400
    assert 1500 <= a.start <= 1800
    assert route.duration == route.end - route.start
    assert solution.unplanned == ()


def test_break_that_leaves_no_time_for_a_window_makes_the_job_unplanned():
    # A must start by 700; the 600 s break must start at 0-100 and lasts until >= 600,
    # then the 5-unit drive (300 s) arrives at >= 900: too late.
    problem = grid_problem(
        [(0, 0), (5, 0)],
        [Job("A", 1, window=window(0, 700))],
        [Vehicle("v1", 0, 0, shift=window(0, 3600), breaks=(Break(window(0, 100), 600),))],
    )
    solution = run(problem)
    assert codes(solution) == {"A": reasons.LEFT_OUT}


def test_solver_info_names_vroom(with_lunch):
    info = solve(with_lunch, seed=7, time_limit_s=0.5).solver
    assert info["name"] == "vroom"
    assert info["version"] == importlib.metadata.version("pyvroom")
    assert info["seed"] == 7
    assert info["time_limit_s"] == 0.5


def test_same_problem_same_plan(with_lunch):
    assert solve(with_lunch, seed=1).routes == solve(with_lunch, seed=2).routes


@pytest.mark.parametrize("dim", [0, 1, 2], ids=["weight", "volume", "items"])
def test_capacity_is_honoured_in_each_dimension(dim):
    demand = tuple(6 if i == dim else 0 for i in range(3))
    capacity = tuple(10 if i == dim else BIG for i in range(3))
    problem = grid_problem(
        [(0, 0), (1, 0), (2, 0)],
        [Job("a", 1, demand=demand), Job("b", 2, demand=demand)],
        [
            Vehicle("v1", 0, 0, capacity=capacity, breaks=(LUNCH,)),
            Vehicle("v2", 0, 0, capacity=capacity, breaks=(LUNCH,)),
        ],
    )
    solution = run(problem)
    assert sorted(len(r) for r in order(solution)) == [1, 1]
    assert all(len(r.breaks) == 1 for r in solution.routes if r.stops)


def test_skills_send_a_job_to_the_vehicle_that_has_them():
    problem = grid_problem(
        [(0, 0), (1, 0), (2, 0)],
        [Job("cold", 1, skills=frozenset({"fridge"})), Job("plain", 2)],
        [
            Vehicle("v1", 0, 0, breaks=(LUNCH,)),
            Vehicle("v2", 0, 0, skills=frozenset({"fridge", "lift"}), breaks=(LUNCH,)),
        ],
    )
    solution = run(problem)
    assert check(problem, solution) == []
    holder = next(r.vehicle_id for r in solution.routes for s in r.stops if s.job_id == "cold")
    assert holder == "v2"


def test_impossible_jobs_come_back_with_the_precheck_reason():
    problem = grid_problem(
        [(0, 0), (1, 0), (50, 0)],
        [
            Job("heavy", 1, demand=(20, 0, 0)),
            Job("skill", 1, skills=frozenset({"crane"})),
            Job("far", 2, window=window(0, 600)),
            Job("ok", 1),
        ],
        [Vehicle("v1", 0, 0, capacity=(10, BIG, BIG), breaks=(LUNCH,))],
    )
    solution = run(problem)
    assert codes(solution) == {
        "heavy": reasons.OVER_CAPACITY,
        "skill": reasons.NO_SKILLED_VEHICLE,
        "far": reasons.UNREACHABLE,
    }
    assert order(solution) == [["ok"]]


def test_required_job_wins_over_an_optional_one_when_only_one_fits():
    problem = grid_problem(
        [(0, 0), (1, 0), (2, 0)],
        [
            Job("opt", 1, demand=(6, 0, 0), required=False, priority=50),
            Job("req", 2, demand=(6, 0, 0)),
        ],
        [Vehicle("v1", 0, 0, capacity=(10, BIG, BIG), breaks=(LUNCH,))],
    )
    solution = run(problem)
    assert check(problem, solution) == []
    assert order(solution) == [["req"]]
    assert codes(solution) == {"opt": reasons.OPTIONAL_DROPPED}


def test_pickup_and_delivery_ride_together_pickup_first():
    problem = grid_problem(
        [(0, 0), (3, 0), (0, 3)],
        [Job("P", 1, service=30, demand=(5, 0, 0)), Job("D", 2, service=30, pickup="P")],
        [Vehicle("v1", 0, 0, capacity=(5, BIG, BIG), breaks=(LUNCH,))],
    )
    solution = run(problem)
    assert check(problem, solution) == []
    assert order(solution) == [["P", "D"]]


def test_max_duration_is_honoured_even_though_vroom_only_bounds_travel():
    # 2 units of travel (120 s) but 1000 s of service: only max_duration stops it.
    problem = grid_problem(
        [(0, 0), (1, 0)],
        [Job("a", 1, service=1000), Job("b", 1, service=1000)],
        [
            Vehicle("v1", 0, 0, max_duration=1500, breaks=(Break(window(0, 5000), 10),)),
            Vehicle("v2", 0, 0, max_duration=1500, breaks=(Break(window(0, 5000), 10),)),
        ],
    )
    solution = run(problem)
    assert check(problem, solution) == []
    assert sorted(len(r) for r in order(solution)) == [1, 1]


def test_break_outside_every_shift_is_the_callers_mistake():
    problem = grid_problem(
        [(0, 0), (1, 0)],
        [Job("a", 1)],
        [Vehicle("v1", 0, 0, shift=window(0, 1000), breaks=(Break(window(5000, 6000), 60),))],
    )
    with pytest.raises(InvalidProblem):
        solve(problem, time_limit_s=0.5)


# The checker's break rules, on the plan VROOM made for ``with_lunch`` (break 500-700).


def _broken(problem: Problem, **changes: object) -> list[str]:
    solution = solve(problem, time_limit_s=0.5)
    route = replace(solution.routes[0], **changes)  # type: ignore[arg-type]
    bad = replace(solution, routes=(route,))
    return [v.message for v in check(problem, bad) if v.kind == BREAK]


def test_check_flags_a_missing_break(with_lunch):
    assert any("0 breaks planned" in m for m in _broken(with_lunch, breaks=()))


def test_check_flags_a_break_outside_its_window_or_too_short(with_lunch):
    messages = _broken(with_lunch, breaks=((800, 900),))
    assert any("window 500-700" in m for m in messages)
    assert any("needs 300" in m for m in messages)


def test_check_flags_a_break_that_overlaps_service_or_eats_the_drive(with_lunch):
    solution = solve(with_lunch, time_limit_s=0.5)
    b, a = solution.routes[0].stops
    # During B's service.
    assert any("while" in m for m in _broken(with_lunch, breaks=((b.start, b.start + 300),)))
    # Between B and A, in its window and long enough, but 900 s of rest plus the 600 s
    # drive do not fit between B's departure and A's service start at 1500.
    assert b.departure > 0 and a.start == 1500
    broken = _broken(with_lunch, breaks=((500, 1400),))
    assert broken and all("cannot hold" in m for m in broken)
