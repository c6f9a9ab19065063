"""The orders board and telling customers of a change: found by text, status, route,
day and risk, each with where it stands; a notice chosen by the rules, or why none."""

from __future__ import annotations

import uuid
from datetime import timedelta

from doorstep.storage.tables import Order, Stop
from tests.api.test_fleet_live import _started_route, _van
from tests.conftest import auth, create_order

BOARD = "/api/v1/orders/board"


def test_the_board_finds_by_text_status_route_day_and_risk(client, org_a, org_b, db):
    van, _ = _van(client, org_a)
    route, orders = _started_route(client, org_a, van)
    # "u" is in no tracking code (Crockford base32), so only names can match "zulu".
    loose = create_order(client, org_a.admin, recipient={"name": "Zulu Loose"})
    create_order(client, org_b.admin, recipient={"name": "Zulu Other"})
    h = auth(org_a.viewer)
    everything = client.get(BOARD, headers=h).json()
    assert everything["total"] == 3 and everything["timezone"] == "Europe/Helsinki"
    by_text = client.get(BOARD, params={"q": "zulu"}, headers=h).json()
    assert [r["order"]["id"] for r in by_text["items"]] == [loose["id"]]
    assert by_text["items"][0]["route_id"] is None
    on_route = client.get(BOARD, params={"route_id": route["id"]}, headers=h).json()
    assert {r["order"]["id"] for r in on_route["items"]} == {o["id"] for o in orders}
    first = next(r for r in on_route["items"] if r["order"]["id"] == orders[0]["id"])
    assert first["route_name"] == "Morning" and first["sequence"] == 0
    assert first["stop_status"] == "pending" and first["route_revision"] >= 0
    out = client.get(BOARD, params={"status": "out_for_delivery"}, headers=h).json()
    assert out["total"] == 2
    assert client.get(BOARD, params={"at_risk": "true"}, headers=h).json()["total"] == 0
    with db.sessions.begin() as session:
        stop = session.get(Stop, uuid.UUID(route["stops"][1]["id"]))
        assert stop is not None
        stop.late_risk = 0.6
    risky = client.get(BOARD, params={"at_risk": "true"}, headers=h).json()
    assert [r["order"]["id"] for r in risky["items"]] == [orders[1]["id"]]
    assert risky["items"][0]["at_risk"] is True
    day = client.get(BOARD, params={"day": route["date"]}, headers=h).json()
    assert {r["order"]["id"] for r in day["items"]} >= {o["id"] for o in orders}
    assert client.get(BOARD, params={"day": "1999-01-01"}, headers=h).json()["total"] == 0


def test_the_board_refuses_bad_filters_clearly(client, org_a):
    for params, words in (
        ({"status": "lost"}, "status"),
        ({"day": "2026-13-01"}, "day"),
        ({"route_id": "nope"}, "route_id"),
        ({"limit": 0}, "limit"),
    ):
        response = client.get(BOARD, params=params, headers=auth(org_a.viewer))
        assert response.status_code == 422, params
        assert words in response.json()["detail"]


def test_customers_are_told_their_new_time_by_the_rules_or_why_not(client, org_a, db):
    van, _ = _van(client, org_a)
    route, orders = _started_route(client, org_a, van)
    with db.sessions.begin() as session:  # the second runs past its window now
        stop = session.get(Stop, uuid.UUID(route["stops"][1]["id"]))
        assert stop is not None
        order = session.get(Order, uuid.UUID(orders[1]["id"]))
        assert order is not None and order.window_end is not None
        stop.eta = order.window_end + timedelta(minutes=40)
    nobody = create_order(client, org_a.admin, window_start=None, window_end=None)
    response = client.post(
        "/api/v1/orders/notify",
        json={"order_ids": [orders[0]["id"], orders[1]["id"], nobody["id"], orders[0]["id"]]},
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200, response.text
    results = {r["order_id"]: r for r in response.json()["results"]}
    assert len(results) == 3  # a repeated id is told once
    assert results[orders[1]["id"]]["rule"] == "delayed"
    assert results[orders[1]["id"]]["messages"] >= 1
    assert results[orders[0]["id"]]["rule"] == "scheduled"
    assert results[nobody["id"]]["messages"] == 0
    assert "no window" in results[nobody["id"]]["why"]
    again = client.post(
        "/api/v1/orders/notify", json={"order_ids": [orders[1]["id"]]}, headers=auth(org_a.admin)
    ).json()["results"][0]
    assert again["messages"] == 0 and "already told" in again["why"]


def test_an_unknown_order_tells_nobody_anything(client, org_a, org_b):
    mine = create_order(client, org_a.admin)
    theirs = create_order(client, org_b.admin)
    response = client.post(
        "/api/v1/orders/notify",
        json={"order_ids": [mine["id"], theirs["id"]]},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    assert f"no order with id {theirs['id']}" in response.json()["detail"]
    sent = client.get(f"/api/v1/orders/{mine['id']}/notifications", headers=auth(org_a.admin))
    assert [m for m in sent.json() if m["kind"] in ("scheduled", "delayed")] == []
    empty = client.post("/api/v1/orders/notify", json={"order_ids": []}, headers=auth(org_a.admin))
    assert empty.status_code == 422
    viewer = client.post(
        "/api/v1/orders/notify", json={"order_ids": [mine["id"]]}, headers=auth(org_a.viewer)
    )
    assert viewer.status_code == 403
