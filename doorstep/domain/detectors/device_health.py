"""Device health: offline / back online, and low battery.

Offline is a matter of time passing without fixes, so it is decided by ``tick(state,
now, params)``, which the caller runs on a timer; ``update`` handles the fixes. Events:

- ``device_offline``: no fix for ``offline_after`` (default 10 min; at exactly that age
  too). Its time is the moment the threshold passed (last fix + ``offline_after``).
- ``device_online``: the first fix after being offline, with how long it was quiet.
- ``battery_low``: battery below ``low_battery_pct`` (default 15 %), once per episode;
  the episode ends (``battery_ok``) only once the battery is back at or above
  ``low_battery_pct + battery_hysteresis_pct`` (default 5 points, so 20 %), so a
  battery hovering around 15 % does not alert on every fix.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.ping import Ping

OFFLINE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Params:
    offline_after: timedelta = OFFLINE_AFTER
    low_battery_pct: float = 15.0
    battery_hysteresis_pct: float = 5.0


@dataclass(frozen=True, slots=True)
class State:
    device: str
    last_fix: Ping
    online: bool = True
    battery_low: bool = False


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    events: list[DetectorEvent] = []
    if state is None:
        state = State(ping.device, ping)
    elif ping.time <= state.last_fix.time:
        return state, []  # an older fix says nothing about the device now
    elif not state.online:
        quiet = ping.time - state.last_fix.time
        events.append(
            DetectorEvent(
                "device_online",
                ping.time,
                ping.device,
                {"fix": fix_data(ping), "offline_for_s": quiet.total_seconds()},
            )
        )
    battery_low = state.battery_low
    if ping.battery is not None:
        if not battery_low and ping.battery < params.low_battery_pct:
            battery_low = True
            events.append(_battery("battery_low", ping, params))
        elif battery_low and ping.battery >= params.low_battery_pct + params.battery_hysteresis_pct:
            battery_low = False
            events.append(_battery("battery_ok", ping, params))
    return State(ping.device, ping, True, battery_low), events


def tick(state: State, now: datetime, params: Params) -> tuple[State, list[DetectorEvent]]:
    if not state.online or now - state.last_fix.time < params.offline_after:
        return state, []
    event = DetectorEvent(
        "device_offline",
        state.last_fix.time + params.offline_after,
        state.device,
        {
            "last_fix": fix_data(state.last_fix),
            "offline_after_s": params.offline_after.total_seconds(),
            "detected_at": now.isoformat(),
        },
    )
    return dataclasses.replace(state, online=False), [event]


def _battery(kind: str, ping: Ping, params: Params) -> DetectorEvent:
    return DetectorEvent(
        kind,
        ping.time,
        ping.device,
        {
            "fix": fix_data(ping),
            "battery_pct": ping.battery,
            "charging": ping.charging,
            "low_battery_pct": params.low_battery_pct,
            "recovered_at_pct": params.low_battery_pct + params.battery_hysteresis_pct,
        },
    )
