"""Drivers who do not keep the plan's rules about windows and breaks: the engine learns
what they do instead of holding every ETA past an early stop or a due break to the rule."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from doorstep.eta.engine import EtaEngine, EtaParams, _Route
from doorstep.eta.habits import NEVER, PRIOR, DriverHabits
from doorstep.eta.model import RouteEta, ServedRoute, ServedStop
from tests.eta.routes import T0, at, fix_at, line_route


def etas(result: RouteEta | None) -> list[float]:
    assert result is not None
    return [s.eta_s - T0.timestamp() for s in result.stops]


def test_the_rules_hold_until_stops_say_otherwise() -> None:
    habits = DriverHabits()
    assert habits.wait_for_window
    assert habits.break_after_stops() == 1


def test_whether_drivers_wait_is_in_doubt_until_two_stops_show_it() -> None:
    """The rule holds for the ETA from the start; the windows keep the other way open
    while its odds are 20 % or more by the stops seen alone (Jeffreys' prior)."""
    habits = DriverHabits()
    assert habits.wait_for_window and habits.wait_in_doubt
    habits.observe_early(0.0, 1000.0, 1060.0, 60.0)  # waited: 1/4 of serving at once
    assert habits.wait_in_doubt
    habits.observe_early(0.0, 1000.0, 1060.0, 60.0)  # 1/6
    assert not habits.wait_in_doubt
    habits.observe_early(0.0, 1000.0, 120.0, 60.0)  # one served at once: 3/8
    assert habits.wait_for_window and habits.wait_in_doubt
    for _ in range(5):  # more served at once than the rule's prior and the waits
        habits.observe_early(0.0, 1000.0, 120.0, 60.0)
    assert not habits.wait_for_window
    assert not habits.wait_in_doubt  # no wait predicted: nothing to hold open


def test_only_an_arrival_early_by_well_more_than_a_service_tells_whether_drivers_wait() -> None:
    habits = DriverHabits()
    for _ in range(10):
        # Early by 200 s (under 300 s), then by 500 s with a 180 s service (under 3 of
        # them): left before the window either way, which says nothing.
        habits.observe_early(0.0, 200.0, 100.0, 60.0)
        habits.observe_early(0.0, 500.0, 240.0, 180.0)
    assert habits.wait_for_window
    for _ in range(int(PRIOR)):
        habits.observe_early(0.0, 1000.0, 120.0, 60.0)  # served at once
    assert habits.wait_for_window  # as many as the prior: the rule still holds
    habits.observe_early(0.0, 1000.0, 120.0, 60.0)
    assert not habits.wait_for_window
    for _ in range(2):
        habits.observe_early(0.0, 1000.0, 1060.0, 60.0)  # waited, then served
    assert habits.wait_for_window


def test_due_stops_driven_past_put_the_break_further_off_and_at_last_never() -> None:
    habits = DriverHabits()
    for _ in range(4):
        habits.observe_due_stop(False)
    assert habits.break_after_stops() == 2  # odds 3/7 a stop: 1 - (4/7)^2 > 1/2
    habits.observe_due_stop(True)
    assert habits.break_after_stops() == 1  # 4/8
    for _ in range(400):
        habits.observe_due_stop(False)
    assert 50 < habits.break_after_stops() < NEVER


def test_a_break_at_the_sixth_due_stop_is_expected_there_counted_from_the_due_time() -> None:
    """Ten routes: five due stops driven past, the break at the sixth. A route that has
    passed none expects it six due stops on; one that has passed four, two on (not six
    more, as odds alike at every stop would have it)."""
    habits = DriverHabits()
    for _ in range(10):
        for passed in range(5):
            habits.observe_due_stop(False, passed)
        habits.observe_due_stop(True, 5)
    assert habits.break_after_stops(0) == 6
    assert habits.break_after_stops(4) == 2
    assert habits.break_after_stops(5) == 1


def test_drivers_who_never_break_have_no_break_predicted_past_the_due_stops_seen() -> None:
    """Eight routes a day drive past every due stop (two to nine of them) for three
    days: a route that has passed three expects no break on a route of its length."""
    habits = DriverHabits()
    for _ in range(3):
        for route in range(8):
            for passed in range(2 + route):
                habits.observe_due_stop(False, passed)
    assert habits.break_after_stops(0) > 12
    assert habits.break_after_stops(3) > 20


def test_drivers_who_serve_early_customers_at_once_are_no_longer_predicted_to_wait() -> None:
    """Every stop opens at 3000 s, yet the driver serves each on arrival. From the
    fourth such stop on (one more than the rule's prior) the ETAs drop the wait."""
    engine = EtaEngine()
    engine.set_route(line_route(6, window_s=(3000.0, 7200.0)), T0)
    for k in range(4):
        arrived = 120.0 + 180.0 * k
        engine.on_stop_arrived("r1", f"s{k}", at(arrived), at(arrived))
        result = engine.on_stop_done(
            "r1",
            f"s{k}",
            arrived_at=at(arrived),
            departed_at=at(arrived + 60),
            now=at(arrived + 60),
        )
        if k == 2:  # three early stops served at once: as many as the rule's prior
            assert etas(result) == pytest.approx([660.0, 3000.0 + 60.0 + 120.0, 3360.0], abs=5.0)
    assert etas(result) == pytest.approx([840.0, 1020.0], abs=5.0)  # services' means
    # The minute at the door was service, not a wait cut short: 60 s, as planned.
    assert engine.service_times.predict(60.0, customer="c5", driver="d1") == pytest.approx(60.0)


def test_every_route_stops_predicting_waits_once_the_drivers_are_seen_not_to() -> None:
    """Route r1's driver serves four early customers at once; route r2, whose van has
    not closed a stop since, drops the wait from its next refresh, not its next stop."""
    engine = EtaEngine()
    engine.set_route(line_route(6, window_s=(3000.0, 7200.0)), T0)
    engine.set_route(line_route(3, route_id="r2", vehicle_key="v2", window_s=(3000.0, 7200.0)), T0)
    assert etas(engine.refresh("r2", at(60)))[1] == pytest.approx(3180.0, abs=5.0)  # waits
    sequenced: list[str] = []
    sequence = engine._sequence

    def counted(r: _Route) -> None:
        sequenced.append(r.plan.route_id)
        sequence(r)

    for k in range(4):
        arrived = 120.0 + 180.0 * k
        engine.on_stop_arrived("r1", f"s{k}", at(arrived), at(arrived))
        left = at(arrived + 60)
        if k == 3:  # the stop that flips the habit: each route sequenced once
            engine._sequence = counted  # type: ignore[method-assign]
        engine.on_stop_done("r1", f"s{k}", arrived_at=at(arrived), departed_at=left, now=left)
    assert not engine.habits.wait_for_window
    assert sorted(sequenced) == ["r1", "r2"]
    assert etas(engine.refresh("r2", at(900)))[1] < 1200.0


def test_a_wait_is_no_service_even_from_drivers_who_seldom_wait() -> None:
    """Five early customers served at once, then, 42 minutes early, the driver waited:
    leaving a minute after the window opened, that was a wait and a minute's service."""
    engine = EtaEngine()
    engine.set_route(line_route(7, window_s=(3500.0, 7200.0)), T0)
    for k in range(6):
        arrived = 120.0 + 180.0 * k
        left = arrived + 60.0 if k < 5 else 3560.0
        engine.on_stop_arrived("r1", f"s{k}", at(arrived), at(arrived))
        engine.on_stop_done(
            "r1", f"s{k}", arrived_at=at(arrived), departed_at=at(left), now=at(left)
        )
    assert not engine.habits.wait_for_window
    assert engine.service_times.predict(60.0, customer="c5", driver="d1") == pytest.approx(60.0)


def _pass_stop(engine: EtaEngine, k: int) -> RouteEta | None:
    """Stop k reached on plan, served in 60 s, and driven away from at once."""
    arrived = 120.0 + 180.0 * k
    engine.on_stop_arrived("r1", f"s{k}", at(arrived), at(arrived))
    engine.on_stop_done(
        "r1", f"s{k}", arrived_at=at(arrived), departed_at=at(arrived + 60), now=at(arrived + 60)
    )
    east = 1000.0 * (k + 1)
    engine.on_fix("v1", fix_at(arrived + 70, east + 100), at(arrived + 70))
    return engine.on_fix("v1", fix_at(arrived + 75, east + 150), at(arrived + 75))


def test_drivers_who_drive_on_past_a_due_break_have_it_predicted_later() -> None:
    """The rule says a break after 150 s; the driver drives on from s0 to s3 without
    one. From then on the break is expected only after the second stop once due (odds
    3/7 a stop), and a stand at a stop is a break only once it has lasted as long as
    one would be told apart (``break_detect_s``)."""
    engine = EtaEngine(EtaParams(break_after_s=150.0))
    engine.set_route(line_route(8), T0)
    result = _pass_stop(engine, 0)
    # Driving to s1 (100 m past s0): still taken after s1, by the rule.
    assert etas(result)[1] - etas(result)[0] == pytest.approx(60.0 + 1800.0 + 120.0)
    for k in range(1, 4):
        result = _pass_stop(engine, k)
    # Four due stops driven past, more than any route before: the pooled odds, 3/7.
    assert engine.habits.break_after_stops(4) == 2
    gaps = [b - a for a, b in zip(etas(result), etas(result)[1:], strict=False)]
    # (the legs a few seconds off the plan: the pace learned from these fixes)
    assert gaps == pytest.approx([180.0, 180.0 + 1800.0, 180.0], abs=10.0)  # after s5
    # At s4, done at 900 s: standing there a minute later is no break yet...
    engine.on_stop_arrived("r1", "s4", at(840), at(840))
    engine.on_stop_done("r1", "s4", arrived_at=at(840), departed_at=at(900), now=at(900))
    result = engine.on_fix("v1", fix_at(960, 5000), at(960))
    assert etas(result)[0] == pytest.approx(960.0 + 120.0, abs=5.0)
    # ...ten minutes later it is: back when what is left of it is over.
    result = engine.on_fix("v1", fix_at(1520, 5000), at(1520))
    back = 1520.0 + engine.breaks.remaining(1520.0 - 900.0)
    assert etas(result)[0] == pytest.approx(back + 120.0, abs=5.0)


def test_history_of_early_stops_served_at_once_teaches_it_before_today() -> None:
    """A restart learns it from the stops of the last days, as the live service does."""
    day = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)
    served = [
        ServedStop(
            600.0,
            240.0,
            day + dt.timedelta(minutes=20 * k),
            day + dt.timedelta(minutes=20 * k + 5),
            window_start=day + dt.timedelta(hours=3),
        )
        for k in range(4)
    ]
    engine = EtaEngine()
    engine.learn_history([ServedRoute("d1", served)])
    assert not engine.habits.wait_for_window
    # Five minutes at the door each, all of it service (not cut short by a wait).
    assert engine.service_times.predict(240.0, driver="d1") > 270.0


def test_breaks_seen_before_the_rule_bring_it_forward() -> None:
    habits = DriverHabits()
    for worked in (7200.0, 7500.0):
        habits.observe_break(worked)
    assert habits.break_after_s(16200.0) == 16200.0  # two breaks: not yet believed
    habits.observe_break(7300.0)
    assert habits.break_after_s(16200.0) == 7200.0  # the lower quartile of three


RULE = 16200.0  # 4.5 h


def test_breaks_long_after_the_rule_keep_it_while_a_wait_before_them_could_explain_it() -> None:
    """Taken at the first stop once due, after a long wait for its window: the time
    worked before them overshoots the rule by up to two hours, and each span still
    holds the rule. Drivers who keep it do so too; nothing says otherwise."""
    habits = DriverHabits()
    for lo, hi in ((14000.0, 16500.0), (9000.0, 21000.0), (12000.0, 22000.0), (6000.0, 19000.0)):
        habits.observe_late(lo, hi)
    assert habits.break_after_s(RULE) == RULE


def test_breaks_after_due_stops_driven_past_put_the_rule_off_to_the_time_they_agree_on() -> None:
    """Breaks at six hours, after due stops driven past: after 5 h or more. Four spans
    that leave the rule out outvote its prior of three (one after a long wait holds
    both and tells nothing), and the rule moves to the middle of the span all of
    them hold: (5.56 h, 6.05 h]."""
    habits = DriverHabits()
    spans = [(19000.0, 21800.0), (19500.0, 21900.0), (6000.0, 21780.0), (18000.0, 21850.0)]
    for lo, hi in spans:
        habits.observe_late(lo, hi)
    assert habits.break_after_s(RULE) == RULE  # three against the rule: not yet
    habits.observe_late(20000.0, 22000.0)
    assert habits.break_after_s(RULE) == pytest.approx(0.5 * (20000.0 + 21780.0))


def test_routes_over_with_due_stops_driven_past_and_no_break_put_it_off_for_good() -> None:
    habits = DriverHabits()
    for _ in range(4):
        habits.observe_late(17000.0, math.inf)
    assert habits.break_after_s(RULE) == math.inf


def test_drivers_who_never_break_are_learned_from_routes_that_end_without_one() -> None:
    """The rule: a break after 150 s. Four routes drive on past three due stops each
    and end without one; the fifth route's ETAs carry no break at all (the life table
    of due stops alone would still put one a few stops on)."""
    engine = EtaEngine(EtaParams(break_after_s=150.0))
    for day in range(5):
        engine.set_route(line_route(8), T0)
        if day == 4:
            result = engine.refresh("r1", T0)
            break
        for k in range(4):
            _pass_stop(engine, k)
        engine.drop_route("r1")
    gaps = [b - a for a, b in zip(etas(result), etas(result)[1:], strict=False)]
    assert gaps == pytest.approx([180.0] * 7, abs=10.0)  # (the pace learned: a few s off)


def test_a_long_stand_before_the_break_is_due_is_one_and_teaches_when_drivers_take_it() -> None:
    """The rule says a break after an hour; these drivers take theirs after the first
    stop. Standing 15 minutes at the stop just served is a break, due or not; after
    three such, a new route expects its break there."""
    engine = EtaEngine(EtaParams(break_after_s=3600.0))
    for route in ("r1", "r2", "r3"):
        engine.set_route(line_route(8, route_id=route), T0)
        engine.on_stop_arrived(route, "s0", at(120), at(120))
        engine.on_stop_done(route, "s0", arrived_at=at(120), departed_at=at(180), now=at(180))
        engine.on_fix("v1", fix_at(600, 1000), at(600))
        quiet = engine.on_fix("v1", fix_at(1080, 1000), at(1080))  # 15 minutes standing
        back = 1080.0 + engine.breaks.remaining(1080.0 - 180.0)
        assert etas(quiet)[0] == pytest.approx(back + 120.0, abs=5.0)
        engine.on_fix("v1", fix_at(1980, 1100), at(1980))
        engine.on_fix("v1", fix_at(1985, 1150), at(1985))  # on the way after 30 minutes
        engine.drop_route(route)
    fresh = engine.set_route(line_route(8, route_id="r4"), T0)
    gaps = [b - a for a, b in zip(etas(fresh), etas(fresh)[1:], strict=False)]
    assert gaps[0] == pytest.approx(60.0 + engine.break_s + 120.0, abs=5.0)
    assert gaps[1:] == pytest.approx([180.0] * 6, abs=5.0)


def test_a_long_stand_on_the_way_before_the_break_is_due_is_a_jam_not_a_break() -> None:
    engine = EtaEngine(EtaParams(break_after_s=3600.0))
    engine.set_route(line_route(8), T0)
    engine.on_stop_arrived("r1", "s0", at(120), at(120))
    engine.on_stop_done("r1", "s0", arrived_at=at(120), departed_at=at(180), now=at(180))
    engine.on_fix("v1", fix_at(200, 1400), at(200))
    engine.on_fix("v1", fix_at(205, 1500), at(205))  # on the way to s1
    result = engine.on_fix("v1", fix_at(1500, 1500), at(1500))  # held up 21 minutes
    assert etas(result)[0] < 1500.0 + 120.0  # s1 next, no half-hour break first
    engine.on_fix("v1", fix_at(1600, 1700), at(1600))
    engine.on_fix("v1", fix_at(1605, 1750), at(1605))
    assert engine.break_s == 1800.0  # nothing learned: no break


def _day_served(day: int, *, break_after: int | None, stops: int = 14) -> list[ServedStop]:
    """A past route from 08:00: 10 min legs, 20 min at each stop, so stop k is left
    30 (k + 1) minutes in; a 30 min break after stop ``break_after`` if any."""
    start = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC) + dt.timedelta(days=day)
    served, late = [], 0
    for k in range(stops):
        arrived = start + dt.timedelta(minutes=30 * k + 10 + late)
        served.append(ServedStop(600.0, 1200.0, arrived, arrived + dt.timedelta(minutes=20)))
        if k == break_after:
            late = 30
    return served


def test_breaks_at_six_hours_are_learned_from_the_routes_of_the_last_days() -> None:
    """Drivers on a 4.5 h rule who break after the stop left 6 h in, seen only in the
    store: a restarted engine puts the break there (between the stop left 5.5 h in and
    that one), as the live engine would have learned it. Three routes are not enough
    against the rule's prior of three; four are. Today's route in progress (not over)
    teaches no break it has not taken yet."""
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    history = [ServedRoute("d1", _day_served(d, break_after=11), over=True) for d in range(3)]
    engine.learn_history(history)
    assert engine.habits.break_after_s(RULE) == RULE
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    history.append(ServedRoute("d1", _day_served(3, break_after=11), over=True))
    engine.learn_history([*history, ServedRoute("d1", _day_served(4, break_after=None, stops=12))])
    assert 5.5 * 3600 < engine.habits.break_after_s(RULE) <= 6 * 3600
    assert engine.break_s == pytest.approx(1800.0)
    assert engine.time_of_day.factors == pytest.approx([1.0] * 24)  # the breaks are no jams


def test_past_breaks_count_the_time_worked_from_when_the_driver_started() -> None:
    """The same drivers, who start an hour before their first drive (loading): their
    break, after the stop left 5 h after that drive began, is 6 h into their day. The
    store's start says so; without it the day is counted from the first drive."""

    def day(d: int, started: bool) -> ServedRoute:
        stops = _day_served(d, break_after=9)
        begun = stops[0].arrived - dt.timedelta(minutes=70) if started else None
        return ServedRoute("d1", stops, over=True, started=begun)

    engine = EtaEngine(EtaParams(break_after_s=RULE))
    engine.learn_history([day(d, started=True) for d in range(4)])
    assert 5.5 * 3600 < engine.habits.break_after_s(RULE) <= 6 * 3600
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    engine.learn_history([day(d, started=False) for d in range(4)])
    assert 4.5 * 3600 < engine.habits.break_after_s(RULE) <= 5 * 3600
    # Routes from before the store kept the start, counted shorter by the loading, are
    # left out while routes with it teach: mixed, they would pull the break early.
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    engine.learn_history([*(day(d, started=False) for d in range(8)), day(8, started=True)])
    assert engine.habits.break_after_s(RULE) == RULE  # one route against the prior of three
    engine.learn_history([day(d, started=True) for d in range(9, 12)])
    assert 5.5 * 3600 < engine.habits.break_after_s(RULE) <= 6 * 3600


def test_drivers_who_never_break_are_learned_from_past_routes_that_ended_without_one() -> None:
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    engine.learn_history(
        [ServedRoute("d1", _day_served(d, break_after=None), over=True) for d in range(4)]
    )
    assert engine.habits.break_after_s(RULE) == math.inf
    # The same routes still in progress say nothing of what comes after them.
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    engine.learn_history([ServedRoute("d1", _day_served(d, break_after=None)) for d in range(4)])
    assert engine.habits.break_after_s(RULE) == RULE


def test_breaks_sooner_than_the_rule_are_learned_from_past_routes() -> None:
    """Breaks after the stop left 2 h in, on a 4.5 h rule: the rule comes forward to the
    time worked before them once three routes show it."""
    engine = EtaEngine(EtaParams(break_after_s=RULE))
    engine.learn_history(
        [ServedRoute("d1", _day_served(d, break_after=3, stops=8), over=True) for d in range(3)]
    )
    assert engine.habits.break_after_s(RULE) == pytest.approx(2 * 3600, abs=60)
