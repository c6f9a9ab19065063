"""What a detector says: one small event type shared by every detector."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from doorstep.domain.ping import Ping


@dataclass(frozen=True, slots=True)
class DetectorEvent:
    """Something a detector saw about one device.

    ``time`` is when the thing happened (a trip's start, the moment a threshold was
    crossed), which can be earlier than the fix that confirmed it; ``data`` names the
    fixes (``fix_data``) and the thresholds that fired it, in JSON-friendly values.
    """

    kind: str
    time: datetime
    device: str
    data: dict[str, Any] = field(default_factory=dict)


def fix_data(ping: Ping) -> dict[str, Any]:
    """A fix as an event records it: enough to put it on a map and explain a rule."""
    return {
        "time": ping.time.isoformat(),
        "lat": ping.lat,
        "lon": ping.lon,
        "speed_kmh": None if ping.speed is None else round(ping.speed * 3.6, 1),
    }


def seconds(a: datetime, b: datetime) -> float:
    """``b - a`` in seconds (positive when ``b`` is later)."""
    return (b - a).total_seconds()
