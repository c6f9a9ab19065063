"""Hourly traffic factors learned from driven legs."""

from __future__ import annotations

import pytest

from doorstep.eta.time_of_day import TimeOfDayFactors


def test_every_hour_starts_at_one():
    assert TimeOfDayFactors().factors == [1.0] * 24


def test_rush_hour_is_learned_from_legs_that_started_in_it():
    tod = TimeOfDayFactors(prior_s=1800.0)
    for _ in range(1000):
        tod.observe(8, 300.0, 420.0)
    assert tod.factor(8) == pytest.approx(1.4, abs=0.01)
    assert tod.factor(14) == 1.0


def test_an_hour_with_little_history_stays_near_one():
    tod = TimeOfDayFactors(prior_s=1800.0)
    tod.observe(22, 300.0, 900.0)
    assert 1.0 < tod.factor(22) < 1.3


def test_factors_stay_within_bounds_and_one_leg_cannot_claim_too_much():
    tod = TimeOfDayFactors(prior_s=0.0, low=0.5, high=2.0)
    tod.observe(3, 100.0, 10_000.0)
    assert tod.factor(3) == 2.0
    tod.observe(4, 100.0, 1.0)
    assert tod.factor(4) == 0.5


def test_a_gridlocked_rush_is_learned_beyond_twice_the_plan():
    tod = TimeOfDayFactors(prior_s=1800.0)
    for _ in range(1000):
        tod.observe(17, 300.0, 900.0)
    assert tod.factor(17) == pytest.approx(3.0, abs=0.02)
    tod = TimeOfDayFactors(prior_s=0.0)
    tod.observe(18, 100.0, 10_000.0)
    assert tod.factor(18) == 4.0  # as far as one leg may claim, and no further


def test_the_factor_list_is_updated_in_place_for_readers_holding_it():
    tod = TimeOfDayFactors()
    held = tod.factors
    tod.observe(9, 300.0, 600.0)
    assert held[9] > 1.0


def test_an_hour_with_little_history_may_be_as_slow_as_the_hours_seen():
    """Legs at 8:00 took 5/3 of their plan; 9:00 has no history and stays at 1.0, but
    may be as slow as the hours seen: its excess is the difference, in the share of
    its factor that is still prior. An hour seen for long has none."""
    tod = TimeOfDayFactors(prior_s=1800.0)
    tod.observe(8, 3600.0, 7200.0)
    assert tod.factor(8) == pytest.approx(5 / 3) and tod.factor(9) == 1.0
    assert tod.excess[9] == pytest.approx(2 / 3)
    assert tod.excess[8] == 0.0
    for _ in range(100):
        tod.observe(9, 3600.0, 3600.0)  # 9:00 seen, on plan: faster than the rest
    assert tod.excess[9] < 1e-3
    assert 0.0 < tod.excess[10] < 2 / 3
    assert all(e >= 0.0 for e in tod.excess)
