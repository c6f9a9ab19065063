"""SmtpChannel against a real aiosmtpd server."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

import pytest

from doorstep.channels.base import Outcome, OutgoingMessage
from doorstep.channels.email_smtp import SmtpChannel, message_id, parse_smtp_url

from .conftest import PASSWORD, USER, SmtpFactory


def mail(key: str = "order-42-out", **overrides) -> OutgoingMessage:
    values: dict[str, Any] = dict(
        channel="email",
        to="anna@example.org",
        body="Your parcel arrives between 14:00 and 15:00.",
        idempotency_key=key,
        subject="Your delivery today",
        html="<p>Your parcel arrives between <b>14:00</b> and 15:00.</p>",
    )
    values.update(overrides)
    return OutgoingMessage(**values)


def received(envelope) -> EmailMessage:
    msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_plain_send_carries_text_and_html_parts(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    channel = SmtpChannel.from_url(
        f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test&timeout=5"
    )

    result = channel.send(mail())

    assert result.outcome is Outcome.SENT
    assert result.provider_id == "<order-42-out@doorstep>"
    [envelope] = server.recorder.envelopes
    assert envelope.mail_from == "noreply@doorstep.test"
    assert envelope.rcpt_tos == ["anna@example.org"]
    msg = received(envelope)
    assert msg["Subject"] == "Your delivery today"
    assert msg["From"] == "noreply@doorstep.test"
    assert msg["To"] == "anna@example.org"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "between 14:00 and 15:00" in text.get_content()
    assert "<b>14:00</b>" in html.get_content()


def test_a_retried_message_keeps_its_message_id(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test")

    first = channel.send(mail("same-key"))
    second = channel.send(mail("same-key"))
    other = channel.send(mail("other-key"))

    ids = [received(e)["Message-ID"] for e in server.recorder.envelopes]
    assert ids[0] == ids[1] == first.provider_id == second.provider_id
    assert ids[2] == other.provider_id != ids[0]


def test_text_only_message_and_message_sender_override(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test")

    result = channel.send(mail(html=None, sender="shop@merchant.test"))

    assert result.outcome is Outcome.SENT
    msg = received(server.recorder.envelopes[0])
    assert msg.get_content_type() == "text/plain"
    assert msg["From"] == "shop@merchant.test"


@pytest.mark.parametrize("mechanism", ["plain", "login"])
def test_auth_with_the_right_credentials(smtp_servers: SmtpFactory, mechanism: str) -> None:
    server = smtp_servers.start(auth=True)
    url = (
        f"smtp://{USER}:{quote(PASSWORD)}@127.0.0.1:{server.port}"
        f"?from=noreply@doorstep.test&auth={mechanism}"
    )

    result = SmtpChannel.from_url(url).send(mail())

    assert result.outcome is Outcome.SENT
    assert len(server.recorder.envelopes) == 1


def test_auth_negotiated_by_smtplib(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start(auth=True)
    url = f"smtp://{USER}:{quote(PASSWORD)}@127.0.0.1:{server.port}?from=noreply@doorstep.test"

    assert SmtpChannel.from_url(url).send(mail()).outcome is Outcome.SENT


@pytest.mark.parametrize("mechanism", ["plain", "login"])
def test_auth_with_wrong_credentials_fails(smtp_servers: SmtpFactory, mechanism: str) -> None:
    server = smtp_servers.start(auth=True)
    url = f"smtp://{USER}:wrong@127.0.0.1:{server.port}?from=noreply@doorstep.test&auth={mechanism}"

    result = SmtpChannel.from_url(url).send(mail())

    assert result.outcome is Outcome.FAILED
    assert result.detail is not None and "authentication failed" in result.detail
    assert "535" in result.detail
    assert server.recorder.envelopes == []


def test_starttls_with_the_ca_file(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start(starttls=True)  # refuses MAIL before STARTTLS
    url = (
        f"smtp+starttls://127.0.0.1:{server.port}?from=noreply@doorstep.test&cafile={server.cafile}"
    )

    result = SmtpChannel.from_url(url).send(mail())

    assert result.outcome is Outcome.SENT, result.detail
    assert len(server.recorder.envelopes) == 1


def test_starttls_opportunistic_on_plain_smtp(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start(starttls=True)
    url = f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test&cafile={server.cafile}"

    assert SmtpChannel.from_url(url).send(mail()).outcome is Outcome.SENT


def test_starttls_without_verification(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start(starttls=True)
    url = f"smtp+starttls://127.0.0.1:{server.port}?from=noreply@doorstep.test&verify=false"

    assert SmtpChannel.from_url(url).send(mail()).outcome is Outcome.SENT


def test_starttls_refuses_an_unknown_certificate(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start(starttls=True)
    url = f"smtp+starttls://127.0.0.1:{server.port}?from=noreply@doorstep.test"

    result = SmtpChannel.from_url(url).send(mail())

    assert result.outcome is Outcome.FAILED
    assert result.detail is not None and "certificate" in result.detail
    assert server.recorder.envelopes == []


def test_starttls_required_but_not_offered(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    url = f"smtp+starttls://127.0.0.1:{server.port}?from=noreply@doorstep.test"

    result = SmtpChannel.from_url(url).send(mail())

    assert result.outcome is Outcome.FAILED
    assert result.detail is not None and "STARTTLS" in result.detail
    assert server.recorder.envelopes == []


def test_implicit_tls(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start(implicit_tls=True)
    url = f"smtps://127.0.0.1:{server.port}?from=noreply@doorstep.test&cafile={server.cafile}"

    result = SmtpChannel.from_url(url).send(mail())

    assert result.outcome is Outcome.SENT, result.detail
    assert len(server.recorder.envelopes) == 1


def test_recipient_refused_permanently_is_a_bounce(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    server.recorder.rcpt_reply = "550 5.1.1 No such user here"
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test")

    result = channel.send(mail())

    assert result.outcome is Outcome.FAILED
    assert result.bounced is True
    assert result.detail is not None and "550" in result.detail and "No such user" in result.detail


def test_recipient_deferred_is_retried(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    server.recorder.rcpt_reply = "451 4.7.1 Greylisted, try again later"
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test")

    result = channel.send(mail())

    assert result.outcome is Outcome.RETRY
    assert result.bounced is False


def test_server_451_on_data_is_retried(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    server.recorder.data_reply = "451 4.3.0 Local error in processing"
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test")

    result = channel.send(mail())

    assert result.outcome is Outcome.RETRY
    assert result.detail is not None and "451" in result.detail


def test_server_554_on_data_fails_without_bounce(smtp_servers: SmtpFactory) -> None:
    server = smtp_servers.start()
    server.recorder.data_reply = "554 5.7.1 Message rejected as spam"
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{server.port}?from=noreply@doorstep.test")

    result = channel.send(mail())

    assert result.outcome is Outcome.FAILED
    assert result.bounced is False


def test_server_not_listening_is_retried(closed_port: int) -> None:
    channel = SmtpChannel.from_url(f"smtp://127.0.0.1:{closed_port}?from=noreply@doorstep.test")

    result = channel.send(mail())

    assert result.outcome is Outcome.RETRY
    assert result.detail is not None


def test_no_sender_anywhere_fails_before_connecting(closed_port: int) -> None:
    result = SmtpChannel.from_url(f"smtp://127.0.0.1:{closed_port}").send(mail())

    assert result.outcome is Outcome.FAILED
    assert result.detail is not None and "sender" in result.detail


def test_header_injection_in_the_recipient_fails() -> None:
    channel = SmtpChannel.from_url("smtp://127.0.0.1:1?from=noreply@doorstep.test")

    result = channel.send(mail(to="anna@example.org\r\nBcc: all@example.org"))

    assert result.outcome is Outcome.FAILED


# --- URL parsing ----------------------------------------------------------------------


def test_url_forms() -> None:
    plain = parse_smtp_url("smtp://u%40x:p%3Aw@mail.example.com?from=a@b.c&timeout=3")
    assert (plain.host, plain.port, plain.security, plain.starttls) == (
        "mail.example.com",
        25,
        "plain",
        "auto",
    )
    assert (plain.username, plain.password, plain.sender, plain.timeout_s) == (
        "u@x",
        "p:w",
        "a@b.c",
        3.0,
    )
    assert parse_smtp_url("smtps://h").port == 465
    starttls = parse_smtp_url("smtp+starttls://h")
    assert (starttls.port, starttls.starttls) == (587, "required")
    assert parse_smtp_url("smtp://h?starttls=required").starttls == "required"
    insecure = parse_smtp_url("smtp://h:2525?verify=false&cafile=/etc/ca.pem")
    assert (insecure.port, insecure.verify, insecure.cafile) == (2525, False, "/etc/ca.pem")


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("http://mail.example.com", "unknown scheme"),
        ("mail.example.com", "unknown scheme"),
        ("smtp://", "no host"),
        ("smtp://user@:25", "no host"),
        ("smtp://h:notaport", "bad port"),
        ("smtp://h:70000", "bad port"),
        ("smtp://h?timeout=soon", "timeout"),
        ("smtp://h?verify=maybe", "verify"),
        ("smtp://h?auth=xoauth2", "auth"),
        ("smtp://h?form=a@b.c", "unknown option"),
    ],
)
def test_malformed_urls_are_refused_clearly(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        SmtpChannel.from_url(url)


def test_message_ids_stay_valid_for_awkward_keys() -> None:
    assert message_id("abc-1") == "<abc-1@doorstep>"
    awkward = message_id("order 42/<out>@x")
    assert awkward == message_id("order 42/<out>@x")
    assert " " not in awkward and awkward.count("@") == 1
