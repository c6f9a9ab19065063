"""Planning a day on the real Helsinki road network, urgent jobs and route edits."""

from __future__ import annotations

import random
import uuid

import pytest

from tests.conftest import auth, load_van

DEPOT = {"lat": 60.1699, "lon": 24.9384}  # central Helsinki
SEA = {"lat": 60.10, "lon": 24.98}  # the Gulf of Finland
DAY = "2026-11-27"


def _orders(client, key, n, seed=1, **extra):
    rng = random.Random(seed)
    made = []
    for i in range(n):
        body = {
            "recipient": {"name": f"R{i}"},
            "address": f"Street {i}",
            "location": {"lat": 60.160 + rng.random() * 0.02, "lon": 24.925 + rng.random() * 0.035},
            "window_start": f"{DAY}T09:00:00+02:00",
            "window_end": f"{DAY}T17:00:00+02:00",
            "service_minutes": 3,
            "items": 1,
            **extra,
        }
        response = client.post("/api/v1/orders", json=body, headers=auth(key))
        assert response.status_code == 201, response.text
        made.append(response.json())
    return made


@pytest.fixture
def depot(client, org_a):
    response = client.post(
        "/api/v1/depots", json={"name": "Hub", "location": DEPOT}, headers=auth(org_a.admin)
    )
    return response.json()


def _vans(client, key, n, **extra):
    return [
        client.post(
            "/api/v1/vehicles", json={"name": f"Van {i}", **extra}, headers=auth(key)
        ).json()
        for i in range(n)
    ]


def _plan(client, key, depot, **extra):
    body = {"date": DAY, "depot_id": depot["id"], "time_limit_s": 1, **extra}
    return client.post("/api/v1/plans", json=body, headers=auth(key))


def test_a_day_is_planned_on_roads_and_every_order_is_accounted_for(client, org_a, depot):
    orders = _orders(client, org_a.admin, 12)
    _vans(client, org_a.admin, 2, capacity_items=8)
    response = _plan(client, org_a.dispatcher, depot)
    assert response.status_code == 201, response.text
    plan = response.json()
    planned = [s["order_id"] for r in plan["routes"] for s in r["stops"]]
    assert sorted(planned) == sorted(o["id"] for o in orders)
    assert plan["unplanned"] == []
    assert plan["solver"]["name"] and plan["solver"]["seed"] == 1
    assert plan["stats"]["matrix_s"] >= 0 and plan["stats"]["solve_s"] >= 0
    assert plan["provider"].startswith("embedded")
    for route in plan["routes"]:
        assert len(route["stops"]) <= 8
        assert len(route["geometry"]) > len(route["stops"])
        arrivals = [s["planned_arrival"] for s in route["stops"]]
        assert arrivals == sorted(arrivals)
        assert all(s["leg_seconds"] > 0 for s in route["stops"])
    status = client.get(f"/api/v1/orders/{orders[0]['id']}", headers=auth(org_a.admin)).json()[
        "status"
    ]
    assert status == "scheduled"
    listed = client.get(f"/api/v1/routes?date={DAY}", headers=auth(org_a.viewer)).json()
    assert listed["total"] == len(plan["routes"]) and listed["items"][0]["geometry"]


def test_an_address_in_the_sea_is_unplanned_with_the_distance(client, org_a, depot):
    good = _orders(client, org_a.admin, 2)
    wet = client.post(
        "/api/v1/orders",
        json={"recipient": {"name": "Fish"}, "address": "Sea", "location": SEA},
        headers=auth(org_a.admin),
    ).json()
    _vans(client, org_a.admin, 1)
    plan = _plan(client, org_a.admin, depot).json()
    reasons = {u["order_id"]: u["reason"] for u in plan["unplanned"]}
    assert list(reasons) == [wet["id"]]
    assert "km from the nearest road" in reasons[wet["id"]]
    assert {s["order_id"] for r in plan["routes"] for s in r["stops"]} == {o["id"] for o in good}
    assert (
        client.get(f"/api/v1/orders/{wet['id']}", headers=auth(org_a.admin)).json()["status"]
        == "created"
    )


def test_more_demand_than_the_fleet_carries_leaves_orders_unplanned_with_reasons(
    client, org_a, depot
):
    _orders(client, org_a.admin, 6, items=3)
    _vans(client, org_a.admin, 1, capacity_items=7)
    plan = _plan(client, org_a.admin, depot).json()
    assert sum(len(r["stops"]) for r in plan["routes"]) == 2
    assert len(plan["unplanned"]) == 4
    assert all(u["reason"] for u in plan["unplanned"])


def test_an_order_too_heavy_for_every_van_says_so(client, org_a, depot):
    heavy = _orders(client, org_a.admin, 1, weight_kg=5000)[0]
    _vans(client, org_a.admin, 1, capacity_weight_kg=800)
    plan = _plan(client, org_a.admin, depot).json()
    assert [u["order_id"] for u in plan["unplanned"]] == [heavy["id"]]
    assert (
        "weight" in plan["unplanned"][0]["reason"] or "capacity" in plan["unplanned"][0]["reason"]
    )


def test_a_window_shorter_than_its_service_is_refused_on_the_order(client, org_a):
    order = _orders(client, org_a.admin, 1)[0]
    response = client.patch(
        f"/api/v1/orders/{order['id']}",
        json={
            "window_start": f"{DAY}T10:00:00+02:00",
            "window_end": f"{DAY}T10:02:00+02:00",
            "service_minutes": 10,
        },
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    assert "shorter than the service time" in response.json()["detail"]
    fetched = client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).json()
    assert fetched["service_minutes"] == 3


def test_an_order_that_no_van_can_reach_in_its_window_is_unplanned(client, org_a, depot):
    early = _orders(client, org_a.admin, 1)[0]
    client.patch(
        f"/api/v1/orders/{early['id']}",
        json={"window_start": f"{DAY}T05:00:00+02:00", "window_end": f"{DAY}T05:30:00+02:00"},
        headers=auth(org_a.admin),
    )
    _vans(client, org_a.admin, 1)
    plan = _plan(client, org_a.admin, depot).json()
    assert [u["order_id"] for u in plan["unplanned"]] == [early["id"]]
    assert plan["unplanned"][0]["reason"]


def test_zero_vehicles_plans_nothing_and_says_why(client, org_a, depot):
    orders = _orders(client, org_a.admin, 3)
    response = _plan(client, org_a.admin, depot)
    assert response.status_code == 201
    plan = response.json()
    assert plan["routes"] == []
    assert sorted(u["order_id"] for u in plan["unplanned"]) == sorted(o["id"] for o in orders)
    assert all("vehicle" in u["reason"] for u in plan["unplanned"])


def test_skills_keep_a_chilled_order_on_the_refrigerated_van(client, org_a, depot):
    chilled = _orders(client, org_a.admin, 1, required_skills=["refrigerated"])[0]
    _orders(client, org_a.admin, 3, seed=2)
    plain, cold = (
        _vans(client, org_a.admin, 1)[0],
        client.post(
            "/api/v1/vehicles",
            json={"name": "Cold", "skills": ["refrigerated"]},
            headers=auth(org_a.admin),
        ).json(),
    )
    plan = _plan(client, org_a.admin, depot).json()
    owner = next(r for r in plan["routes"] for s in r["stops"] if s["order_id"] == chilled["id"])
    assert owner["vehicle_id"] == cold["id"] != plain["id"]


def test_planning_refuses_unknown_or_unplannable_orders_by_field(client, org_a, depot):
    order = _orders(client, org_a.admin, 1)[0]
    client.post(
        f"/api/v1/orders/{order['id']}/status",
        json={"status": "cancelled", "reason": "x"},
        headers=auth(org_a.admin),
    )
    response = _plan(
        client, org_a.admin, depot, order_ids=[order["id"], "00000000-0000-0000-0000-000000000000"]
    )
    assert response.status_code == 422
    locs = [e["loc"] for e in response.json()["errors"]]
    assert ["body", "order_ids", 0] in locs and ["body", "order_ids", 1] in locs


def test_a_viewer_cannot_plan(client, org_a, depot):
    assert _plan(client, org_a.viewer, depot).status_code == 403


def _planned_day(client, org_a, depot, n=10, vans=2):
    _orders(client, org_a.admin, n)
    _vans(client, org_a.admin, vans, capacity_items=-(-n // vans))  # forces every van out
    return _plan(client, org_a.admin, depot).json()


def test_urgent_job_options_are_ranked_and_explain_delays(client, org_a, depot):
    plan = _planned_day(client, org_a, depot)
    urgent = _orders(client, org_a.admin, 1, seed=99)[0]
    response = client.post(
        "/api/v1/dispatch/options",
        json={"order_id": urgent["id"], "date": DAY, "at": f"{DAY}T08:00:00+02:00", "limit": 5},
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    options = body["options"]
    assert options and options[0]["feasible"]
    feasible = [o["added_drive_s"] for o in options if o["feasible"]]
    assert feasible == sorted(feasible)
    assert {o["route_id"] for o in options} <= {r["id"] for r in plan["routes"]}
    assert all(d["delay_s"] > 0 for o in options for d in o["delays"])
    # The van by name, so the dashboard need not wait for the live fleet to say it.
    vans = {
        v["id"]: v["name"]
        for v in client.get("/api/v1/vehicles", headers=auth(org_a.admin)).json()["items"]
    }
    assert all(o["vehicle_name"] == vans[o["vehicle_id"]] for o in options)
    # Who would wait longer, by name and tracking code, for the dispatcher to weigh.
    delays = [d for o in options for d in o["delays"]]
    assert delays and all(d["recipient"].startswith("R") and d["tracking_code"] for d in delays)


def test_assigning_an_urgent_job_inserts_retimes_and_announces(client, org_a, depot):
    plan = _planned_day(client, org_a, depot)
    urgent = _orders(client, org_a.admin, 1, seed=99)[0]
    best = client.post(
        "/api/v1/dispatch/options",
        json={"order_id": urgent["id"], "date": DAY, "at": f"{DAY}T08:00:00+02:00"},
        headers=auth(org_a.admin),
    ).json()["options"][0]
    route_before = next(r for r in plan["routes"] if r["id"] == best["route_id"])
    response = client.post(
        "/api/v1/dispatch/assign",
        json={
            "order_id": urgent["id"],
            "route_id": best["route_id"],
            "position": best["position"],
            "at": f"{DAY}T08:00:00+02:00",
        },
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200, response.text
    route = response.json()
    assert [s["order_id"] for s in route["stops"]].index(urgent["id"]) == best["position"]
    assert len(route["stops"]) == len(route_before["stops"]) + 1
    assert [s["sequence"] for s in route["stops"]] == list(range(len(route["stops"])))
    arrivals = [s["planned_arrival"] for s in route["stops"]]
    assert arrivals == sorted(arrivals)
    assert (
        client.get(f"/api/v1/orders/{urgent['id']}", headers=auth(org_a.admin)).json()["status"]
        == "scheduled"
    )
    again = client.post(
        "/api/v1/dispatch/assign",
        json={"order_id": urgent["id"], "route_id": best["route_id"], "position": 0},
        headers=auth(org_a.admin),
    )
    assert again.status_code == 409


@pytest.mark.parametrize("outcome", ["failed", "delivered"])
def test_an_urgent_job_inserted_into_a_running_route_can_be_failed_or_delivered(
    client, org_a, depot, outcome
):
    """The order joins the route after the van left, so it is still scheduled when the
    driver gets there; arriving and either outcome go through out for delivery."""
    plan = _planned_day(client, org_a, depot)
    route = plan["routes"][0]
    parcels = client.get(f"/api/v1/routes/{route['id']}/load-status", headers=auth(org_a.admin))
    scans = [{"label": p["label"]} for p in parcels.json()["parcels"]]
    loaded = client.post(
        f"/api/v1/routes/{route['id']}/load-scans", json={"scans": scans}, headers=auth(org_a.admin)
    )
    assert loaded.status_code == 200, loaded.text
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=auth(org_a.admin))
    assert started.status_code == 200, started.text
    urgent = _orders(client, org_a.admin, 1, seed=99)[0]
    assigned = client.post(
        "/api/v1/dispatch/assign",
        json={"order_id": urgent["id"], "route_id": route["id"], "position": 0, "allow_late": True},
        headers=auth(org_a.dispatcher),
    )
    assert assigned.status_code == 200, assigned.text
    stop = next(s for s in assigned.json()["stops"] if s["order_id"] == urgent["id"])
    base = f"/api/v1/routes/{route['id']}/stops/{stop['id']}"
    arrived = client.post(f"{base}/arrive", json={}, headers=auth(org_a.admin))
    assert arrived.status_code == 200, arrived.text
    body = (
        {"outcome": outcome, "reason": "nobody home"}
        if outcome == "failed"
        else {"outcome": outcome}
    )
    done = client.post(f"{base}/complete", json=body, headers=auth(org_a.admin))
    assert done.status_code == 200, done.text
    history = client.get(f"/api/v1/orders/{urgent['id']}/events", headers=auth(org_a.admin))
    statuses = [e["to_status"] for e in history.json()["items"] if e["to_status"]]
    assert statuses[-3:] == ["out_for_delivery", "arriving", outcome]


def test_rescheduling_takes_the_order_off_its_route_and_records_it(client, org_a, depot):
    plan = _planned_day(client, org_a, depot, n=6, vans=1)
    route = plan["routes"][0]
    moved = route["stops"][1]["order_id"]
    response = client.post(
        f"/api/v1/orders/{moved}/reschedule",
        json={
            "window_start": "2026-11-28T09:00:00+02:00",
            "window_end": "2026-11-28T11:00:00+02:00",
            "reason": "away",
        },
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "rescheduled"
    assert response.json()["window_start"] == "2026-11-28T07:00:00+00:00"
    after = client.get(f"/api/v1/routes/{route['id']}", headers=auth(org_a.admin)).json()
    assert moved not in [s["order_id"] for s in after["stops"]]
    assert [s["sequence"] for s in after["stops"]] == list(range(len(after["stops"])))
    event = client.get(f"/api/v1/orders/{moved}/events", headers=auth(org_a.admin)).json()["items"][
        -1
    ]
    assert event["to_status"] == "rescheduled" and event["data"]["new_window"][0].startswith(
        "2026-11-28"
    )


def test_a_route_can_be_resequenced_and_a_stop_locked_and_moved(client, org_a, depot):
    plan = _planned_day(client, org_a, depot, n=8, vans=2)
    first, second = plan["routes"][0], plan["routes"][1]
    ids = [s["id"] for s in first["stops"]]
    response = client.put(
        f"/api/v1/routes/{first['id']}/sequence",
        json={"stop_ids": ids[::-1]},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 200, response.text
    assert [s["id"] for s in response.json()["stops"]] == ids[::-1]
    bad = client.put(
        f"/api/v1/routes/{first['id']}/sequence",
        json={"stop_ids": ids[:-1]},
        headers=auth(org_a.admin),
    )
    assert bad.status_code == 422
    locked = client.patch(
        f"/api/v1/routes/{first['id']}/stops/{ids[0]}",
        json={"locked": True},
        headers=auth(org_a.admin),
    )
    assert locked.status_code == 200
    assert (
        client.post(
            f"/api/v1/routes/{first['id']}/stops/{ids[0]}/move",
            json={"route_id": second["id"]},
            headers=auth(org_a.admin),
        ).status_code
        == 409
    )
    moved = client.post(
        f"/api/v1/routes/{first['id']}/stops/{ids[1]}/move",
        json={"route_id": second["id"], "position": 0},
        headers=auth(org_a.admin),
    )
    assert moved.status_code == 200, moved.text
    target = moved.json()
    assert target["id"] == second["id"]
    assert target["stops"][0]["order_id"] == next(
        s["order_id"] for s in first["stops"] if s["id"] == ids[1]
    )


def test_assigning_into_a_route_with_no_start_says_why(client, org_a):
    route = client.post("/api/v1/routes", json={"date": DAY}, headers=auth(org_a.admin)).json()
    order = _orders(client, org_a.admin, 1)[0]
    response = client.post(
        "/api/v1/dispatch/assign",
        json={"order_id": order["id"], "route_id": route["id"], "position": 0},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 409
    assert "give it a depot" in response.json()["detail"]


def test_reoptimising_running_routes_keeps_done_and_locked_stops_and_every_van(
    client, org_a, depot, db
):
    from sqlalchemy import select

    from doorstep.storage.tables import Stop

    plan = _planned_day(client, org_a, depot, n=12, vans=2)
    first, second = plan["routes"]
    load_van(client, org_a, first["id"])
    client.patch(
        f"/api/v1/routes/{first['id']}", json={"status": "in_progress"}, headers=auth(org_a.admin)
    )
    done_id, locked_id = first["stops"][0]["id"], second["stops"][1]["id"]
    with db.sessions.begin() as session:  # the driver app's part, until it exists
        stop = session.scalar(select(Stop).where(Stop.id == uuid.UUID(done_id)))
        stop.status = "completed"
    client.patch(
        f"/api/v1/routes/{second['id']}/stops/{locked_id}",
        json={"locked": True},
        headers=auth(org_a.admin),
    )
    response = client.post(
        "/api/v1/routes/reoptimise",
        json={"date": DAY, "at": f"{DAY}T09:30:00+02:00", "time_limit_s": 1},
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    routes = {r["id"]: r for r in body["routes"]}
    assert set(routes) == {first["id"], second["id"]}
    assert all(r["stops"] for r in routes.values())  # every van stays in use
    assert routes[first["id"]]["stops"][0]["id"] == done_id
    assert [s["id"] for s in routes[second["id"]]["stops"][:2]] == [
        s["id"] for s in second["stops"][:2]
    ]
    before = {s["order_id"] for r in (first, second) for s in r["stops"]}
    after = {s["order_id"] for r in routes.values() for s in r["stops"]}
    assert before == after and body["unplanned"] == []
    for route in routes.values():
        assert [s["sequence"] for s in route["stops"]] == list(range(len(route["stops"])))
    assert body["stats"]["distance_after_m"] > 0 and body["solver"]["seed"] == 1


def test_reoptimising_refuses_routes_of_another_day_by_field(client, org_a, depot):
    plan = _planned_day(client, org_a, depot, n=4, vans=1)
    response = client.post(
        "/api/v1/routes/reoptimise",
        json={"date": "2026-11-28", "route_ids": [plan["routes"][0]["id"]]},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "route_ids", 0]


def test_an_optional_order_may_wait_and_says_so(client, org_a, depot):
    must, may = _orders(client, org_a.admin, 2)
    _vans(client, org_a.admin, 1, capacity_items=1)
    plan = _plan(client, org_a.admin, depot, optional_order_ids=[may["id"]]).json()
    assert [s["order_id"] for r in plan["routes"] for s in r["stops"]] == [must["id"]]
    assert [u["order_id"] for u in plan["unplanned"]] == [may["id"]]
    assert plan["unplanned"][0]["reason"].startswith("optional")


def test_a_driver_break_is_planned_inside_its_window(client, org_a, depot):
    _orders(client, org_a.admin, 6)
    _vans(client, org_a.admin, 1)
    response = _plan(client, org_a.admin, depot, break_minutes=30, break_window=["12:00", "13:00"])
    assert response.status_code == 201, response.text
    plan = response.json()
    assert plan["solver"]["name"] == "vroom"
    ((route_id, breaks),) = plan["stats"]["breaks"].items()
    start, end = breaks[0]
    assert f"{DAY}T10:00:00+00:00" <= start <= f"{DAY}T11:00:00+00:00"  # 12-13 in Helsinki
    assert end > start
    assert plan["routes"][0]["id"] == route_id and plan["unplanned"] == []


def test_a_break_needs_both_its_length_and_its_window(client, org_a, depot):
    response = _plan(client, org_a.admin, depot, break_minutes=30)
    assert response.status_code == 422
    assert "break_window" in response.json()["detail"]


def _pickup_order(client, key, **extra):
    body = {
        "recipient": {"name": "Pat"},
        "address": "Street 9",
        "location": {"lat": 60.165, "lon": 24.95},
        "window_start": f"{DAY}T12:00:00+02:00",
        "window_end": f"{DAY}T16:00:00+02:00",
        "pickup": {
            "address": "Shop 1",
            "location": {"lat": 60.172, "lon": 24.93},
            "window_start": f"{DAY}T09:00:00+02:00",
            "window_end": f"{DAY}T11:00:00+02:00",
            "service_minutes": 4,
        },
        **extra,
    }
    response = client.post("/api/v1/orders", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()


def test_a_pickup_and_its_delivery_ride_one_van_pickup_first(client, org_a, depot):
    pd = _pickup_order(client, org_a.admin)
    assert pd["pickup"]["location"] == {"lat": 60.172, "lon": 24.93}
    _orders(client, org_a.admin, 4)
    _vans(client, org_a.admin, 2)
    plan = _plan(client, org_a.admin, depot).json()
    assert plan["unplanned"] == []
    route = next(r for r in plan["routes"] if any(s["order_id"] == pd["id"] for s in r["stops"]))
    mine = [s for s in route["stops"] if s["order_id"] == pd["id"]]
    assert [s["kind"] for s in mine] == ["pickup", "delivery"]
    assert mine[0]["location"] == {"lat": 60.172, "lon": 24.93}
    assert mine[0]["planned_arrival"] < mine[1]["planned_arrival"]
    pickup_start = mine[0]["planned_departure"]
    assert f"{DAY}T07:00:00+00:00" <= pickup_start <= f"{DAY}T09:05:00+00:00"
    events = client.get(f"/api/v1/orders/{pd['id']}/events", headers=auth(org_a.admin)).json()
    assert [e["to_status"] for e in events["items"]].count("scheduled") == 1


def test_a_pickup_cannot_be_separated_from_its_delivery(client, org_a, depot):
    pd = _pickup_order(client, org_a.admin)
    _orders(client, org_a.admin, 3)
    _vans(client, org_a.admin, 2, capacity_items=2)  # three parcels leave the depot: two vans
    plan = _plan(client, org_a.admin, depot).json()
    route = next(r for r in plan["routes"] if any(s["order_id"] == pd["id"] for s in r["stops"]))
    other = next(r for r in plan["routes"] if r["id"] != route["id"])
    pickup = next(s for s in route["stops"] if s["kind"] == "pickup")
    delivery = next(
        s for s in route["stops"] if s["order_id"] == pd["id"] and s["kind"] == "delivery"
    )
    moved = client.post(
        f"/api/v1/routes/{route['id']}/stops/{delivery['id']}/move",
        json={"route_id": other["id"]},
        headers=auth(org_a.admin),
    )
    assert moved.status_code == 409 and "one van" in moved.json()["detail"]
    ids = [s["id"] for s in route["stops"]]
    swapped = [
        delivery["id"] if i == pickup["id"] else pickup["id"] if i == delivery["id"] else i
        for i in ids
    ]
    response = client.put(
        f"/api/v1/routes/{route['id']}/sequence",
        json={"stop_ids": swapped},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422 and "before its pickup" in response.json()["detail"]


def test_a_pickup_and_delivery_order_is_not_squeezed_in_as_one_stop(client, org_a, depot):
    _planned_day(client, org_a, depot, n=4, vans=1)
    pd = _pickup_order(client, org_a.admin)
    response = client.post(
        "/api/v1/dispatch/options",
        json={"order_id": pd["id"], "date": DAY},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 409 and "reoptimise" in response.json()["detail"]


def test_re_optimising_keeps_a_picked_up_delivery_on_its_van(client, org_a, depot, db):
    from sqlalchemy import select

    from doorstep.storage.tables import Stop

    pd = _pickup_order(client, org_a.admin)
    _orders(client, org_a.admin, 5)
    _vans(client, org_a.admin, 2, capacity_items=4)
    plan = _plan(client, org_a.admin, depot).json()
    route = next(r for r in plan["routes"] if any(s["order_id"] == pd["id"] for s in r["stops"]))
    pickup = next(s for s in route["stops"] if s["kind"] == "pickup")
    load_van(client, org_a, route["id"])
    client.patch(
        f"/api/v1/routes/{route['id']}", json={"status": "in_progress"}, headers=auth(org_a.admin)
    )
    with db.sessions.begin() as session:
        session.scalar(select(Stop).where(Stop.id == uuid.UUID(pickup["id"]))).status = "completed"
    response = client.post(
        "/api/v1/routes/reoptimise",
        json={"date": DAY, "at": f"{DAY}T10:00:00+02:00", "time_limit_s": 1},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 200, response.text
    after = {r["id"]: r for r in response.json()["routes"]}
    assert any(
        s["order_id"] == pd["id"] and s["kind"] == "delivery" for s in after[route["id"]]["stops"]
    )
