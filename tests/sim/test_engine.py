from collections import Counter
from datetime import timedelta

import pytest

from doorstep.sim import (
    BreakEnded,
    BreakStarted,
    FixEmitted,
    RouteFinished,
    RouteStarted,
    Scenario,
    Simulation,
    StopArrived,
    StopCompleted,
    StopDeparted,
    simulate,
)

from .conftest import quiet


@pytest.fixture(scope="module")
def day(routes):
    sim = Simulation(routes, Scenario(seed=11))
    events = sim.run()
    return events, sim.ground_truth()


def test_the_same_seed_gives_the_same_stream(routes, day):
    again, _ = simulate(routes, Scenario(seed=11))
    assert again == day[0]


def test_a_different_seed_gives_a_different_stream(routes, day):
    other, _ = simulate(routes, Scenario(seed=11), seed=12)
    assert other != day[0]
    arrivals = [e.time for e in day[0] if isinstance(e, StopArrived)]
    assert arrivals != [e.time for e in other if isinstance(e, StopArrived)]


def test_events_come_in_time_order(day):
    times = [e.time for e in day[0]]
    assert times == sorted(times)
    assert all(t.tzinfo is not None for t in times)


def test_stepping_in_wall_clock_slices_gives_the_same_stream(routes, day):
    sim = Simulation(routes, Scenario(seed=11))
    sliced = []
    moment = sim.start
    while not sim.done:
        moment += timedelta(seconds=90)  # e.g. 1.5 s of wall time at 60x
        step = sim.step_until(moment)
        assert all(e.time <= moment for e in step)
        next_time = sim.next_time()
        assert next_time is None or next_time > moment
        sliced += step
    assert sliced == day[0]


def test_every_stop_gets_exactly_one_arrival_completion_and_departure(routes, day):
    events, truth = day
    stop_ids = {(r.vehicle_key, s.stop_id) for r in routes for s in r.stops}
    for kind in (StopArrived, StopCompleted, StopDeparted):
        seen = Counter((e.vehicle_key, e.stop_id) for e in events if isinstance(e, kind))
        assert set(seen) == stop_ids
        assert set(seen.values()) == {1}
    assert {(s.vehicle_key, s.stop_id) for s in truth.stops} == stop_ids


def test_each_van_starts_and_finishes_once_and_reports_only_in_between(routes, day):
    events, _ = day
    for route in routes:
        mine = [e for e in events if e.vehicle_key == route.vehicle_key]
        assert isinstance(mine[0], RouteStarted)
        assert isinstance(mine[-1], RouteFinished)
        assert sum(isinstance(e, (RouteStarted, RouteFinished)) for e in mine) == 2


def test_a_stop_is_arrived_at_then_completed_then_departed(day):
    events, _ = day
    order = {}
    for e in events:
        if isinstance(e, (StopArrived, StopCompleted, StopDeparted)):
            order.setdefault(e.stop_id, []).append(type(e))
    assert set(map(tuple, order.values())) == {(StopArrived, StopCompleted, StopDeparted)}


def test_the_ground_truth_arrivals_are_the_arrival_events(day):
    events, truth = day
    arrived = {(e.vehicle_key, e.stop_id): e.time for e in events if isinstance(e, StopArrived)}
    assert truth.arrivals() == arrived
    for stop in truth.stops:
        assert stop.arrived <= stop.service_started < stop.completed <= stop.departed


def test_vans_follow_the_plan_unless_a_driver_swapped_two_stops(routes, day):
    _, truth = day
    for route, actual in zip(routes, truth.routes, strict=True):
        planned = [s.stop_id for s in route.stops]
        assert sorted(actual.visit_order) == sorted(planned)
        if not actual.swapped:
            assert list(actual.visit_order) == planned


def test_swapped_stops_are_still_each_visited_once(routes):
    scenario = quiet(drivers={"swap_probability": 0.5})
    events, truth = simulate(routes, scenario)
    assert any(r.swapped for r in truth.routes)
    arrivals = Counter((e.vehicle_key, e.stop_id) for e in events if isinstance(e, StopArrived))
    assert set(arrivals.values()) == {1}
    assert len(arrivals) == sum(len(r.stops) for r in routes)
    for r in truth.routes:
        for first, second in r.swapped:
            order = list(r.visit_order)
            assert order.index(second) == order.index(first) - 1


def test_a_long_day_has_a_break_in_its_middle(day):
    events, truth = day
    for route in truth.routes:
        assert route.finished is not None
        if route.finished - route.started > timedelta(hours=4.5):
            assert len(route.breaks) >= 1
            start, end = route.breaks[0]
            assert start - route.started >= timedelta(hours=4.5)
            assert timedelta(minutes=20) < end - start < timedelta(minutes=45)
    started = Counter(e.vehicle_key for e in events if isinstance(e, BreakStarted))
    ended = Counter(e.vehicle_key for e in events if isinstance(e, BreakEnded))
    assert started == ended == Counter({r.vehicle_key: len(r.breaks) for r in truth.routes})


def test_a_simulation_of_no_routes_is_empty():
    sim = Simulation([])
    assert sim.run() == []
    assert sim.done
    assert sim.ground_truth().stops == ()


def test_two_routes_may_not_share_a_vehicle(routes):
    with pytest.raises(ValueError, match="vehicle_key"):
        Simulation([routes[0], routes[0]])


def test_fixes_are_plenty_and_mostly_while_driving(day):
    events, _ = day
    fixes = [e for e in events if isinstance(e, FixEmitted)]
    assert len(fixes) > 5000
    moving = sum(e.speed_ms > 1 for e in fixes)
    assert moving > len(fixes) / 3


def test_a_stop_added_during_the_day_is_driven_where_it_was_put(provider, routes):
    """An urgent job inserted before a van's 6th planned stop: once the driver leaves
    the stop they are at, the van goes to it, then on to the 6th; the others are kept."""
    from doorstep.sim import SimStop
    from doorstep.sim.legs import provider_leg_builder

    van = routes[0]
    sim = Simulation([van], Scenario(seed=11), leg_between=provider_leg_builder(provider))
    third = van.stops[2].stop_id
    early = []
    for event in sim:
        early.append(event)
        if isinstance(event, StopArrived) and event.stop_id == third:
            break
    near = van.stops[5]
    urgent = SimStop("urgent-1", near.lat + 0.002, near.lon + 0.002, 180.0)
    before = van.stops[5].stop_id
    assert sim.add_stop(van.vehicle_key, urgent, before=before) is True
    assert sim.add_stop(van.vehicle_key, urgent, before=before) is False  # known already
    assert sim.add_stop("no-such-van", urgent) is False
    rest = list(sim)
    served = [e.stop_id for e in early + rest if isinstance(e, StopCompleted)]
    planned = [s.stop_id for s in van.stops]
    assert sorted(served) == sorted([*planned, "urgent-1"])
    assert served.index("urgent-1") == served.index(before) - 1
    arrived = next(e for e in rest if isinstance(e, StopArrived) and e.stop_id == "urgent-1")
    fixes = [e for e in rest if isinstance(e, FixEmitted) and e.time <= arrived.time]
    assert fixes and abs(fixes[-1].lat - urgent.lat) < 0.003  # it drove there
    truth = {s.stop_id: s for s in sim.ground_truth().stops}
    assert truth["urgent-1"].planned_position == 0
    assert isinstance(rest[-1], RouteFinished)
    assert sim.add_stop(van.vehicle_key, SimStop("late", near.lat, near.lon, 60.0)) is False


def test_adding_a_stop_needs_a_router_for_its_legs(routes):
    sim = Simulation([routes[1]], Scenario(seed=11))
    with pytest.raises(ValueError, match="leg_between"):
        sim.add_stop(routes[1].vehicle_key, routes[0].stops[0])
