"""Event summaries read the data the detectors really write: each scenario runs the
detector itself and reads back the sentence, so a detector that renames a field shows
up here, not as a generic sentence in a manager's list."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import get_args

import pytest

from doorstep.domain import event_summary as es
from doorstep.domain.detectors import (
    device_health,
    geofence,
    harsh,
    idling,
    motion,
    off_hours,
    speeding,
)
from doorstep.domain.detectors import maintenance as rules
from doorstep.domain.detectors.events import DetectorEvent
from doorstep.domain.detectors.replay import replay
from tests.domain.detectors.track import HOME, T0, at, drive, stand

ZONE = "Europe/Helsinki"  # T0 is 08:00 UTC, 10:00 in Helsinki
DETECTORS = Path(es.__file__).parent / "detectors"


def said(events: list[DetectorEvent]) -> list[tuple[str, str]]:
    return [(e.kind, es.summarise(e.kind, e.data, ZONE)) for e in events]


def test_harsh_driving_names_the_value_and_its_threshold():
    computed = [
        [at(0, speed=20, accuracy=5), at(1, east=12, speed=5, accuracy=5)],
        [at(0, speed=5), at(1, east=7, speed=10)],
        [at(0, speed=10, heading=0), at(2, north=20, speed=10, heading=90)],
        [at(0, attributes={"alarm": "hardBraking"})],
    ]
    events = [e for fixes in computed for e in replay(harsh.update, harsh.Params(), fixes)]
    assert said(events) == [
        ("harsh_braking", "Harsh braking: −15.0 m/s² (threshold −3.0), 72 to 18 km/h in 1 s"),
        (
            "harsh_acceleration",
            "Harsh acceleration: 5.0 m/s² (threshold 2.5), 18 to 36 km/h in 1 s",
        ),
        (
            "harsh_cornering",
            "Harsh cornering: 7.8 m/s² (threshold 3.0), a 90° turn in 2 s at 36 km/h",
        ),
        ("harsh_braking", "Harsh braking reported by the device (hardBraking)"),
    ]


def test_speeding_names_speed_limit_and_duration():
    fixes = [*drive(0, 20, 2, 25.0), at(22, east=520, speed=10.0)]
    assert said(replay(speeding.update, speeding.Params(), fixes)) == [
        ("speeding_started", "Speeding: 90 km/h in a 50 km/h zone for 10 s"),
        (
            "speeding_ended",
            "Speeding ended after 20 s: peak 90 km/h in a 50 km/h zone (slowed down)",
        ),
    ]


def test_trips_and_stops_in_local_time():
    fixes = [*stand(0, 300, 30), *drive(330, 630, 30, 10.0), *stand(660, 960, 30, east=3000)]
    assert said(replay(motion.update, motion.Params(), fixes)) == [
        ("stop_started", "Stopped at 10:00 (stayed within 200 m for 3 min)"),
        ("stop_ended", "Stop ended after 5 min 30 s"),
        ("trip_started", "Trip started at 10:05"),
        ("trip_ended", "Trip ended: 3.0 km in 5 min"),
        ("stop_started", "Stopped at 10:10 (stayed within 200 m for 3 min)"),
    ]


def test_idling_and_standing_still_say_since_when_and_why_they_ended():
    running = [*stand(0, 400, 20, ignition=True), at(420, speed=0.0, ignition=False)]
    phone = [*stand(0, 400, 20), at(420, east=100, speed=10.0)]
    events = replay(idling.update, idling.Params(), running)
    events += replay(idling.update, idling.Params(), phone)
    assert said(events) == [
        ("idling_started", "Idling with the engine on since 10:00 (alert after 3 min)"),
        ("idling_ended", "Idling ended after 6 min 40 s (engine off)"),
        (
            "stationary_started",
            "Standing still away from any known place since 10:00 (alert after 5 min)",
        ),
        ("stationary_ended", "Stood still for 6 min 40 s (moved off)"),
    ]


def test_zones_are_named():
    yard = geofence.Zone(
        "z1", "Depot yard", geofence.Circle(HOME, 100), True, timedelta(seconds=60)
    )
    fixes = [*stand(0, 120, 30), at(150, east=500)]
    assert said(replay(geofence.update, geofence.Params(zones=(yard,)), fixes)) == [
        ("zone_entered", "Entered zone Depot yard"),
        ("restricted_zone_entered", "Entered restricted zone Depot yard"),
        ("zone_dwell", "In zone Depot yard for 1 min (since 10:00)"),
        ("zone_exited", "Left zone Depot yard after 2 min 30 s"),
    ]


def test_off_hours_and_the_designated_area():
    area = geofence.Zone("a1", "Helsinki centre", geofence.Circle(HOME, 1000))
    params = off_hours.Params(time_zone=ZONE, designated_area=area)
    fixes = [at(-8 * 3600, speed=10.0), at(0, east=5000, speed=10.0), at(60, speed=10.0)]
    assert said(replay(off_hours.update, params, fixes)) == [
        (
            "off_hours_movement",
            "Moving at 36 km/h outside allowed hours, 02:00 local time "
            "(allowed today: 06:00–22:00)",
        ),
        ("left_designated_area", "Left the designated area Helsinki centre"),
        ("returned_to_designated_area", "Back in the designated area Helsinki centre"),
    ]


def test_device_health_says_since_when_and_how_low():
    p = device_health.Params()
    events: list[DetectorEvent] = []
    state, fired = device_health.update(None, at(0, battery=10.0), p)
    events += fired
    state, fired = device_health.update(state, at(60, battery=25.0), p)
    events += fired
    state, fired = device_health.tick(state, T0 + timedelta(minutes=12), p)
    events += fired
    state, fired = device_health.update(state, at(3600), p)
    events += fired
    assert said(events) == [
        ("battery_low", "Battery low: 10 % (alert below 15 %)"),
        ("battery_ok", "Battery recovered: 25 % (at or above 20 %)"),
        ("device_offline", "Offline since 10:01 (no fix for 10 min)"),
        ("device_online", "Back online after 59 min without fixes"),
    ]
    offline = dict(events[2].data, battery_pct=12.0)  # as the offline sweep records it
    assert es.summarise("device_offline", offline, ZONE).endswith("; battery 12 % at the last fix")


def test_maintenance_names_the_schedule_and_how_far_it_is():
    state = rules.record_service(None, "Oil", rules.Usage(date(2025, 1, 1), odometer_km=10_000))
    params = rules.Params("van", (rules.Schedule("Oil", every_km=15_000),))
    state, soon = rules.update(state, rules.Usage(date(2025, 3, 1), odometer_km=24_500), params)
    state, over = rules.update(state, rules.Usage(date(2025, 3, 2), odometer_km=26_000), params)
    assert [(e.kind, es.summarise(e.kind, e.data, ZONE)) for e in soon + over] == [
        (
            "maintenance_due_soon",
            "Maintenance due soon: Oil, 14500 km since the last service (due every 15000 km)",
        ),
        (
            "maintenance_overdue",
            "Maintenance overdue: Oil, 16000 km since the last service (due every 15000 km)",
        ),
    ]


def test_every_kind_a_detector_names_is_known_and_has_its_own_sentence():
    """A detector's new kind must be added to KINDS (and so to the API's filter)."""
    source = "\n".join(p.read_text() for p in sorted(DETECTORS.glob("*.py")))
    # Kinds as first arguments (DetectorEvent, _event, _battery), chosen by a condition,
    # mapped from device alarms, or built from a detector's own vocabulary.
    named = set(re.findall(r'\w+\(\s*"([a-z]+_[a-z_]+)",', source))
    named |= set(re.findall(r'"(\w+)" if \w+ else "(\w+)"', source)[0])
    named |= set(harsh.DEVICE_ALARMS.values())
    named |= {f"{kind}_{edge}" for kind in get_args(idling.Kind) for edge in ("started", "ended")}
    named |= {f"maintenance_{level}" for level in rules.RANK if level != "ok"}
    assert named == set(es.KINDS)
    assert set(es.KINDS) > es.ALERT_KINDS


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("zone_entered", {}),  # a field missing
        ("speeding_started", {"peak_speed_kmh": "fast", "limit_kmh": 50, "duration_s": 1}),
        ("device_offline", {"last_fix": {"time": "yesterday"}, "offline_after_s": 600}),
        ("trip_ended", None),
        ("maintenance_overdue", ["not", "a", "mapping"]),
    ],
)
def test_data_that_does_not_fit_gets_the_kind_in_words(kind, data):
    assert es.summarise(kind, data, ZONE) == es.generic(kind)


def test_an_unknown_kind_is_put_in_words():
    assert es.summarise("tyre_pressure_low", {"psi": 20}) == "Tyre pressure low"
    assert es.generic("") == "Event"


def test_an_unknown_time_zone_shows_utc():
    data = {"fix": {"time": "2025-03-03T08:00:00+00:00"}}
    assert es.summarise("trip_started", data, "Mars/Olympus_Mons") == "Trip started at 08:00"
    assert es.summarise("trip_started", data) == "Trip started at 08:00"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0 s"),
        (24.4, "24 s"),
        (60, "1 min"),
        (72, "1 min 12 s"),
        (599, "9 min 59 s"),
        (1500, "25 min"),
        (3600, "1 h"),
        (3900, "1 h 5 min"),
        (86400 * 2 + 3 * 3600, "2 d 3 h"),
        (-5, "0 s"),
    ],
)
def test_durations_read_naturally(seconds, text):
    assert es.duration(seconds) == text


def test_numbers_use_a_real_minus_and_never_minus_zero():
    assert es.number(-4.14, 1) == "−4.1"
    assert es.number(-0.04, 1) == "0.0"
    assert es.number(78.4) == "78"
    assert es.distance(350.4) == "350 m" and es.distance(12_345) == "12.3 km"
