"""Organisations are separated completely.

Organisation B's admin walks every operation in the OpenAPI document armed with
organisation A's ids and values. An id of A must answer exactly like an id that does
not exist; no list, filter or search may show anything of A; no create or change may
point at A's objects; and when the walk is over, A's data is as it was.

``WALK`` classifies every operation. A new endpoint fails
``test_the_walk_knows_every_operation_in_the_openapi_document`` until it is added
there, so nobody can add a route without saying how it keeps organisations apart.
"""

from __future__ import annotations

import io
import json
import random
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import Image

from tests.conftest import auth, order_body

API = "/api/v1"
MARKER = "Zebra"  # in the name of each of A's objects, and nowhere in B's
ROUTE_DATE = "2026-11-27"
SHARED_EMAIL = "shared@example.com"  # values both organisations use, each for its own
SHARED_PHONE = "+358 40 7654321"
SHARED_IDEMPOTENCY_KEY = "shared-key"
A_IDENTIFIER = "zebra-tracker-1"
PASSWORD = "correct horse battery"

HIDDEN = "hidden"  # names an object by id: A's id answers like an unknown id
LISTED = "listed"  # lists or searches: nothing of A appears, whatever the filter
CREATED = "created"  # creates: a reference to A's object is refused like an unknown id
OWN = "own"  # about the caller: answers about B and B only
COMPUTED = "computed"  # answers from named objects: A's are refused like unknown ids
DEVICE = "device"  # for trackers, with a device token: a person's key is refused
REPORT = "report"  # a report over B's data; naming A's objects answers like unknown ids
# By tracking code, no login: the code is the key, so a person's key changes nothing and
# an unknown code is the same 404 for everyone.
PUBLIC = "public"
# The driver's phone: a person who is no driver (B's admin) is refused, learning nothing.
DRIVER = "driver"
# An endless stream of the caller's own organisation's events: the in-process client
# cannot read one, so tests/api/test_fleet_live.py reads it from a real server with
# both organisations' events on the bus.
STREAM = "stream"

WALK: dict[tuple[str, str], str] = {
    ("POST", "/auth/login"): OWN,
    ("POST", "/auth/logout"): OWN,
    ("GET", "/auth/me"): OWN,
    ("GET", "/organisation"): OWN,
    ("PATCH", "/organisation"): OWN,
    ("GET", "/organisation/telemetry-settings"): OWN,
    ("PUT", "/organisation/telemetry-settings"): OWN,
    ("GET", "/organisation/tracking-settings"): OWN,
    ("PUT", "/organisation/tracking-settings"): OWN,
    ("GET", "/users"): LISTED,
    ("POST", "/users"): CREATED,
    ("GET", "/users/{user_id}"): HIDDEN,
    ("PATCH", "/users/{user_id}"): HIDDEN,
    ("GET", "/api-keys"): LISTED,
    ("POST", "/api-keys"): CREATED,
    ("DELETE", "/api-keys/{key_id}"): HIDDEN,
    **{
        op: kind
        for resource in (
            "depots",
            "vehicles",
            "drivers",
            "devices",
            "customers",
            "zones",
            "carriers",
        )
        for op, kind in {
            ("GET", f"/{resource}"): LISTED,
            ("POST", f"/{resource}"): CREATED,
            ("GET", f"/{resource}/{{item_id}}"): HIDDEN,
            ("PATCH", f"/{resource}/{{item_id}}"): HIDDEN,
            ("DELETE", f"/{resource}/{{item_id}}"): HIDDEN,
        }.items()
    },
    ("GET", "/orders"): LISTED,
    ("GET", "/orders/board"): LISTED,
    ("GET", "/pay-rules"): LISTED,
    ("POST", "/pay-rules"): CREATED,
    ("GET", "/statements"): LISTED,
    ("POST", "/statements"): COMPUTED,
    ("POST", "/statements/settle-all"): COMPUTED,
    ("GET", "/statements/{statement_id}"): HIDDEN,
    ("POST", "/statements/{statement_id}/approve"): HIDDEN,
    ("POST", "/statements/{statement_id}/paid"): HIDDEN,
    ("POST", "/statements/{statement_id}/adjustments"): HIDDEN,
    ("GET", "/disputes"): LISTED,
    ("POST", "/disputes/{dispute_id}/resolve"): HIDDEN,
    ("GET", "/me/statements"): DRIVER,
    ("GET", "/me/statements/{statement_id}"): DRIVER,
    ("POST", "/me/statements/{statement_id}/disputes"): DRIVER,
    ("GET", "/me/earnings"): DRIVER,
    ("GET", "/me/disputes"): DRIVER,
    ("POST", "/orders/notify"): COMPUTED,
    ("POST", "/orders"): CREATED,
    ("POST", "/orders/import"): CREATED,
    ("GET", "/orders/{order_id}"): HIDDEN,
    ("PATCH", "/orders/{order_id}"): HIDDEN,
    ("DELETE", "/orders/{order_id}"): HIDDEN,
    ("POST", "/orders/{order_id}/status"): HIDDEN,
    ("GET", "/orders/{order_id}/events"): HIDDEN,
    ("GET", "/orders/{order_id}/rating"): HIDDEN,
    ("GET", "/routes"): LISTED,
    ("POST", "/routes"): CREATED,
    ("GET", "/routes/{route_id}"): HIDDEN,
    ("GET", "/routes/{route_id}/changes"): HIDDEN,
    ("PATCH", "/routes/{route_id}"): HIDDEN,
    ("DELETE", "/routes/{route_id}"): HIDDEN,
    ("POST", "/routes/{route_id}/stops"): HIDDEN,
    ("DELETE", "/routes/{route_id}/stops/{stop_id}"): HIDDEN,
    ("PATCH", "/routes/{route_id}/stops/{stop_id}"): HIDDEN,
    ("POST", "/routes/{route_id}/stops/{stop_id}/move"): HIDDEN,
    ("PUT", "/routes/{route_id}/sequence"): HIDDEN,
    ("POST", "/routes/{route_id}/start"): HIDDEN,
    ("POST", "/routes/{route_id}/stops/{stop_id}/arrive"): HIDDEN,
    ("POST", "/routes/{route_id}/stops/{stop_id}/complete"): HIDDEN,
    ("POST", "/orders/{order_id}/reschedule"): HIDDEN,
    ("POST", "/plans"): CREATED,
    ("GET", "/plans/{plan_id}"): HIDDEN,
    ("POST", "/dispatch/options"): COMPUTED,
    ("POST", "/dispatch/assign"): COMPUTED,
    ("POST", "/routes/reoptimise"): COMPUTED,
    ("POST", "/devices/{item_id}/token"): HIDDEN,
    ("GET", "/vehicles/{vehicle_id}/positions"): HIDDEN,
    ("POST", "/pings"): DEVICE,
    ("GET", "/reports/logbook"): REPORT,
    ("GET", "/reports/service"): REPORT,
    ("GET", "/reports/drivers"): REPORT,
    ("GET", "/reports/fleet"): REPORT,
    ("GET", "/reports/fixes"): REPORT,
    ("GET", "/reports/mileage"): REPORT,
    ("GET", "/reports/fuel-tax"): REPORT,
    ("GET", "/fuel-purchases"): REPORT,
    ("POST", "/fuel-purchases"): CREATED,
    ("GET", "/statements/payroll"): REPORT,
    ("GET", "/telemetry-events"): LISTED,
    ("GET", "/telemetry-events/{event_id}"): HIDDEN,
    **{
        op: HIDDEN
        for resource, item in (
            ("maintenance-schedules", "schedule_id"),
            ("service-records", "record_id"),
        )
        for op in (
            ("GET", f"/vehicles/{{vehicle_id}}/{resource}"),
            ("POST", f"/vehicles/{{vehicle_id}}/{resource}"),
            ("GET", f"/vehicles/{{vehicle_id}}/{resource}/{{{item}}}"),
            ("PATCH", f"/vehicles/{{vehicle_id}}/{resource}/{{{item}}}"),
            ("DELETE", f"/vehicles/{{vehicle_id}}/{resource}/{{{item}}}"),
        )
    },
    ("GET", "/maintenance/status"): REPORT,
    ("GET", "/maintenance/unusual"): REPORT,
    ("GET", "/track/{tracking_code}"): PUBLIC,
    ("GET", "/track/{tracking_code}/events"): PUBLIC,
    ("GET", "/track/{tracking_code}/slots"): PUBLIC,
    ("PUT", "/track/{tracking_code}/instructions"): PUBLIC,
    ("POST", "/track/{tracking_code}/rating"): PUBLIC,
    ("POST", "/track/{tracking_code}/reschedule"): PUBLIC,
    ("GET", "/track/{tracking_code}/chat"): PUBLIC,
    ("POST", "/track/{tracking_code}/chat"): PUBLIC,
    ("POST", "/track/{tracking_code}/chat/read"): PUBLIC,
    ("GET", "/track/{tracking_code}/chat/events"): PUBLIC,
    ("GET", "/organisation/notification-settings"): OWN,
    ("PUT", "/organisation/notification-settings"): OWN,
    ("POST", "/notification-templates/preview"): COMPUTED,
    ("GET", "/orders/{order_id}/notifications"): HIDDEN,
    ("GET", "/contacts"): LISTED,
    ("PUT", "/contacts"): OWN,
    ("GET", "/orders/{order_id}/chat"): HIDDEN,
    ("POST", "/orders/{order_id}/chat"): HIDDEN,
    ("POST", "/orders/{order_id}/chat/read"): HIDDEN,
    ("GET", "/orders/{order_id}/chat/events"): HIDDEN,
    ("POST", "/webhooks"): CREATED,
    ("GET", "/webhooks"): LISTED,
    ("GET", "/webhooks/{webhook_id}"): HIDDEN,
    ("PATCH", "/webhooks/{webhook_id}"): HIDDEN,
    ("DELETE", "/webhooks/{webhook_id}"): HIDDEN,
    ("GET", "/webhooks/{webhook_id}/deliveries"): HIDDEN,
    ("POST", "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): HIDDEN,
    # Twilio's webhooks, by organisation id: A's answers as an unknown one (and the
    # request signature, checked next, is the credential).
    ("POST", "/sms/twilio/{org_id}/inbound"): HIDDEN,
    ("POST", "/sms/twilio/{org_id}/status"): HIDDEN,
    ("POST", "/routes/{route_id}/load-scans"): HIDDEN,
    ("GET", "/routes/{route_id}/load-status"): HIDDEN,
    ("POST", "/handoffs"): COMPUTED,
    ("POST", "/handoffs/accept"): COMPUTED,
    ("GET", "/parcels/{label}/custody"): HIDDEN,
    ("POST", "/routes/{route_id}/stops/{stop_id}/proofs"): HIDDEN,
    ("POST", "/routes/{route_id}/stops/{stop_id}/later"): HIDDEN,
    ("POST", "/routes/{route_id}/returns"): HIDDEN,
    ("GET", "/me/summary"): DRIVER,
    ("GET", "/organisation/proof-settings"): OWN,
    ("PUT", "/organisation/proof-settings"): OWN,
    ("GET", "/orders/{order_id}/proofs"): HIDDEN,
    ("GET", "/proofs/{proof_id}/file"): HIDDEN,
    ("GET", "/track/{tracking_code}/proof/{proof_id}"): PUBLIC,
    ("POST", "/drivers/{driver_id}/sign-in-link"): HIDDEN,
    ("POST", "/me/tracker"): DRIVER,
    ("GET", "/me/route"): DRIVER,
    ("GET", "/me/messages"): DRIVER,
    ("POST", "/me/messages/{message_id}/read"): DRIVER,
    ("GET", "/drivers/{driver_id}/messages"): HIDDEN,
    ("POST", "/drivers/{driver_id}/messages"): HIDDEN,
    ("GET", "/me/route/events"): DRIVER,
    ("GET", "/fleet/live"): REPORT,
    ("GET", "/fleet/exceptions"): REPORT,
    ("GET", "/fleet/live/events"): STREAM,
    ("GET", "/me/handoffs"): DRIVER,
}
# Valid bodies for the public operations that take one.
PUBLIC_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/track/{tracking_code}/chat"): {"body": "Mallory"},
    ("PUT", "/track/{tracking_code}/instructions"): {"text": "Mallory"},
    ("POST", "/track/{tracking_code}/rating"): {"stars": 1},
    ("POST", "/track/{tracking_code}/reschedule"): {"neighbour": "Mallory"},
}
UNKNOWN_CODE = "0000000000000000"
# A report's required query, and the filters naming objects: filter -> kind.
REPORTS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "/reports/logbook": ({"date": ROUTE_DATE}, {"vehicle_id": "vehicle", "driver_id": "driver"}),
    "/reports/service": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {}),
    "/reports/drivers": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {}),
    "/reports/fleet": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {}),
    "/reports/fixes": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {"vehicle_id": "vehicle"}),
    "/reports/mileage": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {}),
    "/reports/fuel-tax": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {}),
    "/fuel-purchases": ({"from": ROUTE_DATE, "to": ROUTE_DATE}, {"vehicle_id": "vehicle"}),
    "/statements/payroll": (
        {"from": ROUTE_DATE, "to": ROUTE_DATE, "include_drafts": "true"},
        {},
    ),
    "/maintenance/status": ({}, {"vehicle_id": "vehicle"}),
    "/maintenance/unusual": ({}, {}),
    "/fleet/live": ({}, {}),
    "/fleet/exceptions": ({}, {}),
}
# Query parameters an operation needs before it looks its object up.
QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/vehicles/{vehicle_id}/positions"): {
        "since": "2000-01-01T00:00:00Z",
        "until": "2100-01-01T00:00:00Z",
    },
}

# Which object a path parameter names; ``item_id`` depends on the resource.
PARAM_KINDS = {
    "user_id": "user",
    "key_id": "api_key",
    "order_id": "order",
    "route_id": "route",
    "stop_id": "stop",
    "plan_id": "plan",
    "vehicle_id": "vehicle",
    "schedule_id": "maintenance_schedule",
    "record_id": "service_record",
    "event_id": "telemetry_event",
    "tracking_code": "tracking_code",
    "webhook_id": "webhook",
    "delivery_id": "webhook_delivery",
    "org_id": "org",
    "label": "parcel",
    "proof_id": "proof",
    "driver_id": "driver",
    "message_id": "driver_message",
    "statement_id": "statement",
    "dispute_id": "dispute",
}
ITEM_KINDS = {
    "depots": "depot",
    "vehicles": "vehicle",
    "drivers": "driver",
    "devices": "device",
    "customers": "customer",
    "zones": "zone",
    "carriers": "carrier",
}

# Ids that are not UUIDs, and an unknown one of the same type for each.
UNKNOWN_IDS: dict[str, Callable[[], str]] = {
    "telemetry_event": lambda: str(random.randint(10**9, 10**12)),
    "webhook_delivery": lambda: str(random.randint(10**9, 10**12)),
    "parcel": lambda: f"{random.choice('0123456789ABCDEFGHJKMNPQRSTVWXYZ') * 16}-1",
}


def unknown_id(kind: str) -> str:
    return UNKNOWN_IDS.get(kind, lambda: str(uuid.uuid4()))()


Ids = dict[str, str]
Body = Callable[[Ids], dict[str, Any]]

# Valid bodies, so a write by id gets as far as looking the id up. Given B's own ids.
BY_ID_BODIES: dict[tuple[str, str], Body] = {
    ("PATCH", "/users/{user_id}"): lambda b: {"name": "Mallory", "is_active": False},
    **{
        ("PATCH", f"/{resource}/{{item_id}}"): lambda b: {"name": "Mallory"}
        for resource in ITEM_KINDS
    },
    ("PATCH", "/orders/{order_id}"): lambda b: {"notes": "Mallory"},
    ("POST", "/orders/{order_id}/chat"): lambda b: {"body": "Mallory"},
    ("POST", "/drivers/{driver_id}/messages"): lambda b: {"body": "Mallory"},
    ("POST", "/disputes/{dispute_id}/resolve"): lambda b: {
        "accepted": False,
        "resolution": "Mallory",
    },
    ("POST", "/statements/{statement_id}/adjustments"): lambda b: {
        "amount": "1.00",
        "reason": "Mallory",
    },
    ("POST", "/routes/{route_id}/load-scans"): lambda b: {"scans": []},
    ("POST", "/routes/{route_id}/returns"): lambda b: {"scans": []},
    ("PATCH", "/webhooks/{webhook_id}"): lambda b: {"description": "Mallory"},
    ("POST", "/orders/{order_id}/status"): lambda b: {"status": "cancelled", "reason": "Mallory"},
    ("PATCH", "/routes/{route_id}"): lambda b: {"status": "cancelled"},
    ("POST", "/routes/{route_id}/stops"): lambda b: {"order_id": b["order"]},
    ("PATCH", "/routes/{route_id}/stops/{stop_id}"): lambda b: {"locked": True},
    ("POST", "/routes/{route_id}/stops/{stop_id}/move"): lambda b: {"route_id": b["route"]},
    ("PUT", "/routes/{route_id}/sequence"): lambda b: {"stop_ids": []},
    ("POST", "/routes/{route_id}/start"): lambda b: {},
    ("POST", "/routes/{route_id}/stops/{stop_id}/arrive"): lambda b: {},
    ("POST", "/routes/{route_id}/stops/{stop_id}/complete"): lambda b: {"outcome": "delivered"},
    ("POST", "/vehicles/{vehicle_id}/maintenance-schedules"): lambda b: {
        "name": "Mallory",
        "every_km": 1000,
    },
    ("PATCH", "/vehicles/{vehicle_id}/maintenance-schedules/{schedule_id}"): lambda b: {
        "name": "Mallory"
    },
    ("POST", "/vehicles/{vehicle_id}/service-records"): lambda b: {
        "kind": "repair",
        "description": "Mallory",
    },
    ("PATCH", "/vehicles/{vehicle_id}/service-records/{record_id}"): lambda b: {
        "description": "Mallory"
    },
    ("POST", "/orders/{order_id}/reschedule"): lambda b: {
        "window_start": f"{ROUTE_DATE}T12:00:00+00:00",
        "window_end": f"{ROUTE_DATE}T14:00:00+00:00",
    },
}


def _photo_form() -> dict[str, Any]:
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(picture, "JPEG")
    return {"data": {"kind": "photo"}, "files": {"file": ("p.jpg", picture.getvalue())}}


# Uploads, sent as forms, so a write by id gets as far as looking the id up.
MULTIPART: dict[tuple[str, str], Callable[[], dict[str, Any]]] = {
    ("POST", "/routes/{route_id}/stops/{stop_id}/proofs"): _photo_form,
}

# Changes to B's own objects that reference an object: field -> kind referenced.
OWN_CHANGES: dict[tuple[str, str], dict[str, str]] = {
    ("PATCH", "/vehicles/{item_id}"): {"depot_id": "depot", "designated_zone_id": "zone"},
    ("PATCH", "/drivers/{item_id}"): {
        "depot_id": "depot",
        "vehicle_id": "vehicle",
        "user_id": "driver_user",
    },
    ("PATCH", "/devices/{item_id}"): {"vehicle_id": "vehicle", "driver_id": "driver"},
    ("PATCH", "/orders/{order_id}"): {"depot_id": "depot"},
    ("PATCH", "/routes/{route_id}"): {
        "driver_id": "driver",
        "vehicle_id": "vehicle",
        "depot_id": "depot",
    },
    ("POST", "/routes/{route_id}/stops"): {"order_id": "order"},
    ("POST", "/vehicles/{vehicle_id}/service-records"): {"schedule_id": "maintenance_schedule"},
}


# Bodies of the caller's own settings, where the generic one does not fit.
OWN_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/organisation/tracking-settings"): {"show_vehicle_from_stops_away": 2},
    ("PUT", "/organisation/notification-settings"): {"default_language": "fi"},
    ("PUT", "/organisation/proof-settings"): {"require_photo": False},
    ("PUT", "/contacts"): {"channel": "sms", "address": SHARED_PHONE, "opted_out": True},
}
TRACK_NOT_FOUND = "no delivery with this tracking code"


def _fresh(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# A valid body for each create, with A's shareable values where that is fair game.
CREATE_BODIES: dict[str, Callable[[], dict[str, Any]]] = {
    "/users": lambda: {"email": f"{_fresh('b')}@b.test", "name": "Bravo", "role": "viewer"},
    "/api-keys": lambda: {"name": "Bravo key", "role": "viewer"},
    "/depots": lambda: {"name": "Bravo depot", "location": {"lat": 60.2, "lon": 24.9}},
    "/vehicles": lambda: {"name": "Bravo van"},
    "/drivers": lambda: {"name": "Bravo driver"},
    "/carriers": lambda: {"name": "Bravo carrier", "tax_ref": "SHARED-TAX"},
    "/devices": lambda: {"name": "Bravo tracker", "identifier": _fresh("bravo")},
    "/customers": lambda: {
        "name": "Bravo customer",
        "email": SHARED_EMAIL,
        "phone": SHARED_PHONE,
        "external_ref": "SHARED-1",
    },
    "/orders": lambda: order_body(
        external_ref=_fresh("B"),
        recipient={"name": "Bravo", "email": SHARED_EMAIL, "phone": SHARED_PHONE},
    ),
    "/routes": lambda: {"name": "Bravo route", "date": ROUTE_DATE},
    "/zones": lambda: {
        "name": "Bravo yard",
        "location": {"lat": 60.2, "lon": 24.9},
        "radius_m": 50,
    },
    "/plans": lambda: {"date": ROUTE_DATE, "time_limit_s": 0.2},
    "/webhooks": lambda: {"url": "https://hooks.example/bravo", "event_types": ["*"]},
    "/pay-rules": lambda: {"effective_from": "2026-01-01", "rates": {"per_stop": "1.00"}},
    "/fuel-purchases": lambda: {
        "purchased_at": f"{ROUTE_DATE}T12:00:00+00:00",
        "litres": "40",
        "cost": "70.00",
        "place": "Bravo station",
        "location": {"lat": 60.2, "lon": 24.9},
    },
}

# Creates that reference other objects: field -> kind referenced.
CREATE_REFERENCES: dict[str, dict[str, str]] = {
    "/api-keys": {"user_id": "user"},
    "/vehicles": {"depot_id": "depot", "designated_zone_id": "zone"},
    "/drivers": {
        "depot_id": "depot",
        "vehicle_id": "vehicle",
        "user_id": "driver_user",
        "carrier_id": "carrier",
    },
    "/devices": {"vehicle_id": "vehicle", "driver_id": "driver"},
    "/orders": {"customer_id": "customer", "depot_id": "depot"},
    "/routes": {
        "driver_id": "driver",
        "vehicle_id": "vehicle",
        "depot_id": "depot",
        "stops": "order",
    },
    "/plans": {"depot_id": "depot", "order_ids": "order", "vehicle_ids": "vehicle"},
    "/pay-rules": {"driver_id": "driver", "carrier_id": "carrier"},
    "/fuel-purchases": {"vehicle_id": "vehicle"},
}
WRAP: dict[str, Callable[[str], Any]] = {
    "stops": lambda ident: [{"order_id": ident}],
    "order_ids": lambda ident: [ident],
    "vehicle_ids": lambda ident: [ident],
    "route_ids": lambda ident: [ident],
}
# Bodies of computations, given B's ids, and the references they carry.
COMPUTE_BODIES: dict[str, Callable[[Ids], dict[str, Any]]] = {
    "/dispatch/options": lambda b: {"order_id": b["urgent"], "date": ROUTE_DATE},
    "/dispatch/assign": lambda b: {"order_id": b["urgent"], "route_id": b["route"], "position": 0},
    "/routes/reoptimise": lambda b: {"date": ROUTE_DATE, "route_ids": [b["route"]]},
    "/notification-templates/preview": lambda b: {"rule": "arriving", "channel": "sms"},
    "/handoffs": lambda b: {"scans": [], "to_driver_id": b["driver"]},
    "/handoffs/accept": lambda b: {"scans": []},
    "/orders/notify": lambda b: {"order_ids": [b["order"]]},
    "/statements/settle-all": lambda b: {"period_start": ROUTE_DATE, "period_end": ROUTE_DATE},
    "/statements": lambda b: {
        "driver_id": b["driver"],
        "period_start": ROUTE_DATE,
        "period_end": ROUTE_DATE,
    },
}
COMPUTE_REFERENCES: dict[str, dict[str, str]] = {
    "/dispatch/options": {"order_id": "order"},
    "/dispatch/assign": {"order_id": "order", "route_id": "route"},
    "/routes/reoptimise": {"route_ids": "route"},
    "/notification-templates/preview": {"order_id": "order"},
    "/handoffs": {"to_driver_id": "driver"},
    "/handoffs/accept": {},
    "/orders/notify": {"order_ids": "order"},
    "/statements": {"driver_id": "driver"},
    "/statements/settle-all": {},
}


# Query parameters of list endpoints: what to search for, A's value for each.
def filter_values(a: Ids) -> dict[str, str]:
    return {
        "depot_id": a["depot"],
        "vehicle_id": a["vehicle"],
        "driver_id": a["driver"],
        "carrier_id": a["carrier"],
        "user_id": a["driver_user"],
        "customer_id": a["customer"],
        "route_id": a["route"],
        "tracking_code": a["tracking_code"],
        "external_ref": "SHARED-1",
        "email": SHARED_EMAIL,
        "phone": SHARED_PHONE,
        "identifier": A_IDENTIFIER,
        "q": MARKER,
        "date": ROUTE_DATE,
        "day": ROUTE_DATE,
        "from": "2000-01-01",
        "to": "2100-01-01",
        "window_from": f"{ROUTE_DATE}T00:00:00+00:00",
        "window_to": f"{ROUTE_DATE}T23:59:59+00:00",
        "device_id": a["device"],
        "since": "2000-01-01T00:00:00Z",
        "until": "2100-01-01T00:00:00Z",
        "format": "csv",  # the export must not show A's either
    }


# Query parameters that name no object of A's (enums, flags, paging).
NOT_IDENTIFYING = {
    "limit",
    "offset",
    "status",
    "role",
    "active",
    "vehicle_type",
    "fuel_type",
    "protocol",
    "kind",
    "restricted",
    "alerts_only",
    "at_risk",
    "opted_out",
}


def _post(client, key: str, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post(API + path, json=body, headers={**auth(key), **headers})
    assert response.status_code == 201, (path, response.text)
    return response.json()


def build_a(client, org) -> Ids:
    """One of every kind of object in A, each named with the marker."""
    key = org.admin
    a: Ids = {"org": str(org.id)}
    a["depot"] = _post(
        client,
        key,
        "/depots",
        {"name": "Zebra depot", "location": {"lat": 60.1699, "lon": 24.9384}},
    )["id"]
    a["vehicle"] = _post(
        client, key, "/vehicles", {"name": "Zebra van", "plate": "ZEB-1", "depot_id": a["depot"]}
    )["id"]
    a["carrier"] = _post(
        client, key, "/carriers", {"name": "Zebra carrier", "tax_ref": "SHARED-TAX"}
    )["id"]
    a["driver"] = _post(
        client,
        key,
        "/drivers",
        {"name": "Zebra driver", "depot_id": a["depot"], "vehicle_id": a["vehicle"]},
    )["id"]
    device = _post(
        client,
        key,
        "/devices",
        {
            "name": "Zebra tracker",
            "identifier": A_IDENTIFIER,
            "vehicle_id": a["vehicle"],
            "driver_id": a["driver"],
        },
    )
    a["device"] = device["id"]
    _post(
        client,
        key,
        "/fuel-purchases",
        {
            "vehicle_id": a["vehicle"],
            "purchased_at": f"{ROUTE_DATE}T12:00:00+00:00",
            "litres": "40",
            "cost": "70.00",
            "place": "Zebra station",
            "location": {"lat": 60.2, "lon": 24.9},
            "receipt": "ZEBRA-1",
        },
    )
    a["customer"] = _post(
        client,
        key,
        "/customers",
        {
            "name": "Zebra customer",
            "email": SHARED_EMAIL,
            "phone": SHARED_PHONE,
            "external_ref": "SHARED-1",
        },
    )["id"]
    recipient = {"name": "Zebra recipient", "email": SHARED_EMAIL, "phone": SHARED_PHONE}
    order = _post(
        client,
        key,
        "/orders",
        order_body(
            external_ref="SHARED-1",
            recipient=recipient,
            customer_id=a["customer"],
            depot_id=a["depot"],
        ),
        **{"Idempotency-Key": SHARED_IDEMPOTENCY_KEY},
    )
    a["order"], a["tracking_code"] = order["id"], order["tracking_code"]
    a["parcel"] = f"{order['tracking_code']}-1"
    a["routed_order"] = _post(
        client, key, "/orders", order_body(external_ref="SHARED-2", recipient=recipient)
    )["id"]
    route = _post(
        client,
        key,
        "/routes",
        {
            "name": "Zebra route",
            "date": ROUTE_DATE,
            "driver_id": a["driver"],
            "vehicle_id": a["vehicle"],
            "depot_id": a["depot"],
            "stops": [{"order_id": a["routed_order"]}],
        },
    )
    a["route"], a["stop"] = route["id"], route["stops"][0]["id"]
    a["user"] = _post(
        client,
        key,
        "/users",
        {
            "email": f"{_fresh('zebra')}@acme.test",
            "name": "Zebra user",
            "role": "dispatcher",
            "password": PASSWORD,
        },
    )["id"]
    a["api_key"] = _post(client, key, "/api-keys", {"name": "Zebra key", "role": "viewer"})["id"]
    a["zone"] = _post(
        client,
        key,
        "/zones",
        {"name": "Zebra yard", "location": {"lat": 60.17, "lon": 24.94}, "radius_m": 80},
    )["id"]
    a["plan"] = _post(
        client,
        key,
        "/plans",
        {"date": ROUTE_DATE, "depot_id": a["depot"], "order_ids": [], "vehicle_ids": []},
    )["id"]
    a["driver_user"] = client.get(f"{API}/drivers/{org.driver_id}", headers=auth(key)).json()[
        "user_id"
    ]
    a["maintenance_schedule"] = _post(
        client,
        key,
        f"/vehicles/{a['vehicle']}/maintenance-schedules",
        {"name": "Zebra oil", "every_km": 15_000, "last_done_on": "2020-01-01"},
    )["id"]
    a["service_record"] = _post(
        client,
        key,
        f"/vehicles/{a['vehicle']}/service-records",
        {"kind": "repair", "description": "Zebra mirror", "cost": "80"},
    )["id"]
    for _ in range(3):  # enough to stand out if A's vehicles were compared with B's
        _post(client, key, f"/vehicles/{a['vehicle']}/service-records", {"kind": "repair"})
    response = client.put(
        f"{API}/organisation/telemetry-settings",
        json={"speeding": {"tolerance_kmh": 3}},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    # A asks for the postcode: the walk's public calls with A's code stop at the check
    # (no change to A, no endless event stream), and the logo carries the marker.
    response = client.put(
        f"{API}/organisation/tracking-settings",
        json={"logo_url": "https://zebra.example/logo.png", "require_check": "postcode"},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    a["telemetry_event"] = _harsh_braking(client, org, device["token"])
    # A proof photo on A's stop.
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 20, 30)).save(picture, "JPEG")
    response = client.post(
        f"{API}/routes/{a['route']}/stops/{a['stop']}/proofs",
        data={"kind": "photo"},
        files={"file": ("zebra.jpg", picture.getvalue(), "image/jpeg")},
        headers=auth(key),
    )
    assert response.status_code == 201, response.text
    a["proof"] = response.json()["id"]
    # A message from A's dispatch to A's driver.
    # A's pay: a rule and a settled statement for A's driver.
    _post(client, key, "/pay-rules", {"effective_from": "2026-01-01", "rates": {"per_stop": "1"}})
    settled = client.post(
        API + "/statements",
        json={
            "driver_id": str(org.driver_id),  # Dana's, so her phone can dispute it
            "period_start": ROUTE_DATE,
            "period_end": ROUTE_DATE,
        },
        headers=auth(key),
    )
    assert settled.status_code == 200, settled.text
    a["statement"] = settled.json()["id"]
    disputed = client.post(
        API + f"/me/statements/{a['statement']}/disputes",
        json={"comment": "Zebra: the km look short"},
        headers=auth(org.driver),
    )
    assert disputed.status_code == 201, disputed.text
    a["dispute"] = disputed.json()["id"]
    a["driver_message"] = _post(
        client, key, f"/drivers/{a['driver']}/messages", {"body": "Gate code 1234 zebra"}
    )["id"]
    # A webhook that has a delivery: A's order changed after it subscribed.
    a["webhook"] = _post(
        client,
        key,
        "/webhooks",
        {"url": "https://zebra.example/hook", "event_types": ["*"], "description": "Zebra"},
    )["id"]
    response = client.patch(
        f"{API}/orders/{a['order']}", json={"notes": "Zebra note"}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    log = client.get(f"{API}/webhooks/{a['webhook']}/deliveries", headers=auth(key)).json()
    a["webhook_delivery"] = str(log[0]["id"])
    response = client.put(
        f"{API}/contacts",
        json={"channel": "sms", "address": "+358401119999", "opted_out": True},
        headers=auth(key),
    )
    assert response.status_code == 200, response.text
    return a


def _harsh_braking(client, org, token: str) -> str:
    """Real fixes through the pipeline (20 m/s, then 5 m/s a second later): A's van
    gets a telemetry event, found back by A's admin."""
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    fixes = [
        {"time": (start + timedelta(seconds=s)).isoformat(), "lat": 60.17, "lon": 24.94}
        | {"speed": speed, "accuracy": 5}
        for s, speed in ((0, 20.0), (1, 5.0))
    ]
    response = client.post(f"{API}/pings", json=fixes, headers=auth(token))
    assert response.status_code == 200, response.text
    events = client.get(
        f"{API}/telemetry-events", params={"kind": "harsh_braking"}, headers=auth(org.admin)
    ).json()["items"]
    assert len(events) == 1, events
    return str(events[0]["id"])


def build_b(client, org) -> Ids:
    """B's own objects, to aim at A's from the inside."""
    key = org.admin
    b: Ids = {"org": str(org.id), "driver": str(org.driver_id)}
    for path, kind in (("/vehicles", "vehicle"), ("/devices", "device")):
        b[kind] = _post(client, key, path, CREATE_BODIES[path]())["id"]
    b["order"] = _post(client, key, "/orders", order_body())["id"]
    b["webhook"] = _post(
        client, key, "/webhooks", {"url": "https://hooks.example/b", "event_types": ["*"]}
    )["id"]
    # Kept out of B's plan by its window, for the urgent-job computations.
    b["urgent"] = _post(
        client,
        key,
        "/orders",
        order_body(
            window_start="2026-12-24T10:00:00+00:00", window_end="2026-12-24T12:00:00+00:00"
        ),
    )["id"]
    b["depot"] = _post(
        client, key, "/depots", {"name": "Bravo depot", "location": {"lat": 60.17, "lon": 24.94}}
    )["id"]
    b["route"] = _post(
        client, key, "/routes", {**CREATE_BODIES["/routes"](), "depot_id": b["depot"]}
    )["id"]
    return b


A_VIEWS = (
    "/organisation",
    "/users",
    "/api-keys",
    "/depots",
    "/vehicles",
    "/drivers",
    "/devices",
    "/customers",
    "/orders",
    "/routes",
    "/zones",
    "/plans/{plan}",
    "/organisation/telemetry-settings",
    "/organisation/tracking-settings",
    "/vehicles/{vehicle}/maintenance-schedules",
    "/vehicles/{vehicle}/service-records",
    "/maintenance/status",
    "/telemetry-events",
)


def snapshot(client, org, a: Ids) -> dict[str, Any]:
    """Everything A can see of itself (last use of keys aside, which A's reads move)."""
    views: dict[str, Any] = {}
    for view in A_VIEWS:
        path = view.format(**a)
        response = client.get(API + path, params={"limit": 500}, headers=auth(org.admin))
        assert response.status_code == 200, response.text
        views[view] = response.json()
    for item in views["/api-keys"]["items"]:
        item.pop("last_used_at")
    for order in ("order", "routed_order"):
        views[order] = client.get(f"{API}/orders/{a[order]}/events", headers=auth(org.admin)).json()
    return views


def ids_in(value: Any) -> set[str]:
    """Every string id in a JSON document."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and isinstance(item, str):
                found.add(item)
            found |= ids_in(item)
    elif isinstance(value, list):
        for item in value:
            found |= ids_in(item)
    return found


def shape(response, substituted: Iterable[str]) -> tuple[int, str]:
    """Status and body, with the ids the request carried (and the request id) blanked."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        body.pop("request_id", None)
    text = json.dumps(body, sort_keys=True)
    for ident in substituted:  # whole ids only: "4" is an id, and part of "404"
        text = re.sub(rf"(?<!\w){re.escape(ident)}(?!\w)", "<id>", text)
    return response.status_code, text


def kind_of(path: str, param: str) -> str:
    if param == "item_id":
        return ITEM_KINDS[path.split("/")[1]]
    return PARAM_KINDS[param]


def operations(client) -> list[tuple[str, str, dict[str, Any]]]:
    document = client.get(f"{API}/openapi.json").json()
    return [
        (method.upper(), path.removeprefix(API), spec)
        for path, methods in document["paths"].items()
        for method, spec in methods.items()
    ]


class Walk:
    def __init__(self, client, org_a, org_b, a: Ids, b: Ids, a_ids: set[str]) -> None:
        self.client, self.org_a, self.org_b = client, org_a, org_b
        self.a, self.b, self.a_ids = a, b, a_ids
        self.problems: list[str] = []

    def call(self, method: str, path: str, **kwargs: Any):
        headers = {**auth(self.org_b.admin), **kwargs.pop("headers", {})}
        return self.client.request(method, API + path, headers=headers, **kwargs)

    def fail(self, what: str, response) -> None:
        self.problems.append(f"{what}: {response.status_code} {response.text[:300]}")

    def reveals_nothing(self, what: str, response) -> None:
        text = response.text
        leaked = sorted(ident for ident in self.a_ids if ident in text)
        if leaked or MARKER.lower() in text.lower():
            self.problems.append(f"{what} shows A's objects {leaked or MARKER}: {text[:300]}")

    def same_as_unknown(self, what: str, status: int, theirs, unknown, ids: tuple[Ids, Ids]):
        got, expected = shape(theirs, ids[0].values()), shape(unknown, ids[1].values())
        if theirs.status_code != status or got != expected:
            self.problems.append(f"{what}: A's id gave {got}, an unknown id {expected}")

    def hidden(self, method: str, path: str) -> None:
        params = re.findall(r"{(\w+)}", path)
        kinds = [kind_of(path, p) for p in params]
        make_body = BY_ID_BODIES.get((method, path))
        body = make_body(self.b) if make_body else None
        query = QUERIES.get((method, path))
        sent: dict[str, Any] = (
            MULTIPART[(method, path)]() if (method, path) in MULTIPART else {"json": body}
        )
        # All of A's ids; then B's own parent with A's child, and so on.
        for split in range(len(params)):
            own = {p: self.b[k] for p, k in zip(params[:split], kinds[:split], strict=True)}
            rest = list(zip(params[split:], kinds[split:], strict=True))
            theirs = {**own, **{p: self.a[k] for p, k in rest}}
            unknown = {**own, **{p: unknown_id(k) for p, k in rest}}
            self.same_as_unknown(
                f"{method} {path.format(**theirs)}",
                404,
                self.call(method, path.format(**theirs), params=query, **sent),
                self.call(method, path.format(**unknown), params=query, **sent),
                (theirs, unknown),
            )
        for field, kind in OWN_CHANGES.get((method, path), {}).items():
            url = path.format(**{params[0]: self.b[kinds[0]]})
            theirs, unknown = {field: self.a[kind]}, {field: str(uuid.uuid4())}
            self.same_as_unknown(
                f"{method} {url} with {field} of A's {kind}",
                422,
                self.call(method, url, json=theirs),
                self.call(method, url, json=unknown),
                (theirs, unknown),
            )

    def listed(self, method: str, path: str, spec: dict[str, Any]) -> None:
        response = self.call(method, path, params={"limit": 500})
        if response.status_code != 200:
            self.fail(f"{method} {path}", response)
        self.reveals_nothing(f"{method} {path}", response)
        values = filter_values(self.a)
        for param in spec.get("parameters", []):
            name = param["name"]
            if param["in"] != "query" or name in NOT_IDENTIFYING:
                continue
            if name not in values:
                self.problems.append(f"{method} {path}: say what to search for with ?{name}=")
                continue
            response = self.call(method, path, params={name: values[name], "limit": 500})
            if response.status_code != 200:
                self.fail(f"{method} {path}?{name}=", response)
            self.reveals_nothing(f"{method} {path}?{name}={values[name]}", response)

    def created(self, method: str, path: str) -> None:
        if path == "/orders/import":
            csv = (
                "recipient_name,address,lat,lon,external_ref,recipient_email,recipient_phone\n"
                f"Bravo,Street 1,60.1,24.9,SHARED-2,{SHARED_EMAIL},{SHARED_PHONE}\n"
            )
            files = {"file": ("orders.csv", csv.encode(), "text/csv")}
            response = self.call(method, path, files=files)
        else:
            headers = {"Idempotency-Key": SHARED_IDEMPOTENCY_KEY} if path == "/orders" else {}
            response = self.call(method, path, json=self.create_body(path), headers=headers)
        if response.status_code != 201:
            self.fail(f"{method} {path} with A's shareable values", response)
        self.reveals_nothing(f"{method} {path}", response)
        for field, kind in CREATE_REFERENCES.get(path, {}).items():
            wrap = WRAP.get(field, lambda ident: ident)
            theirs, unknown = self.a[kind], str(uuid.uuid4())
            self.same_as_unknown(
                f"{method} {path} with {field} of A's {kind}",
                422,
                self.call(method, path, json={**self.create_body(path), field: wrap(theirs)}),
                self.call(method, path, json={**self.create_body(path), field: wrap(unknown)}),
                ({field: theirs}, {field: unknown}),
            )

    def create_body(self, path: str) -> dict[str, Any]:
        body = CREATE_BODIES[path]()
        if path == "/plans":
            body["depot_id"] = self.b["depot"]
        if path == "/fuel-purchases":
            body["vehicle_id"] = self.b["vehicle"]
        return body

    def computed(self, method: str, path: str) -> None:
        """References to A's objects first (refused like unknown ids), then B's own."""
        for field, kind in COMPUTE_REFERENCES[path].items():
            theirs, unknown = self.a[kind], str(uuid.uuid4())
            body = COMPUTE_BODIES[path](self.b)
            wrap = WRAP.get(field, lambda ident: ident)
            self.same_as_unknown(
                f"{method} {path} with {field} of A's {kind}",
                422,
                self.call(method, path, json={**body, field: wrap(theirs)}),
                self.call(method, path, json={**body, field: wrap(unknown)}),
                ({field: theirs}, {field: unknown}),
            )
        response = self.call(method, path, json=COMPUTE_BODIES[path](self.b))
        if response.status_code != 200:
            self.fail(f"{method} {path} on B's own objects", response)
        self.reveals_nothing(f"{method} {path}", response)

    def report(self, method: str, path: str) -> None:
        base, filters = REPORTS[path]
        response = self.call(method, path, params=base)
        if response.status_code != 200:
            self.fail(f"{method} {path}", response)
        self.reveals_nothing(f"{method} {path}", response)
        for field, kind in filters.items():
            theirs, unknown = {field: self.a[kind]}, {field: str(uuid.uuid4())}
            self.same_as_unknown(
                f"{method} {path}?{field}= A's {kind}",
                404,
                self.call(method, path, params={**base, **theirs}),
                self.call(method, path, params={**base, **unknown}),
                (theirs, unknown),
            )

    def device(self, method: str, path: str) -> None:
        """A person's key is no device token: refused, and nothing of A's comes back."""
        fix = {"time": "2026-11-27T10:00:00Z", "lat": 60.17, "lon": 24.94}
        response = self.call(method, path, json=[fix])
        if response.status_code != 401:
            self.fail(f"{method} {path} with B's admin key", response)
        self.reveals_nothing(f"{method} {path}", response)

    def own(self, method: str, path: str) -> None:
        if path == "/auth/login":
            body = {"email": self.org_b.admin_email, "password": self.org_b.admin_password}
            response = self.client.post(API + path, json=body)
        elif path == "/auth/logout":
            response = self.client.post(API + path)
        else:
            body = OWN_BODIES.get((method, path)) or {
                "PATCH": {"name": "Brightside"},
                "PUT": {"speeding": {"tolerance_kmh": 7}},
            }.get(method)
            response = self.call(method, path, json=body)
        if response.status_code >= 300:
            self.fail(f"{method} {path}", response)
        if response.content and self.b["org"] not in response.text:
            self.problems.append(f"{method} {path} does not answer about B: {response.text}")
        self.reveals_nothing(f"{method} {path}", response)
        self.client.cookies.clear()

    def driver_only(self, method: str, path: str) -> None:
        response = self.call(method, path)
        if response.status_code != 403:
            self.fail(f"{method} {path} with B's admin key", response)
        self.reveals_nothing(f"{method} {path}", response)

    def public(self, method: str, path: str) -> None:
        """No login: an unknown code is the one 404 for anyone, revealing nothing; a
        person's key neither opens nor hides anything (A's code asks B's admin for A's
        postcode check exactly as it asks a stranger)."""
        body = PUBLIC_BODIES.get((method, path))
        # Separation, not the rate limit (tests/api/test_track.py): fresh buckets.
        if hasattr(self.client.app.state, "track_guard"):
            del self.client.app.state.track_guard
        other = {"proof_id": self.a["proof"]} if "{proof_id}" in path else {}
        response = self.call(method, path.format(tracking_code=UNKNOWN_CODE, **other), json=body)
        if response.status_code != 404 or response.json()["detail"] != TRACK_NOT_FOUND:
            self.fail(f"{method} {path} with an unknown code", response)
        self.reveals_nothing(f"{method} {path}", response)
        theirs = path.format(tracking_code=self.a["tracking_code"], **other)
        with_key = self.call(method, theirs, json=body)
        anonymous = self.client.request(method, API + theirs, json=body)
        if with_key.status_code != 403 or shape(with_key, ()) != shape(anonymous, ()):
            self.fail(f"{method} {theirs} with B's key, unlike a stranger", with_key)
        self.reveals_nothing(f"{method} {theirs}", with_key)


def test_the_walk_knows_every_operation_in_the_openapi_document(client):
    found = {(method, path) for method, path, _ in operations(client)}
    assert found - WALK.keys() == set(), "new endpoints: add them to WALK in this file"
    assert WALK.keys() - found == set(), "gone endpoints: remove them from WALK"
    for _method, path in WALK:
        for param in re.findall(r"{(\w+)}", path):
            assert kind_of(path, param)


def test_another_organisation_learns_nothing_on_any_route(client, org_a, org_b):
    a = build_a(client, org_a)
    before = snapshot(client, org_a, a)
    a_ids = ids_in(before) | {a["org"]}
    assert {a[k] for k in ("order", "route", "stop", "user", "api_key", "device")} <= a_ids
    b = build_b(client, org_b)
    walk = Walk(client, org_a, org_b, a, b, a_ids)

    walked = []
    for method, path, spec in operations(client):
        kind = WALK[(method, path)]
        if kind == HIDDEN:
            walk.hidden(method, path)
        elif kind == LISTED:
            walk.listed(method, path, spec)
        elif kind == CREATED:
            walk.created(method, path)
        elif kind == DRIVER:
            walk.driver_only(method, path)
        elif kind == COMPUTED:
            walk.computed(method, path)
        elif kind == DEVICE:
            walk.device(method, path)
        elif kind == REPORT:
            walk.report(method, path)
        elif kind == PUBLIC:
            walk.public(method, path)
        elif kind == STREAM:
            pass
        else:
            walk.own(method, path)
        walked.append((method, path))

    assert not walk.problems, "\n".join(walk.problems)
    assert set(walked) == set(WALK)
    assert snapshot(client, org_a, a) == before


def test_an_unknown_and_a_foreign_id_answer_word_for_word_alike(client, org_a, org_b):
    order = client.post("/api/v1/orders", json=order_body(), headers=auth(org_a.admin)).json()
    unknown = str(uuid.uuid4())
    theirs = client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_b.admin))
    missing = client.get(f"/api/v1/orders/{unknown}", headers=auth(org_b.admin))
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"] == f"no order with id {order['id']}"
    assert missing.json()["detail"] == f"no order with id {unknown}"
    assert theirs.json().keys() == missing.json().keys()
