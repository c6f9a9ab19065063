from datetime import UTC, datetime
from random import Random

import pytest

from doorstep.sim.day_plan import actual_order, joined_legs, reversed_leg

from .conftest import line_route

START = datetime(2024, 3, 12, 8, 0, tzinfo=UTC)


def test_without_swaps_the_plan_is_driven_as_it_is():
    route = line_route("van", START, 5)
    visits, home, swapped = actual_order(route, Random(1), 0.0, None)
    assert [v.stop for v in visits] == list(route.stops)
    assert [v.leg for v in visits] + [home] == list(route.legs)
    assert swapped == []


def test_swapped_stops_are_driven_on_the_planned_roads_end_to_end():
    route = line_route("van", START, 7)
    visits, home, swapped = actual_order(route, Random(3), 1.0, None)
    assert len(swapped) == 3  # (0,1), (2,3), (4,5); stop 6 stays last
    assert [v.stop.stop_id for v in visits] == [f"van-s{i}" for i in (1, 0, 3, 2, 5, 4, 6)]
    here = route.depot
    for visit in visits:
        assert visit.leg.points[0] == here
        assert visit.leg.points[-1] == (visit.stop.lat, visit.stop.lon)
        here = visit.leg.points[-1]
    assert home.points[0] == pytest.approx(here)
    assert home.points[-1] == pytest.approx(route.depot)


def test_a_leg_builder_routes_the_new_legs_only():
    route = line_route("van", START, 4)
    asked = []

    def build(a, b):
        asked.append((a, b))
        return joined_legs(reversed_leg(route.legs[1]), route.legs[1])  # any leg will do

    visits, home, _ = actual_order(route, Random(3), 1.0, build)
    assert len(asked) == 5  # order 1 0 3 2: every leg but none planned is new
    assert visits[1].leg is not route.legs[1]
    assert home is not route.legs[-1]


def test_joined_and_reversed_legs_keep_their_seconds_and_classes():
    route = line_route("van", START, 2)
    a, b = route.legs[0], route.legs[1]
    joined = joined_legs(a, b)
    assert joined.free_flow_s == a.free_flow_s + b.free_flow_s
    assert len(joined.points) == len(a.points) + len(b.points) - 1
    assert reversed_leg(reversed_leg(a)) == a
