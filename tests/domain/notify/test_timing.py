from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.notify.timing import (
    QuietHours,
    day_before_send_at,
    local_to_utc,
    parse_hhmm,
    release_at,
)

HEL = "Europe/Helsinki"
NIGHT = QuietHours(time(21, 0), time(8, 0))


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("local", "inside"),
    [
        (time(20, 59), False),
        (time(21, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_quiet_hours_wrap_midnight(local, inside):
    assert NIGHT.contains(local) is inside


def test_quiet_hours_same_day_and_none():
    lunch = QuietHours(time(12, 0), time(13, 0))
    assert lunch.contains(time(12, 30))
    assert not lunch.contains(time(13, 0))
    assert not lunch.contains(time(11, 59))
    assert not QuietHours(time(9, 0), time(9, 0)).contains(time(9, 0))


def test_release_in_the_evening_waits_until_next_morning():
    # 22:30 in Helsinki (UTC+2 in winter) -> 08:00 next day local = 06:00 UTC.
    at = utc(2025, 11, 25, 20, 30)
    assert release_at(at, HEL, NIGHT, delivery_day=False) == utc(2025, 11, 26, 6, 0)


def test_release_after_midnight_waits_until_same_morning():
    at = utc(2025, 11, 26, 1, 0)  # 03:00 local
    assert release_at(at, HEL, NIGHT, delivery_day=False) == utc(2025, 11, 26, 6, 0)


def test_release_outside_quiet_hours_is_now():
    at = utc(2025, 11, 26, 10, 0)  # 12:00 local
    assert release_at(at, HEL, NIGHT, delivery_day=False) is at


def test_delivery_day_ignores_quiet_hours():
    at = utc(2025, 11, 25, 20, 30)
    assert release_at(at, HEL, NIGHT, delivery_day=True) is at


def test_no_quiet_hours():
    at = utc(2025, 11, 25, 20, 30)
    assert release_at(at, HEL, None, delivery_day=False) is at
    empty = QuietHours(time(8, 0), time(8, 0))
    assert release_at(at, HEL, empty, delivery_day=False) is at


def test_release_returns_utc_aware():
    result = release_at(utc(2025, 11, 25, 20, 30), HEL, NIGHT, delivery_day=False)
    assert result.tzinfo is not None
    assert result.utcoffset().total_seconds() == 0


def test_release_across_spring_forward():
    # Helsinki goes from UTC+2 to UTC+3 at 03:00 local on Sunday 30 March 2025.
    at = utc(2025, 3, 29, 20, 0)  # 22:00 local on Saturday, winter time
    released = release_at(at, HEL, NIGHT, delivery_day=False)
    assert released == utc(2025, 3, 30, 5, 0)  # 08:00 summer time
    assert released.astimezone(ZoneInfo(HEL)).time() == time(8, 0)


def test_release_across_fall_back():
    at = utc(2025, 10, 25, 19, 0)  # 22:00 local, summer time
    released = release_at(at, HEL, NIGHT, delivery_day=False)
    assert released == utc(2025, 10, 26, 6, 0)  # 08:00 winter time


def test_quiet_end_in_the_gap_goes_to_the_change():
    # 03:30 does not exist on 30 March 2025 in Helsinki: release at the change, 04:00.
    quiet = QuietHours(time(1, 0), time(3, 30))
    at = utc(2025, 3, 29, 23, 30)  # 01:30 local
    released = release_at(at, HEL, quiet, delivery_day=False)
    assert released == utc(2025, 3, 30, 1, 0)
    assert released.astimezone(ZoneInfo(HEL)).time() == time(4, 0)


def test_local_to_utc_ambiguous_takes_first():
    # 03:30 happens twice on 26 October 2025 in Helsinki; the first is still UTC+3.
    assert local_to_utc(date(2025, 10, 26), time(3, 30), ZoneInfo(HEL)) == utc(2025, 10, 26, 0, 30)


def test_naive_datetime_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        release_at(datetime(2025, 11, 25, 20, 30), HEL, NIGHT, delivery_day=False)


def test_day_before_send_at():
    start = utc(2025, 11, 26, 8, 0)  # 10:00 local on the 26th
    assert day_before_send_at(start, HEL) == utc(2025, 11, 25, 15, 0)


def test_day_before_uses_local_date():
    start = utc(2025, 11, 25, 23, 30)  # 01:30 local on the 26th
    assert day_before_send_at(start, HEL) == utc(2025, 11, 25, 15, 0)


def test_day_before_across_spring_forward():
    # Delivery on Monday 31 March: the evening before, Sunday the 30th, is already
    # summer time (UTC+3), so 17:00 local is 14:00 UTC.
    start = utc(2025, 3, 31, 7, 0)
    assert day_before_send_at(start, HEL) == utc(2025, 3, 30, 14, 0)
    # Delivery on Sunday 30 March (summer time from 03:00): Saturday is winter time.
    start = utc(2025, 3, 30, 7, 0)
    assert day_before_send_at(start, HEL) == utc(2025, 3, 29, 15, 0)


def test_day_before_across_fall_back():
    start = utc(2025, 10, 27, 8, 0)  # Monday, winter time
    assert day_before_send_at(start, HEL, time(18, 30)) == utc(2025, 10, 26, 16, 30)
    start = utc(2025, 10, 26, 8, 0)  # Sunday; Saturday was summer time
    assert day_before_send_at(start, HEL, time(18, 30)) == utc(2025, 10, 25, 15, 30)


@pytest.mark.parametrize(
    ("s", "expected"),
    [("08:00", time(8, 0)), ("8:30", time(8, 30)), (" 21:05 ", time(21, 5)), ("00:00", time(0))],
)
def test_parse_hhmm(s, expected):
    assert parse_hhmm(s) == expected


@pytest.mark.parametrize(
    ("s", "message"),
    [
        ("8", "expected a time as HH:MM"),
        ("08.00", "expected a time as HH:MM"),
        ("", "expected a time as HH:MM"),
        ("24:00", "hour must be 00-23"),
        ("12:60", "minutes must be 00-59"),
        ("12:5", "expected a time as HH:MM"),
    ],
)
def test_parse_hhmm_refuses(s, message):
    with pytest.raises(ValueError, match=message):
        parse_hhmm(s)
