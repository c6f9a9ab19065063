"""WebhookChannel against a real recording HTTP server."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from doorstep.channels.base import Outcome, OutgoingMessage
from doorstep.channels.webhook_http import WebhookChannel
from doorstep.domain.signatures import signature_header, verify_webhook

from .conftest import HttpRecorder, Reply

BODY = json.dumps({"type": "order.status_changed", "order": "ord_1", "status": "delivered"})


def hook(url: str, **overrides) -> OutgoingMessage:
    values: dict[str, Any] = dict(channel="webhook", to=url, body=BODY, idempotency_key="evt_1")
    values.update(overrides)
    return OutgoingMessage(**values)


def test_200_is_sent_and_the_request_is_as_promised(http_server: HttpRecorder) -> None:
    secret, at = "whsec_test", 1_700_000_000
    signature = signature_header(secret, at, BODY.encode())
    channel = WebhookChannel(timeout_s=5)

    result = channel.send(
        hook(
            f"{http_server.base_url}/hooks?x=1",
            headers={
                "Doorstep-Signature": signature,
                "Doorstep-Event-Id": "evt_1",
                "Content-Type": "text/plain",  # ours wins: the body is JSON
            },
        )
    )

    assert result.outcome is Outcome.SENT
    assert result.provider_id == "200"
    assert result.status_code == 200
    [request] = http_server.requests
    assert (request.method, request.path) == ("POST", "/hooks?x=1")
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Doorstep-Webhooks/1"
    assert request.headers["doorstep-event-id"] == "evt_1"
    assert request.body == BODY.encode()
    assert verify_webhook(secret, request.headers["doorstep-signature"], request.body, now=at + 5)
    channel.close()


def test_204_is_sent(http_server: HttpRecorder) -> None:
    http_server.script.append(Reply(204, ""))

    result = WebhookChannel().send(hook(http_server.base_url))

    assert (result.outcome, result.provider_id) == (Outcome.SENT, "204")


def test_410_gone_fails_saying_so(http_server: HttpRecorder) -> None:
    http_server.script.append(Reply(410, {"error": "this endpoint was removed"}))

    result = WebhookChannel().send(hook(http_server.base_url))

    assert result.outcome is Outcome.FAILED
    assert result.status_code == 410
    assert result.detail is not None
    assert "gone" in result.detail and "this endpoint was removed" in result.detail


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (500, Outcome.RETRY),
        (502, Outcome.RETRY),
        (429, Outcome.RETRY),
        (408, Outcome.RETRY),
        (400, Outcome.FAILED),
        (401, Outcome.FAILED),
        (404, Outcome.FAILED),
    ],
)
def test_classification(http_server: HttpRecorder, status: int, outcome: Outcome) -> None:
    http_server.script.append(Reply(status, "E" * 1000))

    result = WebhookChannel().send(hook(http_server.base_url))

    assert result.outcome is outcome
    assert result.status_code == status
    assert result.detail == f"HTTP {status}: " + "E" * 200


def test_a_hanging_endpoint_is_retried_after_the_timeout(http_server: HttpRecorder) -> None:
    http_server.script.append(Reply(200, {"ok": True}, hang_s=10))
    channel = WebhookChannel(timeout_s=0.5)

    result = channel.send(hook(http_server.base_url))

    assert result.outcome is Outcome.RETRY
    assert result.detail is not None and "timed out" in result.detail
    channel.close()


def test_connection_refused_is_retried(closed_port: int) -> None:
    result = WebhookChannel(timeout_s=2).send(hook(f"http://127.0.0.1:{closed_port}/hooks"))

    assert result.outcome is Outcome.RETRY
    assert result.detail


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/hook", "http://"])
def test_unusable_urls_fail_without_raising(url: str) -> None:
    assert WebhookChannel().send(hook(url)).outcome is Outcome.FAILED


def test_a_given_client_is_left_open(http_server: HttpRecorder) -> None:
    with httpx.Client() as client:
        channel = WebhookChannel(client=client)
        assert channel.send(hook(http_server.base_url)).outcome is Outcome.SENT
        channel.close()
        assert not client.is_closed
