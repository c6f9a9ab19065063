"""Depots, vehicles, drivers, devices and customers: the same CRUD behaviour for each."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import auth

MINIMAL = {
    "depots": {"name": "North hub", "location": {"lat": 60.2, "lon": 24.9}},
    "vehicles": {"name": "Van 7"},
    "drivers": {"name": "Pat"},
    "devices": {"name": "Pat's phone", "identifier": "359881234567890"},
    "customers": {"name": "Ann"},
}
CHANGE = {
    "depots": {"address": "Satamakatu 3"},
    "vehicles": {"plate": "ABC-123", "fuel_type": "electric"},
    "drivers": {"phone": "+358 40 555 0101"},
    "devices": {"protocol": "owntracks"},
    "customers": {"language": "fi", "notify_sms": False},
}


@pytest.mark.parametrize("kind", sorted(MINIMAL))
def test_create_get_list_update_delete(client, org_a, kind):
    h = auth(org_a.dispatcher)
    created = client.post(f"/api/v1/{kind}", json=MINIMAL[kind], headers=h)
    assert created.status_code == 201, created.text
    item = created.json()
    item.pop("token", None)  # a device's token is shown once, at creation
    assert client.get(f"/api/v1/{kind}/{item['id']}", headers=h).json() == item
    listed = client.get(f"/api/v1/{kind}", headers=h).json()
    assert item["id"] in [i["id"] for i in listed["items"]]
    changed = client.patch(f"/api/v1/{kind}/{item['id']}", json=CHANGE[kind], headers=h)
    assert changed.status_code == 200, changed.text
    for key, value in CHANGE[kind].items():
        assert changed.json()[key] == value
    assert client.delete(f"/api/v1/{kind}/{item['id']}", headers=h).status_code == 204
    assert client.get(f"/api/v1/{kind}/{item['id']}", headers=h).status_code == 404


def test_vehicle_defaults_cover_type_fuel_and_capacity(client, org_a):
    vehicle = client.post("/api/v1/vehicles", json={"name": "V"}, headers=auth(org_a.admin)).json()
    assert vehicle["vehicle_type"] == "van" and vehicle["fuel_type"] == "diesel"
    assert vehicle["capacity_items"] is None and vehicle["active"] is True


def test_depot_needs_a_location(client, org_a):
    response = client.post("/api/v1/depots", json={"name": "Hub"}, headers=auth(org_a.admin))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "location"]


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("vehicles", {"name": "V", "fuel_type": "steam"}, "fuel_type"),
        ("vehicles", {"name": "V", "capacity_weight_kg": -5}, "capacity_weight_kg"),
        ("vehicles", {"name": ""}, "name"),
        ("drivers", {"name": "D", "email": "not-an-email"}, "email"),
        ("drivers", {"name": "D", "phone": "call me"}, "phone"),
        ("devices", {"name": "P", "identifier": "has spaces"}, "identifier"),
        ("customers", {"name": "C", "language": "english please"}, "language"),
        ("depots", {"name": "H", "location": {"lat": 0, "lon": 200}}, "location"),
    ],
)
def test_bad_fields_are_named(client, org_a, kind, body, field):
    response = client.post(f"/api/v1/{kind}", json=body, headers=auth(org_a.admin))
    assert response.status_code == 422
    assert field in response.json()["errors"][0]["loc"]


def test_references_to_unknown_rows_are_refused_by_field(client, org_a):
    missing = str(uuid.uuid4())
    response = client.post(
        "/api/v1/vehicles", json={"name": "V", "depot_id": missing}, headers=auth(org_a.admin)
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body", "depot_id"], "msg": f"no depot with id {missing}"}
    ]
    assert client.get("/api/v1/vehicles", headers=auth(org_a.admin)).json()["total"] == 0


def test_device_identifiers_are_unique_across_the_platform(client, org_a, org_b):
    body = {"name": "phone", "identifier": "imei-1"}
    assert client.post("/api/v1/devices", json=body, headers=auth(org_a.admin)).status_code == 201
    response = client.post("/api/v1/devices", json=body, headers=auth(org_b.admin))
    assert response.status_code == 409
    assert "identifier" in response.json()["detail"]


def test_a_driver_user_can_back_only_one_driver(client, org_a):
    drivers = client.get("/api/v1/drivers", headers=auth(org_a.admin)).json()["items"]
    user_id = drivers[0]["user_id"]
    response = client.post(
        "/api/v1/drivers", json={"name": "Twin", "user_id": user_id}, headers=auth(org_a.admin)
    )
    assert response.status_code == 409


def test_filters_and_text_search(client, org_a):
    h = auth(org_a.admin)
    depot = client.post("/api/v1/depots", json=MINIMAL["depots"], headers=h).json()
    client.post(
        "/api/v1/vehicles",
        json={"name": "Cargo bike 1", "vehicle_type": "cargo_bike", "depot_id": depot["id"]},
        headers=h,
    )
    client.post("/api/v1/vehicles", json={"name": "Van 2", "active": False}, headers=h)
    assert client.get("/api/v1/vehicles?vehicle_type=cargo_bike", headers=h).json()["total"] == 1
    assert client.get(f"/api/v1/vehicles?depot_id={depot['id']}", headers=h).json()["total"] == 1
    assert client.get("/api/v1/vehicles?active=false", headers=h).json()["total"] == 1
    assert client.get("/api/v1/vehicles?q=CARGO", headers=h).json()["total"] == 1
    assert client.get("/api/v1/vehicles?q=%25", headers=h).json()["total"] == 0
    assert client.get("/api/v1/vehicles?vehicle_type=spaceship", headers=h).status_code == 422


def test_sql_injection_in_filters_of_every_resource_is_just_text(client, org_a):
    h = auth(org_a.admin)
    for kind, body in MINIMAL.items():
        client.post(f"/api/v1/{kind}", json=body, headers=h)
        response = client.get(f"/api/v1/{kind}", params={"q": "' OR 1=1 --"}, headers=h)
        assert response.status_code == 200
        assert response.json()["total"] == 0
    response = client.get("/api/v1/devices", params={"identifier": "x' OR 'a'='a"}, headers=h)
    assert response.json()["total"] == 0
