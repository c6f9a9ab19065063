"""The driver's phone through the API: today's route as drivers see it (first names, no
phone numbers), its own tracker, and sign-in links that work once and briefly."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from doorstep.api.routes import driver_app as driver_routes
from doorstep.domain.principal import system
from doorstep.services import driver_app
from doorstep.storage.tables import Driver
from tests.conftest import add_driver, auth, create_order, org_today

API = "/api/v1"


def test_the_route_of_the_day_as_the_driver_sees_it(client, org_a):
    order = create_order(client, org_a.admin, items=2, gate_code="4321", dog_warning=True)
    client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": org_today().isoformat(),
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


def test_the_route_says_why_it_last_changed(client, org_a):
    orders = [create_order(client, org_a.admin) for _ in range(2)]
    made = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": org_today().isoformat(),
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org_a.dispatcher),
    ).json()
    before = client.get(f"{API}/me/route", headers=auth(org_a.driver)).json()["route"]
    assert before["last_change"] is None
    removed = client.delete(
        f"{API}/routes/{made['id']}/stops/{made['stops'][1]['id']}",
        headers=auth(org_a.dispatcher),
    )
    assert removed.status_code == 200, removed.text
    after = client.get(f"{API}/me/route", headers=auth(org_a.driver)).json()["route"]
    assert after["last_change"] == "stop removed"
    assert after["revision"] > before["revision"]
    assert len(after["stops"]) == 1


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
            "date": org_today().isoformat(),
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


def _todays_route(client, org, driver_id, orders, name="Morning"):
    made = client.post(
        f"{API}/routes",
        json={
            "name": name,
            "date": org_today().isoformat(),
            "driver_id": str(driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org.dispatcher),
    )
    assert made.status_code == 201, made.text
    return made.json()


def test_the_hand_over_inbox_follows_the_parcels(client, org_a, org_b, db):
    bo_key, bo_id = add_driver(db, org_a, "Bo Colleague")
    order = create_order(client, org_a.admin, items=2)
    route = _todays_route(client, org_a, org_a.driver_id, [order])
    labels = [f"{order['tracking_code']}-{n}" for n in (1, 2)]
    client.post(
        f"{API}/routes/{route['id']}/load-scans",
        json={"scans": [{"label": label} for label in labels]},
        headers=auth(org_a.driver),
    )
    mine = client.get(f"{API}/me/handoffs", headers=auth(org_a.driver)).json()
    assert [c["name"] for c in mine["colleagues"]] == ["Bo Colleague"]
    assert mine["holding"] == labels and mine["incoming"] == []

    given = client.post(
        f"{API}/handoffs",
        json={"scans": [{"label": labels[0]}], "to_driver_id": str(bo_id), "note": "van 2"},
        headers=auth(org_a.driver),
    )
    assert given.status_code == 200, given.text
    assert client.get(f"{API}/me/handoffs", headers=auth(org_a.driver)).json()["holding"] == [
        labels[1]
    ]
    theirs = client.get(f"{API}/me/handoffs", headers=auth(bo_key)).json()
    assert [(p["label"], p["from_name"], p["note"]) for p in theirs["incoming"]] == [
        (labels[0], "driver", "van 2")  # who acted: here Dana's API key, named "driver"
    ]
    assert theirs["holding"] == []

    taken = client.post(
        f"{API}/handoffs/accept", json={"scans": [{"label": labels[0]}]}, headers=auth(bo_key)
    )
    assert taken.status_code == 200, taken.text
    theirs = client.get(f"{API}/me/handoffs", headers=auth(bo_key)).json()
    assert theirs["incoming"] == [] and theirs["holding"] == [labels[0]]

    # Another organisation's driver sees none of it.
    other = client.get(f"{API}/me/handoffs", headers=auth(org_b.driver)).json()
    assert other == {"colleagues": [], "depots": [], "incoming": [], "holding": []}
    assert client.get(f"{API}/me/handoffs", headers=auth(org_a.dispatcher)).status_code == 403


def test_route_changes_are_pushed_to_that_driver_only(client, org_a, db):
    _bo_key, bo_id = add_driver(db, org_a, "Bo Colleague")
    orders = [create_order(client, org_a.admin) for _ in range(2)]
    route = _todays_route(client, org_a, org_a.driver_id, orders)
    heard: list[dict] = []

    async def scenario() -> None:
        sub = await db.bus.subscribe(str(org_a.id), ("route",), backlog=100)
        stream = driver_routes._route_events(sub, str(org_a.driver_id), keepalive_s=5)
        assert await anext(stream) == "retry: 3000\n\n"

        async def listen() -> None:
            async for message in stream:
                if message.startswith(":"):
                    continue  # a keepalive
                heard.append(json.loads(message.split("data: ", 1)[1]))
                if len(heard) == 2:
                    return

        task = asyncio.create_task(listen())
        other = await asyncio.to_thread(_todays_route, client, org_a, bo_id, [], "Bo's")
        await asyncio.to_thread(  # Bo's route changes: not for Dana
            client.patch,
            f"{API}/routes/{other['id']}",
            json={"name": "Bo's afternoon"},
            headers=auth(org_a.dispatcher),
        )
        removed = await asyncio.to_thread(
            client.delete,
            f"{API}/routes/{route['id']}/stops/{route['stops'][1]['id']}",
            headers=auth(org_a.dispatcher),
        )
        assert removed.status_code == 200, removed.text
        handed = await asyncio.to_thread(  # given to Bo: Dana hears it (it is gone)
            client.patch,
            f"{API}/routes/{route['id']}",
            json={"driver_id": str(bo_id)},
            headers=auth(org_a.dispatcher),
        )
        assert handed.status_code == 200, handed.text
        await asyncio.wait_for(task, 10)
        await stream.aclose()

    asyncio.run(scenario())
    assert [(h["topic"], h["reason"]) for h in heard] == [
        ("route.changed", "stop removed"),
        ("route.changed", "driver changed"),
    ]
    assert all(h["route_id"] == route["id"] for h in heard)
