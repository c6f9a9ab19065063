"""What colour a vehicle is on the dispatcher's live map, and why.

One rule for the map, the vehicle list and the exceptions, so they never disagree:
offline beats everything (we do not know where it is), then late (an open stop's ETA
is past its promised window), at risk (the ETA engine gives a stop a real chance of
being late), idle (stopped too long with stops still to do), on time while a route is
under way, and otherwise simply parked with no route in progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

OFFLINE_AFTER = timedelta(minutes=10)
IDLE_AFTER = timedelta(minutes=15)
AT_RISK = 0.3  # probability of missing the window's end


class FleetStatus(StrEnum):
    OFFLINE = "offline"
    LATE = "late"
    AT_RISK = "at_risk"
    IDLE = "idle"
    ON_TIME = "on_time"
    PARKED = "parked"  # no route under way


@dataclass(frozen=True)
class OpenStop:
    eta: datetime | None
    window_end: datetime | None
    late_risk: float | None


@dataclass(frozen=True)
class Verdict:
    status: FleetStatus
    reason: str


def vehicle_status(
    now: datetime,
    last_fix: datetime | None,
    moving_since_or_stopped_at: tuple[bool, datetime] | None,
    route_active: bool,
    open_stops: Sequence[OpenStop],
) -> Verdict:
    """``moving_since_or_stopped_at``: (moving?, the time of the fix that says so)."""
    if last_fix is None:
        return Verdict(FleetStatus.OFFLINE, "no position yet")
    silent = now - last_fix
    if silent > OFFLINE_AFTER:
        return Verdict(FleetStatus.OFFLINE, f"no position for {_minutes(silent)}")
    if not route_active:
        return Verdict(FleetStatus.PARKED, "no route under way")
    late = [s for s in open_stops if s.eta and s.window_end and s.eta > s.window_end]
    if late:
        worst = max(s.eta - s.window_end for s in late if s.eta and s.window_end)
        return Verdict(
            FleetStatus.LATE,
            f"{len(late)} stop(s) expected after their window, by up to {_minutes(worst)}",
        )
    risky = [s for s in open_stops if s.late_risk is not None and s.late_risk >= AT_RISK]
    if risky:
        top = max(s.late_risk or 0.0 for s in risky)
        return Verdict(
            FleetStatus.AT_RISK,
            f"{len(risky)} stop(s) at risk of missing their window ({round(top * 100)} %)",
        )
    if moving_since_or_stopped_at is not None:
        moving, since = moving_since_or_stopped_at
        if not moving and open_stops and now - since > IDLE_AFTER:
            return Verdict(FleetStatus.IDLE, f"stopped for {_minutes(now - since)}")
    return Verdict(FleetStatus.ON_TIME, "on route and on time")


def _minutes(span: timedelta) -> str:
    minutes = max(0, round(span.total_seconds() / 60))
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"
