"""When a message may go out: quiet hours, the evening before, local time done right.

Pure: the caller passes the instant (UTC-aware) and the organisation's zone name. Local
times are resolved with zoneinfo so that a quiet period ending inside a daylight-saving
gap, or a reminder on the night the clocks change, still lands on a real instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_HHMM = re.compile(r"(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which non-urgent messages wait; may wrap midnight (21:00-08:00).

    ``start == end`` means no quiet hours at all.
    """

    start: time
    end: time

    def contains(self, local: time) -> bool:
        """True when the local wall-clock time falls inside [start, end)."""
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


def parse_hhmm(s: str) -> time:
    """A settings value like "08:00" or "8:30" as a time; ValueError says what is wrong."""
    match = _HHMM.fullmatch(s.strip())
    if match is None:
        raise ValueError(f"expected a time as HH:MM (e.g. 08:00), got {s!r}")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23:
        raise ValueError(f"hour must be 00-23, got {hour} in {s!r}")
    if minute > 59:
        raise ValueError(f"minutes must be 00-59, got {minute} in {s!r}")
    return time(hour, minute)


def release_at(at: datetime, tz: str, quiet: QuietHours | None, delivery_day: bool) -> datetime:
    """When a message created at ``at`` may be sent.

    Delivery-day messages go at once (the recipient is waiting). Others created inside
    quiet hours wait until the quiet period ends in the organisation's zone, returned as
    UTC; outside quiet hours ``at`` is returned unchanged.
    """
    _require_aware(at, "at")
    if delivery_day or quiet is None or quiet.start == quiet.end:
        return at
    zone = ZoneInfo(tz)
    local = at.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if not quiet.contains(wall):
        return at
    end_day = local.date()
    if quiet.start > quiet.end and wall >= quiet.start:
        end_day += timedelta(days=1)  # started this evening, ends tomorrow morning
    return local_to_utc(end_day, quiet.end, zone)


def day_before_send_at(
    delivery_start: datetime, tz: str, send_time: time = time(17, 0)
) -> datetime:
    """The "your delivery is tomorrow" moment: ``send_time`` on the local day before.

    The day is the delivery's local date, not its UTC date (a 01:00 delivery in Helsinki
    is 23:00 UTC the day before).
    """
    _require_aware(delivery_start, "delivery_start")
    zone = ZoneInfo(tz)
    day = delivery_start.astimezone(zone).date() - timedelta(days=1)
    return local_to_utc(day, send_time, zone)


def local_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local date and wall time.

    A repeated local time (clocks going back) takes its first occurrence; a time that
    does not exist (clocks going forward) becomes the first valid instant after it, the
    moment of the change.
    """
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    first = naive.replace(tzinfo=zone, fold=0)
    if _wall(first.astimezone(UTC), zone) == naive:
        return first.astimezone(UTC)
    # In a gap: fold=1 reads the time with the offset after the change, fold=0 with the
    # offset before; the change itself lies between the two UTC readings.
    low = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = first.astimezone(UTC)
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if _wall(mid, zone) >= naive:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock reading of a UTC instant."""
    return instant.astimezone(zone).replace(tzinfo=None)


def _require_aware(value: datetime, name: str) -> None:
    """Naive datetimes are ambiguous here; refuse them rather than guess a zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got a naive datetime")
