"""Hour-of-week speed multipliers: defaults, validation, edge times."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from doorstep.roads.speed_profile import CLASSES, HOURS_PER_WEEK, SpeedProfile, hour_of_week
from doorstep.roads.tagging import DEFAULT_KMH, RoadClass


def test_hour_of_week_counts_from_monday_midnight():
    assert hour_of_week(datetime(2025, 3, 3, 0, 0)) == 0  # a Monday
    assert hour_of_week(datetime(2025, 3, 4, 8, 59)) == 24 + 8
    assert hour_of_week(datetime(2025, 3, 9, 23, 30)) == HOURS_PER_WEEK - 1  # Sunday


def test_hour_of_week_is_read_in_the_datetimes_own_zone():
    helsinki_winter = timezone(timedelta(hours=2))
    assert hour_of_week(datetime(2025, 3, 3, 8, tzinfo=helsinki_winter)) == 8


def test_until_data_exists_every_road_keeps_its_speed():
    profile = SpeedProfile.free_flow()
    assert profile.is_free_flow
    seconds = np.array([10.0, 20.0])
    got = profile.edge_seconds(seconds, np.array([0, 13], dtype=np.uint8), 100)
    assert np.array_equal(got, seconds)


def test_observed_kmh_become_multipliers_of_the_class_default():
    hourly = np.full(HOURS_PER_WEEK, DEFAULT_KMH[RoadClass.PRIMARY])
    hourly[8] = DEFAULT_KMH[RoadClass.PRIMARY] / 2
    profile = SpeedProfile.from_kmh({RoadClass.PRIMARY: hourly})
    classes = np.array([RoadClass.PRIMARY, RoadClass.RESIDENTIAL], dtype=np.uint8)
    assert list(profile.edge_seconds(np.array([60.0, 60.0]), classes, 8)) == [120.0, 60.0]
    assert list(profile.edge_seconds(np.array([60.0, 60.0]), classes, 9)) == [60.0, 60.0]
    assert not profile.is_free_flow


@pytest.mark.parametrize(
    "table",
    [
        np.ones((CLASSES, 24)),
        np.zeros((CLASSES, HOURS_PER_WEEK)),
        np.full((CLASSES, HOURS_PER_WEEK), np.nan),
    ],
)
def test_a_malformed_table_is_refused(table):
    with pytest.raises(ValueError, match="speed"):
        SpeedProfile(table)


def test_an_hour_outside_the_week_is_refused():
    with pytest.raises(ValueError, match="hour of week"):
        SpeedProfile.free_flow().edge_seconds(np.ones(1), np.zeros(1, np.uint8), 168)
