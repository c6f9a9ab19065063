"""Only ETA changes someone would notice are published."""

from __future__ import annotations

import random

from doorstep.eta.model import RouteEta, StopEta
from doorstep.eta.publish import ChangeGate
from tests.eta.routes import at, line_route

NOON = at(4 * 3600).timestamp()


def stop(stop_id: str, eta: float, *, away: int = 1, half: float = 300.0) -> StopEta:
    return StopEta(stop_id, eta, eta - half, eta + half, away, None, 600.0)


def route(*stops: StopEta, route_id: str = "r1") -> RouteEta:
    return RouteEta(route_id, NOON, stops, False, 1.0, NOON)


def test_the_first_refresh_publishes_every_stop():
    gate = ChangeGate()
    published = gate.review(route(stop("a", NOON + 600), stop("b", NOON + 900, away=2)))
    assert [s.stop_id for s in published.changed] == ["a", "b"]
    assert published.withdrawn == ()


def test_a_move_under_the_threshold_is_not_published():
    gate = ChangeGate(threshold_s=60.0)
    gate.review(route(stop("a", NOON + 600)))
    quiet = gate.review(route(stop("a", NOON + 645)))
    assert not quiet
    assert quiet.changed == ()


def test_a_move_over_the_threshold_is_published():
    gate = ChangeGate(threshold_s=60.0)
    gate.review(route(stop("a", NOON + 600)))
    assert gate.review(route(stop("a", NOON + 661))).changed[0].eta_s == NOON + 661


def test_small_moves_add_up_against_what_was_last_published():
    gate = ChangeGate(threshold_s=60.0)
    gate.review(route(stop("a", NOON + 600)))
    published = [bool(gate.review(route(stop("a", NOON + 600 + 25 * k)))) for k in range(1, 6)]
    assert published == [False, False, True, False, False]  # +75 s from the first, then +50


def test_crossing_the_promised_window_end_is_published_however_small_the_move():
    plan = line_route(1, window_s=(0.0, 3600.0))
    gate = ChangeGate(threshold_s=60.0)
    gate.promise_plan(plan)
    end = at(3600).timestamp()
    gate.review(route(stop("s0", end - 10)))
    crossed = gate.review(route(stop("s0", end + 10)))
    assert [s.eta_s for s in crossed.changed] == [end + 10]


def test_crossing_the_window_start_is_published_too():
    gate = ChangeGate(threshold_s=60.0)
    gate.promise_plan(line_route(1, window_s=(1800.0, 3600.0)))
    start = at(1800).timestamp()
    gate.review(route(stop("s0", start - 5)))
    assert gate.review(route(stop("s0", start + 5)))


def test_a_window_edge_moving_is_published_and_can_be_ignored():
    watching, blind = ChangeGate(), ChangeGate(watch_window_edges=False)
    for gate in (watching, blind):
        gate.review(route(stop("a", NOON + 600, half=300.0)))
    assert watching.review(route(stop("a", NOON + 600, half=400.0)))
    assert not blind.review(route(stop("a", NOON + 600, half=400.0)))


def test_a_change_in_stops_away_is_published():
    gate = ChangeGate()
    gate.review(route(stop("a", NOON + 600, away=3)))
    assert gate.review(route(stop("a", NOON + 600, away=2)))
    quiet = ChangeGate(watch_stops_away=False)
    quiet.review(route(stop("a", NOON + 600, away=3)))
    assert not quiet.review(route(stop("a", NOON + 600, away=2)))


def test_a_stop_that_left_the_route_is_withdrawn_once():
    gate = ChangeGate()
    gate.review(route(stop("a", NOON + 600), stop("b", NOON + 900, away=2)))
    first = gate.review(route(stop("b", NOON + 900, away=2)))
    assert first.withdrawn == ("a",)
    assert first.changed == ()  # stops_away unchanged here
    assert gate.review(route(stop("b", NOON + 900, away=2))).withdrawn == ()


def test_routes_are_remembered_apart_and_forgotten_on_request():
    gate = ChangeGate()
    gate.review(route(stop("a", NOON + 600), route_id="r1"))
    assert gate.review(route(stop("a", NOON + 600), route_id="r2"))
    gate.forget("r1")
    assert gate.review(route(stop("a", NOON + 600), route_id="r1"))


def _naive_moved(before: StopEta, after: StopEta, window: tuple[float, float]) -> bool:
    def side(eta: float) -> int:
        return -1 if eta < window[0] else 1 if eta > window[1] else 0

    return (
        abs(after.eta_s - before.eta_s) > 60.0
        or abs(after.earliest_s - before.earliest_s) > 60.0
        or abs(after.latest_s - before.latest_s) > 60.0
        or after.stops_away != before.stops_away
        or side(before.eta_s) != side(after.eta_s)
    )


def test_the_gate_publishes_exactly_what_the_rules_say():
    rng = random.Random(21)
    gate = ChangeGate(threshold_s=60.0)
    gate.promise_plan(line_route(1, window_s=(1800.0, 3600.0)))
    window = (at(1800).timestamp(), at(3600).timestamp())
    for _ in range(5000):
        eta = (
            window[0]
            + rng.choice((-1, 1)) * rng.choice((0.0, 1e-6, 30.0))
            + rng.choice((0.0, 1800.0))
            + rng.uniform(-120, 120)
        )
        before = StopEta("s0", eta, eta - 300, eta + 400, 2, None, 600.0)
        move = rng.choice((0.0, 59.0, 60.0, 61.0, rng.uniform(-130, 130)))
        after = StopEta(
            "s0",
            eta + move,
            eta - 300 + rng.choice((0.0, 10.0, 70.0)),
            eta + 400 + rng.choice((0.0, -10.0, -70.0)),
            rng.choice((2, 2, 2, 1)),
            None,
            590.0,
        )
        assert gate.moved(before, after) == _naive_moved(before, after, window)


def test_the_position_going_stale_or_fresh_again_publishes_every_stop():
    gate = ChangeGate()
    fresh = route(stop("a", NOON + 600), stop("b", NOON + 900, away=2))
    gate.review(fresh)
    stale = fresh._replace(position_stale=True)
    assert [s.stop_id for s in gate.review(stale).changed] == ["a", "b"]
    assert not gate.review(stale)  # said once
    assert [s.stop_id for s in gate.review(fresh).changed] == ["a", "b"]
