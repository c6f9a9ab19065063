"""The fleet simulator's world model: drives planned routes through a world that is
not the ETA engine's (traffic by hour and road class, incidents, drivers' habits,
skewed service times, failed deliveries, breaks, noisy GPS, a few unsafe episodes)
and yields what trackers and drivers would report, in time order.

Pure and deterministic: routes + scenario + seed in, events and ground truth out. It
sends nothing anywhere; a driver feeds the events to Doorstep's real interfaces.

    sim = Simulation(routes, builtin_scenario("rush_hour"), seed=7)
    for event in sim.step_until(now):  # or: for event in sim / sim.run()
        ...
    truth = sim.ground_truth()
"""

from doorstep.sim.engine import Simulation, simulate
from doorstep.sim.events import (
    BreakEnded,
    BreakStarted,
    FixEmitted,
    Outcome,
    RouteFinished,
    RouteStarted,
    SimEvent,
    StopArrived,
    StopCompleted,
    StopDeparted,
)
from doorstep.sim.generation import (
    GeneratedOrder,
    depot_location,
    generate_orders,
    points_of,
    scenario_for_network,
)
from doorstep.sim.legs import build_route, leg_from_path, provider_leg_builder
from doorstep.sim.model import Point, SimLeg, SimRoute, SimStop
from doorstep.sim.scenario import Scenario
from doorstep.sim.scenario_files import (
    ScenarioError,
    builtin_scenario,
    builtin_scenarios,
    dump_scenario,
    load_scenario,
    parse_scenario,
)
from doorstep.sim.truth import (
    EpisodeTruth,
    GpsTruth,
    GroundTruth,
    IncidentTruth,
    LegTruth,
    RouteTruth,
    StopTruth,
)

__all__ = [
    "BreakEnded",
    "BreakStarted",
    "EpisodeTruth",
    "FixEmitted",
    "GeneratedOrder",
    "GpsTruth",
    "GroundTruth",
    "IncidentTruth",
    "LegTruth",
    "Outcome",
    "Point",
    "RouteFinished",
    "RouteStarted",
    "RouteTruth",
    "Scenario",
    "ScenarioError",
    "SimEvent",
    "SimLeg",
    "SimRoute",
    "SimStop",
    "Simulation",
    "StopArrived",
    "StopCompleted",
    "StopDeparted",
    "StopTruth",
    "build_route",
    "builtin_scenario",
    "builtin_scenarios",
    "depot_location",
    "dump_scenario",
    "generate_orders",
    "leg_from_path",
    "load_scenario",
    "parse_scenario",
    "points_of",
    "provider_leg_builder",
    "scenario_for_network",
    "simulate",
]
