"""The driver's phone through the API: today's route as drivers see it (first names, no
phone numbers), its own tracker, and sign-in links that work once and briefly."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

from doorstep.domain.principal import system
from doorstep.services import driver_app
from doorstep.storage.tables import Driver
from tests.conftest import auth, create_order

API = "/api/v1"


def test_the_route_of_the_day_as_the_driver_sees_it(client, org_a):
    order = create_order(client, org_a.admin, items=2, gate_code="4321", dog_warning=True)
    client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": time.strftime("%Y-%m-%d"),
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": order["id"]}],
        },
        headers=auth(org_a.dispatcher),
    )
    day = client.get(f"{API}/me/route", headers=auth(org_a.driver))
    assert day.status_code == 200, day.text
    stop = day.json()["route"]["stops"][0]
    assert stop["order"]["recipient_first_name"] == "Ann"
    assert stop["order"]["parcels"] == [f"{order['tracking_code']}-{n}" for n in (1, 2)]
    assert stop["order"]["gate_code"] == "4321" and stop["order"]["dog_warning"] is True
    assert "1234567" not in day.text and "ann@example.com" not in day.text
    other_day = client.get(f"{API}/me/route?date=2001-01-01", headers=auth(org_a.driver))
    assert other_day.json()["route"] is None
    refused = client.get(f"{API}/me/route", headers=auth(org_a.dispatcher))
    assert refused.status_code == 403


def test_the_phone_gets_a_tracker_and_a_new_one_retires_the_old(client, org_a):
    first = client.post(f"{API}/me/tracker", headers=auth(org_a.driver))
    assert first.status_code == 201, first.text
    fix = [{"time": datetime.now(UTC).isoformat(), "lat": 60.17, "lon": 24.94}]
    sent = client.post(f"{API}/pings", json=fix, headers=auth(first.json()["token"]))
    assert sent.status_code in (200, 202), sent.text
    second = client.post(f"{API}/me/tracker", headers=auth(org_a.driver)).json()
    old = client.post(f"{API}/pings", json=fix, headers=auth(first.json()["token"]))
    assert old.status_code == 401
    assert second["token"] != first.json()["token"]


def test_sign_in_links_work_once_and_briefly(client, org_a, db):
    made = client.post(
        f"{API}/drivers/{org_a.driver_id}/sign-in-link", headers=auth(org_a.dispatcher)
    )
    assert made.status_code == 201
    token = made.json()["url"].rsplit("/", 1)[1]
    first = client.get(f"/driver/link/{token}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/driver"
    me = client.get(f"{API}/auth/me")
    assert me.status_code == 200 and me.json()["driver_id"] == str(org_a.driver_id)
    client.cookies.clear()
    again = client.get(f"/driver/link/{token}", follow_redirects=False)
    assert again.headers["location"] == "/driver?error=link"
    with db.sessions.begin() as session:
        old, _ = driver_app.sign_in_link(
            session, system(org_a.id), org_a.driver_id, datetime.now(UTC) - timedelta(hours=1)
        )
    stale = client.get(f"/driver/link/{old}", follow_redirects=False)
    assert stale.headers["location"] == "/driver?error=link"


def test_a_driver_without_an_account_gets_no_link(client, org_a, db):
    driver = client.post(
        f"{API}/drivers", json={"name": "No Account"}, headers=auth(org_a.admin)
    ).json()
    response = client.post(
        f"{API}/drivers/{driver['id']}/sign-in-link", headers=auth(org_a.dispatcher)
    )
    assert response.status_code == 409 and "no user account" in response.json()["detail"]
    with db.sessions() as session:
        assert session.get(Driver, uuid.UUID(driver["id"])) is not None


def test_the_end_of_the_day_and_the_hand_in(client, org_a):
    orders = [create_order(client, org_a.admin, items=n) for n in (1, 2)]
    route = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": time.strftime("%Y-%m-%d"),
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org_a.dispatcher),
    ).json()
    rid, (first, second) = route["id"], route["stops"]
    labels = [f"{orders[0]['tracking_code']}-1"] + [
        f"{orders[1]['tracking_code']}-{n}" for n in (1, 2)
    ]
    client.post(
        f"{API}/routes/{rid}/load-scans",
        json={"scans": [{"label": label} for label in labels]},
        headers=auth(org_a.driver),
    )
    client.post(f"{API}/routes/{rid}/start", headers=auth(org_a.driver))
    client.post(
        f"{API}/routes/{rid}/stops/{first['id']}/complete",
        json={"outcome": "delivered"},
        headers=auth(org_a.driver),
    )
    client.post(
        f"{API}/routes/{rid}/stops/{second['id']}/complete",
        json={"outcome": "failed", "reason": "nobody_home"},
        headers=auth(org_a.driver),
    )
    day = client.get(f"{API}/me/summary", headers=auth(org_a.driver)).json()
    assert (day["stops_done"], day["stops_failed"], day["stops_open"]) == (1, 1, 0)
    assert day["parcels_to_return"] == labels[1:]
    back = client.post(
        f"{API}/routes/{rid}/returns",
        json={"scans": [{"label": label} for label in labels[1:]]},
        headers=auth(org_a.driver),
    )
    assert back.status_code == 200, back.text
    assert (
        client.get(f"{API}/me/summary", headers=auth(org_a.driver)).json()["parcels_to_return"]
        == []
    )
    chain = client.get(f"{API}/parcels/{labels[1]}/custody", headers=auth(org_a.admin)).json()
    assert [e["kind"] for e in chain["events"]] == ["loaded", "returned"] and chain["verified"]
