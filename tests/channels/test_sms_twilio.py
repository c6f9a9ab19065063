"""TwilioSms against a local server that speaks Twilio's request and response shapes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from doorstep.channels.base import Outcome, OutgoingMessage
from doorstep.channels.sms_twilio import StatusUpdate, TwilioSms, parse_status_callback

from .conftest import HttpRecorder, Recorded, Reply

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "tok3n"
PATH = f"/2010-04-01/Accounts/{SID}/Messages.json"


def twilio_error(status: int, code: int, message: str) -> Reply:
    return Reply(
        status,
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
    )


def fake_twilio(request: Recorded) -> Reply:
    """Twilio's create-message endpoint: auth, path and fields checked like Twilio."""
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    if request.headers.get("authorization") != expected:
        return twilio_error(401, 20003, "Authenticate")
    if request.method != "POST" or request.path != PATH:
        return twilio_error(404, 20404, "The requested resource was not found")
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    if not form.get("To", "").startswith("+"):
        return twilio_error(
            400, 21211, f"The 'To' number {form.get('To')} is not a valid phone number."
        )
    return Reply(
        201,
        {
            "sid": "SM" + "0" * 30 + str(len(request.body) % 10) * 2,
            "status": "queued",
            "to": form["To"],
            "from": form["From"],
            "body": form["Body"],
            "num_segments": "1",
            "error_code": None,
        },
    )


@pytest.fixture
def twilio(http_server: HttpRecorder) -> Iterator[TwilioSms]:
    http_server.responder = fake_twilio
    channel = TwilioSms(SID, TOKEN, "+15005550006", base_url=http_server.base_url, timeout_s=5)
    yield channel
    channel.close()


def sms(to: str = "+358401234567", **overrides) -> OutgoingMessage:
    values: dict[str, Any] = dict(
        channel="sms",
        to=to,
        body="Your parcel arrives 14:00–15:00 ✓",
        idempotency_key="order-42-sms-1",
    )
    values.update(overrides)
    return OutgoingMessage(**values)


def form_of(request: Recorded) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.body.decode()).items()}


def test_sent_with_the_sid_and_everything_arrived(
    twilio: TwilioSms, http_server: HttpRecorder
) -> None:
    result = twilio.send(sms(status_callback="https://doorstep.test/hooks/twilio"))

    assert result.outcome is Outcome.SENT, result.detail
    assert result.provider_id is not None and result.provider_id.startswith("SM")
    assert result.status_code == 201
    [request] = http_server.requests
    assert request.headers["i-twilio-idempotency-token"] == "order-42-sms-1"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form_of(request) == {
        "To": "+358401234567",
        "From": "+15005550006",
        "Body": "Your parcel arrives 14:00–15:00 ✓",
        "StatusCallback": "https://doorstep.test/hooks/twilio",
    }


def test_message_sender_overrides_and_no_callback_means_no_field(
    twilio: TwilioSms, http_server: HttpRecorder
) -> None:
    assert twilio.send(sms(sender="Doorstep")).outcome is Outcome.SENT

    form = form_of(http_server.requests[0])
    assert form["From"] == "Doorstep"
    assert "StatusCallback" not in form


def test_invalid_number_fails_with_twilios_code(twilio: TwilioSms) -> None:
    result = twilio.send(sms(to="0401234567"))

    assert result.outcome is Outcome.FAILED
    assert result.status_code == 400
    assert result.detail == "twilio 21211: The 'To' number 0401234567 is not a valid phone number."


def test_wrong_credentials_fail(http_server: HttpRecorder) -> None:
    http_server.responder = fake_twilio
    channel = TwilioSms(SID, "wrong", "+15005550006", base_url=http_server.base_url)

    result = channel.send(sms())

    assert result.outcome is Outcome.FAILED
    assert result.detail == "twilio 20003: Authenticate"
    channel.close()


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (twilio_error(500, 20500, "An internal server error has occurred"), Outcome.RETRY),
        (twilio_error(503, 20503, "Service unavailable"), Outcome.RETRY),
        (twilio_error(429, 20429, "Too Many Requests"), Outcome.RETRY),
        (twilio_error(400, 21610, "Attempt to send to unsubscribed recipient"), Outcome.FAILED),
        (Reply(502, "<html>Bad Gateway</html>"), Outcome.RETRY),
    ],
)
def test_classification(
    twilio: TwilioSms, http_server: HttpRecorder, reply: Reply, outcome: Outcome
) -> None:
    http_server.script.append(reply)

    result = twilio.send(sms())

    assert result.outcome is outcome
    assert result.status_code == reply.status
    assert result.detail


def test_retry_after_a_5xx_sends_the_same_idempotency_token(
    twilio: TwilioSms, http_server: HttpRecorder
) -> None:
    http_server.script.append(twilio_error(500, 20500, "An internal server error has occurred"))

    assert twilio.send(sms()).outcome is Outcome.RETRY
    assert twilio.send(sms()).outcome is Outcome.SENT
    tokens = [r.headers["i-twilio-idempotency-token"] for r in http_server.requests]
    assert tokens == ["order-42-sms-1", "order-42-sms-1"]


def test_timeout_is_retried(http_server: HttpRecorder) -> None:
    http_server.script.append(Reply(201, {"sid": "SMlate"}, hang_s=5))
    channel = TwilioSms(SID, TOKEN, "+15005550006", base_url=http_server.base_url, timeout_s=0.3)

    result = channel.send(sms())

    assert result.outcome is Outcome.RETRY
    assert result.detail is not None and "timed out" in result.detail
    channel.close()


def test_connection_refused_is_retried(closed_port: int) -> None:
    channel = TwilioSms(SID, TOKEN, "+15005550006", base_url=f"http://127.0.0.1:{closed_port}")

    assert channel.send(sms()).outcome is Outcome.RETRY
    channel.close()


def test_a_given_client_is_used_and_left_open(http_server: HttpRecorder) -> None:
    http_server.responder = fake_twilio
    with httpx.Client() as client:
        channel = TwilioSms(
            SID, TOKEN, "+15005550006", base_url=http_server.base_url, client=client
        )
        assert channel.send(sms()).outcome is Outcome.SENT
        channel.close()
        assert not client.is_closed


# --- status callbacks -----------------------------------------------------------------


def test_parse_status_callback() -> None:
    delivered = parse_status_callback(
        {"MessageSid": "SM123", "MessageStatus": "delivered", "AccountSid": SID}
    )
    assert delivered == StatusUpdate("SM123", "delivered", None)
    failed = parse_status_callback(
        {"MessageSid": "SM123", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    )
    assert failed == StatusUpdate("SM123", "undelivered", 30003)
    legacy = parse_status_callback({"SmsSid": "SM9", "SmsStatus": "sent", "ErrorCode": ""})
    assert legacy == StatusUpdate("SM9", "sent", None)


@pytest.mark.parametrize(
    ("form", "complaint"),
    [
        ({"MessageStatus": "sent"}, "MessageSid"),
        ({"MessageSid": "SM1"}, "MessageStatus"),
        ({"MessageSid": "SM1", "MessageStatus": "failed", "ErrorCode": "x"}, "ErrorCode"),
    ],
)
def test_parse_status_callback_refuses_incomplete_forms(
    form: dict[str, str], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_status_callback(form)
