"""End to end: a fleet's days teach the engine windows that hold 80 % of arrivals."""

from __future__ import annotations

import datetime as dt

from doorstep.eta.engine import EtaEngine
from doorstep.eta.model import ServedRoute, ServedStop
from tests.eta.simulate import Fleet, Outcome, drive_day


def pooled_coverage(outcomes: list[Outcome]) -> float:
    inside = total = 0
    for outcome in outcomes:
        for stop, earliest, latest, _ in outcome.windows:
            inside += earliest <= outcome.arrivals[stop] <= latest
            total += 1
    return inside / total


def test_a_fleets_own_arrivals_teach_windows_that_cover_80_percent():
    fleet = Fleet(routes=30, stops=12, seed=1)
    engine = EtaEngine()
    first_day = drive_day(engine, fleet, 0)
    for day in range(1, 4):  # warm-up: service times, paces and errors are learned
        drive_day(engine, fleet, day)
    later = [drive_day(engine, fleet, day) for day in range(4, 7)]
    # the default ±(2 min + 12 %) is too narrow for this fleet's noise
    assert first_day.coverage() < 0.7
    assert 0.75 <= pooled_coverage(later) <= 0.85
    assert engine.calibration.band(1800.0).source == "bucket"


def _served(minutes_late: float, leg_s: float = 600.0) -> list[ServedStop]:
    t0 = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)
    stops, left = [], t0
    for k in range(6):
        arrived = left + dt.timedelta(seconds=leg_s * 1.5)  # every leg 50 % slower
        departed = arrived + dt.timedelta(minutes=4 + minutes_late)
        stops.append(ServedStop(leg_s, 240.0, arrived, departed, customer_key=f"c{k}", items=1))
        left = departed
    return stops


def test_history_teaches_service_times_traffic_and_the_drivers_pace():
    engine = EtaEngine()
    learned = engine.learn_history([ServedRoute("d1", _served(minutes_late=4.0))] * 3)
    assert learned == 18
    assert engine.service_times.predict(240.0, driver="d1") > 300.0  # 8 min, not 4
    assert engine.driver_paces.prior("d1") > 1.1
    assert max(engine.time_of_day.factors) > 1.1


def test_a_leg_holding_a_break_or_an_out_of_order_stop_teaches_no_driving():
    t0 = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC)
    first = ServedStop(600.0, 240.0, t0, t0 + dt.timedelta(minutes=4))
    after_break = ServedStop(
        600.0, 240.0, t0 + dt.timedelta(hours=2), t0 + dt.timedelta(hours=2, minutes=4)
    )
    backwards = ServedStop(600.0, 240.0, t0 + dt.timedelta(hours=3), t0)
    engine = EtaEngine()
    assert engine.learn_history([ServedRoute("d1", [first, after_break, backwards])]) == 2
    assert engine.driver_paces.prior("d1") == 1.0
    assert engine.time_of_day.factors == [1.0] * 24
