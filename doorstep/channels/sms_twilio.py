"""SMS through Twilio's Messages API, and the parser for its status callbacks.

Twilio's idempotency token header makes a retried POST (same ``idempotency_key``) safe:
Twilio answers with the first attempt's message instead of sending a second SMS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

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


class TwilioSms(Channel):
    """Sends SMS with one Twilio account; failures come back classified."""

    kind: ClassVar[str] = "sms"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        timeout_s: float = 10,
        client: httpx.Client | None = None,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio needs an account SID and an auth token")
        self.account_sid = account_sid
        self.from_number = from_number
        self.url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._auth = httpx.BasicAuth(account_sid, auth_token)
        self._timeout = http_timeout(timeout_s)
        # A client we made is ours to close; one we were given belongs to the caller.
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=self._timeout)

    def send(self, message: OutgoingMessage) -> SendResult:
        form = {"To": message.to, "From": message.sender or self.from_number, "Body": message.body}
        if message.status_callback:
            form["StatusCallback"] = message.status_callback
        try:
            response = self._client.post(
                self.url,
                data=form,
                auth=self._auth,
                headers={"I-Twilio-Idempotency-Token": message.idempotency_key},
                timeout=self._timeout,
            )
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            return transport_error(exc)
        return classify_response(response)

    def close(self) -> None:
        if self._owns_client:
            self._client.close()


def classify_response(response: httpx.Response) -> SendResult:
    """Turn Twilio's answer into a result: 2xx sent (the SID as provider id), 408/429/5xx
    retry, other 4xx failed with Twilio's error code and message."""
    status = response.status_code
    payload = _json(response)
    if 200 <= status < 300:
        sid = payload.get("sid")
        return SendResult(Outcome.SENT, provider_id=str(sid) if sid else None, status_code=status)
    code = payload.get("code")
    text = payload.get("message")
    if code is not None or text is not None:
        detail = f"twilio {code}: {text}" if code is not None else f"twilio: {text}"
    else:
        detail = f"twilio HTTP {status}: {excerpt(response.text)}"
    outcome = Outcome.RETRY if is_retryable_status(status) else Outcome.FAILED
    return SendResult(outcome, detail=detail, status_code=status)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class StatusUpdate:
    """One Twilio status callback: which message, its new status, and Twilio's error
    code when delivery failed (e.g. 30003 unreachable handset)."""

    sid: str
    status: str  # queued, sent, delivered, undelivered, failed, ...
    error_code: int | None = None


def parse_status_callback(form: Mapping[str, str]) -> StatusUpdate:
    """Read a status callback's form fields; ValueError when the essentials are missing.

    Check the request's ``X-Twilio-Signature`` (``domain.signatures.verify_twilio``)
    before trusting what this returns.
    """
    sid = form.get("MessageSid") or form.get("SmsSid")
    status = form.get("MessageStatus") or form.get("SmsStatus")
    if not sid:
        raise ValueError("status callback has no MessageSid")
    if not status:
        raise ValueError("status callback has no MessageStatus")
    raw_code = (form.get("ErrorCode") or "").strip()
    error_code: int | None = None
    if raw_code:
        try:
            error_code = int(raw_code)
        except ValueError:
            raise ValueError(f"status callback has a non-numeric ErrorCode {raw_code!r}") from None
    return StatusUpdate(sid=sid, status=status.lower(), error_code=error_code)
