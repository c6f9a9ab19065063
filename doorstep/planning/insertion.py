"""Urgent jobs into routes already on the road: where could a new stop go, and what
would it cost the customers already waiting?

For each route the caller supplies what is already known: where the vehicle is now,
when it can leave there, its remaining stops and the drive time of each remaining leg
(cached per route, so nothing is recomputed per request), plus the drive times from
every candidate location to the new job and back (two one-to-many searches). Every
insertion position is then judged in O(1) with Savelsbergh's *maximum shift*: how much
later a stop may start without any later stop missing its window or the shift ending.
Only the best few candidates are re-timed in full to list whose stop gets later, by
how much, and which windows break.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from doorstep.planning.model import TimeWindow

INF = 10**12


@dataclass(frozen=True, slots=True)
class ActiveStop:
    stop_id: str
    location: int
    service: int = 0
    window: TimeWindow | None = None
    demand: tuple[int, ...] = ()
    locked: bool = False  # a locked stop keeps its place: nothing is inserted before it


@dataclass(frozen=True, slots=True)
class ActiveRoute:
    """A route from the vehicle's position now to its end depot.

    ``legs[k]`` is the drive time of the k-th remaining leg: position → stop 0,
    stop 0 → stop 1, …, last stop → end (the last leg is absent when ``end`` is None).
    """

    route_id: str
    position: int
    ready_at: int
    stops: tuple[ActiveStop, ...]
    legs: tuple[int, ...]
    end: int | None = None
    shift_end: int = INF
    spare_capacity: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        expected = len(self.stops) + (1 if self.end is not None else 0)
        if len(self.legs) != expected:
            raise ValueError(
                f"route {self.route_id}: {len(self.legs)} legs for {len(self.stops)} stops "
                f"({'with' if self.end is not None else 'without'} an end), expected {expected}"
            )


@dataclass(frozen=True, slots=True)
class NewJob:
    location: int
    service: int = 0
    window: TimeWindow | None = None
    demand: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Delay:
    stop_id: str
    seconds: int
    breaks_window: bool


@dataclass(frozen=True)
class InsertionOption:
    route_id: str
    position: int  # the job becomes the route's remaining stop number `position` (0-based)
    added_drive: int  # seconds of driving the detour adds
    arrival: int  # when the vehicle reaches the new job
    start: int  # when service there starts (after waiting for its window)
    feasible: bool  # no window breaks, within the shift and capacity
    problems: tuple[str, ...] = ()
    delays: tuple[Delay, ...] = field(default=())
    finish: int = 0  # when the route then ends


@dataclass(frozen=True, slots=True)
class Schedule:
    """Arrival and service start at each remaining stop, then the end."""

    arrivals: tuple[int, ...]
    starts: tuple[int, ...]
    finish: int


def schedule(route: ActiveRoute) -> Schedule:
    t = route.ready_at
    arrivals, starts = [], []
    for stop, leg in zip(route.stops, route.legs, strict=False):
        arrival = t + leg
        start = max(arrival, stop.window.start) if stop.window else arrival
        arrivals.append(arrival)
        starts.append(start)
        t = start + stop.service
    finish = t + route.legs[-1] if route.end is not None else t
    return Schedule(tuple(arrivals), tuple(starts), finish)


def max_shifts(route: ActiveRoute, plan: Schedule) -> list[int]:
    """``shift[i]``: how much later stop i's service may start with every later window
    and the shift end still kept (Savelsbergh 1992). ``shift[n]`` is for the end."""
    n = len(route.stops)
    shifts = [0] * (n + 1)
    shifts[n] = route.shift_end - plan.finish
    for i in range(n - 1, -1, -1):
        stop = route.stops[i]
        own = (stop.window.end - plan.starts[i]) if stop.window else INF
        if i + 1 < n:
            wait_next = plan.starts[i + 1] - plan.arrivals[i + 1]
            later = wait_next + shifts[i + 1]
        else:
            later = shifts[n]
        shifts[i] = min(own, later)
    return shifts


def options(
    routes: Sequence[ActiveRoute],
    job: NewJob,
    to_job: dict[int, int],
    from_job: dict[int, int],
    *,
    limit: int = 5,
    include_infeasible: bool = True,
) -> list[InsertionOption]:
    """The best ``limit`` insertions, feasible ones first, each ranked by added driving.

    ``to_job[loc]`` / ``from_job[loc]`` are drive times between a location and the job.
    """
    candidates: list[tuple[int, int, int, int, ActiveRoute, int, Schedule]] = []
    for route in routes:
        plan = schedule(route)
        shifts = max_shifts(route, plan)
        fits = _fits_capacity(route.spare_capacity, job.demand)
        first_free = _first_insertable(route)
        t_prev = route.ready_at
        prev_loc = route.position
        n = len(route.stops)
        for pos in range(n + 1):
            if pos > 0:
                stop = route.stops[pos - 1]
                prev_loc = stop.location
                t_prev = plan.starts[pos - 1] + stop.service
            if pos < first_free:
                continue
            has_next = pos < n or route.end is not None
            old_leg = route.legs[pos] if has_next else 0
            arrival = t_prev + to_job.get(prev_loc, INF)
            start = max(arrival, job.window.start) if job.window else arrival
            depart = start + job.service
            if has_next:
                next_loc = route.stops[pos].location if pos < n else route.end
                new_arrival_next = depart + from_job.get(next_loc, INF)  # type: ignore[arg-type]
                added = to_job.get(prev_loc, INF) + from_job.get(next_loc, INF) - old_leg  # type: ignore[arg-type]
            else:
                new_arrival_next = depart
                added = to_job.get(prev_loc, INF)
            feasible = fits and (job.window is None or start <= job.window.end)
            if pos < n:
                old_start = plan.starts[pos]
                push = max(0, new_arrival_next - old_start)
                feasible = feasible and push <= shifts[pos]
            elif has_next:
                feasible = feasible and new_arrival_next - plan.finish <= shifts[n]
            else:
                feasible = feasible and depart <= route.shift_end
            if not feasible and not include_infeasible:
                continue
            candidates.append((0 if feasible else 1, added, pos, id(route), route, pos, plan))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    return [
        _describe(route, pos, plan, job, to_job, from_job)
        for _, _, _, _, route, pos, plan in candidates[:limit]
    ]


def insert(
    route: ActiveRoute,
    position: int,
    job_stop: ActiveStop,
    to_job: dict[int, int],
    from_job: dict[int, int],
) -> ActiveRoute:
    """The route with the job placed at ``position`` and its legs updated."""
    stops = list(route.stops)
    legs = list(route.legs)
    prev_loc = route.position if position == 0 else stops[position - 1].location
    has_next = position < len(stops) or route.end is not None
    new_legs = [to_job[prev_loc]]
    if has_next:
        next_loc = stops[position].location if position < len(stops) else route.end
        new_legs.append(from_job[next_loc])  # type: ignore[index]
        legs[position : position + 1] = new_legs
    else:
        legs[position:position] = new_legs
    stops.insert(position, job_stop)
    return ActiveRoute(
        route_id=route.route_id,
        position=route.position,
        ready_at=route.ready_at,
        stops=tuple(stops),
        legs=tuple(legs),
        end=route.end,
        shift_end=route.shift_end,
        spare_capacity=tuple(
            c - d for c, d in zip(route.spare_capacity, job_stop.demand, strict=False)
        )
        or route.spare_capacity,
    )


def _describe(
    route: ActiveRoute,
    pos: int,
    before: Schedule,
    job: NewJob,
    to_job: dict[int, int],
    from_job: dict[int, int],
) -> InsertionOption:
    job_stop = ActiveStop("__new__", job.location, job.service, job.window, job.demand)
    after_route = insert(route, pos, job_stop, to_job, from_job)
    after = schedule(after_route)
    problems: list[str] = []
    delays: list[Delay] = []
    for i, stop in enumerate(route.stops):
        j = i if i < pos else i + 1
        late = after.starts[j] - before.starts[i]
        overrun = after.starts[j] - stop.window.end if stop.window is not None else 0
        if late > 0:
            delays.append(Delay(stop.stop_id, late, overrun > 0))
        if overrun > 0:
            problems.append(f"stop {stop.stop_id} would miss its window by {overrun} s")
    start = after.starts[pos]
    if job.window is not None and start > job.window.end:
        problems.append(f"the new job would miss its own window by {start - job.window.end} s")
    if after.finish > route.shift_end:
        problems.append(f"the route would end {after.finish - route.shift_end} s after the shift")
    if not _fits_capacity(route.spare_capacity, job.demand):
        problems.append("the vehicle has no room for it")
    has_next = pos < len(route.stops) or route.end is not None
    old_leg = route.legs[pos] if has_next else 0
    prev_loc = route.position if pos == 0 else route.stops[pos - 1].location
    added = to_job[prev_loc] - old_leg
    if has_next:
        next_loc = route.stops[pos].location if pos < len(route.stops) else route.end
        added += from_job[next_loc]  # type: ignore[index]
    return InsertionOption(
        route_id=route.route_id,
        position=pos,
        added_drive=added,
        arrival=after.arrivals[pos],
        start=start,
        feasible=not problems,
        problems=tuple(problems),
        delays=tuple(delays),
        finish=after.finish,
    )


def _first_insertable(route: ActiveRoute) -> int:
    """Nothing goes before a locked stop: the first free position is after the last one."""
    last_locked = -1
    for i, stop in enumerate(route.stops):
        if stop.locked:
            last_locked = i
    return last_locked + 1


def _fits_capacity(spare: tuple[int, ...], demand: tuple[int, ...]) -> bool:
    return all(d <= s for s, d in zip(spare, demand, strict=False))
