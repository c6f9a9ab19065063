"""A position fix from any tracker, after its protocol's decoder: the one shape every
stage of the ping pipeline, every detector and every report works on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Ping:
    """One fix. Units are SI: metres, metres per second, degrees; ``time`` is the fix
    time (aware, UTC), ``received`` when Doorstep got it. ``None`` means unknown (a
    tracker that sends a negative speed or heading means exactly that)."""

    device: str  # the identifier the tracker sent (OsmAnd id, OwnTracks user/device, ...)
    time: datetime
    lat: float
    lon: float
    speed: float | None = None  # m/s
    heading: float | None = None  # degrees clockwise from north, [0, 360)
    accuracy: float | None = None  # metres (horizontal)
    altitude: float | None = None  # metres
    battery: float | None = None  # 0..100 %
    charging: bool | None = None
    ignition: bool | None = None
    odometer: float | None = None  # metres, as the device counts them
    driver: str | None = None  # driverUniqueId and the like
    protocol: str = "native"
    received: datetime | None = None
    attributes: dict[str, Any] = field(default_factory=dict)  # everything else it sent

    @property
    def speed_kmh(self) -> float | None:
        return None if self.speed is None else self.speed * 3.6


KNOT_MS = 1852.0 / 3600.0  # one knot in m/s (OsmAnd and Traccar send knots)
KMH_MS = 1.0 / 3.6
