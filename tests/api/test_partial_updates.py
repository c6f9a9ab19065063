"""A PATCH keeps what it leaves out, clears what may be empty when sent null, and refuses
null (422 naming the field, nothing changed) for what cannot be: a route's day, a van's
name. Such a null once reached the database as a NOT NULL failure (500, or a 409 saying
the row "conflicts with one that already exists") or was stored where every reader
expects a list (a van's skills: its next read was a 500). Found by schemathesis. The
organisation, user, webhook and maintenance updates ignored such a null (a 200 that
changed nothing, and a webhook's description could not be cleared); they refuse it too."""

from __future__ import annotations

import pytest

from tests.conftest import auth, create_order

API = "/api/v1"
MAY_NOT_BE_NULL = "may not be null: leave the field out to keep its value"

CREATE = {
    "depots": {"name": "North hub", "location": {"lat": 60.2, "lon": 24.9}},
    "vehicles": {"name": "Van 7", "plate": "ABC-123"},
    "drivers": {"name": "Pat", "phone": "+358 40 555 0101"},
    "carriers": {"name": "Pat's Haulage", "tax_ref": "FI123"},
    "devices": {"name": "Pat's phone", "identifier": "359881234567891"},
    "zones": {
        "name": "Yard",
        "kind": "parking",
        "dwell_minutes": 30,
        "polygon": [
            {"lat": 60.10, "lon": 24.90},
            {"lat": 60.11, "lon": 24.90},
            {"lat": 60.11, "lon": 24.91},
        ],
    },
    "customers": {"name": "Ann", "phone": "+358 40 555 0102"},
    "users": {"email": "kim@acme.test", "name": "Kim", "role": "viewer", "password": "x" * 12},
    "webhooks": {"url": "https://hooks.example/in", "event_types": ["*"], "description": "CRM"},
}
KEPT = {
    "depots": ["name", "address", "location"],
    "vehicles": ["name", "vehicle_type", "fuel_type", "skills", "active"],
    "drivers": ["name", "active"],
    "carriers": ["name", "active"],
    "devices": ["name", "identifier", "protocol", "active"],
    "zones": ["name", "kind", "restricted", "active"],
    "customers": ["name", "language", "notify_sms", "notify_email"],
    "orders": [
        "recipient",
        "address",
        "location",
        "service_minutes",
        "items",
        "priority",
        "dog_warning",
        "required_skills",
    ],
    "routes": ["name", "date", "status"],
    "organisation": ["name", "timezone", "country", "currency"],
    "users": ["name", "role", "is_active"],
    "webhooks": ["url", "event_types", "active"],
    "maintenance-schedules": [
        "name",
        "margin_km",
        "margin_engine_hours",
        "margin_days",
        "last_done_on",
        "active",
    ],
    "service-records": ["kind", "description"],
}
SCHEMA = {
    "depots": "DepotUpdate",
    "vehicles": "VehicleUpdate",
    "drivers": "DriverUpdate",
    "carriers": "CarrierUpdate",
    "devices": "DeviceUpdate",
    "zones": "ZoneUpdate",
    "customers": "CustomerUpdate",
    "orders": "OrderUpdate",
    "routes": "RouteUpdate",
    "organisation": "OrganisationUpdate",
    "users": "UserUpdate",
    "webhooks": "WebhookUpdate",
    "maintenance-schedules": "ScheduleUpdate",
    "service-records": "ServiceRecordUpdate",
}
CLEARED = {
    "depots": None,
    "vehicles": "plate",
    "drivers": "phone",
    "carriers": "tax_ref",
    "devices": "vehicle_id",
    "zones": "dwell_minutes",
    "customers": "phone",
    "orders": "notes",
    "routes": "planned_start",
    "organisation": None,
    "users": None,  # a password, which is not shown (its own test: tests/api/test_auth.py)
    "webhooks": "description",
    "maintenance-schedules": "every_km",
    "service-records": "cost",
}


def _made(client, org, kind: str) -> str:
    if kind == "organisation":
        return f"{API}/organisation"
    if kind in ("maintenance-schedules", "service-records"):
        van = client.post(f"{API}/vehicles", json={"name": "Van 9"}, headers=auth(org.admin))
        body = (
            {"name": "Oil", "every_km": 15000, "every_days": 365}
            if kind == "maintenance-schedules"
            else {"kind": "repair", "description": "Brakes", "cost": "129.90"}
        )
        url = f"{API}/vehicles/{van.json()['id']}/{kind}"
        made = client.post(url, json=body, headers=auth(org.admin))
        assert made.status_code == 201, made.text
        return f"{url}/{made.json()['id']}"
    if kind == "orders":
        return f"{API}/orders/{create_order(client, org.admin, notes='Ring twice')['id']}"
    if kind == "routes":
        body = {"name": "Morning", "date": "2026-11-27", "planned_start": "2026-11-27T06:00Z"}
        made = client.post(f"{API}/routes", json=body, headers=auth(org.dispatcher))
    else:
        made = client.post(f"{API}/{kind}", json=CREATE[kind], headers=auth(org.admin))
    assert made.status_code == 201, made.text
    return f"{API}/{kind}/{made.json()['id']}"


def _shown(client, org, url: str) -> dict:
    shown = client.get(url, headers=auth(org.admin))
    assert shown.status_code == 200, shown.text
    return {k: v for k, v in shown.json().items() if k not in ("updated_at", "revision")}


@pytest.mark.parametrize("kind", sorted(KEPT))
def test_null_for_what_cannot_be_empty_is_refused_naming_the_field(client, org_a, kind):
    url = _made(client, org_a, kind)
    before = _shown(client, org_a, url)
    for field in KEPT[kind]:
        response = client.patch(url, json={field: None}, headers=auth(org_a.admin))
        assert response.status_code == 422, (field, response.text)
        assert response.json()["errors"] == [{"loc": ["body", field], "msg": MAY_NOT_BE_NULL}]
    both = client.patch(url, json=dict.fromkeys(KEPT[kind][:2]), headers=auth(org_a.admin))
    assert [e["loc"][-1] for e in both.json()["errors"]] == KEPT[kind][:2]
    assert _shown(client, org_a, url) == before  # nothing changed, and it still reads


@pytest.mark.parametrize("kind", sorted(k for k, v in CLEARED.items() if v))
def test_null_clears_what_may_be_empty(client, org_a, kind):
    url = _made(client, org_a, kind)
    field = CLEARED[kind]
    if kind == "devices":  # give it a van first, to take away
        van = client.post(f"{API}/vehicles", json={"name": "Van 8"}, headers=auth(org_a.admin))
        given = client.patch(url, json={field: van.json()["id"]}, headers=auth(org_a.admin))
        assert given.status_code == 200, given.text
    assert _shown(client, org_a, url)[field] is not None
    response = client.patch(url, json={field: None}, headers=auth(org_a.admin))
    assert response.status_code == 200, response.text
    assert response.json()[field] is None and _shown(client, org_a, url)[field] is None


def test_the_api_document_shows_what_cannot_be_emptied_as_never_null(client):
    schemas = client.get(f"{API}/openapi.json").json()["components"]["schemas"]
    assert sorted(SCHEMA) == sorted(KEPT)
    for kind, name in SCHEMA.items():
        fields = schemas[name]["properties"]
        for field in KEPT[kind]:
            assert "null" not in str(fields[field]), (name, field, fields[field])
            assert "default" not in fields[field], (name, field)
        if CLEARED[kind]:
            assert {"type": "null"} in fields[CLEARED[kind]]["anyOf"], (name, CLEARED[kind])


def test_a_revision_beyond_any_route_asks_for_no_change_not_a_500(client, org_a):
    url = _made(client, org_a, "routes")
    huge = client.get(f"{url}/changes", params={"since": 2**70}, headers=auth(org_a.admin))
    assert huge.status_code == 422, huge.text
    assert huge.json()["errors"][0]["loc"] == ["query", "since"]
    most = client.get(f"{url}/changes", params={"since": 2**31 - 1}, headers=auth(org_a.admin))
    assert most.status_code == 200 and most.json() == []
