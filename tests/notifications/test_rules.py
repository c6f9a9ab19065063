"""Which messages an order's day writes, to whom, once each, and what stops them."""

from __future__ import annotations

from datetime import datetime

from tests.conftest import auth, create_order, order_body
from tests.notifications.conftest import EMAIL, PHONE, drive, messages, sender_for, use_twilio


def kinds(rows, channel=None):
    return sorted((r["kind"], r["channel"]) for r in rows if channel in (None, r["channel"]))


def test_a_delivered_order_gets_each_message_once_on_both_channels(client, org_a, twilio):
    use_twilio(client, org_a, twilio)
    _, (order,) = drive(client, org_a)
    rows = messages(client, org_a, order["id"])
    assert kinds(rows) == sorted(
        (rule, channel)
        for rule in ("scheduled", "out_for_delivery", "delivered", "rating_request")
        for channel in ("sms", "email")
        if not (rule == "rating_request" and channel == "sms")  # rating: email by default
    )
    sms = {r["kind"]: r for r in rows if r["channel"] == "sms"}
    assert {r["recipient"] for r in sms.values()} == {PHONE}
    assert all(f"/t/{order['tracking_code']}" in r["body"] for r in rows)
    email = next(r for r in rows if r["channel"] == "email" and r["kind"] == "delivered")
    assert email["recipient"] == EMAIL and email["subject"]
    # The rating request waits; the scheduled message goes the day before at 17:00.
    rating = next(r for r in rows if r["kind"] == "rating_request")
    delivered = next(r for r in rows if r["kind"] == "delivered")
    assert datetime.fromisoformat(rating["not_before"]) > datetime.fromisoformat(
        delivered["not_before"]
    )


def test_a_failed_delivery_says_why_and_links_to_rescheduling(client, org_a, twilio):
    use_twilio(client, org_a, twilio)
    _, (order,) = drive(client, org_a, outcome="failed")
    failed = [r for r in messages(client, org_a, order["id"]) if r["kind"] == "failed"]
    assert {r["channel"] for r in failed} == {"sms", "email"}
    assert all("nobody home" in r["body"] and "#reschedule" in r["body"] for r in failed)


def test_the_recipients_choice_of_channel_and_an_opt_out_are_honoured(client, org_a, twilio):
    use_twilio(client, org_a, twilio)
    customer = client.post(
        "/api/v1/customers",
        json={"name": "Email Only", "email": "only@example.com", "notify_sms": False},
        headers=auth(org_a.admin),
    ).json()
    _, (order,) = drive(client, org_a, customer_id=customer["id"])
    assert {r["channel"] for r in messages(client, org_a, order["id"])} == {"email"}

    opted = client.put(
        "/api/v1/contacts",
        json={"channel": "email", "address": EMAIL, "opted_out": True},
        headers=auth(org_a.admin),
    )
    assert opted.status_code == 200 and opted.json()["opted_out"] is True
    _, (other,) = drive(client, org_a)
    assert {r["channel"] for r in messages(client, org_a, other["id"])} == {"sms"}


def test_rules_can_be_switched_off(client, org_a, twilio):
    use_twilio(client, org_a, twilio, rules={"delivered": {"enabled": False}})
    _, (order,) = drive(client, org_a)
    assert "delivered" not in {r["kind"] for r in messages(client, org_a, order["id"])}


def test_a_message_whose_cause_went_away_is_cancelled_not_sent(client, org_a, twilio, db, later):
    use_twilio(client, org_a, twilio, rules={"out_for_delivery": {"enabled": False}})
    order = create_order(client, org_a.admin)
    route = client.post(
        "/api/v1/routes",
        json={"name": "R", "date": "2026-11-27", "stops": [{"order_id": order["id"]}]},
        headers=auth(org_a.dispatcher),
    )
    assert route.status_code == 201
    cancelled = client.post(
        f"/api/v1/orders/{order['id']}/status",
        json={"status": "cancelled", "reason": "customer called"},
        headers=auth(org_a.admin),
    )
    assert cancelled.status_code == 200, cancelled.text
    sender = sender_for(db, None, later)
    sender.drain()
    sender.close()
    rows = [r for r in messages(client, org_a, order["id"]) if r["kind"] == "scheduled"]
    assert rows and all(r["status"] == "cancelled" for r in rows)
    assert "cancelled" in rows[0]["last_error"]
    assert twilio.messages == []


def test_phone_numbers_are_normalised_or_refused_when_the_order_is_written(client, org_a):
    response = client.post(
        "/api/v1/orders",
        json={
            **order_body(),
            "recipient": {"name": "Bad Number", "phone": "+358 40 12"},
        },
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "recipient", "phone"] and "short" in error["msg"]
    good = create_order(client, org_a.admin, recipient={"name": "A", "phone": "+44 20 7946 0958"})
    assert good["recipient"]["phone"] == "+442079460958"


def test_a_local_number_uses_the_organisations_country(client, org_a):
    client.patch("/api/v1/organisation", json={"country": "FI"}, headers=auth(org_a.admin))
    order = create_order(client, org_a.admin, recipient={"name": "A", "phone": "040 123 4567"})
    assert order["recipient"]["phone"] == "+358401234567"
