"""Recipients, orders and the append-only log of everything that happened to an order."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, OrgMixin, PointMixin, UTCDateTime, utcnow


class Customer(OrgMixin, Base):
    __tablename__ = "customers"

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=True)
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True)
    external_ref: Mapped[str | None] = mapped_column(String(100))


class Order(PointMixin, OrgMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("org_id", "external_ref"),
        Index("ix_orders_org_status", "org_id", "status"),
    )

    external_ref: Mapped[str | None] = mapped_column(String(100))
    tracking_code: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(String(24), default="created")
    customer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_phone: Mapped[str | None] = mapped_column(String(32))
    recipient_email: Mapped[str | None] = mapped_column(String(320))
    address: Mapped[str] = mapped_column(String(500))
    postcode: Mapped[str | None] = mapped_column(String(20))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    service_minutes: Mapped[float] = mapped_column(Float, default=5.0)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    volume_m3: Mapped[float | None] = mapped_column(Float)
    items: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    instructions: Mapped[str | None] = mapped_column(Text)
    gate_code: Mapped[str | None] = mapped_column(String(50))
    dog_warning: Mapped[bool] = mapped_column(Boolean, default=False)
    safe_place: Mapped[str | None] = mapped_column(String(200))
    # A one-time code the recipient tells the driver, when the organisation asks for it.
    delivery_pin: Mapped[str | None] = mapped_column(String(8))
    depot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    # What the vehicle must offer: "refrigerated", "tail_lift", ...
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Pickup-and-delivery: the goods are collected here first, by the same van.
    pickup_address: Mapped[str | None] = mapped_column(String(500))
    pickup_lat: Mapped[float | None] = mapped_column(Float)
    pickup_lon: Mapped[float | None] = mapped_column(Float)
    pickup_window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pickup_window_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    pickup_service_minutes: Mapped[float | None] = mapped_column(Float)

    @property
    def pickup(self) -> dict[str, Any] | None:
        if self.pickup_lat is None or self.pickup_lon is None:
            return None
        return {
            "address": self.pickup_address,
            "location": {"lat": self.pickup_lat, "lon": self.pickup_lon},
            "window_start": self.pickup_window_start,
            "window_end": self.pickup_window_end,
            "service_minutes": self.pickup_service_minutes,
        }

    @property
    def recipient(self) -> dict[str, str | None]:
        return {
            "name": self.recipient_name,
            "phone": self.recipient_phone,
            "email": self.recipient_email,
        }


class OrderEvent(Base):
    """Append-only: a row is never updated or deleted while its order exists."""

    __tablename__ = "order_events"
    __table_args__ = (
        Index("ix_order_events_order", "order_id", "id"),
        Index("ix_order_events_org_at", "org_id", "at"),  # reports over a period
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @property
    def actor(self) -> dict[str, str | None]:
        return {"type": self.actor_type, "id": self.actor_id, "name": self.actor_name}

    @property
    def location(self) -> dict[str, float] | None:
        if self.lat is None or self.lon is None:
            return None
        return {"lat": self.lat, "lon": self.lon}


class Rating(OrgMixin, Base):
    """The recipient's rating of a delivered order: one per order, never edited."""

    __tablename__ = "ratings"

    order_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), unique=True
    )
    stars: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    on_time: Mapped[bool | None] = mapped_column(Boolean)
    courteous: Mapped[bool | None] = mapped_column(Boolean)
    package_ok: Mapped[bool | None] = mapped_column(Boolean)
