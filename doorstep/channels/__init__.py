"""Outgoing message transports (email, SMS, webhooks) for notifications.

Each channel turns an ``OutgoingMessage`` into one delivery attempt and classifies the
outcome (sent, retry later, failed for good) instead of raising, so the sending worker
decides about retries in one place. I/O lives here; the package imports only
``doorstep.domain`` and ``doorstep.config`` of Doorstep.
"""

from doorstep.channels.base import Channel, Outcome, OutgoingMessage, SendResult

__all__ = ["Channel", "Outcome", "OutgoingMessage", "SendResult"]
