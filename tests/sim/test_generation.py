import math
from datetime import date, datetime, time, timedelta

import pytest

from doorstep.domain.geo import LatLon
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.synthetic import synthetic_city
from doorstep.sim import (
    Scenario,
    Simulation,
    StopCompleted,
    build_route,
    depot_location,
    generate_orders,
    points_of,
    scenario_for_network,
)
from doorstep.sim.generation import as_points, timezone_guess
from doorstep.sim.geometry import metres_between

BALTIMORE = (39.29, -76.61)


@pytest.fixture(scope="module")
def unseen():
    """A network the simulator was never tuned on: another continent, another size."""
    return synthetic_city(900, seed=8, centre=BALTIMORE, block_m=150.0)


def test_an_unseen_network_gets_a_plausible_generated_scenario(unseen):
    points = points_of(unseen.lat, unseen.lon)
    scenario = scenario_for_network(points, seed=5)
    assert isinstance(scenario, Scenario)
    assert scenario.seed == 5
    assert scenario.timezone == "Etc/GMT+5"  # UTC-5: rush hours at local 8:00 and 16:45
    low, high = scenario.incidents.radius_m
    extent = metres_between(
        (float(unseen.lat.min()), float(unseen.lon.min())),
        (float(unseen.lat.max()), float(unseen.lon.max())),
    )
    assert 100 <= low < high <= extent
    assert 0 < scenario.incidents.per_hour <= Scenario().incidents.per_hour
    assert "900" in scenario.description or str(len(points)) in scenario.description


def test_an_unseen_network_runs_a_whole_generated_day(unseen):
    points = points_of(unseen.lat, unseen.lon)
    provider = EmbeddedProvider(unseen)
    day = date(2024, 5, 7)
    scenario = scenario_for_network(points, seed=2)
    depot = depot_location(points)
    orders = generate_orders(points, 30, seed=2, day=day, timezone=scenario.timezone)
    orders.sort(key=lambda o: o.window_start)
    start = datetime.combine(day, time(7, 30), tzinfo=scenario.zone)
    routes = [
        build_route(
            provider,
            f"van-{v}",
            f"d-{v}",
            start,
            depot,
            [o.stop(f"o{v}-{i}") for i, o in enumerate(orders[v::3])],
        )
        for v in range(3)
    ]
    sim = Simulation(routes, scenario)
    events = sim.run()
    assert sum(isinstance(e, StopCompleted) for e in events) == 30
    for route in sim.ground_truth().routes:
        assert route.finished is not None
        assert route.finished.astimezone(scenario.zone).date() == day


def test_generated_orders_sit_beside_distinct_road_points_with_windows_in_the_day(unseen):
    points = points_of(unseen.lat, unseen.lon)
    day = date(2024, 5, 7)
    orders = generate_orders(points, 120, seed=1, day=day, timezone="Etc/GMT+5")
    assert len(orders) == len({o.customer_key for o in orders}) == 120
    for order in orders:
        nearest = min(metres_between((order.lat, order.lon), p) for p in points)
        assert nearest < 30
        assert order.window_start.date() == day  # local: generated in the given zone
        assert time(8) <= order.window_start.time() and order.window_end.time() <= time(18)
        assert order.window_start < order.window_end
        assert 1 <= order.items <= 5
        assert order.service_s == 60 + 45 * order.items
    all_day = sum(o.window_end - o.window_start == timedelta(hours=10) for o in orders)
    assert 0.2 < all_day / len(orders) < 0.5
    assert {o.window_end - o.window_start for o in orders} == {
        timedelta(hours=2),
        timedelta(hours=10),
    }


def test_the_same_seed_and_day_give_the_same_orders_and_another_day_others(unseen):
    points = points_of(unseen.lat, unseen.lon)
    tuesday, wednesday = date(2024, 5, 7), date(2024, 5, 8)
    assert generate_orders(points, 20, 1, tuesday) == generate_orders(points, 20, 1, tuesday)
    assert [o.customer_key for o in generate_orders(points, 20, 1, tuesday)] != [
        o.customer_key for o in generate_orders(points, 20, 1, wednesday)
    ]


def test_a_customer_is_the_same_address_on_every_day(unseen):
    points = points_of(unseen.lat, unseen.lon)
    first = generate_orders(points, 300, 1, date(2024, 5, 7))
    second = generate_orders(points, 300, 1, date(2024, 5, 8))
    where = {o.customer_key: (o.lat, o.lon) for o in first}
    again = [o for o in second if o.customer_key in where]
    assert again
    for order in again:
        assert metres_between(where[order.customer_key], (order.lat, order.lon)) < 60


def test_the_depot_is_a_road_point_near_the_middle(unseen):
    points = points_of(unseen.lat, unseen.lon)
    depot = depot_location(points)
    assert depot in points
    centre = (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))
    assert metres_between(depot, centre) < 400


def test_more_orders_than_road_points_is_refused():
    with pytest.raises(ValueError, match="need at least"):
        generate_orders([(60.0, 24.0)], 2, 1, date(2024, 5, 7))


def test_points_may_be_latlons_pairs_or_array_rows(unseen):
    import numpy as np

    rows = np.column_stack((unseen.lat[:3], unseen.lon[:3]))
    expected = [(float(a), float(b)) for a, b in rows]
    assert as_points(rows) == expected
    assert as_points([LatLon(*p) for p in expected]) == expected


@pytest.mark.parametrize(
    ("lon", "zone"), [(24.9, "Etc/GMT-2"), (-76.6, "Etc/GMT+5"), (2.0, "UTC"), (139.7, "Etc/GMT-9")]
)
def test_the_time_zone_guess_follows_the_longitude(lon, zone):
    assert timezone_guess(lon) == zone
    assert Scenario(timezone=zone).zone is not None


def test_a_scenario_for_a_network_keeps_a_base_world_and_is_valid():
    base = Scenario(name="mine", failures={"probability": 0.3})
    fitted = scenario_for_network([(60.0, 24.0), (60.05, 24.1)], seed=9, base=base)
    assert fitted.failures.probability == 0.3
    assert fitted.timezone == "Etc/GMT-2"
    assert math.isfinite(fitted.incidents.per_hour)
    assert fitted.model_dump() == Scenario.model_validate(fitted.model_dump()).model_dump()
