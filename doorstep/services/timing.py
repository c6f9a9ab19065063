"""Between the planner's integer seconds and the organisation's calendar."""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

from doorstep.domain.errors import Conflict
from doorstep.domain.utc import in_utc
from doorstep.planning.model import TimeWindow

DEFAULT_SHIFT = (dt.time(8, 0), dt.time(18, 0))
DAY = 24 * 3600


def day_epoch(day: dt.date, timezone: str) -> dt.datetime:
    """Local midnight of ``day`` as an aware UTC datetime: second 0 of a plan. The API
    takes days from 1970 to 2199 only; a day stored before it checked (a route of year
    1) may have no midnight in UTC, and is a 409 saying to correct it, not a 500."""
    try:
        return in_utc(dt.datetime.combine(day, dt.time(0), ZoneInfo(timezone)))
    except ValueError:
        raise Conflict(
            f"the day {day} has no midnight in UTC in {timezone}: correct the date "
            "(from 1970 to 2199) first"
        ) from None


def to_seconds(moment: dt.datetime, epoch: dt.datetime) -> int:
    return math.floor((moment - epoch).total_seconds())


def to_moment(seconds: float, epoch: dt.datetime) -> dt.datetime:
    return epoch + dt.timedelta(seconds=seconds)


def clock_seconds(clock: dt.time, day: dt.date, timezone: str) -> int:
    """Seconds from local midnight to a wall-clock time that day (DST-aware)."""
    local = dt.datetime.combine(day, clock, ZoneInfo(timezone))
    return to_seconds(local.astimezone(dt.UTC), day_epoch(day, timezone))


def window(
    start: dt.datetime | None, end: dt.datetime | None, epoch: dt.datetime, horizon: int
) -> TimeWindow | None:
    """An order's window in plan seconds, clipped to the planning horizon."""
    if start is None or end is None:
        return None
    lo = max(0, to_seconds(start, epoch))
    hi = min(horizon, to_seconds(end, epoch))
    return TimeWindow(lo, hi)
