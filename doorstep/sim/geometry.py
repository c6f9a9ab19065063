"""A leg's polyline in the form the simulation walks it: metres along, headings, and
positions at any distance. Flat-earth maths per segment (errors far below GPS noise
over the tens of metres of one road segment)."""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from itertools import pairwise

from doorstep.sim.model import Point, SimLeg

EARTH_RADIUS_M = 6_371_008.8
M_PER_DEG = EARTH_RADIUS_M * math.pi / 180.0
MIN_SEGMENT_M = 0.05  # shorter segments are merged into their neighbour
CORNER_DEG = 20.0  # a sharper bend is a corner: an arc driven slowly
CORNER_ARC_M = 20.0  # longest arc of a corner (a junction turn is tight)
HEADING_WINDOW_S = 3.0  # a reported heading is the chord over this much driving
STRAIGHT_WINDOW_M = 60.0


def metres_between(a: Point, b: Point) -> float:
    dy = (b[0] - a[0]) * M_PER_DEG
    dx = (b[1] - a[1]) * M_PER_DEG * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.hypot(dx, dy)


def bearing_deg(a: Point, b: Point) -> float:
    dy = b[0] - a[0]
    dx = (b[1] - a[1]) * math.cos(math.radians((a[0] + b[0]) / 2))
    return math.degrees(math.atan2(dx, dy)) % 360.0


def turn_deg(a: float, b: float) -> float:
    """Signed heading change from ``a`` to ``b`` in (-180, 180]."""
    d = (b - a) % 360.0
    return d - 360.0 if d > 180.0 else d


def offset(point: Point, metres: float, bearing: float) -> Point:
    """The point ``metres`` away in direction ``bearing`` (degrees from north)."""
    rad = math.radians(bearing)
    lat = point[0] + metres * math.cos(rad) / M_PER_DEG
    lon = point[1] + metres * math.sin(rad) / (M_PER_DEG * math.cos(math.radians(point[0])))
    return lat, lon


@dataclass(frozen=True, slots=True)
class LegShape:
    """Kept segments of a leg (degenerate ones merged away, their seconds kept)."""

    points: tuple[Point, ...]
    metres: tuple[float, ...]
    seconds: tuple[float, ...]
    road_class: tuple[str | None, ...]
    headings: tuple[float, ...]
    along: tuple[float, ...]  # metres from the start to each point
    turns: tuple[float, ...]  # per point: |heading change| there, radians (0 at the ends)
    half_arc: tuple[float, ...]  # per point: a corner's arc either side of it (0: none)
    turned: tuple[float, ...]  # per point: radians turned at it and all points before
    total_seconds: float

    @property
    def length(self) -> float:
        return self.along[-1]

    @property
    def start(self) -> Point:
        return self.points[0]

    @property
    def end(self) -> Point:
        return self.points[-1]

    @classmethod
    def of(cls, leg: SimLeg) -> LegShape:
        classes = leg.road_class or (None,) * len(leg.seconds)
        points = [leg.points[0]]
        metres: list[float] = []
        seconds: list[float] = []
        kinds: list[str | None] = []
        carry = 0.0  # seconds of degenerate segments before the first kept one
        for i, b in enumerate(leg.points[1:]):
            m = metres_between(points[-1], b)
            if m < MIN_SEGMENT_M:
                if seconds:
                    seconds[-1] += leg.seconds[i]
                else:
                    carry += leg.seconds[i]
                continue
            points.append(b)
            metres.append(m)
            seconds.append(leg.seconds[i] + carry)
            kinds.append(classes[i])
            carry = 0.0
        along = [0.0]
        for m in metres:
            along.append(along[-1] + m)
        headings = tuple(bearing_deg(a, b) for a, b in pairwise(points))
        turns = [0.0] * len(points)
        half_arc = [0.0] * len(points)
        for j in range(1, len(points) - 1):
            turn = abs(turn_deg(headings[j - 1], headings[j]))
            shortest = min(metres[j - 1], metres[j])
            turns[j] = math.radians(turn)
            if turn > CORNER_DEG:
                half_arc[j] = min(shortest, CORNER_ARC_M) / 2
        turned = [0.0]
        for turn in turns[1:]:
            turned.append(turned[-1] + turn)
        return cls(
            points=tuple(points),
            metres=tuple(metres),
            seconds=tuple(seconds),
            road_class=tuple(kinds),
            headings=headings,
            along=tuple(along),
            turns=tuple(turns),
            half_arc=tuple(half_arc),
            turned=tuple(turned),
            total_seconds=float(sum(leg.seconds)),
        )

    def corner(self, j: int) -> bool:
        return self.turns[j] > math.radians(CORNER_DEG)

    def turning_near(self, j: int, reach: float) -> float:
        """Radians turned at the points within ``reach`` metres of point ``j``."""
        lo = bisect_left(self.along, self.along[j] - reach)
        hi = bisect_right(self.along, self.along[j] + reach) - 1
        return self.turned[hi] - (self.turned[lo - 1] if lo > 0 else 0.0)

    def bend_speed(self, j: int, lateral_ms2: float) -> float:
        """The fastest speed (m/s, from ``SPEED_LADDER``) at point ``j`` at which the
        heading (see :meth:`heading`) turns no faster than ``lateral_ms2`` sideways:
        ``v x turning within v x window / 2 of j / window <= lateral``. Many small kinks
        count as much as one sharp corner, so a hairpin drawn as many short segments
        is taken slowly too."""
        best = SPEED_LADDER[0]
        for speed in SPEED_LADDER:
            turning = self.turning_near(j, speed * HEADING_WINDOW_S / 2)
            if speed * turning > HEADING_WINDOW_S * lateral_ms2:
                break
            best = speed
        return best

    def segment_at(self, x: float, hint: int = 0) -> int:
        """Index of the segment holding distance ``x`` (search starts at ``hint``)."""
        last = len(self.metres) - 1
        i = min(max(hint, 0), last)
        while i < last and x >= self.along[i + 1]:
            i += 1
        while i > 0 and x < self.along[i]:
            i -= 1
        return i

    def position(self, x: float, i: int) -> Point:
        a, b = self.points[i], self.points[i + 1]
        f = min(max((x - self.along[i]) / self.metres[i], 0.0), 1.0)
        return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f

    def heading(self, back: float, ahead: float, i: int) -> float:
        """The direction of travel as the chord from ``back`` to ``ahead`` metres
        (where the van was and will be ``HEADING_WINDOW_S / 2`` earlier and later): a
        van turns through a bend instead of rotating on the spot at a node."""
        a = self.position(back, self.segment_at(back, i))
        b = self.position(ahead, self.segment_at(ahead, i))
        if a == b:
            return self.headings[i]
        return bearing_deg(a, b)

    def straight_runs(self, max_turn_deg: float) -> list[tuple[float, float]]:
        """Stretches ``(from_m, to_m)`` where the bends within ``STRAIGHT_WINDOW_M`` of
        any point add up to at most ``max_turn_deg``: many small kinks make a curve."""
        if not self.metres:
            return []
        limit = math.radians(max_turn_deg)
        runs = []
        start = 0.0
        lo = hi = 0  # nodes within the window around node j: lo .. hi-1
        total = 0.0
        for j in range(1, len(self.points) - 1):
            while hi < len(self.points) and self.along[hi] <= self.along[j] + STRAIGHT_WINDOW_M:
                total += self.turns[hi]
                hi += 1
            while self.along[lo] < self.along[j] - STRAIGHT_WINDOW_M:
                total -= self.turns[lo]
                lo += 1
            if total > limit + 1e-12:
                if self.along[j] > start:
                    runs.append((start, self.along[j]))
                start = self.along[j]
        runs.append((start, self.length))
        return runs


# Speeds tried at a bend, m/s: fine steps where corners are taken, coarse above.
SPEED_LADDER = (
    2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.5, 10.0,
    12.0, 14.0, 16.5, 19.5, 23.0, 27.0, 31.0, 36.0,
)  # fmt: skip
