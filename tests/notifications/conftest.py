"""An organisation wired to real transports: a Twilio-speaking local provider for SMS,
aiosmtpd for email, a recording HTTP server for webhooks; and a day to drive."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from doorstep.bench.fake_twilio import FakeTwilio
from doorstep.services.sending import ChannelBook, OutboxSender
from tests.channels.conftest import (  # noqa: F401 - fixtures used by these tests
    HttpRecorder,
    SmtpFactory,
    http_server,
    smtp_servers,
)
from tests.conftest import auth, create_order, load_van

PHONE = "+358401234567"  # order_body's "+358 40 1234567", normalised
EMAIL = "ann@example.com"


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio().start()
    yield fake
    fake.stop()


def use_twilio(client, org, fake: FakeTwilio, **extra: Any) -> dict[str, Any]:
    body = {
        "sms": {
            "kind": "twilio",
            "account_sid": fake.account_sid,
            "auth_token": fake.auth_token,
            "from_number": "+358500000001",
            "base_url": fake.base_url,
        },
        "quiet_hours": None,
        **extra,
    }
    response = client.put(
        "/api/v1/organisation/notification-settings", json=body, headers=auth(org.admin)
    )
    assert response.status_code == 200, response.text
    return response.json()


class Clock:
    """The sender's clock: real time plus however far a test has moved it."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


@pytest.fixture
def later() -> Clock:
    clock = Clock()
    clock.advance(days=3)  # past every "day before" and rating delay
    return clock


def sender_for(db, smtp_url: str | None, clock: Clock, **kwargs: Any) -> OutboxSender:
    return OutboxSender(
        db.sessions, ChannelBook(smtp_url, webhook_timeout_s=0.5), now=clock, **kwargs
    )


def drive(client, org, outcome: str = "delivered", count: int = 1, **order: Any):
    """Orders on a route of today's date, the route started and the stops completed."""
    orders = [create_order(client, org.admin, **order) for _ in range(count)]
    body = {
        "name": "Morning",
        "date": "2026-11-27",
        "driver_id": str(org.driver_id),
        "stops": [{"order_id": o["id"]} for o in orders],
    }
    route = client.post("/api/v1/routes", json=body, headers=auth(org.dispatcher)).json()
    load_van(client, org, route["id"])
    started = client.post(f"/api/v1/routes/{route['id']}/start", headers=auth(org.driver))
    assert started.status_code == 200, started.text
    for stop in route["stops"]:
        done = {"outcome": outcome}
        if outcome == "failed":
            done["reason"] = "nobody_home"
        response = client.post(
            f"/api/v1/routes/{route['id']}/stops/{stop['id']}/complete",
            json=done,
            headers=auth(org.driver),
        )
        assert response.status_code == 200, response.text
    return route, orders


def messages(client, org, order_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/orders/{order_id}/notifications", headers=auth(org.admin))
    assert response.status_code == 200, response.text
    return response.json()


def schedule(client, org, count: int = 1, **order: Any):
    """Orders planned on a route not yet started: each is "scheduled"."""
    orders = [create_order(client, org.admin, **order) for _ in range(count)]
    body = {
        "name": "Tomorrow",
        "date": "2026-11-27",
        "driver_id": str(org.driver_id),
        "stops": [{"order_id": o["id"]} for o in orders],
    }
    response = client.post("/api/v1/routes", json=body, headers=auth(org.dispatcher))
    assert response.status_code == 201, response.text
    return response.json(), orders
