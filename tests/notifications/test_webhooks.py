"""Webhooks: written with their cause, signed, retried with backoff for a day, then
dead-lettered; a delivery log with manual redelivery."""

from __future__ import annotations

import json
import time

from doorstep.domain.signatures import verify_webhook
from doorstep.schemas.notifications import WEBHOOK_EVENTS
from doorstep.services import outbox
from tests.channels.conftest import Reply
from tests.conftest import auth, create_order
from tests.notifications.conftest import drive, sender_for


def subscribe(client, org, url, events=("*",)):
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "event_types": list(events)}, headers=auth(org.admin)
    )
    assert response.status_code == 201, response.text
    return response.json()


def deliveries(client, org, hook):
    response = client.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=auth(org.admin))
    assert response.status_code == 200, response.text
    return response.json()


def test_subscribed_events_are_delivered_signed(client, org_a, http_server, db, later):
    hook = subscribe(client, org_a, http_server.base_url + "/hook", ["order.delivered"])
    assert hook["secret"].startswith("whsec_")
    assert (
        "secret"
        not in client.get(f"/api/v1/webhooks/{hook['id']}", headers=auth(org_a.admin)).json()
    )
    drive(client, org_a)
    log = deliveries(client, org_a, hook)
    assert [d["kind"] for d in log] == ["order.delivered"]
    sender = sender_for(db, None, later)
    sender.drain()
    sender.close()
    (request,) = http_server.requests
    body = request.body
    assert request.headers["doorstep-event"] == "order.delivered"
    assert verify_webhook(
        hook["secret"],
        request.headers["doorstep-signature"],
        body,
        now=int(time.time()) + 3 * 86400,
    )
    assert not verify_webhook(
        "whsec_wrong", request.headers["doorstep-signature"], body, now=int(time.time()) + 3 * 86400
    )
    payload = json.loads(body)
    assert payload["type"] == "order.delivered" and payload["data"]["to_status"] == "delivered"
    (row,) = deliveries(client, org_a, hook)
    assert row["status"] == "sent" and row["attempts_log"][0]["status_code"] == 200


def test_a_change_that_rolls_back_sends_nothing(client, org_a, http_server):
    hook = subscribe(client, org_a, http_server.base_url + "/hook")
    bad = client.post("/api/v1/orders", json={"address": "x"}, headers=auth(org_a.admin))
    assert bad.status_code == 422
    assert deliveries(client, org_a, hook) == []
    create_order(client, org_a.admin)
    assert [d["kind"] for d in deliveries(client, org_a, hook)] == ["order.created"]


def test_a_failing_endpoint_is_retried_then_dead_lettered_and_redelivered(
    client, org_a, http_server, db, later
):
    hook = subscribe(client, org_a, http_server.base_url + "/hook", ["order.created"])
    http_server.responder = lambda _r: Reply(503, "down for maintenance")
    create_order(client, org_a.admin)
    sender = sender_for(db, None, later)
    tries = 0
    while True:
        sent = sender.run_once()
        tries += sent
        (row,) = deliveries(client, org_a, hook)
        if row["status"] != "pending":
            break
        assert sent in (0, 1)
        later.advance(seconds=outbox.MAX_RETRY_S)
    assert row["status"] == "dead"
    assert tries >= 24  # hourly at the end, for more than a day
    assert all(a["status_code"] == 503 for a in row["attempts_log"])
    assert "down for maintenance" in row["attempts_log"][0]["detail"]

    http_server.responder = lambda _r: Reply(200, {"ok": True})
    again = client.post(
        f"/api/v1/webhooks/{hook['id']}/deliveries/{row['id']}/redeliver", headers=auth(org_a.admin)
    )
    assert again.status_code == 200 and again.json()["status"] == "pending"
    sender.drain()
    sender.close()
    (row,) = deliveries(client, org_a, hook)
    assert row["status"] == "sent"
    keys = {r.headers["doorstep-delivery"] for r in http_server.requests}
    assert keys == {row_key(db, row["id"])}  # every try carried the same delivery id


def row_key(db, row_id):
    from doorstep.storage.tables import OutboxMessage

    with db.sessions() as session:
        return session.get(OutboxMessage, row_id).idempotency_key


def test_a_hanging_endpoint_times_out_and_is_retried(client, org_a, http_server, db, later):
    hook = subscribe(client, org_a, http_server.base_url + "/hook", ["order.created"])
    http_server.script.append(Reply(200, {"ok": True}, hang_s=5))
    create_order(client, org_a.admin)
    sender = sender_for(db, None, later)  # webhook timeout 0.5 s
    sender.run_once()
    (row,) = deliveries(client, org_a, hook)
    assert row["status"] == "pending" and "timed out" in row["last_error"]
    later.advance(seconds=60)
    sender.drain()
    sender.close()
    assert deliveries(client, org_a, hook)[0]["status"] == "sent"


def test_unknown_event_types_and_bad_urls_are_refused(client, org_a):
    bad = client.post(
        "/api/v1/webhooks",
        json={"url": "https://x.test/h", "event_types": ["order.teleported"]},
        headers=auth(org_a.admin),
    )
    assert bad.status_code == 422 and "order.teleported" in bad.text
    worse = client.post(
        "/api/v1/webhooks",
        json={"url": "javascript:alert(1)", "event_types": ["*"]},
        headers=auth(org_a.admin),
    )
    assert worse.status_code == 422


def test_a_webhook_subscribes_to_at_least_one_known_event_type(client, org_a):
    """Creating one asked for a type; an update emptied the list and left a webhook that
    hears nothing. The API document lists the types a client may send."""
    hook = subscribe(client, org_a, "https://x.test/h", events=("order.delivered",))
    url = f"/api/v1/webhooks/{hook['id']}"
    emptied = client.patch(url, json={"event_types": []}, headers=auth(org_a.admin))
    assert emptied.status_code == 422, emptied.text
    assert emptied.json()["errors"][0]["loc"] == ["body", "event_types"]
    unknown = client.patch(url, json={"event_types": ["order.lost"]}, headers=auth(org_a.admin))
    assert unknown.status_code == 422 and "order.lost" in unknown.text
    shown = client.get(url, headers=auth(org_a.admin)).json()
    assert shown["event_types"] == ["order.delivered"]
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("WebhookCreate", "WebhookUpdate"):
        listed = schemas[name]["properties"]["event_types"]["items"]["enum"]
        assert listed == ["*", *WEBHOOK_EVENTS], name


def test_eta_changes_and_vehicle_alerts_become_their_webhook_types(client, org_a, db):
    from doorstep.bus import Event
    from doorstep.services.events import emit
    from tests.notifications.conftest import schedule

    hook = subscribe(
        client, org_a, "https://hooks.example/h", ["order.eta_changed", "vehicle.alert"]
    )
    route, (order,) = schedule(client, org_a)
    stop = route["stops"][0]["id"]
    with db.sessions.begin() as session:
        emit(
            session,
            Event(
                str(org_a.id),
                "eta.updated",
                {
                    "route_id": route["id"],
                    "stops": [{"stop_id": stop, "eta": "2026-11-27T10:00:00+00:00"}],
                },
            ),
        )
        emit(session, Event(str(org_a.id), "telemetry.harsh_braking", {"vehicle_id": "v1"}))
        emit(session, Event(str(org_a.id), "telemetry.trip_started", {"vehicle_id": "v1"}))
    log = deliveries(client, org_a, hook)
    assert sorted(d["kind"] for d in log) == ["order.eta_changed", "vehicle.alert"]
    eta = json.loads(next(d for d in log if d["kind"] == "order.eta_changed")["body"])
    assert eta["data"]["order_id"] == order["id"]
    alert = json.loads(next(d for d in log if d["kind"] == "vehicle.alert")["body"])
    assert alert["data"]["kind"] == "harsh_braking"
