"""Depots, vehicles, drivers and the tracker devices that report their positions."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, OrgMixin, PointMixin, UTCDateTime


class Depot(PointMixin, OrgMixin, Base):
    __tablename__ = "depots"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class Vehicle(OrgMixin, Base):
    __tablename__ = "vehicles"

    name: Mapped[str] = mapped_column(String(200))
    plate: Mapped[str | None] = mapped_column(String(32))
    vehicle_type: Mapped[str] = mapped_column(String(20), default="van")
    fuel_type: Mapped[str] = mapped_column(String(20), default="diesel")
    # litres (or kWh for electric) per 100 km
    consumption_per_100km: Mapped[float | None] = mapped_column(Float)
    capacity_weight_kg: Mapped[float | None] = mapped_column(Float)
    capacity_volume_m3: Mapped[float | None] = mapped_column(Float)
    capacity_items: Mapped[int | None] = mapped_column(Integer)
    # What the vehicle offers that some orders need: "refrigerated", "tail_lift", ...
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    depot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    active: Mapped[bool] = mapped_column(default=True)
    # When it may be used: {"mon": [["06:00", "22:00"]], ...} in the organisation's time
    # zone (schemas.fleet.AllowedHours); None: at any time.
    allowed_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Where it belongs when parked; leaving it is a theft alert.
    designated_zone_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("zones.id", ondelete="SET NULL")
    )


class Carrier(OrgMixin, Base):
    """A subcontractor whose drivers deliver for the organisation: paid as one payee,
    on its own statement, for all its drivers' work."""

    __tablename__ = "carriers"

    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    tax_ref: Mapped[str | None] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(default=True)


class Driver(OrgMixin, Base):
    __tablename__ = "drivers"

    name: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(320))
    photo_url: Mapped[str | None] = mapped_column(String(1000))
    depot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL")
    )
    # Local wall-clock times in the organisation's time zone.
    shift_start: Mapped[time | None] = mapped_column(Time)
    shift_end: Mapped[time | None] = mapped_column(Time)
    max_shift_minutes: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True)
    # Drives for a subcontracted carrier: the carrier is paid for their work, not them.
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("carriers.id", ondelete="SET NULL")
    )


class Device(OrgMixin, Base):
    """A tracker: a phone app or a GPS box, known by the identifier it sends."""

    __tablename__ = "devices"
    __table_args__ = (UniqueConstraint("identifier"),)

    name: Mapped[str] = mapped_column(String(200))
    identifier: Mapped[str] = mapped_column(String(100))
    protocol: Mapped[str] = mapped_column(String(20), default="osmand")
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL")
    )
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(default=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The native API's token, as a SHA-256 hash (shown once when made).
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)


class Zone(OrgMixin, Base):
    """A geofence: a circle (``lat``, ``lon``, ``radius_m``) or a polygon (``polygon``
    as [{"lat", "lon"}, ...]). ``kind`` says what it is for (depot, customer, parking,
    restricted, jurisdiction, designated_area)."""

    __tablename__ = "zones"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="customer")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    radius_m: Mapped[float | None] = mapped_column(Float)
    polygon: Mapped[list[dict[str, float]] | None] = mapped_column(JSON)
    restricted: Mapped[bool] = mapped_column(default=False)
    dwell_minutes: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def location(self) -> dict[str, float] | None:
        """The centre of a circle zone; None for a polygon."""
        if self.lat is None or self.lon is None:
            return None
        return {"lat": self.lat, "lon": self.lon}
