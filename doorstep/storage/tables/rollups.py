"""Finished days, added up once: the logbook row of every vehicle for each past local
day, so a month's report reads a few thousand rows instead of replaying millions of
fixes (``services.rollups``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, IdMixin, UTCDateTime


class ClosedDay(Base):
    """Every vehicle-day of this organisation's local day is in ``vehicle_days``. A fix
    that arrives late for the day reopens it (the rows are computed again)."""

    __tablename__ = "closed_days"

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VehicleDay(IdMixin, Base):
    """One vehicle's logbook row (``services.logbook.LogbookRow``) for a closed day."""

    __tablename__ = "vehicle_days"
    __table_args__ = (
        UniqueConstraint("org_id", "date", "vehicle_id"),
        Index("ix_vehicle_days_org_driver_date", "org_id", "driver_id", "date"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL")
    )
    row: Mapped[dict[str, Any]] = mapped_column(JSON)


class RouteDay(IdMixin, Base):
    """One route's day of deliveries added up (``services.route_summaries``), for a
    closed day."""

    __tablename__ = "route_days"
    __table_args__ = (
        UniqueConstraint("org_id", "date", "route_id"),
        Index("ix_route_days_org_driver_date", "org_id", "driver_id", "date"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    date: Mapped[date] = mapped_column(Date)
    route_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"))
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL")
    )
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
