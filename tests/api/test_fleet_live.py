"""The dispatcher's live map through the API: every vehicle with its newest position,
route progress and status; its event stream carries this organisation's fixes only."""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from doorstep.bus import Event
from doorstep.storage.tables import Stop
from tests.conftest import auth, create_order, load_van, org_today

API = "/api/v1"


def _van(client, org, name="Van 1"):
    vehicle = client.post(f"{API}/vehicles", json={"name": name}, headers=auth(org.admin))
    assert vehicle.status_code == 201, vehicle.text
    device = client.post(
        f"{API}/devices",
        json={"name": f"{name} phone", "vehicle_id": vehicle.json()["id"]},
        headers=auth(org.admin),
    )
    assert device.status_code == 201, device.text
    return vehicle.json(), device.json()["token"]


def _fix(client, token, lat, lon, ago_s=5.0):
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=ago_s)
    fix = {"time": at.isoformat(), "lat": lat, "lon": lon, "speed": 8, "heading": 90}
    response = client.post(f"{API}/pings", json=[fix], headers=auth(token))
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.text


def _started_route(client, org, vehicle, count=2):
    orders = [create_order(client, org.admin) for _ in range(count)]
    route = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": org_today().isoformat(),
            "driver_id": str(org.driver_id),
            "vehicle_id": vehicle["id"],
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org.dispatcher),
    ).json()
    load_van(client, org, route["id"])
    started = client.post(f"{API}/routes/{route['id']}/start", headers=auth(org.driver))
    assert started.status_code == 200, started.text
    return route, orders


def _live(client, key):
    response = client.get(f"{API}/fleet/live", headers=auth(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_the_fleet_now_with_position_route_progress_and_status(client, org_a, org_b, db):
    van, token = _van(client, org_a)
    parked, _ = _van(client, org_a, "Van 2")
    route, orders = _started_route(client, org_a, van)
    _fix(client, token, 60.17, 24.94)
    fleet = _live(client, org_a.viewer)
    by_name = {v["name"]: v for v in fleet["vehicles"]}
    moving = by_name["Van 1"]
    assert moving["status"] == "on_time" and moving["driver"] == "Dana"
    assert moving["position"]["lat"] == 60.17 and moving["position"]["heading"] == 90
    assert moving["route"]["stops_done"] == 0 and moving["route"]["stops_total"] == 2
    assert [s["id"] for s in moving["route"]["next"]] == [s["id"] for s in route["stops"]]
    assert by_name["Van 2"]["status"] == "offline" and by_name["Van 2"]["position"] is None
    assert fleet["counts"]["on_time"] == 1 and fleet["counts"]["offline"] == 1

    # The ETA engine expects the first stop after its window: late, and why.
    window_end = datetime.fromisoformat(orders[0]["window_end"])
    with db.sessions.begin() as session:
        stop = session.get(Stop, uuid.UUID(route["stops"][0]["id"]))
        assert stop is not None
        stop.eta, stop.late_risk = window_end + timedelta(minutes=30), 0.97
    late = {v["name"]: v for v in _live(client, org_a.dispatcher)["vehicles"]}["Van 1"]
    assert late["status"] == "late" and "by up to 30 min" in late["reason"]

    assert _live(client, org_b.admin)["vehicles"] == []
    assert str(parked["id"]) not in json.dumps(_live(client, org_b.admin))
    refused = client.get(f"{API}/fleet/live", headers=auth(org_a.driver))
    assert refused.status_code == 403


def test_a_silent_vehicle_turns_offline(client, org_a):
    van, token = _van(client, org_a)
    _started_route(client, org_a, van, count=1)
    _fix(client, token, 60.17, 24.94, ago_s=20 * 60)
    vehicle = _live(client, org_a.admin)["vehicles"][0]
    assert vehicle["status"] == "offline" and vehicle["reason"] == "no position for 20 min"


def test_a_van_standing_still_on_its_route_turns_idle_and_is_an_exception(client, org_a):
    van, token = _van(client, org_a)
    _started_route(client, org_a, van, count=1)
    now = datetime.now(UTC).replace(microsecond=0)
    standing = [  # a phone (no ignition) still for 20 min, far from its stop and depot
        {
            "time": (now - timedelta(minutes=20 - i)).isoformat(),
            "lat": 60.1800,
            "lon": 24.9500,
            "speed": 0.0,
        }
        for i in range(0, 20)
    ]
    sent = client.post(f"{API}/pings", json=standing, headers=auth(token))
    assert sent.status_code == 200, sent.text
    vehicle = _live(client, org_a.admin)["vehicles"][0]
    assert vehicle["status"] == "idle", vehicle
    assert vehicle["reason"] == "stopped for 20 min"
    items = client.get(f"{API}/fleet/exceptions", headers=auth(org_a.viewer)).json()["items"]
    idle = [i for i in items if i["kind"] == "idle"]
    assert idle and idle[0]["subject"] == "Van 1" and "standing still" in idle[0]["action"]
    # It moves on: no longer idle.
    moving = [
        {
            "time": (now - timedelta(seconds=30 - s)).isoformat(),
            "lat": 60.1800 + s * 0.00005,
            "lon": 24.9500,
            "speed": 8.0,
        }
        for s in (0, 5, 10)
    ]
    assert client.post(f"{API}/pings", json=moving, headers=auth(token)).status_code == 200
    assert _live(client, org_a.admin)["vehicles"][0]["status"] == "on_time"


class Stream:
    def __init__(self, url: str, key: str) -> None:
        self.items: queue.Queue[tuple[str, dict]] = queue.Queue()
        self.client = httpx.Client(timeout=httpx.Timeout(30, read=60))
        request = self.client.build_request("GET", url, headers=auth(key))
        self.response = self.client.send(request, stream=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = "message"
        try:
            for line in self.response.iter_lines():
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    self.items.put((event, json.loads(line.removeprefix("data: "))))
        except (httpx.HTTPError, RuntimeError):
            pass

    def within(self, seconds: float) -> list[tuple[str, dict]]:
        time.sleep(seconds)
        got = []
        while not self.items.empty():
            got.append(self.items.get_nowait())
        return got

    def close(self) -> None:
        self.response.close()
        self.client.close()


def test_the_stream_carries_this_organisations_fixes_only(client, org_a, org_b, db, server):
    van, token = _van(client, org_a)
    theirs, their_token = _van(client, org_b)
    stream = Stream(f"{server}{API}/fleet/live/events", org_a.dispatcher)
    try:
        assert stream.response.status_code == 200
        time.sleep(0.3)
        _fix(client, their_token, 59.43, 24.75)
        _fix(client, token, 60.1701, 24.9402)
        db.bus.publish(Event(str(org_b.id), "route.changed", {"route_id": str(uuid.uuid4())}))
        got = stream.within(1.5)
        positions = [data for kind, data in got if kind == "position"]
        assert [p["vehicle_id"] for p in positions] == [van["id"]]
        assert positions[0]["lat"] == 60.1701
        assert theirs["id"] not in json.dumps(got)
        assert not [kind for kind, _ in got if kind == "refresh"]
        db.bus.publish(Event(str(org_a.id), "route.changed", {"route_id": str(uuid.uuid4())}))
        assert ("refresh", {"topic": "route.changed"}) in stream.within(1.0)
    finally:
        stream.close()


def test_exceptions_name_the_reason_and_the_action_worst_first(client, org_a, org_b, db):
    van, token = _van(client, org_a)
    route, orders = _started_route(client, org_a, van)
    _fix(client, token, 60.17, 24.94)
    assert client.get(f"{API}/fleet/exceptions", headers=auth(org_a.viewer)).json()["items"] == []

    window_end = datetime.fromisoformat(orders[0]["window_end"])
    with db.sessions.begin() as session:
        stop = session.get(Stop, uuid.UUID(route["stops"][0]["id"]))
        assert stop is not None
        stop.eta, stop.late_risk = window_end + timedelta(minutes=40), 0.99
    failed = client.post(
        f"{API}/routes/{route['id']}/stops/{route['stops'][1]['id']}/complete",
        json={"outcome": "failed", "reason": "nobody_home"},
        headers=auth(org_a.driver),
    )
    assert failed.status_code == 200, failed.text
    harsh = client.post(  # a hard stop from 50 km/h: the pipeline's detector fires
        f"{API}/pings",
        json=[
            {
                "time": (datetime.now(UTC) - timedelta(seconds=4 - i)).isoformat(),
                "lat": 60.171 + i * 0.0001,
                "lon": 24.94,
                "speed": speed,
            }
            for i, speed in enumerate((14.0, 14.0, 4.0, 0.0))
        ],
        headers=auth(token),
    )
    assert harsh.status_code == 200, harsh.text
    today = org_today().isoformat()
    create_order(  # today's window, on no route
        client,
        org_a.admin,
        window_start=f"{today}T10:00:00+02:00",
        window_end=f"{today}T12:00:00+02:00",
    )

    items = client.get(f"{API}/fleet/exceptions", headers=auth(org_a.dispatcher)).json()["items"]
    kinds = [i["kind"] for i in items]
    assert kinds[0] == "late" and "by up to 40 min" in items[0]["reason"]
    assert items[0]["vehicle_id"] == van["id"] and items[0]["action"].startswith("Call the driver")
    not_delivered = items[kinds.index("failed_delivery")]
    assert not_delivered["reason"] == "Not delivered: nobody home"
    assert not_delivered["order_id"] == orders[1]["id"]
    assert any(k.startswith("harsh") for k in kinds), kinds
    assert "unplanned" in kinds
    assert client.get(f"{API}/fleet/exceptions", headers=auth(org_b.admin)).json()["items"] == []
