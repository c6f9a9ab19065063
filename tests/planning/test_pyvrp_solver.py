"""The PyVRP adapter honours every constraint of the Problem, on problems small enough
to work out by hand (see ``builders``: 60 s and 100 m per grid unit)."""

from __future__ import annotations

import importlib.metadata
import random
from typing import Any

import pytest

from doorstep.planning import reasons
from doorstep.planning.check import check
from doorstep.planning.errors import InvalidProblem, UnsupportedProblem
from doorstep.planning.model import Break, Job, Problem, Solution, Vehicle
from doorstep.planning.pyvrp_solver import solve
from tests.planning.builders import grid_problem, window

FAST: dict[str, Any] = {"time_limit_s": 1.0, "max_iterations": 300}
BIG = 2**31 - 1


def run(problem: Problem, **kwargs: Any) -> Solution:
    solution = solve(problem, **{**FAST, **kwargs})
    assert check(problem, solution) == [] or all(
        v.kind == "unplanned_required" for v in check(problem, solution)
    )
    return solution


def route_of(solution: Solution, job_id: str) -> str:
    return next(r.vehicle_id for r in solution.routes for s in r.stops if s.job_id == job_id)


def order(solution: Solution) -> list[list[str]]:
    return [[s.job_id for s in r.stops] for r in solution.routes if r.stops]


def codes(solution: Solution) -> dict[str, str]:
    return {u.job_id: reasons.reason_code(u.reason) for u in solution.unplanned}


@pytest.fixture
def windows_force_order() -> Problem:
    """B closes early, A opens late: B must come first, then a wait at A."""
    return grid_problem(
        [(0, 0), (5, 0), (0, 5)],
        [
            Job("A", 1, service=60, window=window(1500, 1800)),
            Job("B", 2, service=60, window=window(0, 400)),
        ],
        [Vehicle("v1", 0, 0)],
    )


def test_time_windows_are_honoured(windows_force_order):
    solution = run(windows_force_order)
    assert order(solution) == [["B", "A"]]
    b, a = solution.routes[0].stops
    assert b.start <= 400
    assert a.arrival < 1500 <= a.start <= 1800
    assert a.departure == a.start + 60
    assert solution.unplanned == ()


@pytest.mark.parametrize("dim", [0, 1, 2], ids=["weight", "volume", "items"])
def test_capacity_is_honoured_in_each_dimension(dim):
    demand = tuple(6 if i == dim else 0 for i in range(3))
    capacity = tuple(10 if i == dim else BIG for i in range(3))
    problem = grid_problem(
        [(0, 0), (1, 0), (2, 0)],
        [Job("a", 1, demand=demand), Job("b", 2, demand=demand)],
        [Vehicle("v1", 0, 0, capacity=capacity), Vehicle("v2", 0, 0, capacity=capacity)],
    )
    solution = run(problem)
    assert sorted(len(r) for r in order(solution)) == [1, 1]


@pytest.fixture
def short_and_long_shift() -> Problem:
    """The far stop is a 1200 s round trip; only the long shift has room for it."""
    return grid_problem(
        [(0, 0), (10, 0), (1, 0)],
        [Job("far", 1), Job("near", 2)],
        [
            Vehicle("short", 0, 0, shift=window(0, 900)),
            Vehicle("long", 0, 0, shift=window(0, 3600)),
        ],
    )


def test_shift_end_is_honoured(short_and_long_shift):
    solution = run(short_and_long_shift)
    assert route_of(solution, "far") == "long"
    for route in solution.routes:
        vehicle = next(v for v in short_and_long_shift.vehicles if v.id == route.vehicle_id)
        assert vehicle.shift.start <= route.start and route.end <= vehicle.shift.end


@pytest.fixture
def capped_duration() -> Problem:
    """The far stop is a 1200 s round trip; the capped vehicle may drive 700 s."""
    return grid_problem(
        [(0, 0), (10, 0)],
        [Job("far", 1)],
        [
            Vehicle("capped", 0, 0, shift=window(0, 10_000), max_duration=700),
            Vehicle("free", 0, 0, shift=window(0, 10_000), fixed_cost=10_000),
        ],
    )


def test_max_duration_is_honoured(capped_duration):
    solution = run(capped_duration)
    assert order(solution) == [["far"]]
    assert route_of(solution, "far") == "free"


@pytest.fixture
def late_window_capped_duration() -> Problem:
    """Serving at 5000 s within 700 s on the road means leaving at about 4940 s."""
    return grid_problem(
        [(0, 0), (1, 0)],
        [Job("late", 1, service=60, window=window(5000, 5100))],
        [Vehicle("capped", 0, 0, shift=window(0, 10_000), max_duration=700)],
    )


def test_max_duration_is_met_by_leaving_late(late_window_capped_duration):
    (route,) = run(late_window_capped_duration).routes
    assert route.start >= 4900  # leaves just in time instead of waiting at the stop
    assert route.duration <= 700


@pytest.fixture
def one_way_trip() -> Problem:
    """Leaves the depot at (0, 0), ends at the depot at (10, 0)."""
    return grid_problem(
        [(0, 0), (5, 0), (10, 0)],
        [Job("mid", 1, service=30)],
        [Vehicle("v1", start=0, end=2)],
    )


def test_start_and_end_depots_may_differ(one_way_trip):
    (route,) = run(one_way_trip).routes
    assert route.distance == 1000
    assert route.end - route.start == 600 + 30


@pytest.fixture
def fridge_job() -> Problem:
    return grid_problem(
        [(0, 0), (3, 0), (0, 3)],
        [Job("cold", 1, skills=frozenset({"fridge"})), Job("dry", 2)],
        [
            Vehicle("van", 0, 0),
            Vehicle("reefer", 0, 0, skills=frozenset({"fridge"}), fixed_cost=50_000),
        ],
    )


def test_skills_restrict_vehicles(fridge_job):
    solution = run(fridge_job)
    assert route_of(solution, "cold") == "reefer"


@pytest.fixture
def optional_near_and_far() -> Problem:
    return grid_problem(
        [(0, 0), (1, 0), (200, 0), (2, 0)],
        [
            Job("near", 1, priority=1, required=False),
            Job("far", 2, priority=1, required=False),  # 40 km detour > 10 km prize
            Job("must", 3),
        ],
        [Vehicle("v1", 0, 0, shift=window(0, 100_000))],
    )


def test_optional_job_is_dropped_with_a_reason(optional_near_and_far):
    solution = run(optional_near_and_far)
    assert sorted(order(solution)[0]) == ["must", "near"]
    assert codes(solution) == {"far": reasons.OPTIONAL_DROPPED}


def test_high_priority_optional_job_is_worth_the_detour(optional_near_and_far):
    solution = run(optional_near_and_far, prize_per_priority=50_000)
    assert codes(solution) == {}


def _impossible(job: Job, **vehicle: Any) -> Problem:
    points = [(0, 0), (1, 0), (100, 0), (10, 0)]
    return grid_problem(
        points,
        [Job("ok", 1), job],
        [Vehicle("v1", 0, 0, capacity=(BIG, 10, BIG), **vehicle)],
    )


@pytest.mark.parametrize(
    ("problem", "code", "words"),
    [
        (_impossible(Job("x", 1, window=window(500, 400))), reasons.EMPTY_WINDOW, "ends before"),
        (_impossible(Job("x", 1, demand=(0, 50, 0))), reasons.OVER_CAPACITY, "volume_l"),
        (
            _impossible(Job("x", 1, skills=frozenset({"crane"}))),
            reasons.NO_SKILLED_VEHICLE,
            "crane",
        ),
        (_impossible(Job("x", 2, window=window(0, 3000))), reasons.UNREACHABLE, "window closes"),
        (_impossible(Job("x", 2), shift=window(0, 10_000)), reasons.AFTER_SHIFT, "shift ends"),
        (_impossible(Job("x", 3), max_duration=1000), reasons.TOO_LONG, "maximum route"),
    ],
    ids=["empty-window", "capacity", "skills", "unreachable", "after-shift", "too-long"],
)
def test_impossible_job_is_unplanned_with_the_right_reason(problem, code, words):
    solution = run(problem)
    assert order(solution) == [["ok"]]
    assert codes(solution) == {"x": code}
    assert words in solution.unplanned[0].reason


def test_no_vehicles_leaves_every_job_unplanned_with_a_reason():
    problem = grid_problem([(0, 0), (1, 0)], [Job("a", 1), Job("b", 1)], [])
    solution = run(problem)
    assert solution.routes == ()
    assert codes(solution) == {"a": reasons.NO_VEHICLES, "b": reasons.NO_VEHICLES}


@pytest.fixture
def two_stops_one_slot() -> Problem:
    """Both stops must be served at about 300 s, 600 s apart: one vehicle fits one."""
    return grid_problem(
        [(0, 0), (5, 0), (0, 5)],
        [
            Job("east", 1, service=60, window=window(300, 310)),
            Job("north", 2, service=60, window=window(300, 310)),
        ],
        [Vehicle("v1", 0, 0)],
    )


def test_required_job_that_does_not_fit_comes_back_as_left_out(two_stops_one_slot):
    solution = run(two_stops_one_slot)
    assert len(order(solution)[0]) == 1
    assert list(codes(solution).values()) == [reasons.LEFT_OUT]
    assert reasons.LEFT_OUT_TEXT in solution.unplanned[0].reason
    assert solution.solver["phases"] == 2


@pytest.fixture
def pickup_and_delivery() -> Problem:
    """The pair (8 units) and the plain delivery (5) only fit a 10-unit van if the
    plain one is dropped before the pickup."""
    return grid_problem(
        [(0, 0), (1, 0), (2, 0), (4, 0)],
        [
            Job("plain", 1, demand=(5, 0, 0)),
            Job("collect", 2, demand=(8, 0, 0)),
            Job("drop", 3, demand=(8, 0, 0), pickup="collect"),
        ],
        [Vehicle("v1", 0, 0, capacity=(10, BIG, BIG))],
    )


def test_pickup_precedes_its_delivery_on_one_vehicle(pickup_and_delivery):
    solution = run(pickup_and_delivery)
    assert order(solution) == [["plain", "collect", "drop"]]


def test_breaks_are_refused_clearly():
    problem = grid_problem(
        [(0, 0), (1, 0)],
        [Job("a", 1)],
        [Vehicle("v1", 0, 0, breaks=(Break(window(100, 200), 60),))],
    )
    with pytest.raises(UnsupportedProblem, match="breaks"):
        solve(problem, **FAST)


@pytest.mark.parametrize(
    ("jobs", "match"),
    [
        ([Job("a", 1), Job("a", 1)], "used twice"),
        ([Job("a", 7)], "outside"),
        ([Job("a", 1, pickup="nope")], "does not exist"),
        ([Job("a", 1, demand=(1, 2))], "demand"),
    ],
)
def test_invalid_problems_are_refused(jobs, match):
    problem = grid_problem([(0, 0), (1, 0)], jobs, [Vehicle("v1", 0, 0)])
    with pytest.raises(InvalidProblem, match=match):
        solve(problem, **FAST)


@pytest.fixture
def thirty_random_stops() -> Problem:
    rng = random.Random(7)
    points = [(0, 0)] + [(rng.randint(-20, 20), rng.randint(-20, 20)) for _ in range(30)]
    jobs = [Job(f"j{i}", i, service=120, demand=(rng.randint(1, 5), 0, 0)) for i in range(1, 31)]
    vehicles = [Vehicle(f"v{k}", 0, 0, capacity=(30, BIG, BIG)) for k in range(5)]
    return grid_problem(points, jobs, vehicles)


def test_seeded_runs_are_reproducible(thirty_random_stops):
    first = run(thirty_random_stops, seed=3, max_iterations=200)
    second = run(thirty_random_stops, seed=3, max_iterations=200)
    assert first.routes == second.routes
    assert first.unplanned == second.unplanned == ()


def test_solver_and_run_are_recorded(thirty_random_stops):
    solution = run(thirty_random_stops, seed=5, time_limit_s=0.3, max_iterations=None)
    info = solution.solver
    assert info["name"] == "pyvrp"
    assert info["version"] == importlib.metadata.version("pyvrp")
    assert info["seed"] == 5
    assert info["time_limit_s"] == 0.3
    assert isinstance(info["iterations"], int) and info["iterations"] > 0
    assert 0.2 <= float(info["runtime_s"]) <= 1.0
    assert info["phases"] == 1


@pytest.fixture
def required_against_optional() -> Problem:
    """Same slot, 600 s apart: only one fits, and a required job beats any priority."""
    return grid_problem(
        [(0, 0), (5, 0), (0, 5)],
        [
            Job("vip", 1, service=60, window=window(300, 310), priority=9, required=False),
            Job("must", 2, service=60, window=window(300, 310)),
        ],
        [Vehicle("v1", 0, 0)],
    )


def test_required_job_wins_over_an_optional_one(required_against_optional):
    solution = run(required_against_optional)
    assert order(solution) == [["must"]]
    assert codes(solution) == {"vip": reasons.OPTIONAL_DROPPED}
