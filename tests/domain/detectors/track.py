"""Fixes for detector and pipeline tests: positions as metres from a point in Helsinki,
times as seconds from a Monday morning (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.domain.detectors.geometry import offset
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping

T0 = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)  # a Monday
HOME = LatLon(60.17, 24.94)


def at(seconds: float = 0.0, north: float = 0.0, east: float = 0.0, **fields: Any) -> Ping:
    """A fix ``seconds`` after T0, ``north``/``east`` metres from HOME."""
    point = offset(HOME, north, east)
    fields.setdefault("device", "van-1")
    return Ping(time=T0 + timedelta(seconds=seconds), lat=point.lat, lon=point.lon, **fields)


def drive(
    start_s: float, end_s: float, every_s: float, speed_ms: float, east0: float = 0.0, **fields: Any
) -> list[Ping]:
    """Fixes every ``every_s`` seconds driving east at ``speed_ms`` from ``east0``."""
    fixes, t = [], start_s
    while t <= end_s:
        fixes.append(at(t, east=east0 + (t - start_s) * speed_ms, speed=speed_ms, **fields))
        t += every_s
    return fixes


def stand(
    start_s: float, end_s: float, every_s: float, east: float = 0.0, **fields: Any
) -> list[Ping]:
    """Fixes every ``every_s`` seconds standing still ``east`` metres from HOME."""
    fields.setdefault("speed", 0.0)
    fixes, t = [], start_s
    while t <= end_s:
        fixes.append(at(t, east=east, **fields))
        t += every_s
    return fixes


def kinds(events: list[Any]) -> list[str]:
    return [e.kind for e in events]
