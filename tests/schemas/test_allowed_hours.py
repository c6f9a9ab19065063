"""A vehicle's stored allowed hours as the off-hours detector's weekly schedule."""

from __future__ import annotations

from datetime import datetime, time

import pytest
from pydantic import ValidationError

from doorstep.domain.detectors.off_hours import WeeklySchedule
from doorstep.schemas.fleet import AllowedHours, weekly_schedule

MONDAY = datetime(2026, 11, 23)  # a Monday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return MONDAY.replace(day=MONDAY.day + day, hour=hour, minute=minute)


def test_days_become_weekday_numbers_and_clock_strings_times():
    schedule = weekly_schedule({"mon": [["06:00", "22:00"]], "sat": [["08:30", "12:00"]]})
    assert schedule == WeeklySchedule({0: ((time(6), time(22)),), 5: ((time(8, 30), time(12)),)})
    assert schedule.allows(at(0, 6)) and not schedule.allows(at(0, 22))
    assert schedule.allows(at(5, 11, 59)) and not schedule.allows(at(5, 12))
    assert not schedule.allows(at(1, 12))  # a day left out allows no use
    assert not schedule.allows(at(6, 12))


def test_midnight_at_the_end_of_a_day_allows_the_last_minute():
    # A night shift across midnight is two intervals.
    stored = {"mon": [["22:00", "24:00"]], "tue": [["00:00", "06:00"]]}
    schedule = weekly_schedule(stored)
    assert schedule.days[0] == ((time(22), time(0)),)  # the detector's midnight
    assert schedule.allows(at(0, 23, 59)) and schedule.allows(at(1, 0))
    assert schedule.allows(at(1, 5, 59)) and not schedule.allows(at(1, 6))
    assert not schedule.allows(at(0, 21, 59))
    assert weekly_schedule({"mon": [["22:00", "00:00"]]}) == WeeklySchedule(
        {0: ((time(22), time(0)),)}
    )


def test_a_whole_day_and_several_intervals():
    schedule = weekly_schedule(
        {"sun": [["00:00", "24:00"]], "wed": [["13:00", "17:00"], ["07:00", "11:00"]]}
    )
    assert all(schedule.allows(at(6, hour)) for hour in range(24))
    assert schedule.days[2] == ((time(7), time(11)), (time(13), time(17)))
    assert not schedule.allows(at(2, 12))


def test_the_validated_model_converts_the_same_as_its_json():
    hours = AllowedHours.model_validate({"fri": [["06:00", "18:00"]]})
    assert weekly_schedule(hours) == weekly_schedule(hours.model_dump(mode="json"))
    assert weekly_schedule({}) == WeeklySchedule({})  # never allowed, unlike None (always)


@pytest.mark.parametrize(
    "stored",
    [{"funday": [["06:00", "22:00"]]}, {"mon": [["06:00", "25:00"]]}, {"mon": [["9", "17"]]}],
)
def test_a_bad_stored_schedule_fails_loudly(stored):
    with pytest.raises(ValidationError):
        weekly_schedule(stored)
