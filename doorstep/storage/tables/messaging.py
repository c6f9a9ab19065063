"""Everything Doorstep says to the outside world: the outbox, contacts, chat, webhooks.

The outbox is written in the same transaction as the change that caused a message, so
a message exists exactly when its cause committed; senders only ever read it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, OrgMixin, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer, "sqlite")


class OutboxMessage(Base):
    """One message to send: an SMS, an email or a webhook delivery.

    status: pending -> sending (claimed, under a lease) -> sent | failed | dead |
    cancelled; a temporary failure goes back to pending with a later ``not_before``.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("org_id", "dedupe_key", name="uq_outbox_org_dedupe"),
        Index("ix_outbox_due", "status", "not_before"),
        Index("ix_outbox_order", "order_id"),
        Index("ix_outbox_subscription", "subscription_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    # The notification rule ("arriving"), "chat", or the webhook's event type.
    kind: Mapped[str] = mapped_column(String(40))
    order_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"))
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    recipient: Mapped[str] = mapped_column(String(1000))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(10))
    # What must still hold when it is sent (order statuses, window) or it is cancelled.
    expect: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    # When the cause happened: the delay a recipient feels is measured from here.
    event_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    provider_id: Mapped[str | None] = mapped_column(String(100))
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxAttempt(Base):
    """One try at sending an outbox message: the delivery log."""

    __tablename__ = "outbox_attempts"
    __table_args__ = (Index("ix_outbox_attempts_message", "outbox_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float | None] = mapped_column()


class Contact(OrgMixin, Base):
    """What an organisation knows about one phone number or email address."""

    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("org_id", "channel", "address"),)

    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opted_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounce_reason: Mapped[str | None] = mapped_column(Text)
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Conversation(OrgMixin, Base):
    """The chat of one order between its recipient, its driver and dispatchers."""

    __tablename__ = "conversations"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    # Set when the order is delivered or failed; after it nobody can write.
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The recipient wrote by SMS: the driver's replies are relayed to their phone.
    relay_sms: Mapped[bool] = mapped_column(Boolean, default=False)


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (Index("ix_chat_messages_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    conversation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE")
    )
    # recipient | driver | dispatcher | system
    author: Mapped[str] = mapped_column(String(16))
    author_name: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    via: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Read by the other side (the recipient for staff messages, staff for the recipient's).
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookSubscription(OrgMixin, Base):
    __tablename__ = "webhook_subscriptions"

    url: Mapped[str] = mapped_column(String(1000))
    secret: Mapped[str] = mapped_column(String(100))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(String(200))


class DriverMessage(OrgMixin, Base):
    """A dispatcher's message or alert to one driver, shown on the driver's phone."""

    __tablename__ = "driver_messages"
    __table_args__ = (Index("ix_driver_messages_driver_at", "driver_id", "at"),)

    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    author_name: Mapped[str] = mapped_column(String(200))
    author_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
