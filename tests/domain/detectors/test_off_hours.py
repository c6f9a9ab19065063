"""Off-hours use: moving outside the allowed weekly hours alerts at once, once per
episode; leaving the designated area alerts."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time

from doorstep.domain.detectors import geofence, off_hours
from doorstep.domain.detectors.replay import replay
from tests.domain.detectors.track import HOME, at, kinds

WEEKDAYS = off_hours.WeeklySchedule.every(range(5), time(7, 0), time(19, 0))
PARAMS = off_hours.Params(schedule=WEEKDAYS, time_zone="Europe/Helsinki")


def when(local_hour: int, minute: int = 0, day: int = 3, **fields):
    """A fix on March ``day`` 2025 (3 = Monday) at a Helsinki wall-clock time (UTC+2)."""
    moment = datetime(2025, 3, day, local_hour - 2, minute, tzinfo=UTC)
    return dataclasses.replace(at(**fields), time=moment)


def test_moving_inside_allowed_hours_is_fine():
    assert replay(off_hours.update, PARAMS, [when(8, speed=10.0), when(18, 59, speed=10.0)]) == []


def test_moving_at_night_alerts_at_once_and_records_the_local_time():
    events = replay(off_hours.update, PARAMS, [when(23, speed=10.0)])
    assert kinds(events) == ["off_hours_movement"]
    assert events[0].data["local_time"].startswith("2025-03-03T23:00:00+02:00")
    assert events[0].data["allowed_today"] == [("07:00:00", "19:00:00")]


def test_the_end_of_allowed_hours_is_already_off_hours():
    assert kinds(replay(off_hours.update, PARAMS, [when(19, speed=10.0)])) == ["off_hours_movement"]
    assert replay(off_hours.update, PARAMS, [when(7, speed=10.0)]) == []


def test_one_night_drive_is_one_alert():
    fixes = [when(23, m, speed=10.0) for m in range(0, 30, 1)]
    assert kinds(replay(off_hours.update, PARAMS, fixes)) == ["off_hours_movement"]


def test_a_short_wait_does_not_start_a_new_episode_but_a_long_break_does():
    fixes = [when(21, 0, speed=10.0), when(21, 5, speed=0.0), when(21, 10, speed=10.0)]
    assert kinds(replay(off_hours.update, PARAMS, fixes)) == ["off_hours_movement"]
    fixes = [when(21, 0, speed=10.0), when(21, 5, speed=0.0), when(21, 20, speed=10.0)]
    assert kinds(replay(off_hours.update, PARAMS, fixes)) == ["off_hours_movement"] * 2


def test_standing_still_at_night_is_not_an_alert():
    assert replay(off_hours.update, PARAMS, [when(23, speed=0.5), when(23, 5, speed=0.0)]) == []


def test_weekends_are_off_hours_by_this_schedule():
    assert kinds(replay(off_hours.update, PARAMS, [when(12, day=8, speed=10.0)])) == [
        "off_hours_movement"
    ]


def test_without_a_speed_the_move_since_the_previous_fix_decides():
    fixes = [when(23, 0), when(23, 1, east=600)]
    assert kinds(replay(off_hours.update, PARAMS, fixes)) == ["off_hours_movement"]


def test_a_shift_can_run_until_midnight():
    late = off_hours.WeeklySchedule({0: ((time(18, 0), time(0, 0)),)})
    params = off_hours.Params(schedule=late, time_zone="Europe/Helsinki")
    assert replay(off_hours.update, params, [when(23, 59, speed=10.0)]) == []


def test_leaving_the_designated_area_alerts_once_until_it_returns():
    area = geofence.Zone("city", "City", geofence.Circle(HOME, 5000.0))
    params = dataclasses.replace(PARAMS, designated_area=area)
    fixes = [when(9, east=100), when(10, east=9000), when(11, east=9500), when(12, east=100)]
    events = replay(off_hours.update, params, fixes)
    assert kinds(events) == ["left_designated_area", "returned_to_designated_area"]
    assert events[0].data["zone_id"] == "city" and events[0].time == when(10).time
