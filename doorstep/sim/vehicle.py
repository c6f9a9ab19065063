"""One van's day as a stream of ``(sim seconds, event)`` in time order: drive each leg
through the world's traffic, arrive, wait for the window, serve (or fail), maybe idle
or take a break, depart; and the tracker's fixes all along.

A generator, so the engine can interleave vans lazily and a caller can stop at any
moment. Everything random comes from this van's own streams (driving, stops, GPS),
so vans never influence one another's numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from doorstep.sim.day_plan import (
    BRAKING_APPROACH_M,
    BRAKING_RUN_M,
    SPEEDING_RUN_M,
    STRAIGHT_TURN_DEG,
    Braking,
    LegBuilder,
    Speeding,
    VehiclePlan,
    Visit,
)
from doorstep.sim.events import (
    BreakEnded,
    BreakStarted,
    Outcome,
    RouteFinished,
    RouteStarted,
    SimEvent,
    StopArrived,
    StopCompleted,
    StopDeparted,
)
from doorstep.sim.geometry import HEADING_WINDOW_S, LegShape
from doorstep.sim.gps import Tracker
from doorstep.sim.habits import Habits
from doorstep.sim.kinematics import Motion, Phase, Piece, plan_motion, split
from doorstep.sim.model import Point, SimLeg, SimStop
from doorstep.sim.randomness import lognormal, mean_one, stream
from doorstep.sim.scenario import Scenario
from doorstep.sim.traffic import Traffic
from doorstep.sim.truth import EpisodeKind, EpisodeTruth, LegTruth, RouteTruth, StopTruth

MAX_SPEED_MS = 36.0  # 130 km/h: a van, whatever a segment's seconds say
MIN_SPEED_MS = 1.0
MIN_CORNER_SPEED_MS = 2.5
BRAKING_APPROACH_MS = 12.0  # at least this fast just before a sudden stop
EPISODE_ACCEL_MS2 = 1.6  # spirited, but below harsh-driving thresholds (with GPS noise)
EPISODE_DECEL_MS2 = 2.3
CLEAN_MARGIN_S = 10.0

Stream = Generator[tuple[float, SimEvent], None, float]


class SimClock:
    """Simulation seconds from a UTC epoch, and back."""

    def __init__(self, epoch: datetime) -> None:
        self.epoch = epoch
        self.epoch_ts = epoch.timestamp()

    def seconds(self, moment: datetime) -> float:
        return moment.timestamp() - self.epoch_ts

    def to_datetime(self, t: float) -> datetime:
        return self.epoch + timedelta(seconds=t)


@dataclass(frozen=True)
class World:
    """Shared by every van of a run; read only."""

    scenario: Scenario
    traffic: Traffic
    clock: SimClock
    habits: Habits
    shape_of: Callable[[SimLeg], LegShape]
    seed: int
    leg_between: LegBuilder | None = None  # routes legs to stops added during the day


class VehicleDay:
    def __init__(self, plan: VehiclePlan, world: World) -> None:
        self.plan = plan
        self.world = world
        route = plan.route
        self.key = route.vehicle_key
        self.pace = world.habits.driver_pace(route.driver_key)
        self.drive_rng = stream(world.seed, "drive", self.key)
        self.stop_rng = stream(world.seed, "stops", self.key)
        clock = world.clock
        self.tracker = Tracker(
            self.key, world.scenario.gps, stream(world.seed, "gps", self.key), clock.to_datetime
        )
        local_start = route.start.astimezone(world.scenario.zone)
        offset = local_start.utcoffset()
        self._local0 = clock.epoch_ts + (offset.total_seconds() if offset else 0.0)
        self.weekend = local_start.weekday() >= 5
        self.started: datetime | None = None
        self.finished: datetime | None = None
        self.stops: list[StopTruth] = []
        self.legs: list[LegTruth] = []
        self.episodes: list[EpisodeTruth] = []
        self.breaks: list[tuple[datetime, datetime]] = []
        # Stops added to the route during the day, each before a planned stop (None:
        # after the last): the driver takes them in when leaving the current stop.
        self.added: list[tuple[SimStop, str | None]] = []
        self.known = {stop.stop_id for stop in plan.route.stops}

    def local_hour(self, t: float) -> float:
        return ((self._local0 + t) % 86400.0) / 3600.0

    # -- the day ---------------------------------------------------------------------

    def events(self) -> Generator[tuple[float, SimEvent], None, None]:
        s, plan, clock = self.world.scenario, self.plan, self.world.clock
        dt = clock.to_datetime
        t = clock.seconds(plan.route.start)
        t += (
            lognormal(
                self.stop_rng, s.drivers.start_delay_min.median, s.drivers.start_delay_min.sigma
            )
            * 60.0
        )
        self.started = dt(t)
        yield t, RouteStarted(self.key, dt(t), plan.route.driver_key)
        self.tracker.begin(t)
        last_break = t
        planned = {stop.stop_id: i + 1 for i, stop in enumerate(plan.route.stops)}
        visits = list(plan.visits)
        index = list(range(len(visits)))  # the planned visit's index: its episodes; -1 added
        home, where = plan.home, plan.route.depot
        k = 0
        while True:
            home = self._take_added(visits, index, k, where, home)
            if k == len(visits):
                break
            visit, i = visits[k], index[k]
            stop = visit.stop
            t = yield from self._drive(i, visit.leg, t, stop.stop_id)
            where = self.world.shape_of(visit.leg).end
            arrived = t
            yield t, StopArrived(self.key, stop.stop_id, dt(t))
            if s.drivers.wait_for_window and stop.window_start is not None:
                opens = clock.seconds(stop.window_start)
                if opens > t:
                    yield from self._stand(t, opens, where, ignition=False)
                    t = opens
            started = t
            outcome, reason, service_s = self._service(stop)
            yield from self._stand(t, t + service_s, where, ignition=False)
            t += service_s
            completed = t
            yield t, StopCompleted(self.key, stop.stop_id, dt(t), outcome, reason)
            if i in plan.idling_s:
                t = yield from self._idle(t, plan.idling_s[i], where)
            if s.breaks.enabled and t - last_break >= s.breaks.after_hours * 3600.0:
                t = yield from self._break(t, where)
                last_break = t
            yield t, StopDeparted(self.key, stop.stop_id, dt(t))
            self.stops.append(
                StopTruth(
                    self.key,
                    stop.stop_id,
                    planned.get(stop.stop_id, 0),  # 0: added during the day
                    k + 1,
                    dt(arrived),
                    dt(started),
                    dt(completed),
                    dt(t),
                    outcome,
                    reason,
                )
            )
            k += 1
        t = yield from self._drive(len(plan.visits), home, t, None)
        self.finished = dt(t)
        yield t, RouteFinished(self.key, dt(t))

    def add_stop(self, stop: SimStop, before: str | None) -> bool:
        """Queue a stop added to the route (False: already known or the day is over)."""
        if self.finished is not None or stop.stop_id in self.known:
            return False
        if self.world.leg_between is None:
            raise ValueError("stops can be added only with leg_between to route them")
        self.known.add(stop.stop_id)
        self.added.append((stop, before))
        return True

    def _take_added(
        self, visits: list[Visit], index: list[int], k: int, where: Point, home: SimLeg
    ) -> SimLeg:
        """Splice the queued stops into the visits still ahead (from ``k``): each before
        the planned stop it was put before, or last. The legs around it are routed
        anew; returns the leg home (new when a stop went last)."""
        route_leg = self.world.leg_between
        while self.added and route_leg is not None:
            stop, before = self.added.pop(0)
            ahead = [v.stop.stop_id for v in visits[k:]]
            p = k + ahead.index(before) if before in ahead else len(visits)
            came_from = where if p == k else (visits[p - 1].stop.lat, visits[p - 1].stop.lon)
            here = (stop.lat, stop.lon)
            if p < len(visits):
                nxt = visits[p].stop
                visits[p] = Visit(nxt, route_leg(here, (nxt.lat, nxt.lon)))
            else:
                home = route_leg(here, self.plan.route.depot)
            visits.insert(p, Visit(stop, route_leg(came_from, here)))
            index.insert(p, -1)
        return home

    def _service(self, stop: SimStop) -> tuple[Outcome, str | None, float]:
        s, rng = self.world.scenario, self.stop_rng
        habit, propensity = self.world.habits.customer(stop.customer)
        if rng.random() < min(0.95, s.failures.probability * propensity):
            reasons = list(s.failures.reasons)
            reason = rng.choices(reasons, weights=[s.failures.reasons[r] for r in reasons])[0]
            attempt = s.failures.attempt_s
            return "failed", reason, max(lognormal(rng, attempt.median, attempt.sigma), 1.0)
        svc = s.service
        seconds = stop.planned_service_s * svc.median_factor * habit
        seconds = lognormal(rng, seconds, svc.sigma) if seconds > 0 else 0.0
        seconds = min(max(seconds, svc.min_s), stop.planned_service_s * svc.max_factor + svc.min_s)
        return "delivered", None, seconds

    def _idle(self, t: float, seconds: float, where: Point) -> Stream:
        """Standing at the stop with the engine running (paperwork, phone, heating)."""
        self.tracker.clean(t, t + seconds + 1.0, dense=False)
        yield from self._stand(t, t + seconds, where, ignition=True)
        self._episode("idling", t, t + seconds, seconds, where)
        return t + seconds

    def _break(self, t: float, where: Point) -> Stream:
        dt = self.world.clock.to_datetime
        length = self.world.scenario.breaks.duration_min
        seconds = lognormal(self.stop_rng, length.median, length.sigma) * 60.0
        yield t, BreakStarted(self.key, dt(t))
        yield from self._stand(t, t + seconds, where, ignition=False)
        yield t + seconds, BreakEnded(self.key, dt(t + seconds))
        self.breaks.append((dt(t), dt(t + seconds)))
        return t + seconds

    # -- standing and driving -------------------------------------------------------

    def _stand(self, t0: float, t1: float, where: Point, ignition: bool) -> Stream:
        tracker = self.tracker
        tracker.reschedule(t0, moving=False)
        for tf in tracker.due(t1, moving=False):
            fix = tracker.observe(tf, where[0], where[1], 0.0, None, ignition)
            if fix is not None:
                yield tf, fix
        return t1

    def _drive(self, k: int, leg: SimLeg, t0: float, to_stop: str | None) -> Stream:
        shape = self.world.shape_of(leg)
        if not shape.metres:  # nowhere to go: the leg's seconds pass with the engine on
            end = t0 + shape.total_seconds
            yield from self._stand(t0, end, shape.end, ignition=True)
            self._leg(to_stop, t0, end, shape)
            return end
        pieces = self._pieces(shape, t0)
        speeding, braking = self.plan.speeding.get(k), self.plan.braking.get(k)
        fast = None if speeding is None else _speeding_window(shape, pieces, speeding)
        stop_at = None if braking is None else _braking_point(shape, pieces, braking)
        motion = Motion(plan_motion(pieces, t0), t0, shape.length)
        if fast is not None:
            self._speeding_truth(shape, motion, fast)
        if braking is not None and stop_at is not None:
            self._braking_truth(shape, motion, stop_at, braking.pause_s)

        tracker, i = self.tracker, 0
        half = HEADING_WINDOW_S / 2
        tracker.reschedule(t0, moving=True)
        for tf in tracker.due(motion.end_t, moving=True):
            x, v = motion.at(tf)
            i = shape.segment_at(x, i)
            lat, lon = shape.position(x, i)
            heading = shape.heading(motion.x_at(tf - half), motion.x_at(tf + half), i)
            fix = tracker.observe(tf, lat, lon, v, heading, True)
            if fix is not None:
                yield tf, fix
        self._leg(to_stop, t0, motion.end_t, shape)
        return motion.end_t

    def _pieces(self, shape: LegShape, t0: float) -> list[Piece]:
        """Cruise speeds from the world: free-flow seconds x congestion x incidents x
        noise, over the driver's pace, never above ``max_speed_factor`` x free flow nor
        ``max_speed_kmh``. Bends cap the speed at their points, and a sharp corner is
        an arc around its point driven at that cap."""
        drivers = self.world.scenario.drivers
        traffic, rng = self.world.traffic, self.drive_rng
        sigma = self.world.scenario.congestion.segment_sigma
        accel, decel = drivers.accel_ms2, drivers.decel_ms2
        cap = MAX_SPEED_MS if drivers.max_speed_kmh is None else drivers.max_speed_kmh / 3.6
        bends = [shape.bend_speed(j, drivers.corner_accel_ms2) for j in range(len(shape.points))]
        pieces: list[Piece] = []
        t = t0
        for i, metres in enumerate(shape.metres):
            a, b = shape.points[i], shape.points[i + 1]
            mid = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)
            factor = (
                traffic.congestion_factor(shape.road_class[i], self.local_hour(t), self.weekend)
                * traffic.incident_factor(mid, t)
                * mean_one(rng, sigma)
            )
            free = shape.seconds[i]
            speed = cap
            if free > 0:
                speed = min(
                    metres / free * drivers.cruise_factor * self.pace / factor,
                    metres / free * drivers.max_speed_factor,
                    cap,
                )
            speed = max(speed, MIN_SPEED_MS)
            start, end = shape.along[i], shape.along[i + 1]
            entry = bends[i] if i > 0 else math.inf
            if shape.corner(i):  # leaving the corner at the start of this segment
                arc_end = start + shape.half_arc[i]
                pieces.append(
                    Piece(start, arc_end - start, min(speed, bends[i]), accel, decel, entry)
                )
                start, entry = arc_end, math.inf
            arc_start = end - shape.half_arc[i + 1] if shape.corner(i + 1) else end
            pieces.append(Piece(start, arc_start - start, speed, accel, decel, entry))
            if arc_start < end:  # entering the corner at the end of this segment
                pieces.append(
                    Piece(arc_start, end - arc_start, min(speed, bends[i + 1]), accel, decel)
                )
            t += metres / speed
        return [p for p in pieces if p.length_m > 0]

    # -- ground truth ----------------------------------------------------------------

    def _leg(self, to_stop: str | None, t0: float, t1: float, shape: LegShape) -> None:
        dt = self.world.clock.to_datetime
        self.legs.append(
            LegTruth(self.key, to_stop, dt(t0), dt(t1), shape.total_seconds, shape.length)
        )

    def _episode(
        self, kind: EpisodeKind, start: float, end: float, value: float, where: Point
    ) -> None:
        dt = self.world.clock.to_datetime
        self.episodes.append(
            EpisodeTruth(self.key, kind, dt(start), dt(end), value, where[0], where[1])
        )

    def _speeding_truth(self, shape: LegShape, motion: Motion, window: tuple[float, float]) -> None:
        limit = self.world.scenario.unsafe.speeding.limit_kmh / 3.6
        start, end = motion.time_at(window[0]), motion.time_at(window[1])
        inside = [p for p in motion.phases if start <= p.t0 < end]
        over = _over(inside, limit)
        if over is None:
            return
        start, end, peak = over
        x = motion.x_at(start)
        where = shape.position(x, shape.segment_at(x))
        self.tracker.clean(start - CLEAN_MARGIN_S, end + CLEAN_MARGIN_S, dense=True)
        self._episode("speeding", start, end, peak * 3.6, where)

    def _braking_truth(self, shape: LegShape, motion: Motion, stop_at: float, pause: float) -> None:
        stopped = motion.time_at(stop_at)
        braking = [p for p in motion.phases if p.accel < 0 and p.t0 < stopped]
        if not braking:
            return
        phase = braking[-1]
        where = shape.position(stop_at, shape.segment_at(stop_at))
        self.tracker.clean(phase.t0 - CLEAN_MARGIN_S, stopped + pause + 5.0, dense=True)
        self._episode("harsh_braking", phase.t0, stopped, -phase.accel, where)

    def route_truth(self) -> RouteTruth | None:
        if self.started is None:
            return None
        plan = self.plan
        return RouteTruth(
            vehicle_key=self.key,
            driver_key=plan.route.driver_key,
            planned_start=plan.route.start,
            started=self.started,
            finished=self.finished,
            speed_factor=self.pace,
            visit_order=tuple(v.stop.stop_id for v in plan.visits),
            swapped=tuple(plan.swapped),
            breaks=tuple(self.breaks),
        )


def _pick_run(runs: list[tuple[float, float]], where: float) -> tuple[tuple[float, float], float]:
    """A stretch by ``where`` and the fraction left over for the place along it."""
    scaled = where * len(runs)
    index = min(int(scaled), len(runs) - 1)
    return runs[index], scaled - index


def _speeding_window(
    shape: LegShape, pieces: list[Piece], spec: Speeding
) -> tuple[float, float] | None:
    """Drive ``spec.speed_ms`` over the longest straight run (its gentle bends taken
    flat out); the stretch, in metres along the leg."""
    runs = shape.straight_runs(STRAIGHT_TURN_DEG)
    a, b = max(runs, key=lambda r: r[1] - r[0], default=(0.0, 0.0))
    if b - a < SPEEDING_RUN_M:
        return None
    along = spec.where
    length = min(spec.speed_ms * spec.duration_s, b - a - 20.0)
    start = a + (b - a - length) * along
    end = start + length
    first, last = split(pieces, start), split(pieces, end)
    for j in range(first, last):
        p = pieces[j]
        pieces[j] = replace(
            p,
            speed_ms=spec.speed_ms,
            accel_ms2=max(p.accel_ms2, EPISODE_ACCEL_MS2),
            decel_ms2=max(p.decel_ms2, EPISODE_DECEL_MS2),
            entry_limit_ms=math.inf,
        )
    return start, end


def _braking_point(shape: LegShape, pieces: list[Piece], spec: Braking) -> float | None:
    """A sudden stop on a straight run, approached at speed; where, in metres."""
    runs = [r for r in shape.straight_runs(STRAIGHT_TURN_DEG) if r[1] - r[0] >= BRAKING_RUN_M]
    if not runs:
        return None
    (a, b), along = _pick_run(runs, spec.where)
    lo, hi = a + BRAKING_APPROACH_M, min(b, shape.length) - 10.0
    if hi <= lo:
        return None
    stop_at = lo + (hi - lo) * along
    first, last = split(pieces, stop_at - BRAKING_APPROACH_M), split(pieces, stop_at)
    for j in range(first, last):
        p = pieces[j]
        pieces[j] = replace(
            p,
            speed_ms=max(p.speed_ms, BRAKING_APPROACH_MS),
            decel_ms2=spec.decel_ms2,
            entry_limit_ms=math.inf,
        )
    if last < len(pieces):
        pieces[last] = replace(pieces[last], pause_s=spec.pause_s)
    return stop_at


def _over(phases: list[Phase], limit: float) -> tuple[float, float, float] | None:
    """First and last moment above ``limit`` m/s, and the peak speed."""
    first = last = None
    peak = 0.0
    for ph in phases:
        v0, v1 = ph.v0, ph.v0 + ph.accel * ph.duration
        peak = max(peak, v0, v1)
        if max(v0, v1) <= limit:
            continue
        enter = ph.t0 if v0 > limit else ph.t0 + (limit - v0) / ph.accel
        leave = ph.t0 + ph.duration if v1 > limit else ph.t0 + (limit - v0) / ph.accel
        first = enter if first is None else first
        last = leave
    if first is None or last is None:
        return None
    return first, last, peak
