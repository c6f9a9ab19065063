"""Fleet events as a manager reads them: real fixes through the native API raise the
events, and the list finds them by vehicle, device, kind, time and alert, as JSON
pages or CSV, each with a sentence saying why. Another organisation's events are
never shown."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from doorstep.domain.detectors.geometry import offset
from doorstep.domain.geo import LatLon
from doorstep.services.maintenance import assess_maintenance
from tests.conftest import auth

API = "/api/v1"
EVENTS = f"{API}/telemetry-events"
HOME = LatLon(60.17, 24.94)
_BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def at(seconds: float) -> str:
    """Recent enough to be live (see tests/tracking/test_ingest_api.py)."""
    return (_BASE + timedelta(seconds=seconds)).isoformat()


def fix(seconds: float, speed: float, east: float = 0.0) -> dict[str, Any]:
    point = offset(HOME, 0.0, east)
    return {"time": at(seconds), "lat": point.lat, "lon": point.lon, "speed": speed, "accuracy": 5}


def van_with_tracker(client, org, name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    h = auth(org.admin)
    vehicle = client.post(f"{API}/vehicles", json={"name": name}, headers=h).json()
    device = client.post(
        f"{API}/devices", json={"name": f"{name} tracker", "vehicle_id": vehicle["id"]}, headers=h
    )
    assert device.status_code == 201, device.text
    return vehicle, device.json()


def send(client, device: dict[str, Any], fixes: list[dict[str, Any]]) -> None:
    response = client.post(f"{API}/pings", json=fixes, headers=auth(device["token"]))
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(fixes), response.text


def harsh_braking(client, device: dict[str, Any], start: float = 0.0) -> None:
    """20 m/s, then 5 m/s a second later: -15 m/s², far past the -3 m/s² threshold."""
    send(client, device, [fix(start, 20.0), fix(start + 1, 5.0, east=12.0)])


def speeding(client, device: dict[str, Any], start: float = 100.0) -> None:
    """90 km/h for 14 s where 50 km/h (+10 tolerance) applies, then slower after a gap
    too long to count as braking: a trip, speeding_started and speeding_ended."""
    fixes = [fix(start + t, 25.0, east=25.0 * t) for t in range(0, 15, 2)]
    fixes.append(fix(start + 20, 10.0, east=25.0 * 14 + 60))
    send(client, device, fixes)


def listed(client, key: str, **params: Any) -> dict[str, Any]:
    response = client.get(EVENTS, params=params, headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def kinds(page: dict[str, Any]) -> list[str]:
    return [item["kind"] for item in page["items"]]


def test_a_harsh_braking_from_real_fixes_is_listed_with_why(client, org_a):
    vehicle, device = van_with_tracker(client, org_a, "Van 1")
    harsh_braking(client, device)

    page = listed(client, org_a.viewer)
    assert page["total"] == 1 and page["limit"] == 50 and page["offset"] == 0
    (event,) = page["items"]
    assert event["kind"] == "harsh_braking" and event["alert"] is True
    assert event["time"] == datetime.fromisoformat(at(1)).isoformat()
    assert (event["vehicle_id"], event["vehicle_name"]) == (vehicle["id"], "Van 1")
    assert event["device_id"] == device["id"]
    assert event["data"]["value_ms2"] == -15.0 and event["data"]["threshold_ms2"] == -3.0
    assert event["data"]["from"]["speed_kmh"] == 72.0 and event["data"]["to"]["speed_kmh"] == 18.0
    assert event["summary"] == "Harsh braking: −15.0 m/s² (threshold −3.0), 72 to 18 km/h in 1 s"

    one = client.get(f"{EVENTS}/{event['id']}", headers=auth(org_a.viewer))
    assert one.status_code == 200 and one.json() == event


def test_filters_find_each_vehicles_events_newest_first(client, org_a):
    van1, tracker1 = van_with_tracker(client, org_a, "Van 1")
    van2, tracker2 = van_with_tracker(client, org_a, "Van 2")
    harsh_braking(client, tracker1)
    speeding(client, tracker2)
    key = org_a.viewer

    everything = listed(client, key)
    assert sorted(kinds(everything)) == [
        "harsh_braking",
        "speeding_ended",
        "speeding_started",
        "trip_started",
    ]
    times = [item["time"] for item in everything["items"]]
    assert times == sorted(times, reverse=True)

    assert kinds(listed(client, key, vehicle_id=van1["id"])) == ["harsh_braking"]
    assert kinds(listed(client, key, device_id=tracker1["id"])) == ["harsh_braking"]
    assert "harsh_braking" not in kinds(listed(client, key, vehicle_id=van2["id"]))
    assert kinds(listed(client, key, kind="speeding_started")) == ["speeding_started"]
    both = ["speeding_started", "harsh_braking"]
    assert kinds(listed(client, key, kind="harsh_braking, speeding_started")) == both
    assert kinds(listed(client, key, kind=["harsh_braking", "speeding_started"])) == both
    assert kinds(listed(client, key, alerts_only="true")) == both
    assert kinds(listed(client, key, alerts_only="true", kind="trip_started")) == []

    speeding_event = listed(client, key, kind="speeding_started")["items"][0]
    assert speeding_event["summary"] == "Speeding: 90 km/h in a 50 km/h zone for 10 s"
    assert speeding_event["data"]["limit_kmh"] == 50.0

    # [since, until): the braking happened at at(1), the speeding from at(100).
    early = listed(client, key, since=at(0), until=at(50))
    assert kinds(early) == ["harsh_braking"]
    assert "harsh_braking" not in kinds(listed(client, key, since=at(2)))
    assert kinds(listed(client, key, until=at(1))) == []

    first = listed(client, key, limit=1)
    second = listed(client, key, limit=1, offset=1)
    assert first["total"] == second["total"] == 4
    assert [first["items"][0], second["items"][0]] == everything["items"][:2]


def test_a_maintenance_event_has_no_device_and_still_reads_well(client, org_a, db):
    van, tracker = van_with_tracker(client, org_a, "Van 1")
    response = client.post(
        f"{API}/vehicles/{van['id']}/maintenance-schedules",
        json={"name": "Inspection", "every_days": 30, "last_done_on": "2020-01-01"},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 201, response.text
    with db.sessions.begin() as session:
        assert [e.kind for e in assess_maintenance(session, org_a.id)] == ["maintenance_overdue"]

    (event,) = listed(client, org_a.viewer, vehicle_id=van["id"])["items"]
    assert event["kind"] == "maintenance_overdue" and event["device_id"] is None
    assert event["summary"].startswith("Maintenance overdue: Inspection, ")
    assert event["summary"].endswith(" days since the last service (due every 30 days)")
    assert listed(client, org_a.viewer, device_id=tracker["id"])["items"] == []
    assert kinds(listed(client, org_a.viewer, alerts_only=True)) == ["maintenance_overdue"]


def test_csv_export_has_a_line_per_event_with_its_data(client, org_a):
    van1, tracker1 = van_with_tracker(client, org_a, "=Van 1")
    _, tracker2 = van_with_tracker(client, org_a, "Van 2")
    harsh_braking(client, tracker1)
    speeding(client, tracker2)

    response = client.get(
        EVENTS, params={"format": "csv", "alerts_only": "true"}, headers=auth(org_a.viewer)
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "telemetry-events.csv" in response.headers["content-disposition"]
    assert response.headers["x-total-count"] == "2"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "time",
        "kind",
        "vehicle_id",
        "vehicle_name",
        "device_id",
        "summary",
        "data",
    ]
    assert [r["kind"] for r in rows] == ["speeding_started", "harsh_braking"]
    braking = rows[1]
    assert braking["time"] == datetime.fromisoformat(at(1)).isoformat()
    assert (braking["vehicle_id"], braking["device_id"]) == (van1["id"], tracker1["id"])
    assert braking["vehicle_name"] == "'=Van 1"  # a spreadsheet must not run it
    assert braking["summary"].startswith("Harsh braking: −15.0 m/s²")
    assert json.loads(braking["data"])["value_ms2"] == -15.0

    paged = client.get(
        EVENTS, params={"format": "csv", "limit": 1, "offset": 1}, headers=auth(org_a.viewer)
    )
    assert len(list(csv.DictReader(io.StringIO(paged.text)))) == 1
    assert paged.headers["x-total-count"] == "4"


def errors_of(client, key: str, **params: Any) -> list[dict[str, Any]]:
    response = client.get(EVENTS, params=params, headers=auth(key))
    assert response.status_code == 422, response.text
    return response.json()["errors"]


def test_bad_filters_are_refused_naming_the_field(client, org_a):
    key = org_a.viewer
    (unknown,) = errors_of(client, key, kind="harsh_braking,harsh_breaking")
    assert unknown["loc"] == ["query", "kind"]
    assert "'harsh_breaking'" in unknown["msg"] and "harsh_braking" in unknown["msg"]
    assert "maintenance_overdue" in unknown["msg"]  # the known kinds are listed

    (order,) = errors_of(client, key, since=at(10), until=at(5))
    assert order == {"loc": ["query", "until"], "msg": "must be after since"}
    (same,) = errors_of(client, key, since=at(10), until=at(10))
    assert same["loc"] == ["query", "until"]

    (naive,) = errors_of(client, key, since="2026-11-27T10:00:00")
    assert naive["loc"] == ["query", "since"] and "timezone" in naive["msg"]
    (page,) = errors_of(client, key, limit=501)
    assert page["loc"] == ["query", "limit"]
    (fmt,) = errors_of(client, key, format="xlsx")
    assert fmt["loc"] == ["query", "format"]
    bad_id = client.get(f"{EVENTS}/not-a-number", headers=auth(key))
    assert bad_id.status_code == 422


def test_another_organisations_event_is_404_and_never_listed(client, org_a, org_b):
    vehicle, device = van_with_tracker(client, org_a, "Van 1")
    harsh_braking(client, device)
    (event,) = listed(client, org_a.admin)["items"]

    theirs = client.get(f"{EVENTS}/{event['id']}", headers=auth(org_b.admin))
    unknown = client.get(f"{EVENTS}/{event['id'] + 1000}", headers=auth(org_b.admin))
    assert theirs.status_code == unknown.status_code == 404
    assert theirs.json()["detail"] == f"no telemetry event with id {event['id']}"
    assert unknown.json()["detail"] == f"no telemetry event with id {event['id'] + 1000}"

    for params in (
        {},
        {"vehicle_id": vehicle["id"]},
        {"device_id": device["id"]},
        {"kind": "harsh_braking"},
        {"alerts_only": "true"},
        {"format": "csv"},
    ):
        response = client.get(EVENTS, params=params, headers=auth(org_b.admin))
        assert response.status_code == 200, response.text
        assert vehicle["id"] not in response.text and "Van 1" not in response.text
        if params.get("format") != "csv":
            assert response.json()["total"] == 0


def test_a_driver_may_not_read_fleet_events(client, org_a):
    for path in (EVENTS, f"{EVENTS}/1", f"{EVENTS}/{uuid.uuid4()}"):
        response = client.get(path, headers=auth(org_a.driver))
        assert response.status_code == 403, (path, response.text)
        assert "your role (driver) may not" in response.json()["detail"]
