"""A vehicle's live state: where it is now, as the map and the dispatcher see it.

``apply`` takes only live fixes (``Outcome.live``: accepted, in order, not stale) and
refuses to move backwards even if handed an older one. ``tick`` is called on a timer
with ``now`` and turns a vehicle offline when its tracker has been quiet too long.

Speed and heading come from the device when it sends them, else from the move since the
previous fix. The odometer is the device's when it sends one; otherwise Doorstep adds
up the haversine distance between consecutive live fixes (jumps were already dropped).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from doorstep.domain.detectors.geometry import bearing_deg, distance_m, position
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping
from doorstep.pipeline.params import LiveParams

Motion = Literal["moving", "stopped"]

HEADING_MIN_MOVE_M = 5.0
"""A derived heading needs a move at least this long; shorter moves are GPS noise."""


@dataclass(frozen=True, slots=True)
class VehicleState:
    device: str
    position: LatLon | None = None
    last_seen: datetime | None = None  # the newest live fix time
    speed: float | None = None  # m/s
    heading: float | None = None  # degrees
    odometer_m: float = 0.0
    motion: Motion | None = None
    ignition: bool | None = None
    battery: float | None = None
    online: bool = False
    last_fix: Ping | None = None


def apply(state: VehicleState, ping: Ping, params: LiveParams | None = None) -> VehicleState:
    """The state after one live fix; unchanged if the fix is not newer than the state."""
    p = params or LiveParams()
    previous = state.last_fix
    if previous is not None and ping.time <= previous.time:
        return state  # live state never moves backwards
    moved = 0.0 if previous is None else distance_m(previous, ping)
    dt = None if previous is None else (ping.time - previous.time).total_seconds()

    speed = ping.speed
    if speed is None and dt:
        speed = moved / dt
    heading = ping.heading
    if heading is None and previous is not None:
        heading = (
            bearing_deg(position(previous), position(ping))
            if moved >= HEADING_MIN_MOVE_M
            else state.heading
        )
    odometer = ping.odometer if ping.odometer is not None else state.odometer_m + moved
    motion: Motion | None = None
    if speed is not None:
        motion = "moving" if speed > p.moving_above_ms else "stopped"
    return VehicleState(  # every field given: cheaper than dataclasses.replace per fix
        device=state.device,
        position=position(ping),
        last_seen=ping.time,
        speed=speed,
        heading=heading,
        odometer_m=odometer,
        motion=motion,
        ignition=ping.ignition if ping.ignition is not None else state.ignition,
        battery=ping.battery if ping.battery is not None else state.battery,
        online=True,
        last_fix=ping,
    )


def tick(state: VehicleState, now: datetime, params: LiveParams | None = None) -> VehicleState:
    """Offline once no fix has arrived for ``offline_after`` (at exactly that age too)."""
    p = params or LiveParams()
    online = state.last_seen is not None and now - state.last_seen < p.offline_after
    return state if online == state.online else dataclasses.replace(state, online=online)
