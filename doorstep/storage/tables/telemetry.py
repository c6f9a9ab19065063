"""What trackers report: every accepted fix, each device's live state, and the events
the detectors raise."""

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
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, UTCDateTime

BIGINT = BigInteger().with_variant(Integer, "sqlite")


class PingRow(Base):
    """A stored fix. One per device and fix time: a repeat is not stored twice."""

    __tablename__ = "pings"
    __table_args__ = (
        UniqueConstraint("device_id", "time"),
        Index("ix_pings_vehicle_time", "vehicle_id", "time"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    # Not indexed alone: every read goes by vehicle or device and time, and an index
    # more costs every stored fix its upkeep.
    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL")
    )
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    received: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)  # m/s
    heading: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    altitude: Mapped[float | None] = mapped_column(Float)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    protocol: Mapped[str] = mapped_column(String(20))
    attributes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LiveState(Base):
    """The newest live fix of each device and what follows from it, for the live map
    and for picking the pipeline up again after a restart."""

    __tablename__ = "live_states"

    device_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL"), index=True
    )
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    speed: Mapped[float | None] = mapped_column(Float)
    heading: Mapped[float | None] = mapped_column(Float)
    accuracy: Mapped[float | None] = mapped_column(Float)
    odometer_m: Mapped[float] = mapped_column(Float, default=0.0)
    motion: Mapped[str | None] = mapped_column(String(10))
    ignition: Mapped[bool | None] = mapped_column(Boolean)
    battery: Mapped[float | None] = mapped_column(Float)


class TelemetryEvent(Base):
    """Something a detector saw (speeding, harsh braking, a trip, ...), with the fixes and
    thresholds that made it fire in ``data``."""

    __tablename__ = "telemetry_events"
    __table_args__ = (
        Index("ix_telemetry_events_vehicle_time", "vehicle_id", "time"),
        # The offline sweep asks "any device_offline since its last fix?" per device.
        Index("ix_telemetry_events_device_kind_time", "device_id", "kind", "time"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True, autoincrement=True)
    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # None for events about a vehicle rather than a tracker (maintenance due).
    device_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("devices.id", ondelete="CASCADE")
    )
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(40))
    time: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
