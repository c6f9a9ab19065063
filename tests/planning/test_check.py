"""The independent checker accepts a feasible plan and names each kind of violation on
hand-broken copies of it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from doorstep.planning import check as kinds
from doorstep.planning.check import check, recompute_distance
from doorstep.planning.model import Job, PlannedRoute, Problem, Solution, Unplanned, Vehicle
from tests.planning.builders import grid_problem, route_for, window

BIG = 2**31 - 1


@pytest.fixture
def depot_run() -> Problem:
    """Two vans from (0, 0); the second ends at (6, 0). A pickup pair rides on v1."""
    return grid_problem(
        [(0, 0), (1, 0), (2, 0), (3, 0), (0, 2), (6, 0)],
        [
            Job("a", 1, service=60, window=window(0, 1000), demand=(4, 1, 1)),
            Job("p", 2, service=30, demand=(3, 0, 0)),
            Job("d", 3, service=30, demand=(3, 0, 0), pickup="p"),
            Job("b", 4, service=60, window=window(500, 900), demand=(2, 2, 2)),
            Job("opt", 4, required=False),
        ],
        [
            Vehicle("v1", 0, 0, capacity=(10, 5, 5), shift=window(0, 3600)),
            Vehicle(
                "v2",
                0,
                5,
                capacity=(10, 5, 5),
                shift=window(0, 3600),
                max_duration=1500,
                skills=frozenset({"fridge"}),
            ),
        ],
    )


@pytest.fixture
def feasible(depot_run: Problem) -> Solution:
    return Solution(
        routes=(
            route_for(depot_run, "v1", ["a", "p", "d"], start=0),
            route_for(depot_run, "v2", ["b"], start=400),
        ),
        unplanned=(Unplanned("opt", "optional_dropped: not worth it"),),
    )


def kinds_of(problem: Problem, solution: Solution) -> set[str]:
    return {v.kind for v in check(problem, solution)}


def with_route(solution: Solution, index: int, route: PlannedRoute) -> Solution:
    routes = list(solution.routes)
    routes[index] = route
    return replace(solution, routes=tuple(routes))


def with_stop(solution: Solution, route: int, stop: int, **changes: int | str) -> Solution:
    r = solution.routes[route]
    stops = list(r.stops)
    stops[stop] = replace(stops[stop], **changes)  # type: ignore[arg-type]
    return with_route(solution, route, replace(r, stops=tuple(stops)))


def test_a_feasible_plan_has_no_violations(depot_run, feasible):
    assert check(depot_run, feasible) == []
    # (0,0)->1->2->3->(0,0): 6 units; (0,0)->(0,2)->(6,0): 2 + 8 units; 100 m a unit
    assert recompute_distance(depot_run, feasible) == feasible.distance == 1600


def test_missing_required_job(depot_run, feasible):
    broken = with_route(feasible, 1, route_for(depot_run, "v2", [], start=400))
    assert kinds_of(depot_run, broken) == {kinds.MISSING}


def test_required_job_reported_unplanned(depot_run, feasible):
    broken = replace(
        with_route(feasible, 1, route_for(depot_run, "v2", [], start=400)),
        unplanned=(*feasible.unplanned, Unplanned("b", "left_out: no room")),
    )
    assert kinds_of(depot_run, broken) == {kinds.UNPLANNED_REQUIRED}


def test_job_planned_twice(depot_run, feasible):
    broken = with_route(feasible, 1, route_for(depot_run, "v2", ["b", "a"], start=400))
    assert kinds.DUPLICATE in kinds_of(depot_run, broken)


def test_job_planned_and_unplanned(depot_run, feasible):
    broken = replace(feasible, unplanned=(*feasible.unplanned, Unplanned("a", "x")))
    assert kinds.DUPLICATE in kinds_of(depot_run, broken)


def test_unknown_job_and_vehicle(depot_run, feasible):
    assert kinds.UNKNOWN_JOB in kinds_of(depot_run, with_stop(feasible, 1, 0, job_id="zzz"))
    broken = with_route(feasible, 1, replace(feasible.routes[1], vehicle_id="ghost"))
    assert kinds.UNKNOWN_VEHICLE in kinds_of(depot_run, broken)


def test_vehicle_used_twice_and_too_many_routes(depot_run, feasible):
    extra = route_for(depot_run, "v1", [], start=0)
    broken = replace(feasible, routes=(*feasible.routes, extra))
    assert {kinds.VEHICLE_REUSED, kinds.TOO_MANY_ROUTES} <= kinds_of(depot_run, broken)


def test_stop_at_the_wrong_place(depot_run, feasible):
    assert kinds.LOCATION in kinds_of(depot_run, with_stop(feasible, 1, 0, location=2))


def test_vehicle_without_the_skill(depot_run, feasible):
    problem = replace(
        depot_run,
        jobs=tuple(
            replace(j, skills=frozenset({"fridge"})) if j.id == "a" else j for j in depot_run.jobs
        ),
    )
    assert kinds_of(problem, feasible) == {kinds.SKILLS}


def test_service_outside_the_window(depot_run, feasible):
    late = with_stop(feasible, 1, 0, start=950, departure=1010)
    assert kinds.WINDOW in kinds_of(depot_run, late)
    early = route_for(depot_run, "v2", ["b"], start=0)
    early = replace(early, stops=(replace(early.stops[0], start=120, departure=180),))
    assert kinds.WINDOW in kinds_of(depot_run, with_route(feasible, 1, early))


@pytest.mark.parametrize(("dim", "name"), [(0, "weight_g"), (1, "volume_l"), (2, "items")])
def test_capacity_in_each_dimension(depot_run, feasible, dim, name):
    capacity = tuple(0 if i == dim else c for i, c in enumerate((10, 5, 5)))
    problem = replace(
        depot_run,
        vehicles=(replace(depot_run.vehicles[0], capacity=capacity), depot_run.vehicles[1]),
    )
    violations = check(problem, feasible)
    assert {v.kind for v in violations} == {kinds.CAPACITY}
    assert name in violations[0].message


def test_pickup_load_counts_only_while_on_board(depot_run, feasible):
    # a (4) leaves from the depot, the pair (3) is on board between p and d: peak 4, not 7
    problem = replace(
        depot_run,
        vehicles=(replace(depot_run.vehicles[0], capacity=(4, 5, 5)), depot_run.vehicles[1]),
    )
    assert check(problem, feasible) == []


def test_shift_start_and_end(depot_run, feasible):
    early = route_for(depot_run, "v1", ["a", "p", "d"], start=0)
    problem = replace(
        depot_run,
        vehicles=(replace(depot_run.vehicles[0], shift=window(10, 400)), depot_run.vehicles[1]),
    )
    violations = [
        v for v in check(problem, with_route(feasible, 0, early)) if v.kind == kinds.SHIFT
    ]
    assert len(violations) == 2  # leaves before 10, back after 400


def test_max_duration(depot_run, feasible):
    slow = route_for(depot_run, "v2", ["b"], start=0)  # waits until 500 at b
    problem = replace(
        depot_run,
        vehicles=(depot_run.vehicles[0], replace(depot_run.vehicles[1], max_duration=900)),
    )
    assert kinds_of(problem, with_route(feasible, 1, slow)) == {kinds.MAX_DURATION}


def test_impossible_times(depot_run, feasible):
    too_soon = with_stop(feasible, 0, 1, arrival=10, start=10, departure=40)
    assert kinds.TIMING in kinds_of(depot_run, too_soon)
    short_service = with_stop(feasible, 1, 0, departure=feasible.routes[1].stops[0].start + 1)
    assert kinds.TIMING in kinds_of(depot_run, short_service)
    home_early = with_route(feasible, 1, replace(feasible.routes[1], end=600, duration=200))
    assert kinds.TIMING in kinds_of(depot_run, home_early)


def test_wrong_distance_and_duration(depot_run, feasible):
    r = feasible.routes[0]
    assert kinds_of(depot_run, with_route(feasible, 0, replace(r, distance=1))) == {kinds.DISTANCE}
    assert kinds_of(depot_run, with_route(feasible, 0, replace(r, duration=1))) == {kinds.DURATION}


def test_pickup_after_delivery_or_on_another_route(depot_run, feasible):
    swapped = with_route(feasible, 0, route_for(depot_run, "v1", ["a", "d", "p"], start=0))
    assert kinds.PAIR in kinds_of(depot_run, swapped)
    split = replace(
        feasible,
        routes=(
            route_for(depot_run, "v1", ["a", "p"], start=0),
            route_for(depot_run, "v2", ["d", "b"], start=0),
        ),
    )
    assert kinds.PAIR in kinds_of(depot_run, split)
