import time

from doorstep.sim import FixEmitted, Scenario, Simulation


def test_a_simulated_day_of_8_vans_and_20_stops_takes_well_under_10_s_of_cpu(routes):
    assert len(routes) == 8 and {len(r.stops) for r in routes} == {20}
    scenario = Scenario(seed=1)
    assert scenario.gps.interval_s == 5
    started = time.process_time()
    sim = Simulation(routes, scenario)
    events = sim.run()
    cpu = time.process_time() - started
    day = max(r.finished for r in sim.ground_truth().routes) - sim.start
    assert day.total_seconds() > 6 * 3600
    assert sum(isinstance(e, FixEmitted) for e in events) > 8000
    assert cpu < 5.0, f"{cpu:.2f} s of CPU for one simulated day"
