"""Roles: a viewer reads, a dispatcher runs operations, an admin also manages people,
keys and settings, and a driver sees only their own routes. Every refusal is a 403
naming the role."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import auth, create_order, order_body

API = "/api/v1"
ROLES = ("admin", "dispatcher", "viewer", "driver")
GRANTS = {
    "admin": {"read", "write", "manage"},
    "dispatcher": {"read", "write"},
    "viewer": {"read"},
    "driver": {"own_routes"},
}
# Not for people: login itself, the native API, which devices call with their token, and
# the public tracking operations, opened by a tracking code alone.
PUBLIC = {
    ("POST", "/auth/login"),
    ("POST", "/auth/logout"),
    ("POST", "/pings"),
    ("GET", "/track/{tracking_code}"),
    ("GET", "/track/{tracking_code}/events"),
    ("GET", "/track/{tracking_code}/slots"),
    ("PUT", "/track/{tracking_code}/instructions"),
    ("POST", "/track/{tracking_code}/rating"),
    ("POST", "/track/{tracking_code}/reschedule"),
    ("GET", "/track/{tracking_code}/chat"),
    ("POST", "/track/{tracking_code}/chat"),
    ("POST", "/track/{tracking_code}/chat/read"),
    ("GET", "/track/{tracking_code}/chat/events"),
    ("GET", "/track/{tracking_code}/proof/{proof_id}"),
    # Twilio's webhooks: its request signature is the credential.
    ("POST", "/sms/twilio/{org_id}/inbound"),
    ("POST", "/sms/twilio/{org_id}/status"),
}
ANYONE = {("GET", "/auth/me"), ("GET", "/organisation")}
# Endless streams for whoever may open them (the in-process client would wait forever):
# only the refusals are checked here; tests/api/test_driver_app.py reads the stream.
ENDLESS = {("GET", "/me/route/events"), ("GET", "/fleet/live/events")}
PASSWORD = "correct horse battery"
# Computations that change nothing, sent as POST because they take a body.
READ_ONLY_POSTS = {("POST", "/dispatch/options"), ("POST", "/notification-templates/preview")}
# An order's chat: staff, and drivers for the orders on their own routes.
CHAT = "/orders/{order_id}/chat"
# Organisation settings everyone who reads may see (changing them is management).
READABLE_SETTINGS = {
    ("GET", "/organisation/proof-settings"),
    ("GET", "/organisation/telemetry-settings"),
    ("GET", "/organisation/tracking-settings"),
}
# Driving a route: dispatchers any route, drivers their own (others' answer 404).
DRIVING = ("/start", "/arrive", "/complete", "/load-scans", "/proofs", "/later", "/returns")


def required(method: str, path: str) -> set[str]:
    """The permissions of which a request needs at least one."""
    if (method, path) in READABLE_SETTINGS:
        return {"read"}
    if path.startswith(("/users", "/api-keys", "/organisation", "/webhooks")):
        return {"manage"}
    if (method, path) == ("GET", "/disputes"):  # drivers' disputes reach dispatch too
        return {"write"}
    if path.startswith(("/pay-rules", "/statements", "/disputes")):  # drivers' pay: admins only
        return {"manage"}
    if (method, path) == ("PUT", "/contacts"):
        return {"manage"}
    if (method, path) in READ_ONLY_POSTS:
        return {"read"}
    if method == "POST" and path.startswith("/routes") and path.endswith(DRIVING):
        return {"write", "own_routes"}
    if path.startswith("/me/"):  # the driver's phone
        return {"own_routes"}
    if path.startswith("/handoffs"):  # custody: dispatchers, and drivers for themselves
        return {"write", "own_routes"}
    if path.startswith(CHAT):
        return {"read", "own_routes"} if method == "GET" else {"write", "own_routes"}
    if method != "GET":
        return {"write"}
    if path.startswith("/routes"):
        return {"read", "own_routes"}
    return {"read"}


def operations(client) -> list[tuple[str, str]]:
    paths = client.get(f"{API}/openapi.json").json()["paths"]
    return [(m.upper(), p.removeprefix(API)) for p, methods in paths.items() for m in methods]


def key_of(org, role: str) -> str:
    return str(getattr(org, role))


def post(client, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(API + path, json=body, headers=auth(key))
    assert response.status_code == 201, (path, response.text)
    return response.json()


def build(client, org) -> dict[str, str]:
    """One object of each kind in the organisation, made by its admin."""
    key = org.admin
    bodies = {
        "depot": ("/depots", {"name": "D", "location": {"lat": 1, "lon": 2}}),
        "vehicle": ("/vehicles", {"name": "Van"}),
        "driver": ("/drivers", {"name": "Otto"}),
        "device": ("/devices", {"name": "T", "identifier": uuid.uuid4().hex}),
        "customer": ("/customers", {"name": "C"}),
        "user": (
            "/users",
            {"email": f"{uuid.uuid4().hex[:8]}@acme.test", "name": "U", "role": "viewer"},
        ),
        "api_key": ("/api-keys", {"name": "K", "role": "viewer"}),
    }
    ids = {kind: post(client, key, path, body)["id"] for kind, (path, body) in bodies.items()}
    for order in ("order", "cancellable", "plannable", "insertable", "routed"):
        ids[order] = create_order(client, key)["id"]
    route = post(
        client,
        key,
        "/routes",
        {"date": "2026-11-27", "driver_id": ids["driver"], "stops": [{"order_id": ids["routed"]}]},
    )
    ids["route"], ids["stop"] = route["id"], route["stops"][0]["id"]
    # A vehicle of its own for maintenance: writes() deletes the other one first.
    ids["maintained"] = post(client, key, "/vehicles", {"name": "Serviced"})["id"]
    maintained = f"/vehicles/{ids['maintained']}"
    ids["schedule"] = post(
        client, key, f"{maintained}/maintenance-schedules", {"name": "oil", "every_days": 365}
    )["id"]
    ids["record"] = post(client, key, f"{maintained}/service-records", {"kind": "repair"})["id"]
    return ids


def snapshot(client, org) -> dict[str, Any]:
    views = {}
    for path in ("/organisation", "/users", "/api-keys", "/depots", "/vehicles", "/drivers"):
        views[path] = client.get(API + path, headers=auth(org.admin)).json()
    for path in (
        "/devices",
        "/customers",
        "/orders",
        "/routes",
        "/organisation/telemetry-settings",
        "/organisation/tracking-settings",
    ):
        views[path] = client.get(API + path, headers=auth(org.admin)).json()
    for vehicle in views["/vehicles"]["items"]:
        for kind in ("maintenance-schedules", "service-records"):
            path = f"/vehicles/{vehicle['id']}/{kind}"
            views[path] = client.get(API + path, headers=auth(org.admin)).json()
    for item in views["/api-keys"]["items"]:
        item.pop("last_used_at")
    return views


ITEMS = {
    "depots": ("depot", {"name": "New", "location": {"lat": 1, "lon": 2}}),
    "vehicles": ("vehicle", {"name": "New"}),
    "drivers": ("driver", {"name": "New"}),
    "devices": ("device", {"name": "New", "identifier": "new-tracker"}),
    "customers": ("customer", {"name": "New"}),
}


def writes(ids: dict[str, str]) -> list[tuple[str, str, Any]]:
    """A valid request for every kind of change, aimed at real objects."""
    made: list[tuple[str, str, Any]] = []
    for resource, (kind, body) in ITEMS.items():
        url = f"/{resource}/{ids[kind]}"
        made += [("POST", f"/{resource}", body), ("PATCH", url, {"name": "Changed"})]
        made += [("DELETE", url, None)]
    order = f"/orders/{ids['order']}"
    route = f"/routes/{ids['route']}"
    maintained = f"/vehicles/{ids['maintained']}"
    schedule = f"{maintained}/maintenance-schedules/{ids['schedule']}"
    service = f"{maintained}/service-records/{ids['record']}"
    return [
        *made,
        ("POST", "/orders", order_body()),
        ("PATCH", order, {"notes": "changed"}),
        ("DELETE", order, None),
        ("POST", f"/orders/{ids['cancellable']}/status", {"status": "cancelled", "reason": "x"}),
        ("POST", "/routes", {"date": "2026-11-28", "stops": [{"order_id": ids["plannable"]}]}),
        ("PATCH", route, {"name": "changed"}),
        ("POST", f"{route}/stops", {"order_id": ids["insertable"]}),
        ("DELETE", f"{route}/stops/{ids['stop']}", None),
        ("DELETE", route, None),
        ("PATCH", maintained, {"allowed_hours": {"mon": [["06:00", "22:00"]]}}),
        ("POST", f"{maintained}/maintenance-schedules", {"name": "tyres", "every_km": 40_000}),
        ("PATCH", schedule, {"every_days": 180}),
        ("POST", f"{maintained}/service-records", {"schedule_id": ids["schedule"]}),
        ("PATCH", service, {"cost": "12.50"}),
        ("DELETE", service, None),
        ("DELETE", schedule, None),
    ]


MANAGEMENT = [
    ("GET", "/users", None),
    ("POST", "/users", {"email": "new@acme.test", "name": "New", "role": "admin"}),
    ("GET", "/users/{user}", None),
    ("PATCH", "/users/{user}", {"role": "admin"}),
    ("GET", "/api-keys", None),
    ("POST", "/api-keys", {"name": "mine", "role": "admin"}),
    ("DELETE", "/api-keys/{api_key}", None),
    ("PATCH", "/organisation", {"name": "Taken over"}),
    ("PUT", "/organisation/telemetry-settings", {"speeding": {"tolerance_kmh": 0}}),
    ("PUT", "/organisation/tracking-settings", {"show_driver_photo": True}),
]


def send(client, key: str, method: str, path: str, body: Any = None):
    return client.request(method, API + path, json=body, headers=auth(key))


def test_every_operation_answers_each_role_as_its_grants_say(client, org_a):
    """Random ids and empty bodies: an allowed role gets past the role check (to a 404 or
    422), a refused one is stopped there with a 403 naming its role."""
    checked = 0
    for method, path in operations(client):
        if (method, path) in PUBLIC:
            continue
        url = path
        while "{" in url:
            start, end = url.index("{"), url.index("}")
            url = url[:start] + str(uuid.uuid4()) + url[end + 1 :]
        body = {} if method in ("POST", "PATCH") else None
        for role in ROLES:
            allowed = (method, path) in ANYONE or GRANTS[role] & required(method, path)
            if allowed and (method, path) in ENDLESS:
                continue
            response = send(client, key_of(org_a, role), method, url, body)
            if allowed:
                assert response.status_code not in (401, 403), (role, method, path, response.text)
            else:
                assert response.status_code == 403, (role, method, path, response.text)
                assert f"your role ({role}) may not" in response.json()["detail"]
            checked += 1
    assert checked > 100


def test_viewer_reads_all_operational_data(client, org_a):
    ids = build(client, org_a)
    reads = [
        "/auth/me",
        "/organisation",
        *(f"/{r}" for r in ("depots", "vehicles", "drivers", "devices", "customers")),
        f"/depots/{ids['depot']}",
        f"/vehicles/{ids['vehicle']}",
        f"/drivers/{ids['driver']}",
        f"/devices/{ids['device']}",
        f"/customers/{ids['customer']}",
        "/orders",
        f"/orders/{ids['order']}",
        f"/orders/{ids['order']}/events",
        "/routes",
        f"/routes/{ids['route']}",
        "/organisation/telemetry-settings",
        f"/vehicles/{ids['maintained']}/maintenance-schedules",
        f"/vehicles/{ids['maintained']}/maintenance-schedules/{ids['schedule']}",
        f"/vehicles/{ids['maintained']}/service-records",
        f"/vehicles/{ids['maintained']}/service-records/{ids['record']}",
        "/maintenance/status",
        "/maintenance/unusual",
        "/telemetry-events",
        "/telemetry-events?format=csv&alerts_only=true",
    ]
    for path in reads:
        response = client.get(API + path, headers=auth(org_a.viewer))
        assert response.status_code == 200, (path, response.text)
    listed = client.get(f"{API}/routes", headers=auth(org_a.viewer)).json()
    assert [r["id"] for r in listed["items"]] == [ids["route"]]


def test_viewer_is_refused_every_write_naming_the_role_and_nothing_changes(client, org_a):
    ids = build(client, org_a)
    before = snapshot(client, org_a)
    for method, path, body in writes(ids):
        response = send(client, org_a.viewer, method, path, body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["detail"] == "your role (viewer) may not create or change data"
    files = {"file": ("o.csv", b"recipient_name,address,lat,lon\nA,B,1,2\n", "text/csv")}
    response = client.post(f"{API}/orders/import", files=files, headers=auth(org_a.viewer))
    assert response.status_code == 403
    assert snapshot(client, org_a) == before


def test_viewer_cannot_see_users_or_keys(client, org_a):
    for path in ("/users", "/api-keys"):
        response = client.get(API + path, headers=auth(org_a.viewer))
        assert response.status_code == 403
        assert "viewer" in response.json()["detail"]


def test_dispatcher_creates_changes_and_deletes_operational_data(client, org_a):
    ids = build(client, org_a)
    for method, path, body in writes(ids):
        response = send(client, org_a.dispatcher, method, path, body)
        assert response.status_code in (200, 201, 204), (method, path, response.text)
    files = {"file": ("o.csv", b"recipient_name,address,lat,lon\nA,B,1,2\n", "text/csv")}
    response = client.post(f"{API}/orders/import", files=files, headers=auth(org_a.dispatcher))
    assert response.status_code == 201, response.text
    assert client.get(f"{API}/routes/{ids['route']}", headers=auth(org_a.admin)).status_code == 404


@pytest.mark.parametrize(("method", "path", "body"), MANAGEMENT)
def test_dispatcher_cannot_manage_users_keys_or_the_organisation(client, org_a, method, path, body):
    ids = build(client, org_a)
    before = snapshot(client, org_a)
    response = send(client, org_a.dispatcher, method, path.format(**ids), body)
    assert response.status_code == 403, response.text
    assert response.json()["detail"] == (
        "your role (dispatcher) may not manage users, keys, organisation settings or drivers' pay"
    )
    assert snapshot(client, org_a) == before


@pytest.mark.parametrize(("method", "path", "body"), MANAGEMENT)
def test_admin_manages_users_keys_and_the_organisation(client, org_a, method, path, body):
    ids = build(client, org_a)
    response = send(client, org_a.admin, method, path.format(**ids), body)
    assert response.status_code in (200, 201), response.text


def test_dispatcher_and_viewer_see_the_organisation_but_cannot_rename_it(client, org_a):
    for key in (org_a.dispatcher, org_a.viewer, org_a.driver):
        assert client.get(f"{API}/organisation", headers=auth(key)).json()["name"] == "Acme"
        response = client.patch(f"{API}/organisation", json={"name": "X"}, headers=auth(key))
        assert response.status_code == 403
    renamed = client.patch(
        f"{API}/organisation", json={"name": "Acme 2"}, headers=auth(org_a.admin)
    )
    assert renamed.json()["name"] == "Acme 2"


@pytest.fixture
def two_routes(client, org_a) -> tuple[dict[str, Any], dict[str, Any]]:
    """A route for the driver persona and one for another driver of the same org."""
    other = post(client, org_a.admin, "/drivers", {"name": "Otto"})
    mine = post(
        client,
        org_a.admin,
        "/routes",
        {
            "date": "2026-11-27",
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": create_order(client, org_a.admin)["id"]}],
        },
    )
    theirs = post(
        client,
        org_a.admin,
        "/routes",
        {
            "date": "2026-11-27",
            "driver_id": other["id"],
            "stops": [{"order_id": create_order(client, org_a.admin)["id"]}],
        },
    )
    post(client, org_a.admin, "/routes", {"date": "2026-11-27"})  # nobody's
    return mine, theirs


def test_driver_lists_only_their_own_routes(client, org_a, two_routes):
    mine, theirs = two_routes
    listed = client.get(f"{API}/routes", headers=auth(org_a.driver)).json()
    assert [r["id"] for r in listed["items"]] == [mine["id"]]
    assert listed["total"] == 1
    filtered = client.get(
        f"{API}/routes", params={"driver_id": theirs["driver_id"]}, headers=auth(org_a.driver)
    ).json()
    assert filtered["items"] == [] and filtered["total"] == 0
    assert client.get(f"{API}/routes", headers=auth(org_a.viewer)).json()["total"] == 3


def test_driver_gets_their_route_and_404_for_another_drivers(client, org_a, two_routes):
    mine, theirs = two_routes
    own = client.get(f"{API}/routes/{mine['id']}", headers=auth(org_a.driver))
    assert own.status_code == 200 and own.json() == mine
    other = client.get(f"{API}/routes/{theirs['id']}", headers=auth(org_a.driver))
    unknown_id = uuid.uuid4()
    unknown = client.get(f"{API}/routes/{unknown_id}", headers=auth(org_a.driver))
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == f"no route with id {theirs['id']}"
    assert unknown.json()["detail"] == f"no route with id {unknown_id}"


def test_driver_is_refused_orders_vehicles_and_the_rest(client, org_a, two_routes):
    mine, _ = two_routes
    order_id = mine["stops"][0]["order_id"]
    for path in (
        "/orders",
        f"/orders/{order_id}",
        f"/orders/{order_id}/events",
        f"/orders/{order_id}/rating",
        "/vehicles",
        "/depots",
        "/drivers",
        f"/drivers/{org_a.driver_id}",
        "/devices",
        "/customers",
        "/users",
        "/api-keys",
        "/maintenance/status",
        "/maintenance/unusual",
        "/telemetry-events",
        "/telemetry-events/1",
        f"/vehicles/{uuid.uuid4()}/service-records",
        "/organisation/telemetry-settings",
        "/organisation/tracking-settings",
    ):
        response = client.get(API + path, headers=auth(org_a.driver))
        assert response.status_code == 403, (path, response.text)
        assert "your role (driver) may not" in response.json()["detail"]


def test_driver_cannot_change_routes_even_their_own(client, org_a, two_routes):
    mine, _ = two_routes
    spare = create_order(client, org_a.admin)
    url = f"/routes/{mine['id']}"
    attempts = [
        ("POST", "/routes", {"date": "2026-11-28", "driver_id": str(org_a.driver_id)}),
        ("PATCH", url, {"status": "in_progress"}),
        ("POST", f"{url}/stops", {"order_id": spare["id"]}),
        ("DELETE", f"{url}/stops/{mine['stops'][0]['id']}", None),
        ("DELETE", url, None),
        ("POST", f"/orders/{mine['stops'][0]['order_id']}/status", {"status": "delivered"}),
    ]
    for method, path, body in attempts:
        response = send(client, org_a.driver, method, path, body)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["detail"] == "your role (driver) may not create or change data"
    after = client.get(f"{API}{url}", headers=auth(org_a.admin)).json()
    assert after == mine
    assert client.get(f"{API}/routes", headers=auth(org_a.admin)).json()["total"] == 3


def test_driver_key_knows_its_driver(client, org_a):
    me = client.get(f"{API}/auth/me", headers=auth(org_a.driver)).json()
    assert me["role"] == "driver"
    assert me["driver_id"] == str(org_a.driver_id)
