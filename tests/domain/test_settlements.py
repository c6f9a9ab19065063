"""Pricing a driver's period: a hand-computed day, the rounding rule, proofs, minimums,
bonuses, and properties that must hold for any facts and rules."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.domain.settlements import (
    CENT,
    Condition,
    Day,
    Extra,
    Facts,
    Metric,
    NoRule,
    Rates,
    Stop,
    Version,
    price,
    total,
)

D = date(2026, 11, 2)
RATES = Rates(
    per_stop=Decimal("1.20"),
    per_parcel=Decimal("0.15"),
    per_failed_attempt=Decimal("0.60"),
    per_km=Decimal("0.245"),
    per_hour=Decimal("4.00"),
    min_per_day=Decimal("20.00"),
    extras=(
        Extra(
            "On-time bonus",
            Decimal("5.00"),
            Condition(Metric.ON_TIME_RATE, at_least=Decimal("0.9")),
        ),
        Extra(
            "Safety deduction",
            Decimal("3.00"),
            Condition(Metric.SAFETY_PER_100KM, at_least=Decimal("5")),
            deduction=True,
        ),
    ),
)
V1 = Version("v1", date(2026, 1, 1), RATES)


def stop(
    n: int, delivered: bool = True, parcels: int = 1, proof: bool = True, day: date = D
) -> Stop:
    return Stop(day, f"s{n}", f"o{n}", delivered, parcels, ("p",) if proof else ())


def test_a_hand_computed_day():
    facts = Facts(
        stops=(stop(1), stop(2, parcels=3), stop(3, delivered=False), stop(4, proof=False)),
        days=(Day(D, km=Decimal("42.3"), hours=Decimal("7.5")),),
        metrics={Metric.ON_TIME_RATE: Decimal("0.95"), Metric.SAFETY_PER_100KM: Decimal("2")},
    )
    lines = price(facts, [V1], D, D)
    got = [(line.kind, line.quantity, line.amount, line.flag) for line in lines]
    assert got == [
        ("stop", 1, Decimal("1.20"), None),
        ("stop", 1, Decimal("1.20"), None),
        ("failed_attempt", 1, Decimal("0.60"), None),
        ("stop", 0, Decimal("0.00"), "delivered without proof"),  # not priced, flagged
        ("parcel", 4, Decimal("0.60"), None),  # the day's priced parcels: 1 + 3
        ("km", Decimal("42.3"), Decimal("10.36"), None),  # 10.3635 -> 10.36
        ("hour", Decimal("7.5"), Decimal("30.00"), None),
        ("bonus", 1, Decimal("5.00"), None),
    ]
    assert total(lines) == Decimal("48.96")
    # The minimum tops a short day up, with what was earned as its evidence.
    short = price(Facts(stops=(stop(1),)), [V1], D, D)
    assert [line.kind for line in short] == ["stop", "parcel", "minimum"]
    assert lines[4].evidence == {"stop_ids": ["s1", "s2"]}
    assert total(short) == Decimal("20.00")


def test_an_unproven_delivery_is_priced_only_where_allowed_and_flagged_either_way():
    allowing = Version("v", date(2026, 1, 1), Rates(per_stop=Decimal("2"), pay_unproven=True))
    (line,) = price(Facts(stops=(stop(1, proof=False),)), [allowing], D, D)
    assert line.amount == Decimal("2.00") and line.flag == "delivered without proof"


def test_a_deduction_subtracts_and_a_day_without_a_rule_is_an_error():
    bad = Facts(stops=(stop(1),), metrics={Metric.SAFETY_PER_100KM: Decimal("8")})
    lines = price(bad, [V1], D, D)
    assert lines[-1].kind == "deduction" and lines[-1].amount == Decimal("-3.00")
    with pytest.raises(NoRule, match="no pay rule is in force on 2025-12-31"):
        price(Facts(stops=(stop(1, day=date(2025, 12, 31)),)), [V1], date(2025, 12, 31), D)


def test_each_day_takes_the_version_in_force_that_day():
    v2 = Version("v2", D + timedelta(days=1), Rates(per_stop=Decimal("1.50")))
    facts = Facts(stops=(stop(1), stop(2, day=D + timedelta(days=1))))
    lines = price(facts, [V1, v2], D, D + timedelta(days=1))
    stops = [(line.day, line.version_id, line.amount) for line in lines if line.kind == "stop"]
    assert stops == [(D, "v1", Decimal("1.20")), (D + timedelta(days=1), "v2", Decimal("1.50"))]


def test_an_empty_period_is_an_empty_statement():
    assert price(Facts(), [V1], D, D) == [] and total([]) == 0


amounts = st.decimals(min_value=0, max_value=50, places=3, allow_nan=False, allow_infinity=False)
stops_strategy = st.lists(
    st.builds(
        stop,
        st.integers(0, 10_000),
        st.booleans(),
        st.integers(1, 5),
        st.booleans(),
        st.dates(D, D + timedelta(days=6)),
    ),
    max_size=40,
    unique_by=lambda s: s.stop_id,
)
days_strategy = st.lists(
    st.builds(
        Day,
        st.dates(D, D + timedelta(days=6)),
        st.decimals(min_value=0, max_value=400, places=1),
        st.decimals(min_value=0, max_value=14, places=2),
    ),
    max_size=7,
    unique_by=lambda d: d.day,
)
rates_strategy = st.builds(
    Rates,
    per_stop=amounts,
    per_parcel=amounts,
    per_failed_attempt=amounts,
    per_km=amounts,
    per_hour=amounts,
    min_per_day=amounts,
    pay_unproven=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(stops_strategy, days_strategy, rates_strategy)
def test_the_total_is_the_sum_of_lines_each_in_whole_cents(stops, days, rates):
    lines = price(
        Facts(tuple(stops), tuple(days)), [Version("v", D, rates)], D, D + timedelta(days=6)
    )
    assert total(lines) == sum((line.amount for line in lines), Decimal(0))
    assert all(line.amount == line.amount.quantize(CENT) for line in lines)
    assert all(line.amount >= 0 for line in lines)  # no deductions configured


@settings(max_examples=200, deadline=None)
@given(stops_strategy, days_strategy, rates_strategy, rates_strategy, st.integers(1, 400))
def test_a_rule_dated_after_the_period_changes_nothing_in_it(stops, days, rates, later, after):
    end = D + timedelta(days=6)
    facts = Facts(tuple(stops), tuple(days))
    before = price(facts, [Version("v", D, rates)], D, end)
    with_later = price(
        facts, [Version("v", D, rates), Version("w", end + timedelta(days=after), later)], D, end
    )
    assert with_later == before
    assert price(facts, [Version("v", D, rates)], D, end) == before  # and repeatable


def test_a_carrier_is_paid_each_drivers_work_with_a_minimum_per_driver_day_and_one_bonus():
    from doorstep.domain.settlements import price_carrier

    rates = Rates(
        per_stop=Decimal("2.00"),
        min_per_day=Decimal("5.00"),
        extras=(
            Extra(
                "Fleet on time", Decimal("10.00"), Condition(Metric.ON_TIME_RATE, Decimal("0.9"))
            ),
        ),
    )
    version = Version("c1", date(2026, 1, 1), rates)
    ann = Facts(stops=(stop(1), stop(2), stop(3)))  # 6.00: above the minimum
    bob = Facts(stops=(stop(4),))  # 2.00: topped up to 5.00
    metrics = {Metric.ON_TIME_RATE: Decimal("0.95")}
    lines = price_carrier([("Bob", bob), ("Ann", ann)], metrics, [version], D, D)
    assert [(line.description, line.amount) for line in lines] == [
        ("Ann: Delivery", Decimal("2.00")),
        ("Ann: Delivery", Decimal("2.00")),
        ("Ann: Delivery", Decimal("2.00")),
        ("Bob: Delivery", Decimal("2.00")),
        ("Bob: Top-up to the day's minimum of 5.00", Decimal("3.00")),
        ("Fleet on time (on_time_rate = 0.95)", Decimal("10.00")),
    ]
    assert all(line.evidence["driver"] in ("Ann", "Bob") for line in lines[:5])
    assert total(lines) == Decimal("21.00")
    # The bonus is the carrier's figure, not any one driver's.
    assert (
        price_carrier([("Ann", ann)], {Metric.ON_TIME_RATE: Decimal("0.5")}, [version], D, D)[
            -1
        ].kind
        == "stop"
    )
