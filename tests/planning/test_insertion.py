"""Urgent-job insertion: the O(1) feasibility test agrees with re-timing the route."""

from __future__ import annotations

import itertools
import random

from doorstep.planning.insertion import (
    ActiveRoute,
    ActiveStop,
    NewJob,
    insert,
    options,
    schedule,
)
from doorstep.planning.model import TimeWindow


# A line of locations 0..9, 60 s apart; location 99 is the new job, 30 s off location 2.
def _line(a: int, b: int) -> int:
    if a == 99 or b == 99:
        other = b if a == 99 else a
        return 30 + 60 * abs(other - 2)
    return 60 * abs(a - b)


def _route(stops, position=0, ready_at=0, end=0, shift_end=10**9, spare=()):
    locations = [position] + [s.location for s in stops] + ([end] if end is not None else [])
    legs = tuple(_line(a, b) for a, b in itertools.pairwise(locations))
    return ActiveRoute("r", position, ready_at, tuple(stops), legs, end, shift_end, spare)


def _to_from(locations):
    return ({loc: _line(loc, 99) for loc in locations}, {loc: _line(99, loc) for loc in locations})


def test_the_cheapest_place_is_next_to_the_nearest_stop():
    route = _route([ActiveStop("a", 1), ActiveStop("b", 2), ActiveStop("c", 3)])
    to_job, from_job = _to_from(range(10))
    best = options([route], NewJob(99), to_job, from_job, limit=1)[0]
    assert best.feasible
    assert best.position in (1, 2)  # on either side of b, the stop 30 s away
    assert best.added_drive == 60


def test_stops_that_get_later_are_listed_with_their_delay():
    route = _route([ActiveStop("a", 1), ActiveStop("b", 2), ActiveStop("c", 3)])
    to_job, from_job = _to_from(range(10))
    best = options([route], NewJob(99, service=120), to_job, from_job, limit=1)[0]
    delays = {d.stop_id: d.seconds for d in best.delays}
    assert delays == {"c": 180} or delays == {"b": 180, "c": 180}


def test_an_insertion_that_breaks_a_window_is_flagged_and_ranked_last():
    tight = ActiveStop("b", 2, window=TimeWindow(0, 120))
    route = _route([ActiveStop("a", 1), tight, ActiveStop("c", 5)])
    to_job, from_job = _to_from(range(10))
    ranked = options([route], NewJob(99, service=600), to_job, from_job, limit=10)
    assert ranked[0].feasible
    assert ranked[0].position >= 2  # after the tight stop
    broken = [o for o in ranked if not o.feasible]
    assert broken and all("stop b would miss its window" in " ".join(o.problems) for o in broken)
    assert all(o.feasible for o in ranked[: len(ranked) - len(broken)])


def test_the_new_jobs_own_window_is_respected():
    route = _route([ActiveStop("a", 1), ActiveStop("b", 8)])
    to_job, from_job = _to_from(range(10))
    ranked = options([route], NewJob(99, window=TimeWindow(0, 200)), to_job, from_job, limit=5)
    assert ranked[0].feasible and ranked[0].position == 1 and ranked[0].start == 150
    late = [o for o in ranked if o.position == 2]
    assert late and not late[0].feasible
    assert "the new job would miss its own window" in late[0].problems[0]


def test_nothing_is_inserted_before_a_locked_stop():
    route = _route([ActiveStop("a", 2), ActiveStop("b", 3, locked=True), ActiveStop("c", 4)])
    to_job, from_job = _to_from(range(10))
    ranked = options([route], NewJob(99), to_job, from_job, limit=10)
    assert {o.position for o in ranked} == {2, 3}


def test_a_full_vehicle_is_not_offered():
    route = _route([ActiveStop("a", 1)], spare=(5,))
    to_job, from_job = _to_from(range(10))
    ranked = options([route], NewJob(99, demand=(6,)), to_job, from_job)
    assert ranked and not any(o.feasible for o in ranked)
    assert "no room" in ranked[0].problems[-1]


def test_the_shift_end_counts():
    route = _route([ActiveStop("a", 1)], shift_end=150)
    to_job, from_job = _to_from(range(10))
    ranked = options([route], NewJob(99, service=300), to_job, from_job)
    assert not any(o.feasible for o in ranked)


def test_the_best_route_is_chosen_among_many():
    near = _route([ActiveStop("n1", 2), ActiveStop("n2", 3)])
    far = ActiveRoute("far", 9, 0, (ActiveStop("f1", 9),), (0, 540), 0)
    to_job, from_job = _to_from(range(10))
    best = options([far, near], NewJob(99), to_job, from_job, limit=1)[0]
    assert best.route_id == "r"


def test_fast_feasibility_agrees_with_retiming_on_random_routes():
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(0, 8)
        stops = []
        for k in range(n):
            start = rng.randint(0, 2000)
            window = TimeWindow(start, start + rng.randint(0, 1500)) if rng.random() < 0.7 else None
            stops.append(ActiveStop(f"s{k}", rng.randint(0, 9), rng.randint(0, 300), window))
        end = rng.choice([0, None])
        route = _route(
            stops,
            position=rng.randint(0, 9),
            ready_at=rng.randint(0, 500),
            end=end,
            shift_end=rng.randint(1500, 6000),
        )
        to_job, from_job = _to_from(range(10))
        jstart = rng.randint(0, 3000)
        job = NewJob(99, rng.randint(0, 300), TimeWindow(jstart, jstart + rng.randint(0, 2000)))
        for option in options([route], job, to_job, from_job, limit=100):
            after = schedule(
                insert(
                    route,
                    option.position,
                    ActiveStop("j", 99, job.service, job.window),
                    to_job,
                    from_job,
                )
            )
            ok = after.finish <= route.shift_end and all(
                s.window is None or start <= s.window.end
                for s, start in zip(
                    (
                        *route.stops[: option.position],
                        ActiveStop("j", 99, job.service, job.window),
                        *route.stops[option.position :],
                    ),
                    after.starts,
                    strict=True,
                )
            )
            if route.end is None:
                ok = (
                    ok
                    and (
                        after.starts[-1]
                        + (([*route.stops[option.position :], None][-1] and 0) or 0)
                    )
                    >= 0
                )
            assert option.feasible == ok, (route, job, option)
