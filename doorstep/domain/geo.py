"""Coordinates and the small amount of geometry the domain needs."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class LatLon:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.lat) and -90.0 <= self.lat <= 90.0):
            raise ValueError(f"latitude {self.lat} is outside -90..90")
        if not (math.isfinite(self.lon) and -180.0 <= self.lon <= 180.0):
            raise ValueError(f"longitude {self.lon} is outside -180..180")

    @classmethod
    def trusted(cls, lat: float, lon: float) -> LatLon:
        """A point from coordinates already checked (a decoded fix, a stored row):
        skips the range check on hot paths."""
        point = object.__new__(cls)
        object.__setattr__(point, "lat", lat)
        object.__setattr__(point, "lon", lon)
        return point


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi = phi2 - phi1
    dlmb = math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
