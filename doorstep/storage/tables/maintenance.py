"""Maintenance: service schedules per vehicle and the record of services done."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Float, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, OrgMixin


class MaintenanceSchedule(OrgMixin, Base):
    """How often a vehicle needs one kind of service, and where its interval started.

    The baseline (``last_done_*``) is on the scale of the vehicle's live odometer (the
    device's own when it reports one, else Doorstep's running total), so a service
    recorded through Doorstep resets it consistently. ``level`` is the highest level
    announced in the current interval (``ok`` after a service); it only rises, so each
    level is announced once per interval.
    """

    __tablename__ = "maintenance_schedules"
    __table_args__ = (UniqueConstraint("vehicle_id", "name"),)

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    every_km: Mapped[float | None] = mapped_column(Float)
    every_engine_hours: Mapped[float | None] = mapped_column(Float)
    every_days: Mapped[int | None] = mapped_column(Integer)
    margin_km: Mapped[float] = mapped_column(Float, default=1000.0)
    margin_engine_hours: Mapped[float] = mapped_column(Float, default=25.0)
    margin_days: Mapped[int] = mapped_column(Integer, default=14)
    last_done_on: Mapped[date] = mapped_column(Date)
    last_done_odometer_km: Mapped[float | None] = mapped_column(Float)
    last_done_engine_hours: Mapped[float | None] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(10), default="ok")
    active: Mapped[bool] = mapped_column(default=True)


class ServiceRecord(OrgMixin, Base):
    """A service or repair done to a vehicle; history, never a schedule's state."""

    __tablename__ = "service_records"

    vehicle_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    schedule_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("maintenance_schedules.id", ondelete="SET NULL"), index=True
    )
    done_on: Mapped[date] = mapped_column(Date)
    odometer_km: Mapped[float | None] = mapped_column(Float)
    engine_hours: Mapped[float | None] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(20), default="scheduled")
    description: Mapped[str] = mapped_column(String(2000), default="")
    cost: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    created_by: Mapped[str] = mapped_column(String(200), default="")
