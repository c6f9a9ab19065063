"""Service time per stop, learned by customer, driver and items, shrunk to the prior."""

from __future__ import annotations

import math
import random

import pytest

from doorstep.eta.service_time import DEFAULT_SERVICE_S, ServiceTimes, items_bucket


def test_before_any_history_the_plan_is_the_estimate():
    times = ServiceTimes()
    assert times.predict(240.0) == 240.0
    assert times.predict(0.0) == DEFAULT_SERVICE_S


def test_one_long_visit_moves_a_new_customer_a_little():
    times = ServiceTimes(shrink=5.0)
    for k in range(200):
        times.observe(120.0, 120.0, customer=f"regular{k % 20}")
    times.observe(120.0, 1200.0, customer="new")  # ten times the plan, once
    assert 120.0 < times.predict(120.0, customer="new") < 180.0
    assert times.predict(120.0, customer="someone else") == pytest.approx(120.0, rel=0.05)


def test_a_customer_seen_often_is_mostly_himself():
    times = ServiceTimes()
    for _ in range(40):
        times.observe(120.0, 120.0, customer="quick")
        times.observe(120.0, 360.0, customer="slow")
    assert times.predict(120.0, customer="slow") == pytest.approx(360.0, rel=0.15)
    assert times.predict(120.0, customer="quick") == pytest.approx(120.0, rel=0.15)
    assert times.observations(customer="slow") == 40


def test_a_slow_driver_is_slow_at_customers_he_never_served():
    rng = random.Random(5)
    times = ServiceTimes()
    for k in range(300):
        customer = f"c{k % 60}"
        driver = "slow" if k % 2 else "quick"
        times.observe(
            120.0,
            (240.0 if driver == "slow" else 120.0) * rng.uniform(0.9, 1.1),
            customer=customer,
            driver=driver,
        )
    unknown = times.predict(120.0, customer="new", driver="slow")
    assert unknown == pytest.approx(240.0, rel=0.2)
    assert times.predict(120.0, customer="new", driver="quick") == pytest.approx(120.0, rel=0.2)


def test_more_items_take_longer_once_history_shows_it():
    rng = random.Random(9)
    times = ServiceTimes()
    for _ in range(200):
        items = rng.randint(1, 12)
        times.observe(120.0, 60.0 + 30.0 * items, items=items)
    assert times.predict(120.0, items=10) > 2.5 * times.predict(120.0, items=1)


def test_absurd_durations_are_clamped_or_ignored():
    times = ServiceTimes()
    times.observe(120.0, math.nan)
    times.observe(120.0, -3.0)
    assert times.observations() == 0
    for _ in range(100):
        times.observe(120.0, 10 * 24 * 3600.0, customer="c")
    assert times.predict(120.0, customer="c") <= 7200.0


def test_item_buckets_group_large_counts():
    counts = (1, 2, 3, 4, 5, 6, 7, 9, 10, 14, 15, 400)
    assert [items_bucket(n) for n in counts] == [0, 1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7]


def test_a_stop_not_yet_begun_has_its_whole_predicted_time_left():
    assert ServiceTimes().remaining(120.0, 0.0) == pytest.approx(120.0)


def test_a_stop_that_has_lasted_long_is_expected_to_go_on_not_to_end_now():
    times = ServiceTimes()
    early = times.remaining(120.0, 30.0)
    assert 90.0 < early < 120.0  # a little more than the plain difference
    late = times.remaining(120.0, 300.0)  # 2.5x the median already
    assert late > 30.0  # skewed: a long stop tends to stay long
    assert times.remaining(120.0, 1e6) > 0.0  # never "done already"


def test_the_spread_is_learned_from_served_stops():
    steady = ServiceTimes()
    for _ in range(200):
        steady.observe(120.0, 120.0)
    assert steady.sigma < 0.1
    erratic = ServiceTimes()
    for i in range(200):
        erratic.observe(120.0, 30.0 if i % 2 else 480.0)
    assert erratic.sigma > 0.5
