"""Validation: impossible coordinates, clocks and accuracies are dropped naming the rule;
old fixes are kept but flagged late."""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta

import pytest

from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import PipelineParams, ValidateParams
from doorstep.pipeline.validate import validate
from doorstep.pipeline.verdict import LATE, Accepted, Dropped
from tests.domain.detectors.track import T0, at

NOW = T0
PARAMS = PipelineParams()


def check(ping, params=PARAMS, now=NOW):
    return validate(ping, DeviceMemory(), params, now)


@pytest.mark.parametrize(
    ("lat", "lon", "rule"),
    [
        (95.0, 24.9, "bad_latitude"),
        (-90.5, 24.9, "bad_latitude"),
        (math.nan, 24.9, "bad_latitude"),
        (60.0, 181.0, "bad_longitude"),
        (60.0, -180.01, "bad_longitude"),
        (60.0, math.inf, "bad_longitude"),
    ],
)
def test_impossible_coordinates_are_dropped_naming_the_rule(lat, lon, rule):
    verdict = check(dataclasses.replace(at(), lat=lat, lon=lon))
    assert isinstance(verdict, Dropped) and verdict.rule == rule
    assert str(lat if rule == "bad_latitude" else lon) in verdict.reason


@pytest.mark.parametrize(("lat", "lon"), [(90.0, 180.0), (-90.0, -180.0), (0.0, 0.0)])
def test_coordinates_exactly_at_the_range_ends_are_accepted(lat, lon):
    assert isinstance(check(dataclasses.replace(at(), lat=lat, lon=lon)), Accepted)


def test_a_timestamp_in_2099_is_dropped_naming_its_rule():
    verdict = check(dataclasses.replace(at(), time=datetime(2099, 1, 1, tzinfo=UTC)))
    assert isinstance(verdict, Dropped) and verdict.rule == "time_in_future"
    assert "2099" in verdict.reason


def test_up_to_24_hours_ahead_is_tolerated_and_a_second_more_is_not():
    assert isinstance(check(at(), now=T0 - timedelta(hours=24)), Accepted)
    verdict = check(at(), now=T0 - timedelta(hours=24, seconds=1))
    assert isinstance(verdict, Dropped) and verdict.rule == "time_in_future"


def test_a_fix_before_2000_is_dropped_and_2000_itself_is_accepted():
    y2k = datetime(2000, 1, 1, tzinfo=UTC)
    verdict = check(dataclasses.replace(at(), time=y2k - timedelta(seconds=1)))
    assert isinstance(verdict, Dropped) and verdict.rule == "time_before_2000"
    assert isinstance(check(dataclasses.replace(at(), time=y2k)), Accepted)


def test_a_negative_accuracy_means_unknown_and_the_fix_is_kept():
    verdict = check(at(accuracy=-1.0))
    assert isinstance(verdict, Accepted)
    assert verdict.ping is not None and verdict.ping.accuracy is None


def test_accuracy_at_the_bound_is_accepted_and_worse_is_dropped_as_low_accuracy():
    assert check(at(accuracy=500.0)) == Accepted()
    verdict = check(at(accuracy=500.1))
    assert isinstance(verdict, Dropped) and verdict.rule == "low_accuracy"


def test_the_accuracy_bound_is_configurable():
    strict = PipelineParams(validate=ValidateParams(max_accuracy_m=50.0))
    assert isinstance(check(at(accuracy=60.0), params=strict), Dropped)


def test_a_fix_days_old_is_legitimate_but_flagged_late():
    verdict = check(at(), now=T0 + timedelta(days=3))
    assert isinstance(verdict, Accepted) and verdict.flags == {LATE}


def test_a_fix_exactly_at_the_stale_age_is_still_live():
    assert check(at(), now=T0 + timedelta(hours=1)) == Accepted()
