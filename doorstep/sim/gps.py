"""The tracker in the van: turns the true position into the fixes Doorstep receives.

It decides when a fix is due (moving, standing, or densely around an unsafe
manoeuvre), loses fixes (single drops and Poisson gaps), adds correlated position
noise, speed and heading noise, and now and then a jump: one fix far away that still
claims a good accuracy. Inside a *clean* window (an unsafe episode the detectors must
see) nothing is lost or thrown, so every episode is observable.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from datetime import datetime
from random import Random

from doorstep.sim.events import FixEmitted
from doorstep.sim.geometry import M_PER_DEG, offset
from doorstep.sim.randomness import between
from doorstep.sim.scenario import Gps

STANDING_MS = 0.5


class Tracker:
    def __init__(
        self,
        vehicle_key: str,
        config: Gps,
        rng: Random,
        to_datetime: Callable[[float], datetime],
    ) -> None:
        self.vehicle_key = vehicle_key
        self.config = config
        self.rng = rng
        self.to_datetime = to_datetime
        self.next_fix = math.inf
        self._clean: list[tuple[float, float, bool]] = []  # start, end, dense
        self._error = (0.0, 0.0)  # metres north, east
        self._last_t: float | None = None
        self._gap = (-math.inf, -math.inf)
        self.gaps: list[tuple[float, float]] = []
        self.jumps: list[float] = []
        self.fixes = 0

    def begin(self, t: float) -> None:
        self.next_fix = t
        self._gap = self._draw_gap(t)

    def clean(self, start: float, end: float, dense: bool) -> None:
        """No loss and no jumps in ``[start, end)``; with ``dense``, a fix every event
        interval there too."""
        self._clean.append((start, end, dense))
        self._clean.sort()

    def _window(self, t: float) -> tuple[bool, bool]:
        """``(clean, dense)`` at ``t``; times never go backwards."""
        while self._clean and self._clean[0][1] <= t:
            self._clean.pop(0)
        inside = [dense for a, b, dense in self._clean if a <= t < b]
        return bool(inside), any(inside)

    def _interval(self, t: float, moving: bool) -> float:
        c = self.config
        if self._window(t)[1]:
            return c.event_interval_s
        step = c.interval_s if moving else c.stationary_interval_s
        for a, _, dense in self._clean:  # do not sleep through the start of a dense window
            if dense and t < a < t + step:
                return a - t
        return step

    def reschedule(self, t: float, moving: bool) -> None:
        """An activity starts at ``t``: the next fix comes no later than its interval."""
        self.next_fix = min(self.next_fix, t + self._interval(t, moving))

    def due(self, end: float, moving: bool) -> Iterator[float]:
        """Fix times before ``end``."""
        while self.next_fix < end:
            t = self.next_fix
            self.next_fix = t + self._interval(t, moving)
            yield t

    def observe(
        self,
        t: float,
        lat: float,
        lon: float,
        speed_ms: float,
        heading: float | None,
        ignition: bool,
    ) -> FixEmitted | None:
        """The fix the device sends at ``t`` for this true state, or None (lost)."""
        c, rng = self.config, self.rng
        clean = self._window(t)[0]
        if not clean:
            while self._gap[1] <= t:
                self._gap = self._draw_gap(self._gap[1])
            if self._gap[0] <= t or (c.drop_probability and rng.random() < c.drop_probability):
                return None
        sigma = c.noise_m / 1.5
        dt = t - self._last_t if self._last_t is not None else math.inf
        rho = c.noise_correlation ** (dt / c.interval_s) if dt < math.inf else 0.0
        keep = math.sqrt(1.0 - rho * rho)
        north = rho * self._error[0] + keep * rng.gauss(0.0, sigma)
        east = rho * self._error[1] + keep * rng.gauss(0.0, sigma)
        self._error, self._last_t = (north, east), t
        lat += north / M_PER_DEG
        lon += east / (M_PER_DEG * math.cos(math.radians(lat)))
        accuracy = round(max(1.0, c.noise_m * math.exp(rng.gauss(0.0, 0.3))), 1)
        if speed_ms >= STANDING_MS:
            speed = max(0.0, speed_ms + rng.gauss(0.0, c.speed_noise_ms))
            if heading is not None:  # GPS course is steadier the faster one goes
                heading = (heading + rng.gauss(0.0, min(5.0, 10.0 / speed_ms))) % 360.0
        else:
            speed, heading = min(abs(rng.gauss(0.0, 0.05)), 0.3), None
        if not clean and c.jump_probability and rng.random() < c.jump_probability:
            lat, lon = offset((lat, lon), between(rng, c.jump_m), rng.uniform(0.0, 360.0))
            self.jumps.append(t)
        self.fixes += 1
        return FixEmitted(
            vehicle_key=self.vehicle_key,
            time=self.to_datetime(t),
            lat=round(lat, 7),
            lon=round(lon, 7),
            speed_ms=round(speed, 2),
            heading=None if heading is None else round(heading, 1),
            accuracy=accuracy,
            ignition=ignition,
        )

    def _draw_gap(self, after: float) -> tuple[float, float]:
        c = self.config
        if c.gaps_per_hour <= 0:
            return math.inf, math.inf
        start = after + self.rng.expovariate(c.gaps_per_hour / 3600.0)
        gap = (start, start + between(self.rng, c.gap_s))
        self.gaps.append(gap)
        return gap
