"""One simulated day fed to the ETA engine the way the live service feeds it, with
every remaining stop's prediction sampled for scoring.

What the live service does (``doorstep.services.eta_live``), and so what this does, in
the simulator's time order:

* a route is loaded (``set_route``) when it starts (``route.started``);
* every fix goes through the real ping pipeline (validate, dedupe, order, jump) and
  only an accepted live fix reaches ``on_fix``: the simulator's GPS gaps are simply
  missing fixes, its jumps are whatever the jump filter lets through;
* the driver app's marks: ``StopArrived`` -> ``on_stop_arrived``, ``StopCompleted``
  (delivered or failed) -> ``on_stop_done`` with the arrival and that moment as its
  departure (``departed_at`` is the completion time there too); the route is dropped
  when the van is back (nothing is left to predict after its last stop anyway);
* a timer refreshes every route on the road that heard nothing for ``refresh_every_s``
  (so a silent vehicle goes stale, as on the live map).

Sampling: at every engine update of a route on the road (a fix, a stop mark or a
timer refresh), but at most once per route per ``sample_every_s`` of simulated time,
every remaining stop's ETA, window and late risk are kept, with both baselines' ETAs at
the same moment. So each stop has at most one sample per minute.

Two live baselines, both the engine's own code with every learner frozen (pace held at
1.0, no traffic by hour, the plan's service times, windows never calibrated), so they
follow the same position along the same legs and the same stop order:

* ``naive``: the issue's naive live ETA, free-flow drive from the current position along
  the remaining planned legs plus planned service times. Its plans carry no window
  opening and its parameters (``NAIVE_PARAMS``) switch off the breaks and the
  remaining-service estimate, so whatever rules the engine gains this yardstick stays
  the same.
* ``frozen``: the engine as configured, plans as they are, learning off: the difference
  between it and the engine is what learning alone buys.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from doorstep.bench.eta_world import PlannedDay
from doorstep.domain.ping import Ping
from doorstep.eta.calibration import Calibration
from doorstep.eta.engine import EtaEngine, EtaParams
from doorstep.eta.habits import DriverHabits
from doorstep.eta.model import Fix, RouteEta, RoutePlan
from doorstep.eta.pace import DriverPaces
from doorstep.eta.service_time import ServiceTimes
from doorstep.eta.time_of_day import TimeOfDayFactors
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import PipelineParams
from doorstep.pipeline.stages import build_stages, run
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.sim import (
    FixEmitted,
    RouteFinished,
    RouteStarted,
    Scenario,
    SimEvent,
    Simulation,
    StopArrived,
    StopCompleted,
    provider_leg_builder,
)

NEVER = -math.inf

# vehicle, stop id, made at, eta, earliest, latest, late risk (nan: none), naive, frozen,
# stops-away
Sample = tuple[str, str, float, float, float, float, float, float, float, int]


class _FrozenCalibration(Calibration):
    def observe(
        self,
        horizon_s: float,
        error_s: float,
        group: object = None,
        shown: object = None,
        at_s: float | None = None,
        unit: object = None,
    ) -> None:
        return

    def fit(self, records: Iterable[tuple[float, float]]) -> None:
        return


class _FrozenServiceTimes(ServiceTimes):
    def observe(
        self,
        planned_s: float,
        actual_s: float,
        *,
        customer: str | None = None,
        driver: str | None = None,
        items: int = 1,
    ) -> None:
        return


class _FrozenTimeOfDay(TimeOfDayFactors):
    def observe(self, hour: int, predicted_s: float, actual_s: float) -> None:
        return


class _FrozenHabits(DriverHabits):
    def observe_early(
        self, arrived_s: float, opens_s: float, left_s: float, service_s: float
    ) -> None:
        return

    def observe_due_stop(self, took_break: bool, passed: int = 0) -> None:
        return

    def observe_break(self, worked_s: float) -> None:
        return

    def observe_late(self, lo_s: float, hi_s: float) -> None:
        return


class _FrozenPaces(DriverPaces):
    def observe(self, driver_key: str, predicted_s: float, actual_s: float) -> None:
        return


NAIVE_PARAMS = EtaParams(break_after_s=None, service_so_far=False, service_mean_ahead=False)


def frozen_engine(timezone: dt.tzinfo, params: EtaParams | None = None) -> EtaEngine:
    """The engine with nothing to learn: its live pace is held at 1.0 by a prior that
    outweighs any leg, and every learner ignores what it is shown."""
    return EtaEngine(
        replace(params or EtaParams(), pace_prior_weight_s=1e18),
        calibration=_FrozenCalibration(),
        drive_calibration=_FrozenCalibration(),
        two_away_calibration=_FrozenCalibration(),
        break_calibration=_FrozenCalibration(),
        service_times=_FrozenServiceTimes(),
        time_of_day=_FrozenTimeOfDay(),
        driver_paces=_FrozenPaces(),
        habits=_FrozenHabits(),
        timezone=timezone,
    )


@dataclass
class DayReplay:
    """The samples of one day, what really happened, and what it cost."""

    samples: list[Sample]
    arrivals: dict[tuple[str, str], float]  # (vehicle, stop id) -> actual arrival, POSIX s
    window_end: dict[tuple[str, str], float]
    counters: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def without_window_opening(plan: RoutePlan) -> RoutePlan:
    """The naive baseline's view of a plan: service starts on arrival."""
    stops = tuple(replace(s, window_start=None) for s in plan.stops)
    return replace(plan, stops=stops)


class _Baseline:
    """A frozen engine asked only when a sample is taken: it hears every stop mark as
    it happens, but only the latest fix, at sampling time (all a frozen engine needs)."""

    def __init__(self, engine: EtaEngine, plans: dict[str, RoutePlan]) -> None:
        self.engine = engine
        self.plans = plans
        self.known: dict[str, float] = {}

    def start(self, route_id: str, at: dt.datetime) -> None:
        self.engine.set_route(self.plans[route_id], at)

    def predict(
        self, vehicle: str, route_id: str, fix: Fix | None, now: dt.datetime
    ) -> dict[str, float]:
        if fix is not None and fix.time.timestamp() > self.known.get(vehicle, NEVER):
            result = self.engine.on_fix(vehicle, fix, now)
            self.known[vehicle] = fix.time.timestamp()
        else:
            result = self.engine.refresh(route_id, now)
        return {s.stop_id: s.eta_s for s in result.stops} if result is not None else {}


def _ping(event: FixEmitted) -> Ping:
    return Ping(
        device=event.vehicle_key,
        time=event.time,
        lat=event.lat,
        lon=event.lon,
        speed=event.speed_ms,
        heading=event.heading,
        accuracy=event.accuracy,
        ignition=event.ignition,
        received=event.time,
    )


class _Replay:
    """The state of one day's replay; ``feed`` takes the simulator's events in order."""

    def __init__(
        self, engine: EtaEngine, day: PlannedDay, sample_every_s: float, refresh_every_s: float
    ) -> None:
        self.engine = engine
        self.plans = {p.route_id: p for p in day.plans}
        self.naive = _Baseline(
            frozen_engine(engine.timezone, NAIVE_PARAMS),
            {k: without_window_opening(p) for k, p in self.plans.items()},
        )
        self.frozen = _Baseline(frozen_engine(engine.timezone, engine.params), self.plans)
        self.baselines = (self.naive, self.frozen)
        self.sample_every_s = sample_every_s
        self.refresh_every_s = refresh_every_s
        self.route_of = {p.vehicle_key or "": p.route_id for p in day.plans}
        self.on_road: dict[str, str] = {}
        self.last_update: dict[str, float] = {}
        self.last_sample: dict[str, float] = {}
        self.latest_fix: dict[str, Fix] = {}
        self.arrived_at: dict[tuple[str, str], dt.datetime] = {}
        self.memory: dict[str, DeviceMemory] = {}
        self.pipeline = PipelineParams()
        self.stages = build_stages(self.pipeline)
        self.next_tick = math.inf
        self.samples: list[Sample] = []
        self.engine_s = 0.0
        self.counters = {"fixes": 0, "fixes_to_engine": 0, "fixes_dropped": 0, "refreshes": 0}

    def feed(self, event: SimEvent) -> None:
        t = event.time.timestamp()
        while self.next_tick <= t:
            self._tick(self.next_tick)
            self.next_tick += self.refresh_every_s
        if isinstance(event, FixEmitted):
            self._fix(event, t)
        elif isinstance(event, StopArrived):
            self._arrived(event, t)
        elif isinstance(event, StopCompleted):
            self._completed(event, t)
        elif isinstance(event, RouteStarted):
            vehicle = event.vehicle_key
            route_id = self.on_road[vehicle] = self.route_of[vehicle]
            began = time.perf_counter()
            self.engine.set_route(self.plans[route_id], event.time)
            self.engine_s += time.perf_counter() - began
            for baseline in self.baselines:
                baseline.start(route_id, event.time)
            self.last_update[vehicle] = t
            self.last_sample[vehicle] = NEVER
            if self.next_tick == math.inf:
                self.next_tick = t + self.refresh_every_s
        elif isinstance(event, RouteFinished):
            finished = self.on_road.pop(event.vehicle_key, None)
            if finished is not None:
                self.engine.drop_route(finished)
                for baseline in self.baselines:
                    baseline.engine.drop_route(finished)

    def _tick(self, t: float) -> None:
        now = dt.datetime.fromtimestamp(t, dt.UTC)
        for vehicle, route_id in self.on_road.items():
            if t - self.last_update[vehicle] < self.refresh_every_s:
                continue
            began = time.perf_counter()
            result = self.engine.refresh(route_id, now)
            self.engine_s += time.perf_counter() - began
            self.counters["refreshes"] += 1
            self.last_update[vehicle] = t
            self._sample(vehicle, route_id, result, t, now)

    def _fix(self, event: FixEmitted, t: float) -> None:
        vehicle = event.vehicle_key
        self.counters["fixes"] += 1
        memory = self.memory.get(vehicle) or DeviceMemory()
        outcome = run(_ping(event), memory, self.pipeline, event.time, self.stages)
        self.memory[vehicle] = outcome.memory
        if not outcome.live:
            self.counters["fixes_dropped"] += 1
            return
        self.counters["fixes_to_engine"] += 1
        ping = outcome.ping
        fix = Fix(ping.time, ping.lat, ping.lon, ping.speed)
        self.latest_fix[vehicle] = fix
        began = time.perf_counter()
        result = self.engine.on_fix(vehicle, fix, event.time)
        self.engine_s += time.perf_counter() - began
        route_id = self.on_road.get(vehicle)
        if route_id is not None:
            self.last_update[vehicle] = t
            self._sample(vehicle, route_id, result, t, event.time)

    def _arrived(self, event: StopArrived, t: float) -> None:
        vehicle, route_id = event.vehicle_key, self.route_of[event.vehicle_key]
        self.arrived_at[vehicle, event.stop_id] = event.time
        began = time.perf_counter()
        result = self.engine.on_stop_arrived(route_id, event.stop_id, event.time, event.time)
        self.engine_s += time.perf_counter() - began
        for baseline in self.baselines:
            baseline.engine.on_stop_arrived(route_id, event.stop_id, event.time, event.time)
        self.last_update[vehicle] = t
        self._sample(vehicle, route_id, result, t, event.time)

    def _completed(self, event: StopCompleted, t: float) -> None:
        vehicle, route_id = event.vehicle_key, self.route_of[event.vehicle_key]
        arrived = self.arrived_at.get((vehicle, event.stop_id))
        began = time.perf_counter()
        result = self.engine.on_stop_done(
            route_id, event.stop_id, arrived_at=arrived, departed_at=event.time, now=event.time
        )
        self.engine_s += time.perf_counter() - began
        for baseline in self.baselines:
            baseline.engine.on_stop_done(
                route_id, event.stop_id, arrived_at=arrived, departed_at=event.time, now=event.time
            )
        self.last_update[vehicle] = t
        self._sample(vehicle, route_id, result, t, event.time)

    def _sample(
        self, vehicle: str, route_id: str, result: RouteEta | None, t: float, now: dt.datetime
    ) -> None:
        if result is None or t - self.last_sample[vehicle] < self.sample_every_s:
            return
        self.last_sample[vehicle] = t
        fix = self.latest_fix.get(vehicle)
        naive = self.naive.predict(vehicle, route_id, fix, now)
        frozen = self.frozen.predict(vehicle, route_id, fix, now)
        for s in result.stops:
            risk = math.nan if s.late_risk is None else s.late_risk
            self.samples.append(
                (
                    vehicle,
                    s.stop_id,
                    t,
                    s.eta_s,
                    s.earliest_s,
                    s.latest_s,
                    risk,
                    naive.get(s.stop_id, math.nan),
                    frozen.get(s.stop_id, math.nan),
                    s.stops_away,
                )
            )


def replay_day(
    engine: EtaEngine,
    day: PlannedDay,
    scenario: Scenario,
    provider: EmbeddedProvider,
    *,
    sample_every_s: float = 60.0,
    refresh_every_s: float = 60.0,
) -> DayReplay:
    """Simulate ``day`` in ``scenario`` (run seed ``day.seed``) and feed ``engine``;
    the engine keeps what it learned, for the next day."""
    began = time.perf_counter()
    replay = _Replay(engine, day, sample_every_s, refresh_every_s)
    sim = Simulation(
        day.routes, scenario, seed=day.seed, leg_between=provider_leg_builder(provider)
    )
    events = 0
    for event in sim:
        replay.feed(event)
        events += 1
    truth = sim.ground_truth()
    arrivals = {(s.vehicle_key, s.stop_id): s.arrived.timestamp() for s in truth.stops}
    window_end = {
        (r.vehicle_key, s.stop_id): s.window_end.timestamp()
        for r in day.routes
        for s in r.stops
        if s.window_end is not None
    }
    counters = dict(replay.counters)
    counters["events"] = events
    counters["gps_gaps"] = sum(len(g.gaps) for g in truth.gps)
    counters["gps_jumps"] = sum(len(g.jumps) for g in truth.gps)
    counters["failed_stops"] = sum(s.outcome == "failed" for s in truth.stops)
    counters["swapped_stops"] = sum(len(r.swapped) for r in truth.routes)
    return DayReplay(
        samples=replay.samples,
        arrivals=arrivals,
        window_end=window_end,
        counters=counters,
        timings={"replay_s": time.perf_counter() - began, "engine_s": replay.engine_s},
    )
