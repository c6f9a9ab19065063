"""The ETA engine: every remaining stop of a route, refreshed on each event.

One engine serves one organisation: what it learns (service times, hourly traffic,
drivers' paces, the width of its windows) is that organisation's. It is pure: no
clock, no I/O; every call says what time it is.

Why a refresh is cheap: when a route is set or changes (a stop closed, a route
edited), the remaining stops are put in the order they will be driven, and what a
refresh reads of each (its window, the service it adds, the plan seconds of the leg
after it) is cached in that order (``_Route.rows``). A fix then costs one projection, a
scan of the current leg's polyline and one pass over the remaining stops with float
arithmetic: O(remaining stops). Plain floats in a loop beat numpy here: for 30 stops
numpy's per-call overhead costs more than the loop (see ``doorstep.bench.eta_engine``).
Arrivals only grow along a route, so the loop looks up a horizon's band and an hour's
traffic factor again only where they change, checks for a break falling due only near
it, and skips the search of the band's errors for a stop no past error would have
made late: ``doorstep bench eta-refresh``'s refresh of 30 stops runs about
235k instructions (callgrind), 353k before.

How one stop is predicted: the raw arrival chains, from the vehicle's last known point
and time, the drive still ahead on the current leg, then each cached leg times the live
pace times the hourly traffic factor, plus each stop's learned service time, begun
no earlier than the stop's window opens (an early driver waits). Service times are
skewed: the next one adds its median, those after their mean, since a sum of several
centres on the sum of the means (``doorstep bench eta``: without it, stops two hours
ahead were predicted minutes early on every network). The band
learned for that horizon turns the raw arrival into the ETA (its median), the window
and the late risk (``doorstep.eta.calibration``). The stop the van is driving to has
bands of its own (``drive_calibration``), learned only from such arrivals: no service
lies before it, so its errors are the drive's alone, and sharing the others' bands
made its windows twice as wide as they need be (``doorstep bench eta --scenario
slow_service``: 95 % of those arrivals inside, windows 9 minutes wide). Its
predictions are kept every 30 s, not with the route's five-minute snapshots: most
legs are shorter than five minutes, and with one kept prediction a leg (or none) its
bands borrowed those of the last minute before arrival, a few seconds wide (``bench
eta``, Helsinki: 62 % of the next stop's arrivals inside its window, 72 % then).
On a break the next stop waits for the break's end, not for a drive: what is left of
it is read from the lengths of the breaks seen (``BreakLengths``: a break running
long still has a while to go, where a fixed length had the driver leave at every
fix), and those predictions teach bands of their own (``break_calibration``); each
leg's (or break's) predictions share its luck, and count as one error in the band's
span (``Calibration.observe``'s ``unit``). Mixed into the drive's bands, a break's
spread was under-counted forty times over: the next stop's windows held 61-71 % of
arrivals 5-30 minutes ahead (``bench eta``, Helsinki; 78 % now). The
stop two away has bands of its own too (``two_away_calibration``): one service (the
one under way, or the next stop's) lies before it, against several for the stops
after, and shared bands held 85-88 % of its arrivals, 77-82 % now, in windows a
quarter narrower. A break
falling due within minutes of a departure may be taken at that stop or the next, and
the two ways can be half an hour apart (a wait for a window absorbs a break taken
before it, not one taken after): the windows stretch to hold the other way when its
odds are 20 % or more (``_break_flip``). Both rules, the wait for a window and the
break at the first stop once due, are the plan's; where the organisation's drivers
are seen not to keep them, the engine follows what they do (``DriverHabits``): in a
fleet whose drivers serve early customers at once, or break sooner, later or never,
every ETA past an early stop or a due break was held back by a wait or a break that
did not come, or missed one that did (``doorstep bench eta`` on such worlds: MAE up
to 17 times the naive ETA's at 0-15 minutes). Until two early stops show that the
drivers do wait, the windows hold the other way too: each stop's early edge where the
van would be without the waits before it (``DriverHabits.wait_in_doubt``; on such a
world's first morning the ETAs held waits for an hour that never came, and the windows
held 59 % of arrivals 1-2 hours ahead, 78 % now). Where the breaks taken once due agree
on a later time worked than the rule's, or routes end past due stops with none, the
break falls due then, or never (``DriverHabits.break_after_s``); a break later now and
then is counted in due stops from when it fell due (``_Route.due_passed``), not from
now: a route far past its due time expects the break where drivers who got that far
took theirs. A route set with stops already served (the service restarted
mid-route) counts the time worked from when they were reached and left, and a break
from a leg half a break longer than its drive (``_resume``); the routes of the last
days that are over teach the breaks the same way (``learn_history``, ``_replay``), so
a restart does not forget when the drivers take theirs. The raw arrivals are what
the engine remembers (every
``snapshot_every_s``) and compares with real arrivals, to keep learning how wide its
windows must be.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from doorstep.eta.break_length import BreakLengths
from doorstep.eta.calibration import Z80, Calibration, ErrorBand
from doorstep.eta.habits import DriverHabits, early_enough_to_tell
from doorstep.eta.model import Fix, RouteEta, RoutePlan, ServedRoute, StopEta
from doorstep.eta.pace import DriverPaces, Pace
from doorstep.eta.progress import LegPath, LocalPlane, distance_m, remaining_drive_s
from doorstep.eta.service_time import ServiceTimes
from doorstep.eta.time_of_day import TimeOfDayFactors

_INV_HOUR = 1.0 / 3600.0
_INV_MINUTE = 1.0 / 60.0
_SCALE_OFFSET_S = 1000.0  # doorstep.eta.calibration.SCALE_OFFSET_S, inlined in the loop
_Z60 = 0.8416212335729143  # a normal's 80 % quantile: a branch this far off has 20 % odds
_FLIP_REACH = 0.5 * _Z60 / Z80  # of a window's width: the other branch's odds >= 20 %
_INF = math.inf
_new_tuple = tuple.__new__  # StopEta without NamedTuple's Python-level __new__ frame


@dataclass(frozen=True, slots=True)
class EtaParams:
    """The engine's knobs; the defaults are the issue's."""

    stale_after_s: float = 1200.0  # no fix for this long: propagate the plan instead
    off_path_m: float = 150.0  # further from the leg's polyline: straight-line estimate
    straight_line_speed_ms: float = 6.0  # straight-line m/s when a route teaches none
    min_straight_leg_m: float = 100.0  # legs shorter than this teach no seconds per metre
    snapshot_every_s: float = 300.0  # how often a route's predictions are kept to learn from
    snapshots_kept: int = 64
    # The stop driven to: its prediction is kept this often, its own bands learn from it.
    drive_snapshot_every_s: float = 30.0
    partial_leg_min_s: float = 120.0  # plan seconds driven before the current leg votes
    pace_prior_weight_s: float = 600.0
    pace_legs: int = 8
    # Breaks: the organisation's rule (EU drivers' hours: one after 4.5 h); None: none.
    break_after_s: float | None = 4.5 * 3600.0
    break_prior_s: float = 1800.0  # a break's length until breaks are observed
    break_min_s: float = 300.0  # a shorter stand is not a break
    break_max_s: float = 7200.0  # a longer one is learned as this long
    still_radius_m: float = 75.0  # fixes within this of each other: standing
    break_detect_s: float = 600.0  # standing this long away from a stop, break due: a break
    break_learn_s: float = 900.0  # standing this long, due or not: a break (to learn when)
    # A route started longer ago than a working day was left open, not worked since.
    workday_max_s: float = 16 * 3600.0
    service_so_far: bool = True  # at a stop: what is left given how long it has lasted
    # Services after the next add their mean, not their median: a sum of several
    # skewed service times centres on the sum of their means (the naive baseline: off).
    service_mean_ahead: bool = True


class _Route:
    """Everything the engine keeps per route (mutable; private to the engine)."""

    __slots__ = (
        "anchor_rem",
        "anchor_s",
        "anchor_target",
        "any_done",
        "at_stop",
        "at_stop_since",
        "away_since",
        "break_due",
        "break_since",
        "chain",
        "done",
        "drive_snaps",
        "drive_target",
        "due_passed",
        "ids",
        "index",
        "known_s",
        "last_drive_snap_s",
        "last_snapshot_s",
        "left_before_s",
        "left_s",
        "leg_s",
        "pace",
        "paths",
        "plan",
        "plane",
        "pos",
        "route_spm",
        "rows",
        "seq",
        "service",
        "service_ahead",
        "snapshots",
        "spm",
        "start_s",
        "started_s",
        "still_at_stop",
        "still_since",
        "still_xy",
        "tz_off",
        "window_end",
        "window_start",
        "work_since",
        "xy",
    )

    plan: RoutePlan
    plane: LocalPlane
    ids: list[str]
    index: dict[str, int]
    xy: list[tuple[float, float]]
    leg_s: list[float]
    spm: list[float]
    route_spm: float
    paths: list[LegPath | None]
    service: list[float]  # each stop's median service seconds
    service_ahead: list[float]  # its mean service: what it adds when not the next one
    window_start: list[float]
    window_end: list[float | None]
    done: list[bool]
    any_done: bool
    seq: list[int]
    chain: list[float]
    # What a refresh reads of each remaining stop, in the order driven: (stop id,
    # window end, window start, the service it adds, the plan seconds of the leg after
    # it (0.0 after the last), stops-away).
    rows: list[tuple[str, float | None, float, float, float, int]]
    pos: tuple[float, float] | None
    known_s: float
    start_s: float | None
    started_s: float | None  # when the driver started it, where the store knows
    at_stop: int
    at_stop_since: float
    anchor_target: int
    anchor_s: float
    anchor_rem: float
    break_due: float
    break_since: float
    due_passed: int  # due stops driven past since the break fell due
    left_s: float  # the last stop visited was left (or the route began)
    left_before_s: float  # and the one before it
    work_since: float  # the route began or the last break ended: the time worked counts
    still_xy: tuple[float, float] | None
    still_at_stop: bool  # still_xy is the stop closed last: the van has not moved on
    still_since: float
    away_since: float  # a first fix away from where the van stood (< 0: none)
    pace: Pace
    tz_off: float
    # Stops two away and further (the stop driven to is kept in drive_snaps).
    snapshots: deque[dict[str, tuple[float, float, bool, ErrorBand]]]
    last_snapshot_s: float
    drive_target: int  # the stop drive_snaps predicted (-1: none)
    drive_snaps: list[tuple[float, float, ErrorBand, bool]]  # ..., taken on a break
    last_drive_snap_s: float


# The drive's horizons are short: its buckets split the first five minutes, whose
# errors grow from seconds (arriving now) to minutes.
DRIVE_EDGES_S = (0.0, 60.0, 180.0, 300.0, 600.0, 1200.0, 1800.0, 2700.0, 3600.0)
_DRIVE_SNAPS_KEPT = 240  # two hours of one leg at 30 s


def _leg_s(r: _Route, a: int, b: int) -> float:
    """The plan's drive from stop ``a`` to stop ``b``: the planned leg between neighbours,
    else the straight line at the route's seconds per metre."""
    return r.leg_s[b] if b == a + 1 else distance_m(r.xy[a], r.xy[b]) * r.route_spm


class EtaEngine:
    """ETAs for every active route of one organisation; see the module docstring."""

    def __init__(
        self,
        params: EtaParams | None = None,
        *,
        calibration: Calibration | None = None,
        drive_calibration: Calibration | None = None,
        two_away_calibration: Calibration | None = None,
        break_calibration: Calibration | None = None,
        service_times: ServiceTimes | None = None,
        time_of_day: TimeOfDayFactors | None = None,
        driver_paces: DriverPaces | None = None,
        habits: DriverHabits | None = None,
        timezone: dt.tzinfo = dt.UTC,
    ) -> None:
        self.params = params or EtaParams()
        self.calibration = calibration or Calibration()
        self.drive_calibration = drive_calibration or Calibration(edges=DRIVE_EDGES_S)
        self.two_away_calibration = two_away_calibration or Calibration()
        self.break_calibration = break_calibration or Calibration(edges=DRIVE_EDGES_S)
        self.service_times = service_times or ServiceTimes()
        self.time_of_day = time_of_day or TimeOfDayFactors()
        self.driver_paces = driver_paces or DriverPaces()
        self.habits = habits or DriverHabits()
        self.timezone = timezone
        self.counters: dict[str, int] = {
            "fix_without_route": 0,
            "future_fix_clamped": 0,
            "late_fix_ignored": 0,
            "future_stop_time_clamped": 0,
            "unknown_stop": 0,
        }
        self.breaks = BreakLengths(self.params.break_prior_s, self.params.break_max_s)
        self._routes: dict[str, _Route] = {}
        self._vehicles: dict[str, str] = {}

    @property
    def break_s(self) -> float:
        """A break's mean length: what each break still ahead of a route adds."""
        return self.breaks.mean_s

    # ---- routes -------------------------------------------------------------------

    def set_route(self, plan: RoutePlan, now: dt.datetime) -> RouteEta:
        """A route dispatched or changed. A change keeps what the old route knew: the
        closed stops (by id), the vehicle's last position, the live pace."""
        now_s = now.timestamp()
        old = self._routes.get(plan.route_id)
        r = self._build(plan, now)
        if old is not None:
            for j, stop_id in enumerate(r.ids):
                k = old.index.get(stop_id)
                if k is not None and old.done[k]:
                    r.done[j] = True
            r.any_done = r.any_done or old.any_done
            r.known_s = old.known_s
            if old.pos is not None:
                lat, lon = _unproject(old.plane, old.pos)
                r.pos = r.plane.project(lat, lon)
            if old.at_stop >= 0 and old.ids[old.at_stop] in r.index:
                r.at_stop = r.index[old.ids[old.at_stop]]
                r.at_stop_since = old.at_stop_since
            r.pace = old.pace
            r.break_due, r.break_since = old.break_due, old.break_since
            r.due_passed = old.due_passed
            r.left_s, r.left_before_s = old.left_s, old.left_before_s
            r.work_since = old.work_since
            r.still_xy, r.still_since = old.still_xy, old.still_since
            r.still_at_stop = old.still_at_stop
            r.away_since = old.away_since
            r.snapshots = old.snapshots
            r.last_snapshot_s = old.last_snapshot_s
            if old.drive_target >= 0 and old.ids[old.drive_target] in r.index:
                r.drive_target = r.index[old.ids[old.drive_target]]
                r.drive_snaps = old.drive_snaps
                r.last_drive_snap_s = old.last_drive_snap_s
            old_key = old.plan.vehicle_key
            if old_key is not None and self._vehicles.get(old_key) == plan.route_id:
                del self._vehicles[old_key]
        else:
            self._resume(r, now_s)
        self._sequence(r)
        self._routes[plan.route_id] = r
        if plan.vehicle_key is not None:
            self._vehicles[plan.vehicle_key] = plan.route_id
        return self._predict(r, now_s)

    def drop_route(self, route_id: str) -> None:
        """The route is over (or cancelled): forget it, after what its due stops driven
        past say (``_route_over``)."""
        r = self._routes.pop(route_id, None)
        if r is not None:
            self._route_over(r)
        key = r.plan.vehicle_key if r is not None else None
        if key is not None and self._vehicles.get(key) == route_id:
            del self._vehicles[key]

    def _route_over(self, r: _Route) -> None:
        """Due stops driven past with no break after them say the drivers' time for it
        is later still; all but the last (a driver may rather go home than break)."""
        if r.due_passed >= 2 and r.break_since < 0.0:
            self.habits.observe_late(max(r.left_before_s - r.work_since, 0.0), math.inf)

    def route_of(self, vehicle_key: str) -> str | None:
        return self._vehicles.get(vehicle_key)

    # ---- events -------------------------------------------------------------------

    def on_fix(self, vehicle_key: str, fix: Fix, now: dt.datetime) -> RouteEta | None:
        """An accepted fix of a vehicle. None when the vehicle drives no route."""
        route_id = self._vehicles.get(vehicle_key)
        if route_id is None:
            self.counters["fix_without_route"] += 1
            return None
        r = self._routes[route_id]
        now_s = now.timestamp()
        t = fix.time.timestamp()
        if t > now_s:
            t = now_s
            self.counters["future_fix_clamped"] += 1
        if t < r.known_s:
            self.counters["late_fix_ignored"] += 1
        else:
            r.known_s = t
            r.pos = r.plane.project(fix.lat, fix.lon)
            self._watch_breaks(r, r.pos, t)
        return self._predict(r, now_s)

    def on_stop_arrived(
        self, route_id: str, stop_id: str, arrived_at: dt.datetime, now: dt.datetime
    ) -> RouteEta | None:
        """The driver is at a stop (not yet done). A stop reached out of order goes first."""
        r = self._routes.get(route_id)
        if r is None:
            return None
        now_s = now.timestamp()
        j = r.index.get(stop_id)
        if j is None or r.done[j]:
            if j is None:
                self.counters["unknown_stop"] += 1
            return self._predict(r, now_s)
        arrived_s = self._clamp_stop_time(arrived_at.timestamp(), now_s)
        if r.break_since >= 0.0:
            self._end_break(r, self._stand_ended(r, j, arrived_s))
        self._learn_arrival(r, j, arrived_s)
        r.at_stop = j
        r.at_stop_since = arrived_s
        if arrived_s >= r.known_s:
            r.known_s = arrived_s
            r.pos = r.xy[j]
        self._sequence(r)
        return self._predict(r, now_s)

    def on_stop_done(
        self,
        route_id: str,
        stop_id: str,
        *,
        arrived_at: dt.datetime | None,
        departed_at: dt.datetime | None,
        now: dt.datetime,
    ) -> RouteEta | None:
        """A stop closed: delivered, failed or skipped (``arrived_at`` None: never reached).

        Teaches the service time, the leg's drive and the window widths; the rest of the
        route is re-sequenced from here in the remaining planned order."""
        r = self._routes.get(route_id)
        if r is None:
            return None
        now_s = now.timestamp()
        j = r.index.get(stop_id)
        if j is None or r.done[j]:
            if j is None:
                self.counters["unknown_stop"] += 1
            return self._predict(r, now_s)
        arrived_s = r.at_stop_since if r.at_stop == j else None
        if arrived_at is not None:
            arrived_s = self._clamp_stop_time(arrived_at.timestamp(), now_s)
            if r.at_stop != j:
                self._learn_arrival(r, j, arrived_s)
        departed_s = (
            self._clamp_stop_time(departed_at.timestamp(), now_s)
            if departed_at is not None
            else (arrived_s if arrived_s is not None else now_s)
        )
        # An early driver who waits for the window: the wait is not service time.
        served_s = None
        if arrived_s is not None:
            opens = r.window_start[j]
            if arrived_s < opens:
                waits = self.habits.wait_for_window
                self.habits.observe_early(arrived_s, opens, departed_s, r.service[j])
                if self.habits.wait_for_window != waits:
                    self._resequence_all(but=r)  # r is, once this stop is closed
            served_s = self._service_began(arrived_s, opens, departed_s, r.service[j])
        if served_s is not None and departed_s >= served_s:
            stop = r.plan.stops[j]
            self.service_times.observe(
                stop.service_s,
                departed_s - served_s,
                customer=stop.customer_key,
                driver=r.plan.driver_key,
                items=stop.items,
            )
        r.done[j] = True
        r.any_done = True
        if r.at_stop == j:
            r.at_stop = -1
        if arrived_s is not None and departed_s >= r.known_s:
            r.known_s = departed_s
            r.pos = r.xy[j]
            r.still_xy, r.still_since = r.xy[j], departed_s
            r.still_at_stop = True
            r.away_since = -1.0
        if arrived_s is not None and departed_s > r.left_s:
            r.left_before_s, r.left_s = r.left_s, departed_s
        if departed_s >= r.break_due and r.break_since < 0.0:
            # The break is due: drivers take it at a stop once it is done. Assumed
            # until the van moves on; a short stand then was no break after all.
            r.break_since = departed_s
        self._sequence(r)
        return self._predict(r, now_s)

    def refresh(self, route_id: str, now: dt.datetime) -> RouteEta | None:
        """Predict again without news, e.g. on a timer, so a silent vehicle goes stale."""
        r = self._routes.get(route_id)
        return None if r is None else self._predict(r, now.timestamp())

    def learn_history(self, routes: Iterable[ServedRoute]) -> int:
        """What the organisation's past routes teach before any route of today closes
        a stop: service times (by customer, driver, items), whether drivers early at a
        stop wait for its window and, from each leg between two served stops, the
        hourly traffic and the driver's pace; from the routes that are over, when the
        drivers take their break and for how long, as the live engine would have seen
        it (``_replay``), so a restart does not forget it. Returns the stops learned
        from."""
        learned = 0
        waits = self.habits.wait_for_window
        over: list[
            tuple[float, list[tuple[float, float, float]], dt.datetime | None, dt.datetime | None]
        ] = []
        for route in routes:
            driver = route.driver_key
            stops = sorted(route.stops, key=lambda s: s.arrived)
            times = [(s.arrived.timestamp(), s.departed.timestamp()) for s in stops]
            # Each leg as this route drove its legs: the plan's seconds times the route's
            # median ratio, which one leg with a break in it does not move.
            ratios = sorted(
                (arrived - left) / s.leg_s
                for s, (arrived, _), (_, left) in zip(stops[1:], times[1:], times[:-1], strict=True)
                if s.leg_s >= 30.0 and arrived > left
            )
            ratio = ratios[len(ratios) // 2] if ratios else 1.0
            drives = [s.leg_s * ratio for s in stops]
            previous = -1
            for k, stop in enumerate(stops):
                arrived, departed = times[k]
                if departed < arrived:
                    previous = -1
                    continue
                opens = stop.window_start.timestamp() if stop.window_start else -math.inf
                if arrived < opens:
                    self.habits.observe_early(arrived, opens, departed, stop.service_s)
                served = departed - self._service_began(arrived, opens, departed, stop.service_s)
                if served > 0.0:
                    self.service_times.observe(
                        stop.service_s,
                        served,
                        customer=stop.customer_key,
                        driver=driver,
                        items=stop.items,
                    )
                if previous >= 0:
                    left = times[previous][1]
                    if not self._held_break(arrived - left - drives[k], due=True):
                        self._learn_leg(driver, stop.leg_s, left, arrived)
                previous = k
                learned += 1
            kept = [(a, d, drive) for (a, d), drive in zip(times, drives, strict=True) if a <= d]
            if route.over and kept:
                over.append((kept[0][0], kept, route.start_time, route.started))
        if any(o[3] is not None for o in over):
            # Counted from the drive to the first stop, a route whose start was not
            # kept (driven before the store kept it) makes the day shorter by the
            # loading: mixed with the starts kept, it would pull the break early.
            over = [o for o in over if o[3] is not None]
        if self.params.break_after_s is not None:
            for _, driven, start, started in sorted(over, key=lambda o: o[0]):  # as driven
                r = _Route()
                self._replay(
                    r,
                    driven,
                    start.timestamp() if start is not None else None,
                    started.timestamp() if started is not None else None,
                )
                self._route_over(r)
        if self.habits.wait_for_window != waits:
            self._resequence_all()
        return learned

    def _learn_leg(self, driver: str | None, leg_s: float, left: float, arrived: float) -> None:
        """One past leg; a leg much longer than planned held a break or an errand and
        teaches nothing about driving."""
        actual = arrived - left
        if leg_s < 30.0 or actual <= 0.0 or actual > 3.0 * leg_s + 600.0:
            return
        offset = self.timezone.utcoffset(dt.datetime.fromtimestamp(left, dt.UTC))
        hour = int((left + (offset.total_seconds() if offset else 0.0)) * _INV_HOUR) % 24
        factor = self.time_of_day.factors[hour]
        self.time_of_day.observe(hour, leg_s, actual)
        if driver is not None:
            self.driver_paces.observe(driver, leg_s * factor, actual)

    def fit(self, errors: Iterable[tuple[float, float]]) -> None:
        """Past (horizon_s, actual − predicted seconds) records, to size the windows."""
        self.calibration.fit(errors)

    # ---- internals ----------------------------------------------------------------

    def _service_began(
        self, arrived_s: float, opens_s: float, left_s: float, service_s: float
    ) -> float:
        """When a closed stop's service began: on arrival, unless the driver waited
        for the window. One who left before it opened did not; one who left after it,
        having come well more than a service early, did; in between, as the drivers
        usually do."""
        if left_s < opens_s or opens_s <= arrived_s:
            return arrived_s
        if self.habits.wait_for_window or early_enough_to_tell(arrived_s, opens_s, service_s):
            return opens_s
        return arrived_s

    def _resequence_all(self, but: _Route | None = None) -> None:
        """The drivers' habit about early stops changed: every route's remaining stops
        (``but`` one the caller sequences anyway) wait for their windows (or not) from
        its next refresh, not from its next stop closed (on a first day of drivers who
        serve early customers at once, the routes between the two went on predicting
        hours of waiting for half an hour)."""
        for r in self._routes.values():
            if r is not but:
                self._sequence(r)

    def _break_after_s(self) -> float:
        """Time worked until the break falls due: the rule's, or what the drivers are
        seen to keep instead (``DriverHabits.break_after_s``: sooner, later or never)."""
        rule = self.params.break_after_s
        return math.inf if rule is None else self.habits.break_after_s(rule)

    def _opens(self, r: _Route, j: int) -> float:
        """When the service of stop ``j`` can begin at the earliest: its window's
        opening if the drivers wait for it (``DriverHabits``), else any time."""
        return r.window_start[j] if self.habits.wait_for_window else -math.inf

    def _clamp_stop_time(self, t: float, now_s: float) -> float:
        if t > now_s:
            self.counters["future_stop_time_clamped"] += 1
            return now_s
        return t

    def _watch_breaks(self, r: _Route, pos: tuple[float, float], t: float) -> None:
        """Breaks from the fixes alone: a van standing away from a stop after its break
        fell due is on its break; moving on (two fixes away in a row) ends it, at the
        first of them, and teaches its length."""
        p = self.params
        if r.still_xy is None or distance_m(r.still_xy, pos) > p.still_radius_m:
            if r.still_xy is not None and r.away_since < 0.0:
                # One fix away may be a GPS jump the filter let through (it once ended
                # a half-hour break after 14 minutes): the van has moved on only if
                # the next fix is away too.
                r.away_since = t
                return
            moved = t if r.away_since < 0.0 else r.away_since
            r.away_since = -1.0
            if r.break_since >= 0.0:
                self._end_break(r, moved)
            r.still_xy, r.still_since = pos, moved
            r.still_at_stop = False
            return
        r.away_since = -1.0
        if r.break_since < 0.0 and r.at_stop < 0 and p.break_after_s is not None:
            stood = t - r.still_since
            # Before the break is due only a longer stand at the stop just served is
            # one (not a jam on the way): drivers who break sooner than the rule are
            # seen so, and the rule learned (``DriverHabits``).
            if (t >= r.break_due and stood >= p.break_detect_s) or (
                r.still_at_stop and stood >= p.break_learn_s
            ):
                r.break_since = r.still_since

    def _stand_ended(self, r: _Route, j: int, arrived_s: float) -> float:
        """When a stand with no fix since it began (a phone asleep, a dead spot) ended,
        the van being at stop ``j`` now: when the drive here began, as far as the plan
        seconds from where it stood at the live pace tell, not on arrival, or every leg
        driven unseen once the break was due was a break of its length."""
        if r.still_xy is None:
            return arrived_s
        began = arrived_s - self._drive_s(r, self._remaining(r, j, r.still_xy), arrived_s)
        return began if began > r.break_since else r.break_since

    def _end_break(self, r: _Route, t: float) -> None:
        p = self.params
        length = t - r.break_since
        began, r.break_since = r.break_since, -1.0
        due = began >= r.break_due
        if length < p.break_min_s:
            if due:
                self.habits.observe_due_stop(False, r.due_passed)
                r.due_passed += 1
            return  # no break after all: it is still due
        if due:
            self.habits.observe_due_stop(True, r.due_passed)
        if length >= 0.5 * self.break_s:
            # Only a stand as long as a break teaches when drivers take theirs: a van
            # held up a few minutes (a jam, a long talk at the door) once the break
            # was due would bring the rule forward by the time worked since.
            worked = began - r.work_since
            self.habits.observe_break(worked)
            if due:
                # The drivers' time for it came after the stop left before this one.
                before = r.left_s if r.left_s < began else r.left_before_s
                self.habits.observe_late(max(before - r.work_since, 0.0), worked)
            r.work_since = t
        r.due_passed = 0
        self.breaks.observe(length)
        r.break_due = t + self._break_after_s()
        r.anchor_target = -1  # the leg's drive starts now, not before the break

    def _build(self, plan: RoutePlan, now: dt.datetime) -> _Route:
        p = self.params
        r = _Route()
        r.plan = plan
        points = [(s.lat, s.lon) for s in plan.stops]
        r.plane = LocalPlane.around(points + ([plan.start] if plan.start else []))
        r.ids = [s.stop_id for s in plan.stops]
        r.index = {stop_id: j for j, stop_id in enumerate(r.ids)}
        r.xy = [r.plane.project(lat, lon) for lat, lon in points]
        depot = r.plane.project(*plan.start) if plan.start is not None else None
        r.leg_s = [s.leg_s for s in plan.stops]
        r.paths = [
            LegPath([r.plane.project(lat, lon) for lat, lon in s.path])
            if len(s.path) >= 2
            else None
            for s in plan.stops
        ]
        origins = [depot, *r.xy[:-1]]  # where each leg starts (None: nowhere known)
        straight = [
            distance_m(origin, r.xy[j]) if origin is not None else 0.0
            for j, origin in enumerate(origins[: len(r.xy)])
        ]
        legs = [j for j, m in enumerate(straight) if m >= p.min_straight_leg_m]
        metres = sum(straight[j] for j in legs)
        r.route_spm = (
            sum(r.leg_s[j] for j in legs) / metres
            if metres > 0.0
            else 1.0 / p.straight_line_speed_ms
        )
        r.spm = [
            r.leg_s[j] / straight[j] if straight[j] >= p.min_straight_leg_m else r.route_spm
            for j in range(len(plan.stops))
        ]
        r.window_end = [
            s.window_end.timestamp() if s.window_end is not None else None for s in plan.stops
        ]
        r.window_start = [
            s.window_start.timestamp() if s.window_start is not None else -math.inf
            for s in plan.stops
        ]
        r.done = [s.done for s in plan.stops]
        r.any_done = any(r.done)
        r.pos = depot
        r.start_s = plan.start_time.timestamp() if plan.start_time is not None else None
        r.started_s = self._started_s(plan.started, now.timestamp())
        r.known_s = now.timestamp()
        if r.started_s is not None and r.started_s < r.known_s:
            r.known_s = r.started_s  # started a while ago: at the depot then
        elif r.start_s is not None and r.start_s < r.known_s:
            r.known_s = r.start_s  # dispatched late: known to be at the depot at its start
        r.at_stop = -1
        r.at_stop_since = 0.0
        r.anchor_target = -1
        r.anchor_s = 0.0
        r.anchor_rem = 0.0
        if r.started_s is not None:
            began = r.started_s  # reloaded after a restart: worked since the real start
        elif r.start_s is not None:
            began = max(r.start_s, now.timestamp())
        else:
            began = now.timestamp()
        r.work_since = began
        r.break_due = began + self._break_after_s()
        r.break_since = -1.0
        r.due_passed = 0
        r.left_s = r.left_before_s = began
        r.still_xy = None
        r.still_at_stop = False
        r.still_since = 0.0
        r.away_since = -1.0
        r.pace = Pace(self.driver_paces.prior(plan.driver_key), p.pace_prior_weight_s, p.pace_legs)
        offset = self.timezone.utcoffset(plan.start_time or now)
        r.tz_off = offset.total_seconds() if offset is not None else 0.0
        r.snapshots = deque(maxlen=p.snapshots_kept)
        r.last_snapshot_s = -math.inf
        r.drive_target = -1
        r.drive_snaps = []
        r.last_drive_snap_s = -math.inf
        r.seq = []
        r.chain = []
        r.rows = []
        r.service = []
        r.service_ahead = []
        return r

    def _resume(self, r: _Route, now_s: float) -> None:
        """A route set with stops already served (the service restarted mid-route):
        the time worked counts from when they were reached and left (``_replay``), not
        from now, so a driver four hours in is not given four and a half more before
        the break, nor one back from it another at once; the van is where it was last
        known, leaving the last of them. Their breaks teach as if seen live: no one saw
        them (``learn_history`` leaves the breaks of routes in progress to this)."""
        done = sorted(
            (s.arrived.timestamp(), s.departed.timestamp(), j)
            for j, s in enumerate(r.plan.stops)
            if s.done and s.arrived is not None and s.departed is not None
            if s.arrived <= s.departed and s.departed.timestamp() <= now_s
        )
        if not done:
            return
        drives = [self._drive_s(r, r.leg_s[done[0][2]], done[0][0])]
        drives += [
            self._drive_s(r, _leg_s(r, a, b), left)
            for (_, left, a), (_, _, b) in itertools.pairwise(done)
        ]
        served = [(a, d, drive) for (a, d, _), drive in zip(done, drives, strict=True)]
        self._replay(r, served, r.start_s, r.started_s)
        _, left, j = done[-1]
        r.pos = r.still_xy = r.xy[j]
        r.known_s = r.still_since = left
        r.still_at_stop = True
        if left >= r.break_due:
            r.break_since = left  # due: taken here until the van is seen moving on

    def _replay(
        self,
        r: _Route,
        served: Sequence[tuple[float, float, float]],
        start_s: float | None,
        started_s: float | None = None,
    ) -> None:
        """Stops served unseen, in the order driven: (arrived, left, the seconds the
        drive to each should have taken), through ``_end_break`` as if seen live. The
        time worked counts from ``started_s``, when the driver started the route, where
        known; else from the drive to the first, no earlier than the planned
        ``start_s``. A leg that took longer than its drive by a break's stand held one;
        a due stop left with no such leg after it was driven past."""
        first, _, drive = served[0]
        if started_s is not None and first - self.params.workday_max_s <= started_s <= first:
            began = started_s
        else:
            began = first - drive if start_s is None else max(first - drive, start_s)
        r.work_since = r.left_s = r.left_before_s = began
        r.break_due = began + self._break_after_s()
        r.break_since = -1.0
        r.due_passed = 0
        for (_, left, _), (arrived, _, drive) in itertools.pairwise(served):
            r.left_before_s, r.left_s = r.left_s, left
            stood = arrived - left - drive
            due = left >= r.break_due
            if self._held_break(stood, due):
                r.break_since = left
                self._end_break(r, min(left + stood, arrived))
            elif due:
                r.break_since = left
                self._end_break(r, left)  # no stand: driven past
        r.left_before_s, r.left_s = r.left_s, served[-1][1]

    def _started_s(self, started: dt.datetime | None, now_s: float) -> float | None:
        """When the driver started, if that is today's work: a route left open since
        an earlier day (or stamped ahead of now) says nothing of the time worked."""
        if started is None:
            return None
        started_s = started.timestamp()
        return started_s if now_s - self.params.workday_max_s <= started_s <= now_s else None

    def _held_break(self, stood_s: float, due: bool) -> bool:
        """Whether a leg that took ``stood_s`` longer than its drive, seen only by when
        its stops were left and reached, held a break: by as much as the live engine
        must see a van stand for one, and by half a break (a jam seldom costs that)."""
        p = self.params
        return stood_s >= max(p.break_detect_s if due else p.break_learn_s, 0.5 * self.break_s)

    def _drive_s(self, r: _Route, leg_s: float, left_s: float) -> float:
        """The plan's ``leg_s`` as the route's driver and the hour's traffic drive it."""
        hour = int((left_s + r.tz_off) * _INV_HOUR) % 24
        return leg_s * r.pace.value * self.time_of_day.factors[hour]

    def _sequence(self, r: _Route) -> None:
        """Remaining stops in the order they will be served, and the legs between them.

        The planned order of what is left, from wherever the vehicle is: a stop closed
        out of order leaves the others in their planned order, and a stop the driver is
        at comes first. Legs between stops that were not neighbours in the plan are
        estimated from the straight line at the route's seconds per metre."""
        seq = [j for j, done in enumerate(r.done) if not done]
        if r.at_stop >= 0 and not r.done[r.at_stop]:
            seq.remove(r.at_stop)
            seq.insert(0, r.at_stop)
        chain = [0.0]
        for a, b in itertools.pairwise(seq):
            chain.append(_leg_s(r, a, b))
        r.seq = seq
        r.chain = chain
        stops = r.plan.stops
        driver = r.plan.driver_key
        predict = self.service_times.predict
        r.service = [
            predict(s.service_s, customer=s.customer_key, driver=driver, items=s.items)
            for s in stops
        ]
        if self.params.service_mean_ahead and self.service_times.observations():
            # Once stops have been served (before, the plan's figures are taken whole).
            sigma = self.service_times.sigma
            mean_of_median = math.exp(0.5 * sigma * sigma)  # a lognormal's mean / median
            r.service_ahead = [s * mean_of_median for s in r.service]
        else:
            r.service_ahead = r.service
        # The stop driven to next adds its median service, the ones after their mean.
        service = [r.service[seq[0]]] if seq else []
        service += [r.service_ahead[j] for j in seq[1:]]
        r.rows = [
            (r.ids[j], r.window_end[j], self._opens(r, j), served, leg, i + 1)
            for i, (j, served, leg) in enumerate(
                zip(seq, service, [*chain[1:], 0.0][: len(seq)], strict=True)
            )
        ]

    def _remaining(self, r: _Route, j: int, pos: tuple[float, float] | None = None) -> float:
        """Plan seconds of drive from ``pos`` (default: the last known point) to stop
        ``j``."""
        if pos is None:
            pos = r.pos
        if pos is None:
            return r.leg_s[j]
        return remaining_drive_s(
            pos, r.xy[j], r.leg_s[j], r.paths[j], r.spm[j], self.params.off_path_m
        )

    def _learn_arrival(self, r: _Route, j: int, arrived_s: float) -> None:
        """An arrival teaches the leg's drive time and how wrong past ETAs were."""
        stop_id = r.ids[j]
        for snapshot in r.snapshots:
            kept = snapshot.pop(stop_id, None)
            if kept is not None:
                raw, horizon, two_away, shown = kept
                learner = self.two_away_calibration if two_away else self.calibration
                learner.observe(horizon, arrived_s - raw, r.plan.route_id, shown, arrived_s)
        if r.drive_target == j:
            # The leg's predictions share its luck (a break's, its length): one unit.
            unit = (r.plan.route_id, stop_id)
            for raw, horizon, shown, on_break in r.drive_snaps:
                learner = self.break_calibration if on_break else self.drive_calibration
                learner.observe(horizon, arrived_s - raw, r.plan.route_id, shown, arrived_s, unit)
        r.drive_target = -1
        r.drive_snaps = []
        if r.anchor_target != j or r.anchor_rem < 30.0 or arrived_s <= r.anchor_s:
            return
        hour = int((r.anchor_s + r.tz_off) * _INV_HOUR) % 24
        factor = self.time_of_day.factors[hour]
        actual = arrived_s - r.anchor_s
        self.time_of_day.observe(hour, r.anchor_rem, actual)
        r.pace.observe_leg(r.anchor_rem * factor, actual)
        if r.plan.driver_key is not None:
            self.driver_paces.observe(r.plan.driver_key, r.anchor_rem * factor, actual)
        r.anchor_target = -1

    def _predict(self, r: _Route, now_s: float) -> RouteEta:
        seq = r.seq
        known = r.known_s
        if now_s < known:  # a caller's clock behind what the route already knows
            now_s = known
        stale = now_s - known > self.params.stale_after_s
        if not seq:
            return RouteEta(r.plan.route_id, now_s, (), stale, 1.0, known)
        tod = self.time_of_day.factors
        # An hour with little history may be as slow as the hours seen: the legs driven
        # in it along the route (the one under way too) push the windows' late edge out
        # by that much (TimeOfDayFactors.excess), the ETA staying on the hour's factor.
        tod_excess = self.time_of_day.excess
        late_extra = hour_excess = 0.0
        bands = self.calibration.by_minute
        band_ends = self.calibration.band_ends
        # Until the stops one and two away have taught bands, they share the others'.
        drive, two_away = self.drive_calibration, self.two_away_calibration
        drive_bands = drive.by_minute if drive.learned else bands
        two_away_bands = two_away.by_minute if two_away.learned else bands
        on_break_cal = self.break_calibration
        widest = max(
            self.calibration.widest,
            drive.widest if drive.learned else 0.0,
            two_away.widest if two_away.learned else 0.0,
            on_break_cal.widest if on_break_cal.learned else 0.0,
        )
        off = r.tz_off
        rows = r.rows
        first = seq[0]
        break_s = self.break_s
        # Stops to leave after the break falls due until it is taken (the first, where
        # drivers keep the rule); a stand at the stop left once it was due is taken for
        # the break at once only then, else once it has lasted as long as one.
        pending = self.habits.break_after_stops(r.due_passed)
        on_break = r.break_since >= 0.0 and (
            pending == 1 or known - r.break_since >= self.params.break_detect_s
        )
        due = math.inf if on_break else r.break_due  # a break still to take, after a stop
        # Until the stops have shown whether the drivers wait for windows, the windows
        # hold both ways: each stop's early edge as if none of the waits before it came.
        doubt = self.habits.wait_in_doubt
        skipped = 0.0  # the waits so far along the route, when in doubt
        # On a break, the stop driven to next waits for its end, not for a drive: its
        # bands are learned from such arrivals (until then the others', a service's).
        next_bands = (
            (on_break_cal.by_minute if on_break_cal.learned else bands) if on_break else drive_bands
        )
        out: list[StopEta] = []
        append = out.append
        snapshot: dict[str, tuple[float, float, bool, ErrorBand]] | None = None
        if now_s - r.last_snapshot_s >= self.params.snapshot_every_s:
            snapshot = {}
            r.snapshots.append(snapshot)
            r.last_snapshot_s = now_s

        if r.at_stop == first:
            pace = 1.0 if stale else r.pace.value
            arrived = r.at_stop_since
            end = r.window_end[first]
            risk = None if end is None else (1.0 if arrived > end else 0.0)
            out.append(StopEta(r.ids[first], arrived, arrived, arrived, 1, risk, 0.0))
            opens = self._opens(r, first)
            begun = arrived if arrived > opens else opens
            if doubt and opens > now_s and opens > arrived:  # waiting there yet
                skipped = opens - (now_s if now_s > arrived else arrived)
            # Serving: what is left of a stop that has lasted this long.
            if now_s > begun and self.params.service_so_far:
                depart = now_s + self.service_times.remaining(r.service[first], now_s - begun)
            else:
                depart = begun + r.service[first]
            if depart >= due:
                if pending > 1:
                    pending -= 1
                else:
                    depart += break_s
                    due = math.inf
            if depart < now_s:
                depart = now_s
            ahead = rows[1:]
            hour = int((depart + off) * _INV_HOUR) % 24
            t = depart + rows[0][4] * pace * tod[hour]
            late_extra = rows[0][4] * pace * tod_excess[hour]
        else:
            rem = self._remaining(r, first)
            depart = known
            if not r.any_done and r.start_s is not None and r.start_s > depart:
                depart = r.start_s
            if on_break:  # what is left of a break that has lasted this long
                back = now_s + self.breaks.remaining(now_s - r.break_since)
                if back > depart:
                    depart = back
            if stale:
                pace = 1.0
            elif on_break:
                pace = r.pace.value
            else:
                if r.anchor_target != first:
                    r.anchor_target = first
                    r.anchor_s = depart
                    r.anchor_rem = rem
                progress = r.anchor_rem - rem
                if progress >= self.params.partial_leg_min_s:
                    factor = tod[int((r.anchor_s + off) * _INV_HOUR) % 24]
                    pace = r.pace.with_partial(progress * factor, known - r.anchor_s)
                else:
                    pace = r.pace.value
            hour = int((depart + off) * _INV_HOUR) % 24
            t = depart + rem * pace * tod[hour]
            late_extra = rem * pace * tod_excess[hour]
            if t < now_s:
                t = now_s
            ahead = rows

        last = len(seq)
        drive_every = self.params.drive_snapshot_every_s
        # Arrivals, and so horizons and departures, only grow along the route: the band
        # in hand holds until the horizon reaches band_to, the hourly traffic factor
        # until a departure reaches hour_to.
        band_to = hour_to = -_INF
        hour_factor = lower = middle = upper = 0.0
        errors: tuple[float, ...] = ()
        n_err = 0
        z_top = _INF
        band = bands[0]
        # The break the other way round: the stop flip_from stops away may be next_s
        # later (< 0: earlier) with odds flip_odds, the ones after it flip_s.
        flip_from = last + 1
        next_s = flip_s = flip_odds = 0.0
        watch = pending == 1  # no flip yet (and the break is not several stops away)
        # Departures before watch_from are out of any band's reach of the break falling
        # due (a reach grows with the horizon, which is below due's until then); never
        # after due itself, or an overdue break would not be taken.
        watch_from = (
            due - _FLIP_REACH * widest * max(due - known + _SCALE_OFFSET_S, 0.0)
            if due != _INF
            else _INF
        )
        for stop_id, end, opens, service, leg, away in ahead:
            horizon = t - known
            if horizon >= band_to or away < 3:
                minute = int(horizon * _INV_MINUTE)
                # Only driving lies before the stop one away, one service (the one
                # under way or the next) before the stop two away: each has bands of
                # its own, narrower and wider than those of the stops after.
                table = bands if away > 2 else next_bands if away == 1 else two_away_bands
                top = len(table) - 1
                band = table[minute if minute < top else top]
                if away > 2:
                    band_to = band_ends[minute if minute < top else top]
                lower, middle, upper, errors = band.lower, band.middle, band.upper, band.errors
                n_err = len(errors)
                z_top = errors[-1] if n_err else _INF
            scale = horizon + _SCALE_OFFSET_S
            eta = t + middle * scale
            earliest = t + lower * scale
            latest = t + upper * scale + late_extra
            if skipped and t - skipped + lower * scale < earliest:
                earliest = t - skipped + lower * scale
            if away >= flip_from:
                if away > flip_from:
                    next_s = flip_s
                if next_s > 0.0:
                    latest += next_s
                else:
                    earliest += next_s
            if earliest < now_s:
                earliest = now_s
                if eta < now_s:
                    eta = now_s
                    if latest < now_s:
                        latest = now_s
            if end is None:
                risk = None
            elif end <= now_s:
                risk = 1.0
            else:
                z = (end - t) / scale
                # band.late_probability, inlined; most stops are due well before their
                # window ends, later than any error the band has seen.
                if z >= z_top:
                    risk = 0.0
                elif n_err:
                    risk = (n_err - bisect_right(errors, z)) / n_err
                else:
                    risk = band.late_probability(z)
                if away >= flip_from and next_s:
                    other = band.late_probability((end - t - next_s) / scale)
                    risk += flip_odds * (other - risk)
            append(_new_tuple(StopEta, (stop_id, eta, earliest, latest, away, risk, horizon)))
            if away == 1:
                if now_s - r.last_drive_snap_s >= drive_every:
                    if r.drive_target != first:
                        r.drive_target = first
                        r.drive_snaps = []
                    if len(r.drive_snaps) < _DRIVE_SNAPS_KEPT:
                        shown = band
                        if late_extra:  # judged by the window shown
                            shown = replace(band, upper=(latest - t) / scale)
                        r.drive_snaps.append((t, horizon, shown, on_break))
                    r.last_drive_snap_s = now_s
            elif snapshot is not None:
                shown = band
                if (away >= flip_from and next_s) or late_extra or skipped:
                    # Judged by the window shown, widened by the break's flip, by
                    # hours with little history or by waits in doubt.
                    shown = replace(band, lower=(earliest - t) / scale, upper=(latest - t) / scale)
                snapshot[stop_id] = (t, horizon, away == 2, shown)
            # An early driver waits for the window, then serves: the next service alone
            # centres on its median, the ones after add up (r.rows).
            if doubt and opens > t:
                skipped += opens - t
            depart = (t if t > opens else opens) + service
            if depart >= watch_from:
                if watch and away < last:
                    # The break may fall due on either side of this stop's departure.
                    gap = depart - due
                    reach = (upper - lower) * scale * _FLIP_REACH
                    if -reach <= gap <= reach and reach > 0.0:
                        next_s, flip_s, flip_odds = self._break_flip(
                            r, away - 1, depart, due, pace, reach
                        )
                        if flip_odds:
                            flip_from = away + 1
                            watch = False
                if depart >= due:
                    if pending > 1:
                        pending -= 1
                    else:
                        depart += break_s
                        due = watch_from = _INF
            if depart >= hour_to:
                hour = int((depart + off) * _INV_HOUR)
                hour_to = (hour + 1) * 3600.0 - off
                hour_factor = tod[hour % 24]
                hour_excess = tod_excess[hour % 24]
            t = depart + leg * pace * hour_factor
            late_extra += leg * pace * hour_excess
        return _new_tuple(RouteEta, (r.plan.route_id, now_s, tuple(out), stale, pace, known))

    def _break_flip(
        self, r: _Route, i: int, depart: float, due: float, pace: float, reach: float
    ) -> tuple[float, float, float]:
        """If the break fell on the other side of the departure from ``r.seq[i]``: how
        much later (< 0: earlier) the next stop would be reached, and the stops after
        it, and the odds of that.

        The next stop is reached a break earlier or later. The ones after it are the
        same either way, unless the van waits there for a window: a break taken before
        the wait is absorbed by it, after the wait it adds its whole length. Within
        ``reach`` of the break falling due the other side has odds of 20 % or more, as
        much as the window may leave out, so the windows stretch to hold it
        (``doorstep bench eta --seed 41 --road-network monaco``: a van at a stop two
        minutes before its break fell due, then 50 minutes waiting at the next, arrived
        half an hour after every window of the afternoon)."""
        nxt = r.seq[i + 1]
        hour = int((depart + r.tz_off) * _INV_HOUR) % 24
        arrive = depart + r.chain[i + 1] * pace * self.time_of_day.factors[hour]
        opens = self._opens(r, nxt)
        waited = arrive if arrive > opens else opens
        absorbed = waited + self.break_s - max(arrive + self.break_s, opens)
        if absorbed < 60.0:
            absorbed = 0.0
        odds = 0.5 * math.erfc(abs(depart - due) / (reach / _Z60) / math.sqrt(2.0))
        if depart >= due:  # the break after this stop; after the wait, it would add up
            return -self.break_s, absorbed, odds
        if waited + r.service_ahead[nxt] < due:
            return 0.0, 0.0, 0.0  # the break falls later still
        return self.break_s, -absorbed, odds  # the break after the next, or before it


def _unproject(plane: LocalPlane, xy: tuple[float, float]) -> tuple[float, float]:
    return plane.lat0 + xy[1] / plane.ky, plane.lon0 + xy[0] / plane.kx
