"""The live pace factor: damped so one held-up leg does not swing every ETA."""

from __future__ import annotations

import pytest

from doorstep.eta.pace import PACE_MAX, PACE_MIN, DriverPaces, Pace


def test_a_new_route_drives_at_its_prior():
    assert Pace().value == 1.0
    assert Pace(prior=1.2).value == 1.2


def test_one_slow_light_does_not_swing_the_pace():
    pace = Pace()
    for _ in range(3):
        pace.observe_leg(300.0, 300.0)
    pace.observe_leg(300.0, 300.0 + 90.0)  # a 90 s red light on one leg
    assert pace.value == 1.0


def test_one_slow_leg_early_in_the_day_does_not_swing_the_pace():
    pace = Pace()
    pace.observe_leg(300.0, 600.0)
    assert pace.value == 1.0


def test_a_driver_slow_leg_after_leg_is_learned_within_a_few_legs():
    pace = Pace()
    for _ in range(4):
        pace.observe_leg(300.0, 390.0)
    assert pace.value == pytest.approx(1.3)


def test_the_pace_follows_the_recent_legs_not_the_whole_day():
    pace = Pace(keep=8)
    for _ in range(8):
        pace.observe_leg(300.0, 390.0)
    for _ in range(8):
        pace.observe_leg(300.0, 300.0)
    assert pace.value == 1.0


def test_the_pace_is_clamped_to_its_bounds():
    fast, slow = Pace(), Pace()
    for _ in range(10):
        fast.observe_leg(300.0, 10.0)
        slow.observe_leg(300.0, 3000.0)
    assert fast.value == PACE_MIN
    assert slow.value == PACE_MAX


def test_the_leg_under_way_votes_with_the_weight_of_its_progress():
    pace = Pace()
    pace.observe_leg(300.0, 300.0)
    assert pace.with_partial(60.0, 120.0) == 1.0  # a minute of progress outvoted
    assert pace.with_partial(1500.0, 1950.0) == pytest.approx(1.3)  # a long slow leg wins


def test_nonsense_observations_are_ignored():
    pace = Pace()
    pace.observe_leg(0.0, 100.0)
    pace.observe_leg(100.0, -5.0)
    assert pace.legs == 0
    assert pace.with_partial(0.0, 10.0) == 1.0


def test_a_drivers_long_run_pace_is_shrunk_toward_one_until_known():
    paces = DriverPaces(prior_s=3600.0)
    assert paces.prior(None) == 1.0
    assert paces.prior("new") == 1.0
    paces.observe("slow", 600.0, 900.0)  # ten minutes at 1.5
    assert 1.0 < paces.prior("slow") < 1.1
    for _ in range(100):  # 17 hours of driving
        paces.observe("slow", 600.0, 900.0)
    assert paces.prior("slow") == pytest.approx(1.5, abs=0.03)
