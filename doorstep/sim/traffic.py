"""How long roads really take in the simulated world: congestion by hour and road
class, incidents that slow an area for a while, and the day's own mood.

All factors multiply travel *time* (2.0 = twice as long as free flow).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from doorstep.sim.geometry import metres_between
from doorstep.sim.model import Point
from doorstep.sim.randomness import between
from doorstep.sim.scenario import Congestion, Incidents


@dataclass(frozen=True, slots=True)
class Incident:
    """A disk of road slowed by ``factor`` from ``start_s`` to ``end_s`` (sim seconds)."""

    lat: float
    lon: float
    radius_m: float
    factor: float
    start_s: float
    end_s: float

    def covers(self, point: Point, t: float) -> bool:
        return self.start_s <= t < self.end_s and (
            metres_between((self.lat, self.lon), point) <= self.radius_m
        )


def draw_incidents(
    rng: Random, config: Incidents, where: Sequence[Point], start_s: float, end_s: float
) -> list[Incident]:
    """Poisson arrivals over ``[start_s, end_s)``, each centred on a point drawn from
    ``where`` (points of the routes' roads, so incidents land on roads in use)."""
    incidents: list[Incident] = []
    if config.per_hour <= 0 or not where:
        return incidents
    rate = config.per_hour / 3600.0
    t = start_s + rng.expovariate(rate)
    while t < end_s:
        lat, lon = where[rng.randrange(len(where))]
        incidents.append(
            Incident(
                lat=lat,
                lon=lon,
                radius_m=between(rng, config.radius_m),
                factor=between(rng, config.factor),
                start_s=t,
                end_s=t + between(rng, config.duration_min) * 60.0,
            )
        )
        t += rng.expovariate(rate)
    return incidents


class Traffic:
    """Travel time factors at a place, hour and road class."""

    def __init__(
        self, congestion: Congestion, incidents: Sequence[Incident], daily_factor: float
    ) -> None:
        self.congestion = congestion
        self.incidents = tuple(incidents)
        self.daily_factor = daily_factor

    def peaks(self, local_hour: float, weekend: bool) -> float:
        """How much of a rush hour is on: 0 off peak, a peak's slowdown at its centre."""
        total = 0.0
        for peak in self.congestion.peaks:
            z = (local_hour - peak.hour) / peak.width_h
            if abs(z) < 6:
                total += peak.slowdown * math.exp(-0.5 * z * z)
        return total * (self.congestion.weekend_scale if weekend else 1.0)

    def congestion_factor(self, road_class: str | None, local_hour: float, weekend: bool) -> float:
        c = self.congestion
        sensitivity = c.class_sensitivity.get(road_class or "", c.default_sensitivity)
        return (
            c.base_factor
            * (1.0 + sensitivity * self.peaks(local_hour, weekend))
            * self.daily_factor
        )

    def incident_factor(self, point: Point, t: float) -> float:
        factor = 1.0
        for incident in self.incidents:
            if incident.factor > factor and incident.covers(point, t):
                factor = incident.factor
        return factor
