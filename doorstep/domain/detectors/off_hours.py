"""Use outside allowed hours, and leaving the designated area.

``Params.schedule`` is a weekly schedule of allowed hours in the organisation's time
zone (``Params.time_zone``, an IANA name read with ``zoneinfo``; daylight saving is
the zone's business). A vehicle *moving* outside them raises ``off_hours_movement``
at once, once per episode. Moving means a speed of at least ``moving_speed_ms``
(2 m/s, about 7 km/h, above GPS drift) or, without a speed, that implied by the move
from the previous fix. The episode ends at a fix inside allowed hours, or once the
vehicle has not moved for ``episode_gap`` (15 min), so a stop at a red light at night
does not alert twice but driving home and out again later does.

With ``Params.designated_area`` (a geofence ``Zone``), a fix outside it raises
``left_designated_area`` once, until a fix back inside (``returned_to_designated_area``).

The default schedule (Monday to Saturday 06:00-22:00) is a placeholder: each
organisation sets its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.detectors.geofence import Zone
from doorstep.domain.detectors.geometry import distance_m
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping

Interval = tuple[time, time]  # [start, end) local time within one day


@dataclass(frozen=True, slots=True)
class WeeklySchedule:
    """Allowed hours per weekday (0 = Monday). An interval is ``[start, end)`` within a
    day, where an end of 00:00 means midnight at the day's end; a night shift across
    midnight is two intervals (Mon 22:00-00:00 and Tue 00:00-06:00)."""

    days: dict[int, tuple[Interval, ...]] = field(default_factory=dict)

    @staticmethod
    def every(days: range | tuple[int, ...], start: time, end: time) -> WeeklySchedule:
        return WeeklySchedule({d: ((start, end),) for d in days})

    def allows(self, local: datetime) -> bool:
        moment = local.time()
        return any(
            s <= moment and (moment < e or e == time(0))
            for s, e in self.days.get(local.weekday(), ())
        )


def _default_schedule() -> WeeklySchedule:
    return WeeklySchedule.every(range(6), time(6, 0), time(22, 0))


@dataclass(frozen=True, slots=True)
class Params:
    schedule: WeeklySchedule = field(default_factory=_default_schedule)
    time_zone: str = "UTC"
    moving_speed_ms: float = 2.0
    episode_gap: timedelta = timedelta(minutes=15)
    designated_area: Zone | None = None


@dataclass(frozen=True, slots=True)
class State:
    last: Ping
    off_hours_since: Ping | None = None  # the fix that raised the current episode's alert
    last_moving: Ping | None = None  # newest moving fix of the current episode
    outside_area: bool = False


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    if state is not None and ping.time <= state.last.time:
        return state, []
    events: list[DetectorEvent] = []
    local = ping.time.astimezone(ZoneInfo(params.time_zone))
    allowed = params.schedule.allows(local)
    moving = _moving(state.last if state else None, ping, params)

    since = state.off_hours_since if state else None
    last_moving = state.last_moving if state else None
    if allowed or (
        since is not None
        and last_moving is not None
        and ping.time - last_moving.time >= params.episode_gap
    ):
        since, last_moving = None, None
    if not allowed and moving:
        if since is None:
            since = ping
            data = {
                "fix": fix_data(ping),
                "local_time": local.isoformat(),
                "time_zone": params.time_zone,
                "moving_speed_ms": params.moving_speed_ms,
                "allowed_today": [
                    (s.isoformat(), e.isoformat())
                    for s, e in params.schedule.days.get(local.weekday(), ())
                ],
            }
            events.append(DetectorEvent("off_hours_movement", ping.time, ping.device, data))
        last_moving = ping

    outside = state.outside_area if state else False
    area = params.designated_area
    if area is not None:
        now_outside = not area.contains(LatLon(ping.lat, ping.lon))
        if now_outside != outside:
            kind = "left_designated_area" if now_outside else "returned_to_designated_area"
            events.append(DetectorEvent(kind, ping.time, ping.device, _area_data(area, ping)))
        outside = now_outside
    return State(ping, since, last_moving, outside), events


def _moving(previous: Ping | None, ping: Ping, params: Params) -> bool:
    if ping.speed is not None:
        return ping.speed >= params.moving_speed_ms
    if previous is None:
        return False
    dt = (ping.time - previous.time).total_seconds()
    return dt > 0 and distance_m(previous, ping) / dt >= params.moving_speed_ms


def _area_data(area: Zone, ping: Ping) -> dict[str, Any]:
    return {"zone_id": area.id, "zone_name": area.name, "fix": fix_data(ping)}
