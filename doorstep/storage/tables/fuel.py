"""Fuel bought for a vehicle: what fuel-tax returns need beside the kilometres
(``services.fuel_tax``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Float, ForeignKey, Index, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, OrgMixin, UTCDateTime


class FuelPurchase(OrgMixin, Base):
    """One fill-up. ``jurisdiction`` is the name of the jurisdiction zone it was bought
    in, found from where it was bought or given by name; ``receipt`` (the fuel card's
    or the till's number) makes a second record of the same receipt a conflict."""

    __tablename__ = "fuel_purchases"
    __table_args__ = (
        Index("ix_fuel_purchases_org_time", "org_id", "purchased_at"),
        UniqueConstraint("org_id", "vehicle_id", "receipt"),
    )

    vehicle_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    jurisdiction: Mapped[str] = mapped_column(String(200))
    litres: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    cost: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    currency: Mapped[str] = mapped_column(String(3))
    receipt: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(200), default="")
