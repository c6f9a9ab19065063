import statistics
from datetime import UTC, datetime, timedelta

import pytest

from doorstep.sim import Scenario, StopCompleted, builtin_scenario, simulate

from .conftest import line_route, quiet

START = datetime(2024, 3, 12, 6, 0, tzinfo=UTC)


def many_stops(vans: int = 4, stops: int = 100, **kw):
    return [line_route(f"van{v}", START, stops, spacing_m=50.0, **kw) for v in range(vans)]


def test_failed_deliveries_happen_at_roughly_the_configured_rate():
    events, truth = simulate(many_stops(), quiet(failures={"probability": 0.2}))
    outcomes = [e.outcome for e in events if isinstance(e, StopCompleted)]
    assert len(outcomes) == 400
    rate = outcomes.count("failed") / len(outcomes)
    assert 0.12 < rate < 0.28
    assert [s.outcome for s in truth.stops].count("failed") == outcomes.count("failed")


def test_a_failed_delivery_says_why_and_a_delivered_one_does_not():
    data = quiet(failures={"probability": 0.5}).model_dump()
    data["failures"]["reasons"] = {"nobody_home": 1.0}
    scenario = Scenario.model_validate(data)
    events, _ = simulate(many_stops(vans=1, stops=40), scenario)
    done = [e for e in events if isinstance(e, StopCompleted)]
    assert {e.reason for e in done if e.outcome == "failed"} == {"nobody_home"}
    assert {e.reason for e in done if e.outcome == "delivered"} == {None}


def test_no_failures_when_the_rate_is_zero():
    events, _ = simulate(many_stops(vans=1, stops=50), quiet())
    assert {e.outcome for e in events if isinstance(e, StopCompleted)} == {"delivered"}


def test_service_times_are_right_skewed_around_the_planned_time():
    scenario = quiet(service={"sigma": 0.6, "min_s": 1.0})
    _, truth = simulate(many_stops(service_s=120.0), scenario)
    seconds = [s.service_s for s in truth.stops]
    assert statistics.median(seconds) == pytest.approx(120.0, rel=0.15)
    assert statistics.mean(seconds) > 1.1 * statistics.median(seconds)
    assert max(seconds) > 3 * 120.0


def test_the_slow_service_scenario_keeps_drivers_longer_at_the_door():
    routes = many_stops(vans=2, stops=60)
    _, default = simulate(routes, builtin_scenario("default"))
    _, slow = simulate(routes, builtin_scenario("slow_service"))
    delivered = [
        statistics.median(s.service_s for s in t.stops if s.outcome == "delivered")
        for t in (default, slow)
    ]
    assert delivered[1] > 1.3 * delivered[0]


def test_a_customer_is_slow_or_quick_on_every_day():
    scenario = quiet(service={"sigma": 0.2, "customer_sigma": 0.8})
    routes = many_stops(vans=1, stops=60)
    days = [simulate(routes, scenario, seed=seed)[1] for seed in (1, 2)]
    first, second = ([s.service_s for s in day.stops] for day in days)
    assert first != second  # a different day...
    assert statistics.correlation(first, second) > 0.7  # ...the same customers


def test_an_early_van_waits_for_the_window_to_open():
    opens = START + timedelta(hours=2)
    route = line_route("van", START, 1, windows=[(opens, opens + timedelta(hours=2))])
    _, truth = simulate([route], quiet())
    stop = truth.stops[0]
    assert stop.arrived < opens
    assert stop.service_started == opens
    assert stop.waited_s > 3600


def test_a_driver_who_does_not_wait_starts_at_once():
    opens = START + timedelta(hours=2)
    route = line_route("van", START, 1, windows=[(opens, opens + timedelta(hours=2))])
    _, truth = simulate([route], quiet(drivers={"wait_for_window": False}))
    assert truth.stops[0].service_started == truth.stops[0].arrived


def test_breaks_come_after_the_configured_hours():
    scenario = quiet(breaks={"enabled": True, "after_hours": 1.0})
    _, truth = simulate(many_stops(vans=1, stops=100), scenario)
    route = truth.routes[0]
    assert route.finished - route.started > timedelta(hours=4)
    assert len(route.breaks) >= 2
    previous_end = route.started
    for start, end in route.breaks:
        assert start - previous_end >= timedelta(hours=1)
        assert end - start == pytest.approx(timedelta(minutes=30), abs=timedelta(minutes=10))
        previous_end = end
