"""Routes and stops: planning moves orders through the state machine."""

from __future__ import annotations

from tests.conftest import auth, create_order, load_van


def _route(client, key, order_ids, **extra):
    body = {
        "name": "Morning",
        "date": "2026-11-27",
        "stops": [{"order_id": i} for i in order_ids],
        **extra,
    }
    return client.post("/api/v1/routes", json=body, headers=auth(key))


def test_putting_orders_on_a_route_schedules_them_in_order(client, org_a):
    orders = [create_order(client, org_a.admin) for _ in range(3)]
    response = _route(
        client, org_a.dispatcher, [o["id"] for o in orders], driver_id=str(org_a.driver_id)
    )
    assert response.status_code == 201, response.text
    route = response.json()
    assert [s["order_id"] for s in route["stops"]] == [o["id"] for o in orders]
    assert [s["sequence"] for s in route["stops"]] == [0, 1, 2]
    assert route["stops"][0]["location"] == orders[0]["location"]
    for order in orders:
        fetched = client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).json()
        assert fetched["status"] == "scheduled"
        events = client.get(
            f"/api/v1/orders/{order['id']}/events", headers=auth(org_a.admin)
        ).json()["items"]
        assert events[-1]["data"]["route_id"] == route["id"]


def test_an_order_cannot_be_on_two_active_routes(client, org_a):
    order = create_order(client, org_a.admin)
    assert _route(client, org_a.admin, [order["id"]]).status_code == 201
    response = _route(client, org_a.admin, [order["id"]])
    assert response.status_code == 422
    assert "already on another active route" in response.json()["detail"]
    assert client.get("/api/v1/routes", headers=auth(org_a.admin)).json()["total"] == 1


def test_a_bad_stop_refuses_the_whole_route(client, org_a):
    good = create_order(client, org_a.admin)
    response = _route(client, org_a.admin, [good["id"], "00000000-0000-0000-0000-000000000001"])
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "stops", 1, "order_id"]
    assert client.get("/api/v1/routes", headers=auth(org_a.admin)).json()["total"] == 0
    assert (
        client.get(f"/api/v1/orders/{good['id']}", headers=auth(org_a.admin)).json()["status"]
        == "created"
    )


def test_the_same_order_twice_is_refused(client, org_a):
    order = create_order(client, org_a.admin)
    response = _route(client, org_a.admin, [order["id"], order["id"]])
    assert response.status_code == 422


def test_inserting_a_stop_at_a_position_resequences(client, org_a):
    a, b, urgent = (create_order(client, org_a.admin) for _ in range(3))
    route = _route(client, org_a.admin, [a["id"], b["id"]]).json()
    response = client.post(
        f"/api/v1/routes/{route['id']}/stops",
        json={"order_id": urgent["id"], "position": 1},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 201, response.text
    stops = response.json()["stops"]
    assert [s["order_id"] for s in stops] == [a["id"], urgent["id"], b["id"]]
    assert [s["sequence"] for s in stops] == [0, 1, 2]


def test_removing_a_stop_sends_its_order_back_to_be_planned(client, org_a):
    a, b = create_order(client, org_a.admin), create_order(client, org_a.admin)
    route = _route(client, org_a.admin, [a["id"], b["id"]]).json()
    stop_id = route["stops"][0]["id"]
    response = client.delete(
        f"/api/v1/routes/{route['id']}/stops/{stop_id}", headers=auth(org_a.admin)
    )
    assert response.status_code == 200
    assert [s["order_id"] for s in response.json()["stops"]] == [b["id"]]
    assert response.json()["stops"][0]["sequence"] == 0
    assert (
        client.get(f"/api/v1/orders/{a['id']}", headers=auth(org_a.admin)).json()["status"]
        == "created"
    )


def test_cancelling_a_route_releases_its_scheduled_orders(client, org_a):
    order = create_order(client, org_a.admin)
    route = _route(client, org_a.admin, [order["id"]]).json()
    response = client.patch(
        f"/api/v1/routes/{route['id']}", json={"status": "cancelled"}, headers=auth(org_a.admin)
    )
    assert response.status_code == 200
    assert (
        client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).json()["status"]
        == "created"
    )
    again = client.patch(
        f"/api/v1/routes/{route['id']}", json={"name": "x"}, headers=auth(org_a.admin)
    )
    assert again.status_code == 409
    assert _route(client, org_a.admin, [order["id"]]).status_code == 201


def test_illegal_route_status_change_is_409(client, org_a):
    route = _route(client, org_a.admin, []).json()
    client.patch(
        f"/api/v1/routes/{route['id']}", json={"status": "in_progress"}, headers=auth(org_a.admin)
    )
    response = client.patch(
        f"/api/v1/routes/{route['id']}", json={"status": "planned"}, headers=auth(org_a.admin)
    )
    assert response.status_code == 409
    assert "in_progress cannot become planned" in response.json()["detail"]


def test_a_route_started_by_hand_starts_as_its_driver_would(client, org_a):
    order = create_order(client, org_a.admin)
    route = _route(client, org_a.admin, [order["id"]]).json()
    url = f"/api/v1/routes/{route['id']}"
    body = {"status": "in_progress", "name": "Evening"}
    refused = client.patch(url, json=body, headers=auth(org_a.admin))
    assert refused.status_code == 409
    assert "neither scanned onto the van nor marked missing" in refused.json()["detail"]
    kept = client.get(url, headers=auth(org_a.admin)).json()  # nothing of it applied
    assert (kept["status"], kept["name"], kept["started_at"]) == ("planned", "Morning", None)
    load_van(client, org_a, route["id"])
    started = client.patch(url, json=body, headers=auth(org_a.admin))
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress" and started.json()["name"] == "Evening"
    assert started.json()["started_at"] is not None
    got = client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).json()
    assert got["status"] == "out_for_delivery"  # it was left scheduled


def test_a_route_with_open_stops_cannot_be_completed_by_hand(client, org_a):
    order = create_order(client, org_a.admin)
    route = _route(client, org_a.admin, [order["id"]]).json()
    url = f"/api/v1/routes/{route['id']}"
    load_van(client, org_a, route["id"])
    assert client.patch(url, json={"status": "in_progress"}, headers=auth(org_a.admin)).is_success
    refused = client.patch(url, json={"status": "completed"}, headers=auth(org_a.admin))
    assert refused.status_code == 409
    assert "1 stop(s) of the route are still open" in refused.json()["detail"]
    kept = client.get(url, headers=auth(org_a.admin)).json()
    assert (kept["status"], kept["ended_at"]) == ("in_progress", None)
    stop = route["stops"][0]["id"]
    done = client.post(
        f"{url}/stops/{stop}/complete", json={"outcome": "delivered"}, headers=auth(org_a.admin)
    )
    assert done.status_code == 200, done.text
    assert client.get(url, headers=auth(org_a.admin)).json()["status"] == "completed"


def test_a_route_moved_by_hand_is_stamped_when_it_starts_and_ends(client, org_a):
    route = _route(client, org_a.admin, []).json()
    url = f"/api/v1/routes/{route['id']}"
    running = client.patch(url, json={"status": "in_progress"}, headers=auth(org_a.admin))
    assert running.json()["started_at"] is not None and running.json()["ended_at"] is None
    cancelled = client.patch(url, json={"status": "cancelled"}, headers=auth(org_a.admin))
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["started_at"] == running.json()["started_at"]
    assert cancelled.json()["ended_at"] >= cancelled.json()["started_at"]


def test_only_a_planned_route_can_be_deleted(client, org_a):
    order = create_order(client, org_a.admin)
    route = _route(client, org_a.admin, [order["id"]]).json()
    assert (
        client.delete(f"/api/v1/routes/{route['id']}", headers=auth(org_a.admin)).status_code == 204
    )
    assert (
        client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).json()["status"]
        == "created"
    )
    running = _route(client, org_a.admin, []).json()
    client.patch(
        f"/api/v1/routes/{running['id']}", json={"status": "in_progress"}, headers=auth(org_a.admin)
    )
    assert (
        client.delete(f"/api/v1/routes/{running['id']}", headers=auth(org_a.admin)).status_code
        == 409
    )


def test_routes_filter_by_date_and_driver(client, org_a):
    _route(client, org_a.admin, [], driver_id=str(org_a.driver_id))
    client.post("/api/v1/routes", json={"date": "2026-11-28"}, headers=auth(org_a.admin))
    h = auth(org_a.viewer)
    assert client.get("/api/v1/routes?date=2026-11-27", headers=h).json()["total"] == 1
    assert client.get(f"/api/v1/routes?driver_id={org_a.driver_id}", headers=h).json()["total"] == 1
    assert client.get("/api/v1/routes?date=tomorrow", headers=h).status_code == 422
