"""Fixes from real tracker apps travel the one pipeline into storage, live state and the
bus; bad fixes are refused by name and nothing else is lost."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

from tests.conftest import auth

OSMAND = (
    "id={id}&timestamp=1504763810&lat=40.7232948571&lon=-74.0061408571"
    "&bearing=7.19889788244&speed=40&ignition=true&rpm=933&fuel=24"
)


_BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)


def at(seconds: float) -> str:
    """A fix time this many seconds after ten minutes before the tests began: recent
    enough to be live, and the same base for every call (a base read from the clock
    on each call moves when a second ticks over between two calls)."""
    return (_BASE + timedelta(seconds=seconds)).isoformat()


def _vehicle_and_device(client, org, **device):
    vehicle = client.post("/api/v1/vehicles", json={"name": "Van"}, headers=auth(org.admin)).json()
    response = client.post(
        "/api/v1/devices", json={"vehicle_id": vehicle["id"], **device}, headers=auth(org.admin)
    )
    assert response.status_code == 201, response.text
    return vehicle, response.json()


def _positions(
    client, org, vehicle, since="2000-01-01T00:00:00Z", until="2100-01-01T00:00:00Z", **extra
):
    return client.get(
        f"/api/v1/vehicles/{vehicle['id']}/positions",
        params={"since": since, "until": until, **extra},
        headers=auth(org.viewer),
    )


def test_a_new_device_gets_a_long_random_identifier_and_a_token_shown_once(client, org_a):
    _, device = _vehicle_and_device(client, org_a)
    assert len(device["identifier"]) >= 20 and device["token"].startswith("dst_")
    listed = client.get("/api/v1/devices", headers=auth(org_a.admin)).text
    assert device["token"] not in listed


def test_an_operators_own_identifier_is_kept(client, org_a):
    _, device = _vehicle_and_device(client, org_a, identifier="123456789012345")
    assert device["identifier"] == "123456789012345"


def test_an_osmand_fix_lands_as_the_issue_describes(client, org_a):
    vehicle, device = _vehicle_and_device(client, org_a, identifier="123456789012345")
    response = client.get("/ingest/osmand?" + OSMAND.format(id=device["identifier"]))
    assert response.status_code == 200
    fixes = _positions(client, org_a, vehicle).json()
    assert len(fixes) == 1
    fix = fixes[0]
    assert fix["time"] == "2017-09-07T05:56:50+00:00"
    assert fix["speed_kmh"] == 74.08 and round(fix["heading"], 1) == 7.2
    assert fix["attributes"]["ignition"] is True and fix["attributes"]["rpm"] == 933


def test_traccar_client_json_is_accepted_by_post(client, org_a):
    vehicle, device = _vehicle_and_device(client, org_a)
    body = {
        "location": {
            "timestamp": "2021-07-21T08:06:34.444Z",
            "coords": {
                "latitude": -6.1148096,
                "longitude": 106.6837015,
                "accuracy": 3.8,
                "speed": 18.67,
                "heading": 63,
                "altitude": 35.7,
            },
            "is_moving": False,
            "odometer": 0,
            "event": "motionchange",
            "battery": {"is_charging": False, "level": 0.79},
            "activity": {"type": "still"},
            "extras": {},
        },
        "device_id": device["identifier"],
    }
    assert client.post("/ingest/osmand", json=body).status_code == 200
    fix = _positions(client, org_a, vehicle).json()[0]
    assert fix["speed_kmh"] == 67.21 and fix["attributes"]["battery"] == 79


def test_an_unknown_or_missing_device_id_stores_nothing(client, org_a):
    vehicle, _ = _vehicle_and_device(client, org_a)
    assert client.get("/ingest/osmand?" + OSMAND.format(id="nobody-knows")).status_code == 404
    missing = client.get("/ingest/osmand?lat=1&lon=2")
    assert missing.status_code == 400 and "id" in missing.json()["detail"]
    assert _positions(client, org_a, vehicle).json() == []


def test_the_native_batch_stores_good_fixes_and_names_each_bad_one(client, org_a):
    vehicle, device = _vehicle_and_device(client, org_a)
    fixes = [
        {"time": at(0), "lat": 60.17, "lon": 24.94, "speed": 5.0},
        {"time": at(0), "lat": 60.17, "lon": 24.94, "speed": 5.0},  # the same fix again
        {"time": at(1), "lat": 60.62, "lon": 24.94},  # 50 km in a second
        {"time": at(10), "lat": 95.0, "lon": 24.94},
        {"time": "2099-01-01T00:00:00Z", "lat": 60.17, "lon": 24.94},
        {"time": at(20), "lat": 60.1701, "lon": 24.9401, "speed": 5.0},
    ]
    response = client.post("/api/v1/pings", json=fixes, headers=auth(device["token"]))
    assert response.status_code == 200, response.text
    body = response.json()
    rules = {d["index"]: d["rule"] for d in body["dropped"]}
    assert rules == {1: "duplicate", 2: "implausible_jump", 3: "bad_latitude", 4: "time_in_future"}
    assert body["accepted"] == 2
    assert [f["time"] for f in _positions(client, org_a, vehicle).json()] == [at(0), at(20)]


def test_a_late_fix_is_stored_but_never_moves_live_state(client, org_a, db):
    from doorstep.storage.tables import LiveState

    vehicle, device = _vehicle_and_device(client, org_a)
    h = auth(device["token"])
    client.post(
        "/api/v1/pings",
        json=[{"time": at(300), "lat": 60.17, "lon": 24.94}],
        headers=h,
    )
    late = client.post(
        "/api/v1/pings",
        json=[{"time": at(0), "lat": 60.18, "lon": 24.95}],
        headers=h,
    )
    assert late.json()["late"] == 1
    with db.sessions.begin() as session:
        live = session.get(LiveState, uuid.UUID(device["id"]))
        assert live.time.isoformat() == at(300) and live.lat == 60.17
    assert len(_positions(client, org_a, vehicle).json()) == 2


def test_bad_bodies_are_clear_errors(client, org_a):
    _, device = _vehicle_and_device(client, org_a)
    h = {**auth(device["token"]), "content-type": "application/json"}
    assert client.post("/api/v1/pings", content=b"{not json", headers=h).status_code == 400
    speed = client.post(
        "/api/v1/pings",
        json=[{"time": "2026-11-26T10:00:00Z", "lat": 1, "lon": 2, "speed": "fast"}],
        headers=h,
    )
    assert speed.status_code == 400 and "speed" in speed.json()["detail"]
    assert client.post("/api/v1/pings", json=[], headers=auth(org_a.admin)).status_code == 401


def test_another_organisations_token_cannot_feed_this_vehicle(client, org_a, org_b):
    vehicle, _ = _vehicle_and_device(client, org_a)
    _, theirs = _vehicle_and_device(client, org_b)
    client.post(
        "/api/v1/pings",
        json=[{"time": "2026-11-26T10:00:00Z", "lat": 60.17, "lon": 24.94}],
        headers=auth(theirs["token"]),
    )
    assert _positions(client, org_a, vehicle).json() == []
    other = client.get(
        f"/api/v1/vehicles/{vehicle['id']}/positions",
        params={"since": "2000-01-01T00:00:00Z", "until": "2100-01-01T00:00:00Z"},
        headers=auth(org_b.admin),
    )
    assert other.status_code == 404


def test_owntracks_http_needs_the_token_and_ignores_other_message_types(client, org_a):
    vehicle, device = _vehicle_and_device(client, org_a)
    basic = "Basic " + base64.b64encode(f"u:{device['token']}".encode()).decode()
    headers = {"Authorization": basic, "X-Limit-U": "jj", "X-Limit-D": "phone"}
    body = {
        "cog": 271,
        "lon": 2.29513,
        "acc": 5,
        "vel": 61,
        "vac": 21,
        "lat": 48.85833,
        "tst": 1497349316,
        "alt": 167,
        "_type": "location",
        "tid": "JJ",
        "t": "u",
        "batt": 67,
    }
    response = client.post("/ingest/owntracks", content=json.dumps(body), headers=headers)
    assert response.status_code == 200 and response.json() == []
    assert client.post("/ingest/owntracks", content=b"", headers=headers).json() == []
    assert (
        client.post("/ingest/owntracks", json={"_type": "lwt", "tst": 1}, headers=headers).json()
        == []
    )
    assert client.post("/ingest/owntracks", json=body).status_code == 401
    fix = _positions(client, org_a, vehicle).json()[0]
    assert fix["speed_kmh"] == 61.0 and fix["heading"] == 271


def test_positions_come_as_geojson_and_gpx_too(client, org_a):
    vehicle, device = _vehicle_and_device(client, org_a)
    client.post(
        "/api/v1/pings",
        json=[
            {"time": "2026-11-26T10:00:00Z", "lat": 60.17, "lon": 24.94},
            {"time": "2026-11-26T10:00:30Z", "lat": 60.1705, "lon": 24.9405},
        ],
        headers=auth(device["token"]),
    )
    geo = _positions(client, org_a, vehicle, format="geojson").json()
    assert geo["geometry"]["coordinates"][0] == [24.94, 60.17]
    gpx = _positions(client, org_a, vehicle, format="gpx").text
    assert gpx.count("<trkpt") == 2 and "2026-11-26T10:00:30Z" in gpx
    bad = _positions(
        client, org_a, vehicle, since="2026-11-27T00:00:00Z", until="2026-11-26T00:00:00Z"
    )
    assert bad.status_code == 422
