"""Webhooks: POST the event's JSON to the subscriber's URL.

Signing is the caller's business (it puts ``domain.signatures.signature_header`` in
``message.headers``); this channel only delivers and classifies.
"""

from __future__ import annotations

from typing import ClassVar

import httpx

from doorstep.channels.base import (
    Channel,
    Outcome,
    OutgoingMessage,
    SendResult,
    excerpt,
    http_timeout,
    is_retryable_status,
    transport_error,
)

USER_AGENT = "Doorstep-Webhooks/1"


class WebhookChannel(Channel):
    """Delivers webhook bodies; a hanging endpoint costs at most about ``timeout_s``
    per phase and comes back as RETRY."""

    kind: ClassVar[str] = "webhook"

    def __init__(self, timeout_s: float = 10, client: httpx.Client | None = None) -> None:
        self._timeout = http_timeout(timeout_s)
        self._owns_client = client is None
        # Redirects are not followed: a subscriber's URL is the one it registered.
        self._client = client or httpx.Client(timeout=self._timeout, follow_redirects=False)

    def send(self, message: OutgoingMessage) -> SendResult:
        headers = {**message.headers, "Content-Type": "application/json", "User-Agent": USER_AGENT}
        try:
            response = self._client.post(
                message.to,
                content=message.body.encode("utf-8"),
                headers=headers,
                timeout=self._timeout,
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return transport_error(exc)
        return classify_response(response)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


def classify_response(response: httpx.Response) -> SendResult:
    """2xx sent; 410 failed (the subscriber says the endpoint is gone for good, so it
    should be disabled); 408/429/5xx retry; other statuses failed."""
    status = response.status_code
    body = excerpt(response.text)
    if 200 <= status < 300:
        return SendResult(Outcome.SENT, provider_id=str(status), status_code=status)
    if status == 410:
        return SendResult(
            Outcome.FAILED,
            detail=f"HTTP 410: endpoint gone: {body}".rstrip(": "),
            status_code=status,
        )
    outcome = Outcome.RETRY if is_retryable_status(status) else Outcome.FAILED
    return SendResult(outcome, detail=f"HTTP {status}: {body}".rstrip(": "), status_code=status)
