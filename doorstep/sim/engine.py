"""The simulation: every van's day interleaved into one stream of events in time order.

Deterministic: the same routes, scenario and seed give the same events, however the
run is sliced (``step_until`` in wall-clock ticks, plain iteration, or ``run()`` as
fast as possible). Nothing here reads a clock or sleeps; a driver that wants 1x or
60x calls ``step_until(start + speedup * wall_elapsed)``.
"""

from __future__ import annotations

import heapq
from collections.abc import Generator, Iterator, Sequence
from datetime import UTC, datetime

from doorstep.sim.day_plan import LegBuilder, plan_day
from doorstep.sim.events import SimEvent
from doorstep.sim.geometry import LegShape
from doorstep.sim.habits import Habits
from doorstep.sim.model import SimLeg, SimRoute, SimStop
from doorstep.sim.randomness import lognormal, stream
from doorstep.sim.scenario import Scenario
from doorstep.sim.traffic import Traffic, draw_incidents
from doorstep.sim.truth import GpsTruth, GroundTruth, IncidentTruth
from doorstep.sim.vehicle import SimClock, VehicleDay, World

INCIDENTS_BEFORE_S = 2 * 3600.0  # incidents already under way when the first van leaves
INCIDENTS_AFTER_S = 20 * 3600.0  # and arriving until long after the last one left


class Simulation:
    """Iterate it for events; ``ground_truth()`` says what really happened so far."""

    def __init__(
        self,
        routes: Sequence[SimRoute],
        scenario: Scenario | None = None,
        seed: int | None = None,
        leg_between: LegBuilder | None = None,
    ) -> None:
        """``seed`` draws the day (default: the scenario's seed). ``leg_between(a, b)``
        routes legs the plan lacks when a driver swaps two stops; without it the van
        drives the planned roads past the skipped stop."""
        keys = [r.vehicle_key for r in routes]
        if len(set(keys)) != len(keys):
            raise ValueError("every route needs its own vehicle_key")
        self.scenario = scenario if scenario is not None else Scenario()
        self.seed = self.scenario.seed if seed is None else seed
        epoch = min((r.start for r in routes), default=datetime(2000, 1, 1, tzinfo=UTC))
        self.clock = SimClock(epoch.astimezone(UTC))
        self._shapes: dict[int, tuple[SimLeg, LegShape]] = {}
        plans = plan_day(routes, self.scenario, self.seed, self.shape_of, leg_between)
        where = [p for plan in plans for leg in plan.legs() for p in leg.points]
        last = max((self.clock.seconds(r.start) for r in routes), default=0.0)
        incidents = draw_incidents(
            stream(self.seed, "incidents"),
            self.scenario.incidents,
            where,
            -INCIDENTS_BEFORE_S,
            last + INCIDENTS_AFTER_S,
        )
        congestion = self.scenario.congestion
        daily = lognormal(stream(self.seed, "daily"), 1.0, congestion.daily_sigma)
        self.world = World(
            scenario=self.scenario,
            traffic=Traffic(congestion, incidents, daily),
            clock=self.clock,
            habits=Habits(self.scenario),
            shape_of=self.shape_of,
            seed=self.seed,
            leg_between=leg_between,
        )
        self.vans = [VehicleDay(plan, self.world) for plan in plans]
        self._streams: list[Generator[tuple[float, SimEvent], None, None]] = [
            van.events() for van in self.vans
        ]
        self._heap: list[tuple[float, int, int, SimEvent]] = []
        self._count = 0
        self.now: datetime | None = None  # time of the last event handed out
        for index in range(len(self._streams)):
            self._pull(index)

    def add_stop(self, vehicle_key: str, stop: SimStop, before: str | None = None) -> bool:
        """A stop added to a van's route during the day (an urgent job the dispatcher
        inserted): driven before the planned stop ``before`` (None: after the last) once
        the driver leaves the stop they are at. False when the van is unknown, its day is
        over, or it knows the stop already. Needs ``leg_between``."""
        van = next((v for v in self.vans if v.key == vehicle_key), None)
        return van is not None and van.add_stop(stop, before)

    def shape_of(self, leg: SimLeg) -> LegShape:
        """A leg's walkable shape, built once per leg object."""
        hit = self._shapes.get(id(leg))
        if hit is None or hit[0] is not leg:
            hit = self._shapes[id(leg)] = (leg, LegShape.of(leg))
        return hit[1]

    def _pull(self, index: int) -> None:
        item = next(self._streams[index], None)
        if item is not None:
            self._count += 1
            heapq.heappush(self._heap, (item[0], index, self._count, item[1]))

    def __iter__(self) -> Iterator[SimEvent]:
        return self

    def __next__(self) -> SimEvent:
        if not self._heap:
            raise StopIteration
        _, index, _, event = heapq.heappop(self._heap)
        self._pull(index)
        self.now = event.time
        return event

    @property
    def start(self) -> datetime:
        """The earliest planned route start: where a wall-clock driver begins."""
        return self.clock.epoch

    @property
    def done(self) -> bool:
        return not self._heap

    def next_time(self) -> datetime | None:
        """When the next event happens (None when the day is over)."""
        return self._heap[0][3].time if self._heap else None

    def step_until(self, until: datetime) -> list[SimEvent]:
        """Every event up to and including ``until``, in time order."""
        limit = self.clock.seconds(until)
        out = []
        while self._heap and self._heap[0][0] <= limit:
            out.append(next(self))
        return out

    def run(self) -> list[SimEvent]:
        """Everything that is left, as fast as possible."""
        return list(self)

    def ground_truth(self) -> GroundTruth:
        to_dt = self.clock.to_datetime
        routes = tuple(t for van in self.vans if (t := van.route_truth()) is not None)
        gps = []
        for van in self.vans:
            end = van.finished
            gaps = [
                (to_dt(a), to_dt(b))
                for a, b in van.tracker.gaps
                if van.started is not None and (end is None or to_dt(a) < end)
            ]
            gps.append(
                GpsTruth(
                    van.key,
                    van.tracker.fixes,
                    tuple(gaps),
                    tuple(to_dt(t) for t in van.tracker.jumps),
                )
            )
        return GroundTruth(
            routes=routes,
            stops=tuple(s for van in self.vans for s in van.stops),
            legs=tuple(leg for van in self.vans for leg in van.legs),
            episodes=tuple(e for van in self.vans for e in van.episodes),
            incidents=tuple(
                IncidentTruth(i.lat, i.lon, i.radius_m, i.factor, to_dt(i.start_s), to_dt(i.end_s))
                for i in self.world.traffic.incidents
            ),
            gps=tuple(gps),
        )


def simulate(
    routes: Sequence[SimRoute], scenario: Scenario | None = None, seed: int | None = None
) -> tuple[list[SimEvent], GroundTruth]:
    """A whole run at once: every event and the ground truth."""
    sim = Simulation(routes, scenario, seed)
    events = sim.run()
    return events, sim.ground_truth()
