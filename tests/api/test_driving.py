"""Driving a route: started, arrived, delivered or failed; orders move through the
state machine, stops are stamped, the bus hears it, and a driver drives only their own
route."""

from __future__ import annotations

import asyncio

from tests.conftest import auth, create_order, load_van


def _route(client, org, count=2, **extra):
    orders = [create_order(client, org.admin) for _ in range(count)]
    body = {
        "name": "Morning",
        "date": "2026-11-27",
        "driver_id": str(org.driver_id),
        "stops": [{"order_id": o["id"]} for o in orders],
        **extra,
    }
    response = client.post("/api/v1/routes", json=body, headers=auth(org.dispatcher))
    assert response.status_code == 201, response.text
    load_van(client, org, response.json()["id"])
    return response.json(), orders


def _status(client, org, order):
    return client.get(f"/api/v1/orders/{order['id']}", headers=auth(org.admin)).json()["status"]


def _post(client, key, path, body=None):
    return client.post(f"/api/v1/routes/{path}", json=body, headers=auth(key))


def test_a_driver_drives_a_route_from_start_to_finish(client, org_a):
    route, orders = _route(client, org_a)
    rid = route["id"]
    assert route["started_at"] is None and route["ended_at"] is None
    started = _post(client, org_a.driver, f"{rid}/start", {"at": "2026-11-27T09:05:00+02:00"})
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress"
    assert started.json()["started_at"] == "2026-11-27T07:05:00+00:00"
    assert started.json()["ended_at"] is None
    assert [_status(client, org_a, o) for o in orders] == ["out_for_delivery"] * 2

    first, second = route["stops"]
    arrived = _post(client, org_a.driver, f"{rid}/stops/{first['id']}/arrive")
    assert arrived.status_code == 200 and arrived.json()["status"] == "arrived"
    assert arrived.json()["arrived_at"] is not None
    assert _status(client, org_a, orders[0]) == "arriving"

    done = _post(
        client,
        org_a.driver,
        f"{rid}/stops/{first['id']}/complete",
        {"outcome": "delivered", "at": "2026-11-27T09:40:00+02:00"},
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert _status(client, org_a, orders[0]) == "delivered"

    failed = _post(
        client,
        org_a.driver,
        f"{rid}/stops/{second['id']}/complete",
        {"outcome": "failed", "reason": "nobody home", "at": "2026-11-27T10:15:00+02:00"},
    )
    assert failed.status_code == 200 and failed.json()["status"] == "failed"
    assert failed.json()["departed_at"] == "2026-11-27T08:15:00+00:00"
    assert _status(client, org_a, orders[1]) == "failed"
    final = client.get(f"/api/v1/routes/{rid}", headers=auth(org_a.admin)).json()
    assert final["status"] == "completed"
    assert final["started_at"] == "2026-11-27T07:05:00+00:00"  # when the driver started
    assert final["ended_at"] == "2026-11-27T08:15:00+00:00"  # the last stop's time


def test_a_route_ends_with_the_stop_closed_last_in_time_not_the_last_synced(client, org_a):
    # The phone was offline: the second stop's delivery reached the server first, and
    # the first stop's failure, closed earlier, closes the route when it arrives.
    route, _ = _route(client, org_a)
    rid, (first, second) = route["id"], route["stops"]
    _post(client, org_a.driver, f"{rid}/start", {"at": "2026-11-27T08:00:00Z"})
    body = {"outcome": "delivered", "at": "2026-11-27T10:30:00Z"}
    assert _post(client, org_a.driver, f"{rid}/stops/{second['id']}/complete", body).is_success
    body = {"outcome": "failed", "reason": "nobody home", "at": "2026-11-27T10:10:00Z"}
    assert _post(client, org_a.driver, f"{rid}/stops/{first['id']}/complete", body).is_success
    final = client.get(f"/api/v1/routes/{rid}", headers=auth(org_a.admin)).json()
    assert final["status"] == "completed"
    assert final["ended_at"] == "2026-11-27T10:30:00+00:00"


def test_a_route_never_ends_before_it_started(client, org_a):
    # A stop synced late from a phone with a skewed clock, stamped before the start.
    route, _ = _route(client, org_a, count=1)
    rid, stop = route["id"], route["stops"][0]["id"]
    _post(client, org_a.driver, f"{rid}/start", {"at": "2026-11-27T08:00:00Z"})
    body = {"outcome": "delivered", "at": "2026-11-27T07:50:00Z"}
    assert _post(client, org_a.driver, f"{rid}/stops/{stop}/complete", body).status_code == 200
    final = client.get(f"/api/v1/routes/{rid}", headers=auth(org_a.admin)).json()
    assert final["status"] == "completed"
    assert final["started_at"] == final["ended_at"] == "2026-11-27T08:00:00+00:00"


def test_a_failed_stop_needs_a_reason_and_a_done_stop_cannot_be_done_again(client, org_a):
    route, orders = _route(client, org_a, count=1)
    rid, stop = route["id"], route["stops"][0]["id"]
    _post(client, org_a.dispatcher, f"{rid}/start")
    no_reason = _post(client, org_a.driver, f"{rid}/stops/{stop}/complete", {"outcome": "failed"})
    assert no_reason.status_code == 409 and "reason" in no_reason.json()["detail"]
    assert _status(client, org_a, orders[0]) == "out_for_delivery"
    ok = _post(client, org_a.driver, f"{rid}/stops/{stop}/complete", {"outcome": "delivered"})
    assert ok.status_code == 200
    again = _post(client, org_a.driver, f"{rid}/stops/{stop}/complete", {"outcome": "delivered"})
    assert again.status_code == 409 and "already completed" in again.json()["detail"]


def test_stops_cannot_be_worked_before_the_route_starts(client, org_a):
    route, _ = _route(client, org_a, count=1)
    response = _post(client, org_a.driver, f"{route['id']}/stops/{route['stops'][0]['id']}/arrive")
    assert response.status_code == 409 and "start it first" in response.json()["detail"]


def test_starting_twice_is_harmless(client, org_a):
    route, orders = _route(client, org_a, count=1)
    first = _post(client, org_a.driver, f"{route['id']}/start", {"at": "2026-11-27T07:00:00Z"})
    again = _post(client, org_a.driver, f"{route['id']}/start", {"at": "2026-11-27T07:30:00Z"})
    assert first.status_code == again.status_code == 200
    assert again.json()["started_at"] == "2026-11-27T07:00:00+00:00"  # the first start
    assert _status(client, org_a, orders[0]) == "out_for_delivery"


def test_a_driver_cannot_drive_someone_elses_route_nor_another_organisations(client, org_a, org_b):
    route, orders = _route(client, org_a, count=1, driver_id=None)
    assert _post(client, org_a.driver, f"{route['id']}/start").status_code == 404
    assert _post(client, org_b.dispatcher, f"{route['id']}/start").status_code == 404
    assert _post(client, org_a.viewer, f"{route['id']}/start").status_code == 403
    assert _status(client, org_a, orders[0]) == "scheduled"


def test_bad_bodies_are_422_naming_the_field(client, org_a):
    route, _ = _route(client, org_a, count=1)
    rid, stop = route["id"], route["stops"][0]["id"]
    _post(client, org_a.driver, f"{rid}/start")
    bad = _post(client, org_a.driver, f"{rid}/stops/{stop}/complete", {"outcome": "lost"})
    assert bad.status_code == 422 and "outcome" in str(bad.json()["errors"][0]["loc"])
    naive = _post(client, org_a.driver, f"{rid}/stops/{stop}/arrive", {"at": "2026-11-27T10:00"})
    assert naive.status_code == 422
    unknown = _post(
        client, org_a.driver, f"{rid}/stops/00000000-0000-0000-0000-000000000001/arrive"
    )
    assert unknown.status_code == 404


def test_the_bus_hears_each_step(client, org_a, db):
    route, _ = _route(client, org_a, count=1)
    rid, stop = route["id"], route["stops"][0]["id"]
    heard: list[str] = []

    async def scenario() -> None:
        sub = await db.bus.subscribe(str(org_a.id), ("route", "stop"))

        async def listen() -> None:
            async for event in sub:
                heard.append(event.topic)
                if event.topic == "route.completed":
                    return

        task = asyncio.create_task(listen())
        await asyncio.to_thread(_post, client, org_a.driver, f"{rid}/start")
        await asyncio.to_thread(_post, client, org_a.driver, f"{rid}/stops/{stop}/arrive")
        await asyncio.to_thread(
            _post, client, org_a.driver, f"{rid}/stops/{stop}/complete", {"outcome": "delivered"}
        )
        await asyncio.wait_for(task, 5)
        await sub.close()

    asyncio.run(scenario())
    assert heard == ["route.started", "stop.arrived", "stop.completed", "route.completed"]


def test_a_driver_can_do_a_stop_later(client, org_a):
    route, _orders = _route(client, org_a, count=3)
    rid = route["id"]
    first = route["stops"][0]["id"]
    _post(client, org_a.driver, f"{rid}/start")
    later = _post(client, org_a.driver, f"{rid}/stops/{first}/later")
    assert later.status_code == 200, later.text
    order = [s["id"] for s in sorted(later.json()["stops"], key=lambda s: s["sequence"])]
    assert order[-1] == first and len(order) == 3
    done = _post(client, org_a.driver, f"{rid}/stops/{order[0]}/complete", {"outcome": "delivered"})
    assert done.status_code == 200
    again = _post(client, org_a.driver, f"{rid}/stops/{order[0]}/later")
    assert again.status_code == 409 and "not yet reached" in again.json()["detail"]
