"""An organisation's overrides become the detectors' Params, in the detectors' units."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from doorstep.domain.detectors import device_health, harsh, idling, motion, speeding
from doorstep.schemas.telemetry import TelemetrySettings, detector_params, effective_settings


def test_without_overrides_every_detector_keeps_its_defaults():
    defaults = {
        "speeding": speeding.Params(),
        "harsh": harsh.Params(),
        "idling": idling.Params(),
        "motion": motion.Params(),
        "device_health": device_health.Params(),
    }
    assert detector_params(None) == defaults
    assert detector_params({}) == defaults
    assert detector_params(TelemetrySettings()) == defaults


def test_overrides_are_applied_in_the_detectors_units():
    params = detector_params(
        {
            "speeding": {"default_limit_kmh": 40, "tolerance_kmh": 5, "min_duration_s": 20},
            "harsh": {"brake_ms2": -4.5, "accel_ms2": 3, "corner_ms2": 3.5},
            "idling": {"idle_after_minutes": 2, "stationary_after_minutes": 10},
            "motion": {"move_radius_m": 150, "stop_after_s": 120, "gap_ends_trip_minutes": 30},
            "device_health": {"offline_after_minutes": 15, "low_battery_pct": 20},
        }
    )
    assert params["speeding"] == speeding.Params(
        default_limit_kmh=40, tolerance_kmh=5, min_duration=timedelta(seconds=20)
    )
    assert params["harsh"] == harsh.Params(brake_ms2=-4.5, accel_ms2=3, corner_ms2=3.5)
    assert params["idling"] == idling.Params(
        idle_after=timedelta(minutes=2), stationary_after=timedelta(minutes=10)
    )
    assert params["motion"] == motion.Params(
        move_radius_m=150, stop_after=timedelta(seconds=120), gap_ends_trip=timedelta(minutes=30)
    )
    assert params["device_health"] == device_health.Params(
        offline_after=timedelta(minutes=15), low_battery_pct=20
    )


def test_one_override_leaves_the_rest_of_its_detector_alone():
    params = detector_params({"speeding": {"tolerance_kmh": 0}})
    assert params["speeding"] == speeding.Params(tolerance_kmh=0)
    assert params["harsh"] == harsh.Params()


@pytest.mark.parametrize(
    ("stored", "loc"),
    [
        ({"speeding": {"tolerance_kmh": -1}}, ("speeding", "tolerance_kmh")),
        ({"speeding": {"default_limit_kmh": 500}}, ("speeding", "default_limit_kmh")),
        ({"harsh": {"brake_ms2": 3}}, ("harsh", "brake_ms2")),  # braking is negative
        ({"idling": {"idle_after_minutes": 0}}, ("idling", "idle_after_minutes")),
        ({"motion": {"move_radius_m": 5}}, ("motion", "move_radius_m")),
        ({"device_health": {"low_battery_pct": 100}}, ("device_health", "low_battery_pct")),
        ({"speeding": {"max_speed": 90}}, ("speeding", "max_speed")),
        ({"geofence": {}}, ("geofence",)),
        ({"speeding": {"tolerance_kmh": "lots"}}, ("speeding", "tolerance_kmh")),
    ],
)
def test_out_of_range_or_unknown_settings_are_refused(stored, loc):
    with pytest.raises(ValidationError) as caught:
        detector_params(stored)
    assert caught.value.errors()[0]["loc"] == loc


def test_effective_settings_fill_every_threshold_in_the_settings_units():
    effective = effective_settings({"motion": {"stop_after_s": 240}})
    assert effective.model_dump() == {
        "speeding": {"default_limit_kmh": 50.0, "tolerance_kmh": 10.0, "min_duration_s": 10.0},
        "harsh": {"brake_ms2": -3.0, "accel_ms2": 2.5, "corner_ms2": 3.0},
        "idling": {"idle_after_minutes": 3.0, "stationary_after_minutes": 5.0},
        "motion": {"move_radius_m": 200.0, "stop_after_s": 240.0, "gap_ends_trip_minutes": 60.0},
        "device_health": {"offline_after_minutes": 10.0, "low_battery_pct": 15.0},
    }
    # And back: the defaults spelled out change nothing.
    assert detector_params(effective) == detector_params({"motion": {"stop_after_s": 240}})


def test_only_set_values_are_stored():
    settings = TelemetrySettings.model_validate({"speeding": {"tolerance_kmh": 5}, "harsh": {}})
    assert settings.stored() == {"speeding": {"tolerance_kmh": 5.0}}
