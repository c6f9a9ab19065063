"""Geofences: drawn through the API, watched live by the pipeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from doorstep.storage.tables import TelemetryEvent
from tests.conftest import auth

CENTRE = {"lat": 60.17, "lon": 24.94}


def at(seconds: float) -> str:
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    return (base + timedelta(seconds=seconds)).isoformat()


def test_a_circle_and_a_polygon_zone_can_be_drawn_listed_and_changed(client, org_a):
    h = auth(org_a.dispatcher)
    circle = client.post(
        "/api/v1/zones",
        json={"name": "Depot", "kind": "depot", "location": CENTRE, "radius_m": 150},
        headers=h,
    )
    assert circle.status_code == 201, circle.text
    square = [
        {"lat": 60.16, "lon": 24.93},
        {"lat": 60.16, "lon": 24.95},
        {"lat": 60.18, "lon": 24.95},
    ]
    polygon = client.post(
        "/api/v1/zones", json={"name": "Old town", "polygon": square, "restricted": True}, headers=h
    )
    assert polygon.status_code == 201 and polygon.json()["polygon"] == square
    assert client.get("/api/v1/zones?restricted=true", headers=h).json()["total"] == 1
    changed = client.patch(
        f"/api/v1/zones/{circle.json()['id']}", json={"dwell_minutes": 5}, headers=h
    )
    assert changed.json()["dwell_minutes"] == 5


def test_a_zone_is_a_circle_or_a_polygon_never_half_of_one(client, org_a):
    h = auth(org_a.admin)
    for body, words in (
        ({"name": "x", "location": CENTRE}, "radius_m"),
        ({"name": "x"}, "polygon"),
        ({"name": "x", "location": CENTRE, "radius_m": 5, "polygon": [CENTRE] * 3}, "not both"),
        ({"name": "x", "polygon": [CENTRE, CENTRE]}, "polygon"),
        ({"name": "x", "location": CENTRE, "radius_m": -5}, "radius_m"),
    ):
        response = client.post("/api/v1/zones", json=body, headers=h)
        assert response.status_code == 422, body
        assert words in response.json()["detail"], (body, response.json()["detail"])
    assert client.get("/api/v1/zones", headers=h).json()["total"] == 0


def test_a_polygon_that_crosses_itself_is_refused_with_where(client, org_a):
    h = auth(org_a.admin)
    bowtie = [
        {"lat": 60.16, "lon": 24.93},
        {"lat": 60.18, "lon": 24.95},
        {"lat": 60.16, "lon": 24.95},
        {"lat": 60.18, "lon": 24.93},
    ]
    line = [{"lat": 60.16, "lon": 24.93 + i * 0.01} for i in range(4)]
    repeated = [{"lat": 60.16, "lon": 24.93}] * 3 + [{"lat": 60.17, "lon": 24.94}]
    for polygon, words in (
        (bowtie, "edges cross each other near lat 60.17"),
        (line, "lie on one line"),
        (repeated, "three different corners"),
    ):
        response = client.post("/api/v1/zones", json={"name": "Bad", "polygon": polygon}, headers=h)
        assert response.status_code == 422, response.text
        assert words in response.json()["detail"], response.json()["detail"]
    assert client.get("/api/v1/zones", headers=h).json()["total"] == 0
    ordered = [bowtie[0], bowtie[2], bowtie[1], bowtie[3]]
    fixed = client.post("/api/v1/zones", json={"name": "Good", "polygon": ordered}, headers=h)
    assert fixed.status_code == 201, fixed.text


def test_entering_a_restricted_zone_raises_an_alert_with_the_fix(client, org_a, db):
    h = auth(org_a.admin)
    zone = client.post(
        "/api/v1/zones",
        json={"name": "Closed yard", "location": CENTRE, "radius_m": 100, "restricted": True},
        headers=h,
    ).json()
    vehicle = client.post("/api/v1/vehicles", json={"name": "Van"}, headers=h).json()
    device = client.post("/api/v1/devices", json={"vehicle_id": vehicle["id"]}, headers=h).json()
    fixes = [
        {"time": at(0), "lat": 60.175, "lon": 24.94, "accuracy": 5},  # ~550 m north
        {"time": at(60), "lat": 60.1701, "lon": 24.94, "accuracy": 5},  # inside
        {"time": at(120), "lat": 60.175, "lon": 24.94, "accuracy": 5},  # out again
    ]
    assert (
        client.post("/api/v1/pings", json=fixes, headers=auth(device["token"])).json()["accepted"]
        == 3
    )
    with db.sessions.begin() as session:
        kinds = [
            e.kind for e in session.scalars(select(TelemetryEvent).order_by(TelemetryEvent.id))
        ]
        alert = session.scalar(
            select(TelemetryEvent).where(TelemetryEvent.kind == "restricted_zone_entered")
        )
        assert alert is not None and zone["id"] in str(alert.data)
    assert {"zone_entered", "restricted_zone_entered", "zone_exited"} <= set(kinds)
