"""Harsh driving: braking, acceleration and cornering from consecutive fixes.

From two consecutive fixes ``a`` and ``b`` (``dt`` seconds apart):

- longitudinal acceleration ``(v_b - v_a) / dt``: ``harsh_braking`` at or below
  ``brake_ms2`` (-3.0 m/s²), ``harsh_acceleration`` at or above ``accel_ms2``
  (2.5 m/s²) - the thresholds telematics vendors use for vans;
- lateral acceleration ``v_mean × turn rate`` (turn rate in rad/s from the heading
  change): ``harsh_cornering`` at or above ``corner_ms2`` (3.0 m/s²).

GPS noise makes these numbers lie, so a pair is skipped when either fix reports an
accuracy worse than ``max_accuracy_m`` (20 m; unknown accuracy is trusted), when ``dt``
is over ``max_gap_s`` (5 s: the speed change is spread over too long to be one
manoeuvre) or under ``min_gap_s`` (0.5 s: a duplicate-ish fix divides noise by almost
zero), when either speed is unknown, and, for cornering, when either heading is
unknown or the mean speed is under ``min_corner_speed_ms`` (5 m/s: headings of a
crawling vehicle are noise).

Devices that detect these themselves (Traccar's ``alarm`` attribute: ``hardBraking``,
``hardAcceleration``, ``hardCornering``, several separated by commas) are believed as
they are (``source: device``). One manoeuvre gives one event: a second event of the same
kind within ``cooldown`` (10 s) of the previous one is not emitted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.detectors.geometry import heading_change_deg
from doorstep.domain.ping import Ping

DEVICE_ALARMS = {
    "hardBraking": "harsh_braking",
    "hardAcceleration": "harsh_acceleration",
    "hardCornering": "harsh_cornering",
}


@dataclass(frozen=True, slots=True)
class Params:
    brake_ms2: float = -3.0
    accel_ms2: float = 2.5
    corner_ms2: float = 3.0
    max_accuracy_m: float = 20.0
    max_gap_s: float = 5.0
    min_gap_s: float = 0.5
    min_corner_speed_ms: float = 5.0
    cooldown: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class State:
    last: Ping | None = None
    last_event: dict[str, datetime] = field(default_factory=dict)  # kind -> time


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    state = state or State()
    previous = state.last
    if previous is not None and ping.time <= previous.time:
        return state, []
    found: list[tuple[str, dict[str, Any]]] = []
    alarms = ping.attributes.get("alarm") if ping.attributes else None
    for alarm in str(alarms).split(",") if alarms else ():
        kind = DEVICE_ALARMS.get(alarm.strip())
        if kind is not None:
            found.append(
                (kind, {"source": "device", "alarm": alarm.strip(), "fix": fix_data(ping)})
            )
    if previous is not None:
        found += _computed(previous, ping, params)

    last_event = dict(state.last_event)
    events: list[DetectorEvent] = []
    for kind, data in found:
        before = last_event.get(kind)
        if before is not None and ping.time - before < params.cooldown:
            continue
        last_event[kind] = ping.time
        events.append(DetectorEvent(kind, ping.time, ping.device, data))
    return State(ping, last_event), events


def _usable(ping: Ping, params: Params) -> bool:
    accuracy = ping.accuracy
    poor = accuracy is not None and accuracy >= 0 and accuracy > params.max_accuracy_m
    return ping.speed is not None and not poor


def _computed(a: Ping, b: Ping, params: Params) -> list[tuple[str, dict[str, Any]]]:
    dt = (b.time - a.time).total_seconds()
    if not (params.min_gap_s <= dt <= params.max_gap_s):
        return []
    if not (_usable(a, params) and _usable(b, params)) or a.speed is None or b.speed is None:
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    longitudinal = (b.speed - a.speed) / dt
    if longitudinal <= params.brake_ms2:
        found.append(("harsh_braking", _value(longitudinal, params.brake_ms2)))
    elif longitudinal >= params.accel_ms2:
        found.append(("harsh_acceleration", _value(longitudinal, params.accel_ms2)))
    mean_speed = (a.speed + b.speed) / 2
    if a.heading is not None and b.heading is not None and mean_speed >= params.min_corner_speed_ms:
        turn_rate = math.radians(abs(heading_change_deg(a.heading, b.heading))) / dt
        lateral = mean_speed * turn_rate
        if lateral >= params.corner_ms2:
            value = _value(lateral, params.corner_ms2) | {
                "turn_deg": round(heading_change_deg(a.heading, b.heading), 1)
            }
            found.append(("harsh_cornering", value))
    if not found:  # the common case: no event, so no event data to build
        return found
    base = {"source": "computed", "from": fix_data(a), "to": fix_data(b), "dt_s": dt}
    return [(kind, base | value) for kind, value in found]


def _value(value: float, threshold: float) -> dict[str, Any]:
    return {"value_ms2": round(value, 2), "threshold_ms2": threshold}
