"""The demo's logging channels."""

from __future__ import annotations

import logging

import pytest

from doorstep.channels.base import Outcome, OutgoingMessage
from doorstep.channels.console import ConsoleEmail, ConsoleSms


def test_console_sms_logs_and_reports_sent(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="doorstep.channels.console")
    message = OutgoingMessage("sms", "+358401234567", "Arriving at 14:05", "k-1")

    result = ConsoleSms().send(message)

    assert (result.outcome, result.provider_id) == (Outcome.SENT, "console-k-1")
    [record] = caplog.records
    assert record.name == "doorstep.channels.console"
    assert "+358401234567" in record.getMessage() and "Arriving at 14:05" in record.getMessage()


def test_console_email_logs_and_reports_sent(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="doorstep.channels.console")
    message = OutgoingMessage("email", "anna@example.org", "Arriving", "k-2", subject="Today")

    result = ConsoleEmail().send(message)

    assert (result.outcome, result.provider_id) == (Outcome.SENT, "console-k-2")
    assert "anna@example.org" in caplog.text and "Today" in caplog.text
