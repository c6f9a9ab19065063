"""The channel contract: one message in, one classified result out, no exceptions.

Delivery failures are data, not errors: the worker that calls ``send`` from a thread
pool needs to know whether to try again (RETRY) or give up (FAILED), and an exception
would lose that distinction.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar

import httpx


@dataclass(frozen=True)
class OutgoingMessage:
    """One message to one recipient, whatever the channel.

    ``idempotency_key`` stays the same across retries of the same message, so providers
    (and email Message-IDs) can recognise a repeat.
    """

    channel: str  # "email" | "sms" | "webhook"
    to: str  # email address, E.164 phone number, or webhook URL
    body: str  # plain text: email text part, SMS text, webhook JSON body
    idempotency_key: str
    subject: str | None = None  # email only
    html: str | None = None  # email only: the optional HTML part
    sender: str | None = None  # From: address / SMS from-number; None = channel default
    headers: Mapping[str, str] = field(default_factory=dict)  # extra headers (webhook)
    status_callback: str | None = None  # SMS: the provider's status callback URL


class Outcome(StrEnum):
    """What the caller should do next: nothing, try again later, or give up."""

    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    """The classified result of one attempt."""

    outcome: Outcome
    provider_id: str | None = None  # Twilio SID, SMTP Message-ID, HTTP status...
    detail: str | None = None  # human-readable reason: error text, status + body excerpt
    status_code: int | None = None  # the HTTP status, where there was one
    bounced: bool = False  # email: the server refused the recipient permanently


class Channel(ABC):
    """A transport. ``send`` is synchronous and never raises for delivery failures."""

    kind: ClassVar[str]

    @abstractmethod
    def send(self, message: OutgoingMessage) -> SendResult:
        """Attempt one delivery and classify it."""

    def close(self) -> None:  # noqa: B027 - optional hook, most channels hold nothing
        """Release held resources (HTTP connection pools); a no-op by default."""


# --- shared HTTP classification ------------------------------------------------------

BODY_EXCERPT = 200


def excerpt(text: str, limit: int = BODY_EXCERPT) -> str:
    """The first ``limit`` characters of a response body, on one line, for a detail."""
    flat = " ".join(text.split())
    return flat[:limit]


def is_retryable_status(status: int) -> bool:
    """408, 429 and 5xx may succeed later; other 4xx will not."""
    return status in (408, 429) or status >= 500


def http_timeout(timeout_s: float) -> httpx.Timeout:
    """One bound for every phase (connect, write, read, pool), so a hanging endpoint
    costs at most about ``timeout_s`` per phase instead of tying up a worker."""
    return httpx.Timeout(
        timeout_s, connect=timeout_s, read=timeout_s, write=timeout_s, pool=timeout_s
    )


def transport_error(exc: httpx.HTTPError | httpx.InvalidURL) -> SendResult:
    """Classify an httpx failure that produced no response.

    Timeouts and network errors are transient (RETRY); a malformed URL or an
    unsupported scheme will never work (FAILED).
    """
    if isinstance(exc, httpx.TimeoutException):
        return SendResult(Outcome.RETRY, detail=f"timed out: {type(exc).__name__}")
    if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError)):
        return SendResult(Outcome.RETRY, detail=f"{type(exc).__name__}: {exc}")
    return SendResult(Outcome.FAILED, detail=f"{type(exc).__name__}: {exc}")
