"""Simulator fixtures: a synthetic city with the embedded provider, a fleet of 8 vans x
20 generated stops routed on it, a quiet world (no randomness but what a test turns on)
and hand-built straight legs for exact arithmetic."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from doorstep.domain.detectors.replay import replay
from doorstep.domain.ping import Ping
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.graph import RoadGraph
from doorstep.roads.synthetic import synthetic_city
from doorstep.sim import (
    FixEmitted,
    Scenario,
    SimEvent,
    SimLeg,
    SimRoute,
    SimStop,
    build_route,
    depot_location,
    generate_orders,
    points_of,
)
from doorstep.sim.geometry import offset

DAY = date(2024, 3, 12)  # a Tuesday
START = datetime(2024, 3, 12, 7, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def city() -> RoadGraph:
    return synthetic_city(2500, seed=1)


@pytest.fixture(scope="session")
def provider(city: RoadGraph) -> EmbeddedProvider:
    return EmbeddedProvider(city)


def fleet(
    provider: EmbeddedProvider,
    graph: RoadGraph,
    vans: int = 8,
    stops: int = 20,
    seed: int = 3,
    start: datetime = START,
) -> list[SimRoute]:
    """Generated orders cut into pie slices around the depot, each slice one van's
    route in window order, then by angle (a plausible if naive plan)."""
    points = points_of(graph.lat, graph.lon)
    depot = depot_location(points)
    orders = generate_orders(points, vans * stops, seed=seed, day=start.date())
    orders.sort(key=lambda o: math.atan2(o.lat - depot[0], o.lon - depot[1]))
    routes = []
    for v in range(vans):
        chunk = sorted(
            orders[v * stops : (v + 1) * stops],
            key=lambda o: (o.window_start, math.atan2(o.lat - depot[0], o.lon - depot[1])),
        )
        sim_stops = [o.stop(f"v{v}-s{i}") for i, o in enumerate(chunk)]
        routes.append(build_route(provider, f"van-{v}", f"driver-{v}", start, depot, sim_stops))
    return routes


@pytest.fixture(scope="session")
def routes(provider: EmbeddedProvider, city: RoadGraph) -> list[SimRoute]:
    return fleet(provider, city)


def merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


QUIET: dict[str, Any] = {
    "congestion": {"daily_sigma": 0.0, "segment_sigma": 0.0},
    "incidents": {"per_hour": 0.0},
    "drivers": {
        "speed_sigma": 0.0,
        "start_delay_min": {"median": 1.0, "sigma": 0.0},
        "swap_probability": 0.0,
    },
    "service": {"sigma": 0.0, "customer_sigma": 0.0},
    "failures": {"probability": 0.0},
    "breaks": {"enabled": False},
    "gps": {"drop_probability": 0.0, "gaps_per_hour": 0.0, "jump_probability": 0.0},
    "unsafe": {"speeding": {"count": 0}, "harsh_braking": {"count": 0}, "idling": {"count": 0}},
}


def quiet(**changes: Any) -> Scenario:
    """The default world with every random effect off, then ``changes`` on top."""
    return Scenario.model_validate(merged(merged(Scenario().model_dump(), QUIET), changes))


def straight_leg(
    start: tuple[float, float],
    metres: float,
    kmh: float = 50.0,
    road_class: str | None = "primary",
    bearing: float = 90.0,
    step_m: float = 100.0,
) -> SimLeg:
    """A straight road from ``start``, cut into ``step_m`` segments at ``kmh``."""
    n = max(1, round(metres / step_m))
    points = [offset(start, metres * i / n, bearing) for i in range(n + 1)]
    seconds = tuple(metres / n / (kmh / 3.6) for _ in range(n))
    return SimLeg(tuple(points), seconds, None if road_class is None else (road_class,) * n)


def reverse(leg: SimLeg) -> SimLeg:
    rc = None if leg.road_class is None else tuple(reversed(leg.road_class))
    return SimLeg(tuple(reversed(leg.points)), tuple(reversed(leg.seconds)), rc)


def line_route(
    key: str,
    start: datetime,
    stops: int,
    spacing_m: float = 200.0,
    kmh: float = 50.0,
    road_class: str | None = "primary",
    service_s: float = 120.0,
    windows: Sequence[tuple[datetime, datetime] | None] | None = None,
    origin: tuple[float, float] = (60.17, 24.94),
) -> SimRoute:
    """Stops every ``spacing_m`` along a straight road eastwards, and straight back."""
    depot = origin
    legs = []
    sim_stops = []
    here = depot
    for i in range(stops):
        leg = straight_leg(here, spacing_m, kmh, road_class)
        legs.append(leg)
        here = leg.points[-1]
        window = windows[i] if windows is not None else None
        sim_stops.append(
            SimStop(
                f"{key}-s{i}",
                here[0],
                here[1],
                service_s,
                window[0] if window else None,
                window[1] if window else None,
                1,
                f"{key}-c{i}",
            )
        )
    legs.append(reverse(straight_leg(depot, spacing_m * stops, kmh, road_class)))
    return SimRoute(key, f"driver-{key}", start, depot, tuple(sim_stops), tuple(legs))


def pings(events: Sequence[SimEvent]) -> dict[str, list[Ping]]:
    """The fixes of each vehicle as the pipeline's Ping, in order."""
    out: dict[str, list[Ping]] = {}
    for e in events:
        if isinstance(e, FixEmitted):
            out.setdefault(e.vehicle_key, []).append(
                Ping(
                    device=e.vehicle_key,
                    time=e.time,
                    lat=e.lat,
                    lon=e.lon,
                    speed=e.speed_ms,
                    heading=e.heading,
                    accuracy=e.accuracy,
                    ignition=e.ignition,
                )
            )
    return out


def detected(
    update: Any, params: Any, events: Sequence[SimEvent]
) -> list[tuple[str, str, datetime]]:
    """``(vehicle, kind, time)`` of every event a domain detector finds in the fixes."""
    return [
        (vehicle, e.kind, e.time)
        for vehicle, fixes in pings(events).items()
        for e in replay(update, params, fixes)
    ]


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
