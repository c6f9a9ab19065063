from datetime import UTC, datetime

import pytest

from doorstep.sim import SimLeg, SimRoute, SimStop

START = datetime(2024, 3, 12, 8, 0, tzinfo=UTC)
LEG = SimLeg(((60.0, 24.0), (60.0, 24.01)), (40.0,), ("residential",))


def test_a_leg_needs_one_seconds_value_per_segment():
    with pytest.raises(ValueError, match="one seconds value per segment"):
        SimLeg(((60.0, 24.0), (60.0, 24.01), (60.0, 24.02)), (40.0,))


def test_a_leg_needs_one_road_class_per_segment_or_none():
    with pytest.raises(ValueError, match="one road class per segment"):
        SimLeg(((60.0, 24.0), (60.0, 24.01)), (40.0,), ("primary", "primary"))
    assert SimLeg(((60.0, 24.0), (60.0, 24.01)), (40.0,)).road_class is None


def test_negative_or_infinite_seconds_are_refused():
    with pytest.raises(ValueError, match="finite"):
        SimLeg(((60.0, 24.0), (60.0, 24.01)), (-1.0,))
    with pytest.raises(ValueError, match="finite"):
        SimLeg(((60.0, 24.0), (60.0, 24.01)), (float("inf"),))


def test_a_route_needs_one_more_leg_than_stops():
    stop = SimStop("s1", 60.0, 24.01, 60.0)
    with pytest.raises(ValueError, match="1 stops need 2 legs"):
        SimRoute("van", "driver", START, (60.0, 24.0), (stop,), (LEG,))


def test_a_route_start_must_be_timezone_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        SimRoute("van", "driver", datetime(2024, 3, 12, 8), (60.0, 24.0), (), (LEG,))


def test_stop_ids_are_unique_within_a_route():
    stop = SimStop("s1", 60.0, 24.01, 60.0)
    with pytest.raises(ValueError, match="unique"):
        SimRoute("van", "driver", START, (60.0, 24.0), (stop, stop), (LEG, LEG, LEG))


def test_a_stop_without_a_customer_key_is_its_own_customer():
    assert SimStop("s1", 60.0, 24.0, 60.0).customer == "s1"
    assert SimStop("s1", 60.0, 24.0, 60.0, customer_key="c9").customer == "c9"
