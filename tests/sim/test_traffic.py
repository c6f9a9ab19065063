from datetime import UTC, datetime

from doorstep.sim import Simulation, simulate
from doorstep.sim.habits import Habits
from doorstep.sim.traffic import Incident, Traffic

from .conftest import line_route, quiet


def leg_seconds(scenario, start, road_class="primary", metres=3000.0, **kw):
    """Actual seconds of a single long leg driven from ``start``."""
    route = line_route("van", start, 1, spacing_m=metres, road_class=road_class, **kw)
    _, truth = simulate([route], scenario)
    return truth.legs[0].actual_s


def test_congestion_at_8_makes_a_leg_slower_than_at_11():
    scenario = quiet(timezone="Europe/Helsinki")
    rush = leg_seconds(scenario, datetime(2024, 3, 12, 5, 59, tzinfo=UTC))  # 07:59 local
    calm = leg_seconds(scenario, datetime(2024, 3, 12, 8, 59, tzinfo=UTC))  # 10:59 local
    assert rush > 1.3 * calm


def test_rush_hour_is_local_time():
    utc = leg_seconds(quiet(), datetime(2024, 3, 12, 7, 59, tzinfo=UTC))
    helsinki = leg_seconds(
        quiet(timezone="Europe/Helsinki"), datetime(2024, 3, 12, 7, 59, tzinfo=UTC)
    )
    assert utc > 1.3 * helsinki  # 07:59 UTC is rush hour in UTC, 09:59 in Helsinki


def test_main_roads_feel_the_rush_more_than_residential_streets():
    scenario = quiet()
    at = {h: datetime(2024, 3, 12, h, 0, tzinfo=UTC) for h in (8, 11)}
    primary = leg_seconds(scenario, at[8], "primary") / leg_seconds(scenario, at[11], "primary")
    residential = leg_seconds(scenario, at[8], "residential", kmh=25) / leg_seconds(
        scenario, at[11], "residential", kmh=25
    )
    assert primary > residential > 1.0


def test_weekends_have_milder_rush_hours():
    saturday = leg_seconds(quiet(), datetime(2024, 3, 16, 8, 0, tzinfo=UTC))
    tuesday = leg_seconds(quiet(), datetime(2024, 3, 12, 8, 0, tzinfo=UTC))
    assert saturday < 0.85 * tuesday


def test_off_peak_drives_take_about_their_free_flow_time(routes):
    _, truth = simulate(routes, quiet(congestion={"peaks": []}))
    legs = [leg for leg in truth.legs if leg.free_flow_s > 60]
    ratio = sum(leg.actual_s for leg in legs) / sum(leg.free_flow_s for leg in legs)
    assert 0.9 < ratio < 1.3


def test_the_rush_hour_scenario_makes_the_morning_slower(routes):
    from doorstep.sim import builtin_scenario

    def morning(scenario):
        _, truth = simulate(routes, scenario)
        legs = [leg for leg in truth.legs if leg.departed.hour < 9 and leg.free_flow_s > 60]
        return sum(leg.actual_s for leg in legs) / sum(leg.free_flow_s for leg in legs)

    assert morning(builtin_scenario("rush_hour")) > 1.25 * morning(builtin_scenario("default"))


def test_an_incident_slows_roads_inside_its_disk_while_it_lasts():
    traffic = Traffic(quiet().congestion, [Incident(60.0, 24.0, 500.0, 3.0, 100.0, 200.0)], 1.0)
    assert traffic.incident_factor((60.001, 24.001), 150.0) == 3.0
    assert traffic.incident_factor((60.001, 24.001), 250.0) == 1.0
    assert traffic.incident_factor((60.02, 24.0), 150.0) == 1.0


def test_incidents_arrive_and_slow_the_legs_through_them():
    start = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    route = line_route("van", start, 1, spacing_m=3000.0)
    busy = quiet(
        incidents={
            "per_hour": 30.0,
            "radius_m": [800, 800],
            "factor": [3, 3],
            "duration_min": [240, 240],
        }
    )
    sim = Simulation([route], busy)
    sim.run()
    truth = sim.ground_truth()
    assert truth.incidents
    assert all(i.factor == 3 and i.radius_m == 800 for i in truth.incidents)
    assert truth.legs[0].actual_s > 1.5 * leg_seconds(quiet(), start, metres=3000.0)


def test_each_driver_keeps_their_pace_from_day_to_day(routes):
    scenario = quiet(drivers={"speed_sigma": 0.1})
    paces = {r.driver_key: Habits(scenario).driver_pace(r.driver_key) for r in routes}
    assert len(set(paces.values())) == len(routes)
    for seed in (1, 2):
        _, truth = simulate(routes, scenario, seed=seed)
        assert {r.driver_key: r.speed_factor for r in truth.routes} == paces


def test_a_faster_driver_drives_a_leg_in_less_time():
    start = datetime(2024, 3, 12, 8, 0, tzinfo=UTC)
    scenario = quiet(drivers={"speed_sigma": 0.2, "max_speed_kmh": None, "max_speed_factor": 3.0})
    times = {}
    for n in range(6):
        route = line_route(f"van{n}", start, 1, spacing_m=3000.0)
        _, truth = simulate([route], scenario)
        times[truth.routes[0].speed_factor] = truth.legs[0].actual_s
    paces = sorted(times)
    assert times[paces[0]] > times[paces[-1]]
