"""Per-organisation overrides of the telemetry detectors' thresholds.

Each field mirrors a field of a detector's ``Params`` (same name, with the unit as a
suffix where the detector holds a ``timedelta``); a field left out keeps the
detector's documented default. ``detector_params`` is the one place that turns the
stored overrides into the detectors' ``Params``, so the API, the live pipeline and
the reports cannot disagree on units.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from doorstep.domain.detectors import device_health, harsh, idling, motion, speeding

DetectorParams = (
    speeding.Params | harsh.Params | idling.Params | motion.Params | device_health.Params
)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _range(low: float, high: float, description: str) -> Any:
    """A threshold between ``low`` and ``high``; None (the default) keeps the detector's."""
    return Field(None, ge=low, le=high, description=description)


class SpeedingSettings(_Section):
    default_limit_kmh: float | None = _range(5, 200, "Where the road's limit is unknown (km/h).")
    tolerance_kmh: float | None = _range(0, 50, "Above the limit before it counts (km/h).")
    min_duration_s: float | None = _range(0, 600, "How long over before it counts (s).")


class HarshSettings(_Section):
    brake_ms2: float | None = _range(-15, -0.5, "Deceleration, negative (m/s²), e.g. -3.0.")
    accel_ms2: float | None = _range(0.5, 15, "Acceleration (m/s²).")
    corner_ms2: float | None = _range(0.5, 15, "Lateral acceleration (m/s²).")


class IdlingSettings(_Section):
    idle_after_minutes: float | None = _range(0.5, 240, "Engine on and standing (min).")
    stationary_after_minutes: float | None = _range(
        0.5, 1440, "Standing, ignition unknown, not at a known place (min)."
    )


class MotionSettings(_Section):
    move_radius_m: float | None = _range(20, 5000, "Leaving it starts a trip (m).")
    stop_after_s: float | None = _range(10, 3600, "Within the radius this long: a stop (s).")
    gap_ends_trip_minutes: float | None = _range(1, 1440, "No fixes this long ends a trip (min).")


class DeviceHealthSettings(_Section):
    offline_after_minutes: float | None = _range(1, 1440, "No fix this long: offline (min).")
    low_battery_pct: float | None = _range(1, 99, "Below it: battery low (%).")


class TelemetrySettings(_Section):
    """Overrides only; unknown detectors or fields are refused so a typo does not
    silently leave the default in force."""

    speeding: SpeedingSettings = Field(default_factory=SpeedingSettings)
    harsh: HarshSettings = Field(default_factory=HarshSettings)
    idling: IdlingSettings = Field(default_factory=IdlingSettings)
    motion: MotionSettings = Field(default_factory=MotionSettings)
    device_health: DeviceHealthSettings = Field(default_factory=DeviceHealthSettings)

    def stored(self) -> dict[str, dict[str, float]]:
        """The overrides as kept in ``organisations.telemetry_settings``: only set values."""
        dumped = self.model_dump(exclude_none=True)
        return {section: values for section, values in dumped.items() if values}


class TelemetrySettingsPublic(BaseModel):
    org_id: uuid.UUID
    overrides: TelemetrySettings = Field(description="What the organisation set.")
    effective: TelemetrySettings = Field(
        description="What the detectors use: overrides, else defaults."
    )


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def _same(value: Any) -> Any:
    return value


# setting -> (the Params field, setting -> Params value, Params value -> setting)
Conversion = tuple[str, Callable[[Any], Any], Callable[[Any], float]]
SECONDS: tuple[Callable[[Any], Any], Callable[[Any], float]] = (
    _seconds,
    lambda d: d.total_seconds(),
)
MINUTES: tuple[Callable[[Any], Any], Callable[[Any], float]] = (
    _minutes,
    lambda d: d.total_seconds() / 60,
)
SAME: tuple[Callable[[Any], Any], Callable[[Any], float]] = (_same, _same)

DETECTORS: dict[str, tuple[Callable[[], DetectorParams], dict[str, Conversion]]] = {
    "speeding": (
        speeding.Params,
        {
            "default_limit_kmh": ("default_limit_kmh", *SAME),
            "tolerance_kmh": ("tolerance_kmh", *SAME),
            "min_duration_s": ("min_duration", *SECONDS),
        },
    ),
    "harsh": (
        harsh.Params,
        {
            "brake_ms2": ("brake_ms2", *SAME),
            "accel_ms2": ("accel_ms2", *SAME),
            "corner_ms2": ("corner_ms2", *SAME),
        },
    ),
    "idling": (
        idling.Params,
        {
            "idle_after_minutes": ("idle_after", *MINUTES),
            "stationary_after_minutes": ("stationary_after", *MINUTES),
        },
    ),
    "motion": (
        motion.Params,
        {
            "move_radius_m": ("move_radius_m", *SAME),
            "stop_after_s": ("stop_after", *SECONDS),
            "gap_ends_trip_minutes": ("gap_ends_trip", *MINUTES),
        },
    ),
    "device_health": (
        device_health.Params,
        {
            "offline_after_minutes": ("offline_after", *MINUTES),
            "low_battery_pct": ("low_battery_pct", *SAME),
        },
    ),
}


def detector_params(
    settings: TelemetrySettings | Mapping[str, Any] | None,
) -> dict[str, DetectorParams]:
    """Each detector's ``Params`` ("speeding", "harsh", "idling", "motion",
    "device_health") with the organisation's overrides applied.

    Takes the stored JSON too (validated again: a bad row fails here, not as a wrong
    alert). Callables the caller binds (``limit_kmh_for``, ``in_known_place``) stay
    None; set them with ``dataclasses.replace``.
    """
    if not isinstance(settings, TelemetrySettings):
        settings = TelemetrySettings.model_validate(settings or {})
    built: dict[str, DetectorParams] = {}
    for name, (default, fields) in DETECTORS.items():
        section: BaseModel = getattr(settings, name)
        changes = {
            attr: to_params(value)
            for field, (attr, to_params, _) in fields.items()
            if (value := getattr(section, field)) is not None
        }
        built[name] = dataclasses.replace(default(), **changes)
    return built


def effective_settings(settings: TelemetrySettings | Mapping[str, Any] | None) -> TelemetrySettings:
    """Every threshold in force, in the settings' units: the overrides, else defaults."""
    params = detector_params(settings)
    return TelemetrySettings.model_validate(
        {
            name: {
                field: from_params(getattr(params[name], attr))
                for field, (attr, _, from_params) in fields.items()
            }
            for name, (_, fields) in DETECTORS.items()
        }
    )
