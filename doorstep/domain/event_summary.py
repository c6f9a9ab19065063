"""Telemetry events in plain language, so a manager sees why an event fired without
reading its JSON.

``KINDS`` is every kind the detectors (``domain.detectors``) and the maintenance
assessment write to ``telemetry_events``; ``ALERT_KINDS`` are those that call for a
person's attention. ``summarise(kind, data, zone)`` turns an event's stored ``data``
into one sentence, with clock times in the organisation's time zone. Stored data is
history: a row written by an older version or missing a field gets a generic sentence
(the kind in words) rather than failing a listing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Data = Mapping[str, Any]
Summariser = Callable[[Data, tzinfo], str]

MINUS = "\u2212"  # a real minus sign: "-4.1" reads as a dash in running text

# Why an episode ended, as the detectors record it in ``reason``.
REASONS = {
    "moved": "moved off",
    "ignition_off": "engine off",
    "ignition_changed": "ignition changed",
    "known_place": "reached a known place",
    "data_gap": "fixes stopped",
    "slowed_down": "slowed down",
    "stopped": "stopped",
}
HARSH = {
    "harsh_braking": "Harsh braking",
    "harsh_acceleration": "Harsh acceleration",
    "harsh_cornering": "Harsh cornering",
}
MEASURES = {"km": "km", "engine_hours": "engine hours", "days": "days"}


def _zone(name: str | tzinfo | None) -> tzinfo:
    if name is None:
        return UTC
    if isinstance(name, tzinfo):
        return name
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def number(value: float, digits: int = 0) -> str:
    """``value`` rounded, with a real minus sign; ``-0`` shows as ``0``."""
    text = f"{float(value):.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def duration(seconds: float) -> str:
    """``24 s``, ``1 min 12 s``, ``25 min``, ``1 h 5 min``, ``2 d 3 h``."""
    total = max(0, round(float(seconds)))
    if total < 60:
        return f"{total} s"
    minutes, secs = divmod(total, 60)
    if minutes < 10:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    minutes = round(total / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    days, hrs = divmod(hours, 24)
    return f"{days} d {hrs} h" if hrs else f"{days} d"


def distance(metres: float) -> str:
    return f"{round(metres)} m" if metres < 1000 else f"{metres / 1000:.1f} km"


def clock(moment: str | datetime, zone: tzinfo) -> str:
    """``HH:MM`` of an ISO 8601 time (as events store them) in ``zone``."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(zone).strftime("%H:%M")


def _reason(data: Data) -> str:
    reason = data.get("reason")
    return f" ({REASONS.get(str(reason), str(reason).replace('_', ' '))})" if reason else ""


def _trip_started(data: Data, zone: tzinfo) -> str:
    return f"Trip started at {clock(data['fix']['time'], zone)}"


def _trip_ended(data: Data, zone: tzinfo) -> str:
    text = f"Trip ended: {distance(data['distance_m'])} in {duration(data['duration_s'])}"
    return text + (" (fixes stopped)" if data.get("reason") == "data_gap" else "")


def _stop_started(data: Data, zone: tzinfo) -> str:
    return (
        f"Stopped at {clock(data['fix']['time'], zone)} (stayed within "
        f"{distance(data['move_radius_m'])} for {duration(data['stop_after_s'])})"
    )


def _stop_ended(data: Data, zone: tzinfo) -> str:
    return f"Stop ended after {duration(data['duration_s'])}" + (
        " (fixes stopped)" if data.get("reason") == "data_gap" else ""
    )


def _speeding_started(data: Data, zone: tzinfo) -> str:
    return (
        f"Speeding: {number(data['peak_speed_kmh'])} km/h in a {number(data['limit_kmh'])} "
        f"km/h zone for {duration(data['duration_s'])}"
    )


def _speeding_ended(data: Data, zone: tzinfo) -> str:
    return (
        f"Speeding ended after {duration(data['duration_s'])}: peak "
        f"{number(data['peak_speed_kmh'])} km/h in a {number(data['limit_kmh'])} km/h zone"
        + _reason(data)
    )


def _harsh(kind: str) -> Summariser:
    label = HARSH[kind]

    def describe(data: Data, zone: tzinfo) -> str:
        if data.get("source") == "device":
            return f"{label} reported by the device ({data['alarm']})"
        text = (
            f"{label}: {number(data['value_ms2'], 1)} m/s² "
            f"(threshold {number(data['threshold_ms2'], 1)})"
        )
        before, after = data.get("from", {}).get("speed_kmh"), data.get("to", {}).get("speed_kmh")
        seconds = number(data.get("dt_s", 0), 1).removesuffix(".0")
        if "turn_deg" in data:
            text += f", a {number(abs(data['turn_deg']))}° turn in {seconds} s"
            if before is not None and after is not None:
                text += f" at {number((before + after) / 2)} km/h"
        elif before is not None and after is not None:
            text += f", {number(before)} to {number(after)} km/h in {seconds} s"
        return text

    return describe


def _idling_started(data: Data, zone: tzinfo) -> str:
    return (
        f"Idling with the engine on since {clock(data['start']['time'], zone)} "
        f"(alert after {duration(data['threshold_s'])})"
    )


def _idling_ended(data: Data, zone: tzinfo) -> str:
    return f"Idling ended after {duration(data['duration_s'])}" + _reason(data)


def _stationary_started(data: Data, zone: tzinfo) -> str:
    return (
        f"Standing still away from any known place since "
        f"{clock(data['start']['time'], zone)} (alert after {duration(data['threshold_s'])})"
    )


def _stationary_ended(data: Data, zone: tzinfo) -> str:
    return f"Stood still for {duration(data['duration_s'])}" + _reason(data)


def _zone_entered(data: Data, zone: tzinfo) -> str:
    return f"Entered zone {data['zone_name']}"


def _restricted_zone_entered(data: Data, zone: tzinfo) -> str:
    return f"Entered restricted zone {data['zone_name']}"


def _zone_exited(data: Data, zone: tzinfo) -> str:
    return f"Left zone {data['zone_name']} after {duration(data['duration_s'])}"


def _zone_dwell(data: Data, zone: tzinfo) -> str:
    return (
        f"In zone {data['zone_name']} for {duration(data['dwell_after_s'])} "
        f"(since {clock(data['entered']['time'], zone)})"
    )


def _hours(interval: Any) -> str:
    start, end = (str(t)[:5] for t in interval)
    return f"{start}–{'24:00' if end == '00:00' else end}"


def _off_hours_movement(data: Data, zone: tzinfo) -> str:
    # local_time is already in the schedule's zone, which is what the rule judged.
    local = datetime.fromisoformat(data["local_time"]).strftime("%H:%M")
    speed = data.get("fix", {}).get("speed_kmh")
    moving = f"Moving at {number(speed)} km/h" if speed is not None else "Moving"
    allowed = data.get("allowed_today") or []
    hours = ", ".join(_hours(i) for i in allowed) if allowed else "none"
    return f"{moving} outside allowed hours, {local} local time (allowed today: {hours})"


def _left_designated_area(data: Data, zone: tzinfo) -> str:
    return f"Left the designated area {data['zone_name']}"


def _returned_to_designated_area(data: Data, zone: tzinfo) -> str:
    return f"Back in the designated area {data['zone_name']}"


def _device_offline(data: Data, zone: tzinfo) -> str:
    text = (
        f"Offline since {clock(data['last_fix']['time'], zone)} "
        f"(no fix for {duration(data['offline_after_s'])})"
    )
    battery = data.get("battery_pct")
    return text + (f"; battery {number(battery)} % at the last fix" if battery is not None else "")


def _device_online(data: Data, zone: tzinfo) -> str:
    return f"Back online after {duration(data['offline_for_s'])} without fixes"


def _battery_low(data: Data, zone: tzinfo) -> str:
    charging = ", charging" if data.get("charging") else ""
    return (
        f"Battery low: {number(data['battery_pct'])} % "
        f"(alert below {number(data['low_battery_pct'])} %){charging}"
    )


def _battery_ok(data: Data, zone: tzinfo) -> str:
    return (
        f"Battery recovered: {number(data['battery_pct'])} % "
        f"(at or above {number(data['recovered_at_pct'])} %)"
    )


def _maintenance(level: str) -> Summariser:
    def describe(data: Data, zone: tzinfo) -> str:
        reasons = "; ".join(
            f"{number(r['since_service'])} {unit} since the last service "
            f"(due every {number(r['every'])} {unit})"
            for r in data.get("reasons", [])
            for unit in (MEASURES.get(r["measure"], str(r["measure"]).replace("_", " ")),)
        )
        return f"Maintenance {level}: {data['schedule']}" + (f", {reasons}" if reasons else "")

    return describe


SUMMARISERS: dict[str, Summariser] = {
    "trip_started": _trip_started,
    "trip_ended": _trip_ended,
    "stop_started": _stop_started,
    "stop_ended": _stop_ended,
    "speeding_started": _speeding_started,
    "speeding_ended": _speeding_ended,
    **{kind: _harsh(kind) for kind in HARSH},
    "idling_started": _idling_started,
    "idling_ended": _idling_ended,
    "stationary_started": _stationary_started,
    "stationary_ended": _stationary_ended,
    "zone_entered": _zone_entered,
    "zone_exited": _zone_exited,
    "zone_dwell": _zone_dwell,
    "restricted_zone_entered": _restricted_zone_entered,
    "off_hours_movement": _off_hours_movement,
    "left_designated_area": _left_designated_area,
    "returned_to_designated_area": _returned_to_designated_area,
    "device_offline": _device_offline,
    "device_online": _device_online,
    "battery_low": _battery_low,
    "battery_ok": _battery_ok,
    "maintenance_due_soon": _maintenance("due soon"),
    "maintenance_overdue": _maintenance("overdue"),
}

KINDS: tuple[str, ...] = tuple(SUMMARISERS)
ALERT_KINDS: frozenset[str] = frozenset(
    {
        "speeding_started",
        *HARSH,
        "restricted_zone_entered",
        "off_hours_movement",
        "left_designated_area",
        "device_offline",
        "battery_low",
        "maintenance_overdue",
    }
)


def generic(kind: str) -> str:
    """The kind in words: ``maintenance_due_soon`` -> ``Maintenance due soon``."""
    words = kind.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "Event"


def summarise(kind: str, data: Data | None, zone: str | tzinfo | None = None) -> str:
    """One sentence about the event; clock times in ``zone`` (an IANA name; UTC when
    missing or unknown)."""
    describe = SUMMARISERS.get(kind)
    if describe is None or not isinstance(data, Mapping):
        return generic(kind)
    try:
        return describe(data, _zone(zone))
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return generic(kind)
