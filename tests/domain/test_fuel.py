"""Fuel and CO2 are estimated from distance and idle time by one documented formula;
what cannot be known is reported as unknown, never guessed."""

from __future__ import annotations

import pytest

from doorstep.domain import fuel


def test_diesel_fuel_is_distance_times_consumption_plus_idle_hours_times_idle_rate():
    use = fuel.fuel_use("diesel", 100_000, 1800, 9.0)
    assert use.unit == "l"
    assert use.driving == pytest.approx(9.0)
    assert use.idling == pytest.approx(0.4)  # half an hour at 0.8 l/h
    assert use.total == pytest.approx(9.4)
    assert use.co2_kg == pytest.approx(9.4 * 2.68)


@pytest.mark.parametrize(
    ("fuel_type", "unit", "factor"),
    [
        ("diesel", "l", 2.68),
        ("petrol", "l", 2.31),
        ("lpg", "l", 1.51),
        ("cng", "kg", 2.75),
        ("hybrid", "l", 2.31),
        ("hydrogen", "kg", 0.0),
    ],
)
def test_each_fuel_has_its_unit_and_tailpipe_co2_factor(fuel_type, unit, factor):
    use = fuel.fuel_use(fuel_type, 50_000, 0, 10.0)
    assert use.unit == unit and use.total == pytest.approx(5.0)
    assert use.co2_kg == pytest.approx(5.0 * factor)
    assert fuel.co2_factor(fuel_type) == factor


def test_an_electric_van_counts_kwh_at_the_grid_factor_and_nothing_while_standing():
    use = fuel.fuel_use("electric", 100_000, 3600, 25.0)
    assert use.unit == "kWh" and use.idling == 0.0 and use.total == pytest.approx(25.0)
    assert use.co2_kg == pytest.approx(25.0 * fuel.DEFAULT_GRID_KG_PER_KWH)


def test_the_grid_factor_is_the_callers_to_choose():
    use = fuel.fuel_use("electric", 100_000, 0, 20.0, grid_kg_per_kwh=0.25)
    assert use.co2_kg == pytest.approx(5.0)
    assert fuel.co2_factor("electric", 0.25) == 0.25


def test_the_callers_idle_rate_replaces_the_default():
    use = fuel.fuel_use("diesel", 0, 3600, 9.0, idle_per_hour=2.0)
    assert use.total == pytest.approx(2.0)


def test_unknown_consumption_gives_unknown_fuel_and_co2_not_a_guess():
    use = fuel.fuel_use("diesel", 10_000, 600, None)
    assert use.unit == "l"
    assert use.total is None and use.co2_kg is None


def test_an_unknown_fuel_type_is_unknown_rather_than_an_error():
    use = fuel.fuel_use("whale_oil", 10_000, 600, 8.0)
    assert use == fuel.UNKNOWN and fuel.co2_factor("whale_oil") is None


def test_a_vehicle_without_fuel_uses_and_emits_nothing():
    use = fuel.fuel_use("none", 10_000, 600, None)
    assert use.total == 0.0 and use.co2_kg == 0.0 and use.unit is None


def test_standing_still_with_the_engine_off_and_going_nowhere_uses_nothing():
    assert fuel.fuel_use("diesel", 0, 0, 9.0).total == 0.0


def test_negative_distance_or_idle_time_is_a_bug_not_a_figure():
    with pytest.raises(ValueError):
        fuel.fuel_use("diesel", -1, 0, 9.0)
    with pytest.raises(ValueError):
        fuel.fuel_use("diesel", 0, -1, 9.0)


def test_every_documented_fuel_type_has_factors():
    assert set(fuel.FACTORS) | {fuel.NO_FUEL} == {
        "diesel",
        "petrol",
        "electric",
        "hybrid",
        "cng",
        "lpg",
        "hydrogen",
        "none",
    }
