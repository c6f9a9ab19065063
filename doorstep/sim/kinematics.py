"""Speed along a leg with bounded acceleration: the motion a GPS would see.

A leg is cut into pieces, each with a cruise speed, an acceleration and a braking
rate, a speed limit at its entry (a bend, a slower road ahead) and optionally a pause
before it (a sudden stop). Two passes over the piece boundaries (forward: can we
accelerate to it? backward: can we brake from it?) give the speed at every boundary;
each piece is then accelerate / cruise / brake. The result is a list of constant-
acceleration phases, so position and speed at any moment are exact and cheap.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, replace

MIN_SPEED_MS = 0.5


@dataclass(frozen=True, slots=True)
class Piece:
    start_m: float
    length_m: float
    speed_ms: float  # cruise
    accel_ms2: float
    decel_ms2: float
    entry_limit_ms: float = math.inf
    pause_s: float = 0.0  # standing still (engine on) before this piece starts


@dataclass(frozen=True, slots=True)
class Phase:
    t0: float
    x0: float
    v0: float
    accel: float
    duration: float

    def at(self, t: float) -> tuple[float, float]:
        tau = min(max(t - self.t0, 0.0), self.duration)
        return self.x0 + self.v0 * tau + 0.5 * self.accel * tau * tau, self.v0 + self.accel * tau


def split(pieces: list[Piece], x: float) -> int:
    """Cut the piece holding ``x`` in two; the index of the piece that starts at ``x``."""
    for i, p in enumerate(pieces):
        end = p.start_m + p.length_m
        if x <= p.start_m + 1e-9:
            return i
        if x < end - 1e-9:
            head = replace(p, length_m=x - p.start_m)
            tail = replace(p, start_m=x, length_m=end - x, entry_limit_ms=math.inf, pause_s=0.0)
            pieces[i : i + 1] = [head, tail]
            return i + 1
    return len(pieces)


def plan_motion(pieces: list[Piece], t0: float) -> list[Phase]:
    """Phases from standstill at the start to standstill at the end, from ``t0``."""
    n = len(pieces)
    if n == 0:
        return []
    limit = [0.0] * (n + 1)
    for j in range(1, n):
        p, q = pieces[j - 1], pieces[j]
        limit[j] = 0.0 if q.pause_s > 0 else min(p.speed_ms, q.speed_ms, q.entry_limit_ms)
    for j in range(1, n + 1):  # forward: reachable by accelerating
        p = pieces[j - 1]
        limit[j] = min(limit[j], math.sqrt(limit[j - 1] ** 2 + 2 * p.accel_ms2 * p.length_m))
    for j in range(n - 1, -1, -1):  # backward: stoppable by braking
        p = pieces[j]
        limit[j] = min(limit[j], math.sqrt(limit[j + 1] ** 2 + 2 * p.decel_ms2 * p.length_m))

    phases: list[Phase] = []
    t = t0
    for j, p in enumerate(pieces):
        if p.pause_s > 0:
            phases.append(Phase(t, p.start_m, 0.0, 0.0, p.pause_s))
            t += p.pause_s
        t = _piece(phases, p, limit[j], limit[j + 1], t)
    return phases


def _piece(phases: list[Phase], p: Piece, u: float, w: float, t: float) -> float:
    a, d, length = p.accel_ms2, p.decel_ms2, p.length_m
    v = max(p.speed_ms, u, w, MIN_SPEED_MS)
    up = (v * v - u * u) / (2 * a)
    down = (v * v - w * w) / (2 * d)
    if up + down > length:  # too short to reach cruise: a triangle
        v = math.sqrt((2 * a * d * length + d * u * u + a * w * w) / (a + d))
        v = max(v, u, w)
        up = (v * v - u * u) / (2 * a)
        down = max(length - up, 0.0)
    cruise = max(length - up - down, 0.0)
    x = p.start_m
    if v > u:
        phases.append(Phase(t, x, u, a, (v - u) / a))
        t += (v - u) / a
        x += up
    if cruise > 0:
        phases.append(Phase(t, x, v, 0.0, cruise / v))
        t += cruise / v
        x += cruise
    if v > w:
        # Brake over what is left of the piece (exactly ``down`` unless rounding).
        rate = (v * v - w * w) / (2 * max(p.start_m + length - x, 1e-9))
        phases.append(Phase(t, x, v, -rate, (v - w) / rate))
        t += (v - w) / rate
    return t


class Motion:
    """Position and speed at increasing times along a list of phases."""

    __slots__ = ("_i", "_starts", "end_m", "end_t", "phases", "start_t")

    def __init__(self, phases: list[Phase], start_t: float, end_m: float) -> None:
        self.phases = phases
        self.start_t = start_t
        self.end_t = phases[-1].t0 + phases[-1].duration if phases else start_t
        self.end_m = end_m
        self._i = 0
        self._starts = [p.t0 for p in phases]

    def x_at(self, t: float) -> float:
        """Metres along at any time (before the start: 0; after the end: the end)."""
        if not self.phases or t <= self.start_t:
            return 0.0
        i = max(bisect_right(self._starts, t) - 1, 0)
        return min(self.phases[i].at(t)[0], self.end_m)

    def at(self, t: float) -> tuple[float, float]:
        """``(metres along, speed)``; times must not go backwards between calls."""
        phases = self.phases
        if not phases:
            return 0.0, 0.0
        i = self._i
        while i + 1 < len(phases) and t >= phases[i + 1].t0:
            i += 1
        self._i = i
        x, v = phases[i].at(t)
        return min(x, self.end_m), max(v, 0.0)

    def time_at(self, x: float) -> float:
        """When the motion first reaches ``x`` metres along."""
        for ph in self.phases:
            x1, _ = ph.at(ph.t0 + ph.duration)
            if x1 >= x - 1e-9 and ph.duration > 0:
                dx = x - ph.x0
                if ph.accel == 0:
                    return ph.t0 + (dx / ph.v0 if ph.v0 > 0 else 0.0)
                disc = max(ph.v0 * ph.v0 + 2 * ph.accel * dx, 0.0)
                return ph.t0 + (math.sqrt(disc) - ph.v0) / ph.accel
        return self.end_t
