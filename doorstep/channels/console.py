"""Channels that only log: for the demo and for development without SMTP or Twilio."""

from __future__ import annotations

import logging
from typing import ClassVar

from doorstep.channels.base import Channel, Outcome, OutgoingMessage, SendResult

log = logging.getLogger("doorstep.channels.console")


class ConsoleSms(Channel):
    """Logs the SMS instead of sending it; always SENT."""

    kind: ClassVar[str] = "sms"

    def send(self, message: OutgoingMessage) -> SendResult:
        log.info(
            "SMS to %s from %s [%s]: %s",
            message.to,
            message.sender or "default",
            message.idempotency_key,
            message.body,
        )
        return SendResult(Outcome.SENT, provider_id=f"console-{message.idempotency_key}")


class ConsoleEmail(Channel):
    """Logs the email instead of sending it; always SENT."""

    kind: ClassVar[str] = "email"

    def send(self, message: OutgoingMessage) -> SendResult:
        log.info(
            "Email to %s from %s [%s]: %s\n%s%s",
            message.to,
            message.sender or "default",
            message.idempotency_key,
            message.subject or "(no subject)",
            message.body,
            " (+HTML part)" if message.html else "",
        )
        return SendResult(Outcome.SENT, provider_id=f"console-{message.idempotency_key}")
