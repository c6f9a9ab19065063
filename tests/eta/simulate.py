"""A seeded fleet driving seeded days, to test what the engine learns end to end.

Drivers have their own pace (some slower than the plan), customers their own service
times, and every leg and visit its own noise, skewed late (lognormal). Each day every
route is driven once: fixes every ``fix_every_s`` along the legs' polylines, an
arrival and a departure at every stop, all events of all routes in time order.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from dataclasses import dataclass, field
from typing import cast

from doorstep.bench.eta_engine import synthetic_route
from doorstep.eta.engine import EtaEngine
from doorstep.eta.model import Fix, RoutePlan


@dataclass
class Fleet:
    routes: int = 30
    stops: int = 12
    seed: int = 1
    driver_pace: dict[str, float] = field(default_factory=dict)
    customer_pace: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        for i in range(self.routes):
            self.driver_pace[f"d-r{i}"] = rng.uniform(0.9, 1.35)
        for c in range(501):
            self.customer_pace[f"c{c}"] = rng.choice((0.7, 1.0, 1.0, 1.5, 2.5))


@dataclass
class Outcome:
    """Every window published for a stop, and when the stop was really reached."""

    windows: list[tuple[str, float, float, float]] = field(default_factory=list)
    arrivals: dict[str, float] = field(default_factory=dict)

    def coverage(self) -> float:
        inside = [
            earliest <= self.arrivals[stop] <= latest
            for stop, earliest, latest, _ in self.windows
            if stop in self.arrivals
        ]
        return sum(inside) / len(inside)

    def mean_width_s(self) -> float:
        return sum(w[2] - w[1] for w in self.windows) / len(self.windows)


def _point(path: tuple[tuple[float, float], ...], f: float) -> tuple[float, float]:
    x = f * (len(path) - 1)
    k = min(int(x), len(path) - 2)
    g = x - k
    (a, b), (c, d) = path[k], path[k + 1]
    return a + (c - a) * g, b + (d - b) * g


def _events(
    plan: RoutePlan, fleet: Fleet, rng: random.Random, fix_every_s: float
) -> list[tuple[float, int, str, object]]:
    """(time, order, kind, payload) of one route's day as it really happens."""
    assert plan.start_time is not None and plan.driver_key is not None
    day_pace = fleet.driver_pace[plan.driver_key] * rng.lognormvariate(0.0, 0.05)
    t = plan.start_time.timestamp() + rng.uniform(-120, 600)
    events: list[tuple[float, int, str, object]] = []
    for stop in plan.stops:
        drive = stop.leg_s * day_pace * rng.lognormvariate(0.0, 0.25)
        f = fix_every_s
        while f < drive:
            events.append((t + f, 0, "fix", _point(stop.path, f / drive)))
            f += fix_every_s
        t += drive
        events.append((t, 1, "arrive", stop.stop_id))
        assert stop.customer_key is not None
        visit = stop.service_s * fleet.customer_pace[stop.customer_key]
        t += visit * rng.lognormvariate(0.0, 0.3)
        events.append((t, 2, "depart", stop.stop_id))
    return events


def drive_day(
    engine: EtaEngine,
    fleet: Fleet,
    day: int,
    *,
    fix_every_s: float = 60.0,
) -> Outcome:
    rng = random.Random(fleet.seed * 1000 + day)
    start = dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC) + dt.timedelta(days=day)
    plan_rng = random.Random(fleet.seed)  # the same routes every day
    plans = [synthetic_route(f"r{i}", fleet.stops, start, plan_rng) for i in range(fleet.routes)]
    queue: list[tuple[float, int, str, str, object]] = []
    for plan in plans:
        engine.set_route(plan, start - dt.timedelta(minutes=30))
        for time_s, order, kind, payload in _events(plan, fleet, rng, fix_every_s):
            heapq.heappush(queue, (time_s, order, plan.route_id, kind, payload))
    outcome = Outcome()
    arrived: dict[str, float] = {}
    while queue:
        time_s, _, route_id, kind, payload = heapq.heappop(queue)
        now = dt.datetime.fromtimestamp(time_s, dt.UTC)
        if kind == "fix":
            lat, lon = cast(tuple[float, float], payload)
            result = engine.on_fix(f"v-{route_id}", Fix(now, lat, lon), now)
            assert result is not None
            for s in result.stops:
                outcome.windows.append((s.stop_id, s.earliest_s, s.latest_s, s.horizon_s))
        elif kind == "arrive":
            stop_id = str(payload)
            arrived[stop_id] = time_s
            outcome.arrivals[stop_id] = time_s
            engine.on_stop_arrived(route_id, stop_id, now, now)
        else:
            stop_id = str(payload)
            engine.on_stop_done(
                route_id,
                stop_id,
                arrived_at=dt.datetime.fromtimestamp(arrived[stop_id], dt.UTC),
                departed_at=now,
                now=now,
            )
    for plan in plans:
        engine.drop_route(plan.route_id)
    return outcome
