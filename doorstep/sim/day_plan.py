"""Decisions taken before the day runs: the order each driver really follows (now and
then two consecutive stops swapped) and which legs and stops get the day's unsafe
episodes. Drawn up front from the run's seed, so they never depend on how fast or in
what slices the simulation is stepped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from random import Random

from doorstep.sim.geometry import LegShape
from doorstep.sim.model import Point, SimLeg, SimRoute, SimStop
from doorstep.sim.randomness import between, stream
from doorstep.sim.scenario import Scenario

LegBuilder = Callable[[Point, Point], SimLeg]

STRAIGHT_TURN_DEG = 20.0  # a bend sharper than this ends a straight stretch
SPEEDING_RUN_M = 250.0
BRAKING_RUN_M = 150.0
BRAKING_APPROACH_M = 100.0


@dataclass(frozen=True, slots=True)
class Speeding:
    speed_ms: float
    duration_s: float
    where: float  # 0..1: where along the leg's longest straight stretch


@dataclass(frozen=True, slots=True)
class Braking:
    decel_ms2: float
    pause_s: float
    where: float


@dataclass(frozen=True, slots=True)
class Visit:
    stop: SimStop
    leg: SimLeg  # driven to reach the stop


@dataclass
class VehiclePlan:
    route: SimRoute
    visits: tuple[Visit, ...]
    home: SimLeg  # last stop (or depot) back to the depot
    swapped: list[tuple[str, str]] = field(default_factory=list)
    speeding: dict[int, Speeding] = field(default_factory=dict)  # by leg index
    braking: dict[int, Braking] = field(default_factory=dict)
    idling_s: dict[int, float] = field(default_factory=dict)  # by visit index

    def legs(self) -> list[SimLeg]:
        return [v.leg for v in self.visits] + [self.home]


def reversed_leg(leg: SimLeg) -> SimLeg:
    """The same road driven the other way (one-way streets ignored)."""
    classes = None if leg.road_class is None else tuple(reversed(leg.road_class))
    return SimLeg(tuple(reversed(leg.points)), tuple(reversed(leg.seconds)), classes)


def joined_legs(first: SimLeg, second: SimLeg) -> SimLeg:
    """``first`` then ``second`` (driving past a stop without stopping)."""
    gap = first.points[-1] != second.points[0]  # then a connector joins the two
    points = first.points + (second.points if gap else second.points[1:])
    seconds = first.seconds + ((0.0,) if gap else ()) + second.seconds
    classes: tuple[str | None, ...] | None = None
    if first.road_class is not None or second.road_class is not None:
        classes = (
            (first.road_class or (None,) * len(first.seconds))
            + ((None,) if gap else ())
            + (second.road_class or (None,) * len(second.seconds))
        )
    return SimLeg(points, seconds, classes)


def actual_order(
    route: SimRoute, rng: Random, swap_probability: float, leg_between: LegBuilder | None
) -> tuple[tuple[Visit, ...], SimLeg, list[tuple[str, str]]]:
    """The visits in the order driven. Swapping stops i and i+1 drives i-1 -> i+1 -> i ->
    i+2: on the planned roads (past stop i, back, past i+1) unless ``leg_between``
    routes the new legs."""
    stops, legs = list(route.stops), list(route.legs)
    order = list(range(len(stops)))
    swapped: list[tuple[str, str]] = []
    i = 0
    while i + 1 < len(order):
        if swap_probability > 0 and rng.random() < swap_probability:
            order[i], order[i + 1] = order[i + 1], order[i]
            swapped.append((stops[order[i + 1]].stop_id, stops[order[i]].stop_id))
            i += 2
        else:
            i += 1
    places = [route.depot, *((s.lat, s.lon) for s in stops), route.depot]
    n = len(stops)

    def leg(a: int, b: int) -> SimLeg:  # planned positions, 0-based; -1 and n: the depot
        if leg_between is not None and b != a + 1:
            return leg_between(places[a + 1], places[b + 1])
        if b == a - 1:
            return reversed_leg(legs[a])
        joined = legs[a + 1]  # forward: on through the stops in between
        for k in range(a + 2, b + 1):
            joined = joined_legs(joined, legs[k])
        return joined

    visits = []
    previous = -1
    for k in order:
        visits.append(Visit(stops[k], leg(previous, k)))
        previous = k
    home = leg(previous, n)
    return tuple(visits), home, swapped


def plan_day(
    routes: Sequence[SimRoute],
    scenario: Scenario,
    seed: int,
    shape_of: Callable[[SimLeg], LegShape],
    leg_between: LegBuilder | None = None,
) -> list[VehiclePlan]:
    plans = []
    for route in routes:
        rng = stream(seed, "order", route.vehicle_key)
        visits, home, swapped = actual_order(
            route, rng, scenario.drivers.swap_probability, leg_between
        )
        plans.append(VehiclePlan(route, visits, home, swapped))
    _assign_episodes(plans, scenario, stream(seed, "episodes"), shape_of)
    return plans


def _assign_episodes(
    plans: list[VehiclePlan],
    scenario: Scenario,
    rng: Random,
    shape_of: Callable[[SimLeg], LegShape],
) -> None:
    unsafe = scenario.unsafe
    longest: dict[tuple[int, int], float] = {}
    for p, plan in enumerate(plans):
        for k, leg in enumerate(plan.legs()):
            runs = shape_of(leg).straight_runs(STRAIGHT_TURN_DEG)
            longest[p, k] = max((b - a for a, b in runs), default=0.0)
    used: set[tuple[int, int]] = set()

    def pick(candidates: list[tuple[int, int]]) -> tuple[int, int] | None:
        """A leg not used yet; the longer its straight stretch, the likelier (speeding
        and sudden stops happen on long straight roads)."""
        free = [c for c in candidates if c not in used]
        if not free:
            return None
        chosen = rng.choices(free, weights=[longest[c] ** 2 for c in free])[0]
        used.add(chosen)
        return chosen

    fast = [c for c, m in longest.items() if m >= SPEEDING_RUN_M]
    for _ in range(unsafe.speeding.count):
        chosen = pick(fast)
        if chosen is None:
            break
        s = unsafe.speeding
        speed = (s.limit_kmh + between(rng, s.over_kmh)) / 3.6
        plans[chosen[0]].speeding[chosen[1]] = Speeding(
            speed, between(rng, s.duration_s), rng.random()
        )
    braking = [c for c, m in longest.items() if m >= BRAKING_RUN_M]
    for _ in range(unsafe.harsh_braking.count):
        chosen = pick(braking)
        if chosen is None:
            break
        h = unsafe.harsh_braking
        plans[chosen[0]].braking[chosen[1]] = Braking(
            between(rng, h.decel_ms2), between(rng, h.pause_s), rng.random()
        )
    stops = [(p, k) for p, plan in enumerate(plans) for k in range(len(plan.visits))]
    idle_used: set[tuple[int, int]] = set()
    for _ in range(unsafe.idling.count):
        free = [c for c in stops if c not in idle_used]
        if not free:
            break
        chosen = free[rng.randrange(len(free))]
        idle_used.add(chosen)
        plans[chosen[0]].idling_s[chosen[1]] = between(rng, unsafe.idling.minutes) * 60.0
