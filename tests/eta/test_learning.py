"""End to end: a fleet's days teach the engine windows that hold 80 % of arrivals."""

from __future__ import annotations

from doorstep.eta.engine import EtaEngine
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
