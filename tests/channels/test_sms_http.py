"""HttpTemplateSms against a real recording HTTP server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from doorstep.channels.base import Outcome, OutgoingMessage
from doorstep.channels.sms_http import HttpTemplateSms

from .conftest import HttpRecorder, Reply

JSON_TEMPLATE = (
    '{"recipient": {{ to|tojson }}, "text": {{ body|tojson }}, '
    '"originator": {{ sender|tojson }}, "reference": {{ idempotency_key|tojson }}}'
)


def sms(**overrides) -> OutgoingMessage:
    values: dict[str, Any] = dict(
        channel="sms",
        to="+358401234567",
        body='Driver "Mika" arrives 14:05 & waits <5 min>\nThanks!',
        idempotency_key="order-42-sms-1",
    )
    values.update(overrides)
    return OutgoingMessage(**values)


def test_json_body_from_a_string_template(http_server: HttpRecorder) -> None:
    http_server.responder = lambda _r: Reply(202, {"data": {"message_id": "gw-991"}})
    channel = HttpTemplateSms(
        f"{http_server.base_url}/send",
        JSON_TEMPLATE,
        headers={"Authorization": "Bearer gw-key"},
        id_field="data.message_id",
        sender="Doorstep",
    )

    result = channel.send(sms())

    assert result.outcome is Outcome.SENT, result.detail
    assert result.provider_id == "gw-991"
    assert result.status_code == 202
    [request] = http_server.requests
    assert (request.method, request.path) == ("POST", "/send")
    assert request.headers["authorization"] == "Bearer gw-key"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "recipient": "+358401234567",
        "text": 'Driver "Mika" arrives 14:05 & waits <5 min>\nThanks!',
        "originator": "Doorstep",
        "reference": "order-42-sms-1",
    }
    channel.close()


def test_json_body_from_field_templates(http_server: HttpRecorder) -> None:
    channel = HttpTemplateSms(
        http_server.base_url,
        {"to": "{{ to }}", "message": "{{ body }}", "id": "ds-{{ idempotency_key }}"},
    )

    assert channel.send(sms(sender="Shop")).outcome is Outcome.SENT

    assert http_server.requests[0].json() == {
        "to": "+358401234567",
        "message": 'Driver "Mika" arrives 14:05 & waits <5 min>\nThanks!',
        "id": "ds-order-42-sms-1",
    }


def test_form_body(http_server: HttpRecorder) -> None:
    http_server.responder = lambda _r: Reply(200, {"id": 12345})
    channel = HttpTemplateSms(
        http_server.base_url + "/api",
        {"dst": "{{ to }}", "msg": "{{ body }}", "src": "{{ sender }}"},
        content_type="form",
        id_field="id",
    )

    result = channel.send(sms(sender="+3584500000"))

    assert result.outcome is Outcome.SENT
    assert result.provider_id == "12345"
    request = http_server.requests[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
    assert form == {
        "dst": "+358401234567",
        "msg": 'Driver "Mika" arrives 14:05 & waits <5 min>\nThanks!',
        "src": "+3584500000",
    }


def test_form_body_from_a_string_template(http_server: HttpRecorder) -> None:
    channel = HttpTemplateSms(
        http_server.base_url,
        "to={{ to|urlencode }}&text={{ body|urlencode }}",
        content_type="form",
    )

    assert channel.send(sms()).outcome is Outcome.SENT

    form = {k: v[0] for k, v in parse_qs(http_server.requests[0].body.decode()).items()}
    assert form["to"] == "+358401234567"
    assert form["text"].startswith('Driver "Mika"')


def test_get_with_query_parameters(http_server: HttpRecorder) -> None:
    channel = HttpTemplateSms(
        http_server.base_url + "/sms",
        {"to": "{{ to }}", "text": "{{ body }}"},
        method="GET",
        content_type="form",
    )

    assert channel.send(sms()).outcome is Outcome.SENT

    request = http_server.requests[0]
    assert request.method == "GET"
    url = urlsplit(request.path)
    assert url.path == "/sms"
    assert parse_qs(url.query)["to"] == ["+358401234567"]


def test_configured_success_statuses(http_server: HttpRecorder) -> None:
    channel = HttpTemplateSms(http_server.base_url, JSON_TEMPLATE, success_statuses={201})
    http_server.script += [Reply(201, {}), Reply(200, {})]

    assert channel.send(sms()).outcome is Outcome.SENT
    assert channel.send(sms()).outcome is Outcome.FAILED


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (429, Outcome.RETRY),
        (408, Outcome.RETRY),
        (400, Outcome.FAILED),
        (401, Outcome.FAILED),
        (404, Outcome.FAILED),
    ],
)
def test_classification(http_server: HttpRecorder, status: int, outcome: Outcome) -> None:
    http_server.script.append(Reply(status, {"error": "gateway says no " + "x" * 500}))
    channel = HttpTemplateSms(http_server.base_url, JSON_TEMPLATE)

    result = channel.send(sms())

    assert result.outcome is outcome
    assert result.status_code == status
    assert result.detail is not None and result.detail.startswith(f"HTTP {status}: ")
    assert "gateway says no" in result.detail
    assert len(result.detail) <= len(f"HTTP {status}: ") + 200


def test_missing_id_field_still_sent(http_server: HttpRecorder) -> None:
    http_server.script.append(Reply(200, "OK queued"))
    channel = HttpTemplateSms(http_server.base_url, JSON_TEMPLATE, id_field="id")

    result = channel.send(sms())

    assert result.outcome is Outcome.SENT
    assert result.provider_id is None


def test_connection_refused_is_retried(closed_port: int) -> None:
    channel = HttpTemplateSms(f"http://127.0.0.1:{closed_port}/send", JSON_TEMPLATE)

    assert channel.send(sms()).outcome is Outcome.RETRY


def test_a_body_that_breaks_json_at_send_time_fails(http_server: HttpRecorder) -> None:
    # Without |tojson the sample renders to valid JSON only by luck of its characters;
    # this template quotes the body itself, so a quote in a real body breaks it.
    channel = HttpTemplateSms(http_server.base_url, '{"text": "{{ idempotency_key }}"}')

    result = channel.send(sms(idempotency_key='has "quotes"'))

    assert result.outcome is Outcome.FAILED
    assert result.detail is not None and "JSON" in result.detail
    assert http_server.requests == []


@pytest.mark.parametrize(
    ("kwargs", "complaint"),
    [
        ({"body_template": '{"to": {{ to|tojson }'}, "syntax error"),
        ({"body_template": '{"to": {{ phone|tojson }}}'}, "unknown variable.*phone"),
        ({"body_template": '{"text": "{{ body }}"}'}, "not valid JSON"),
        ({"body_template": "{{ body.__class__.__mro__ }}"}, "does not render: SecurityError"),
        ({"body_template": "{{ range(10**9)|list|tojson }}"}, "does not render"),
        ({"body_template": {"to": "{% for %}"}}, "field 'to' has a syntax error"),
        ({"body_template": "{}", "method": "PUT"}, "POST or GET"),
        ({"body_template": "{}", "method": "GET"}, "GET"),
        ({"body_template": "{}", "content_type": "xml"}, "json or form"),
        ({"body_template": "{}", "url": "ftp://gw"}, "http"),
        ({"body_template": "{}", "success_statuses": []}, "success status"),
    ],
)
def test_bad_configuration_is_refused_at_construction(kwargs: dict, complaint: str) -> None:
    kwargs = {"url": "http://127.0.0.1:9/send", **kwargs}
    with pytest.raises(ValueError, match=complaint):
        HttpTemplateSms(**kwargs)


def test_the_sandbox_blocks_python_internals() -> None:
    template = '{"x": {{ body.__class__.__init__.__globals__|tojson }}}'
    with pytest.raises(ValueError, match="SecurityError"):
        HttpTemplateSms("http://127.0.0.1:9/send", template)
