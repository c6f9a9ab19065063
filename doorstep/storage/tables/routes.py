"""A driver's day: a route and its ordered stops."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from doorstep.storage.tables.base import Base, IdMixin, OrgMixin, PointMixin, UTCDateTime


class Route(OrgMixin, Base):
    __tablename__ = "routes"
    __table_args__ = (Index("ix_routes_org_date", "org_id", "date"),)

    name: Mapped[str] = mapped_column(String(200), default="")
    date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL"), index=True
    )
    vehicle_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="SET NULL")
    )
    depot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    planned_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the driver started it, and when it was completed or cancelled (None: not yet,
    # or before revision 0024). A restarted ETA engine counts time worked from the start.
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_distance_m: Mapped[float | None] = mapped_column(Float)
    planned_duration_s: Mapped[float | None] = mapped_column(Float)
    # Drive back to the depot after the last stop.
    end_leg_seconds: Mapped[float | None] = mapped_column(Float)
    end_leg_metres: Mapped[float | None] = mapped_column(Float)
    # The road path of the whole route as [[lat, lon], ...], for maps.
    geometry: Mapped[list[list[float]] | None] = mapped_column(JSON)
    plan_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), index=True
    )
    # Bumped by every change (``route_revision``): an editor who read revision n and
    # sends ``If-Match: n`` is refused if someone else changed the route since.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    stops: Mapped[list[Stop]] = relationship(
        order_by="Stop.sequence", cascade="all, delete-orphan", lazy="selectin"
    )


class Stop(PointMixin, OrgMixin, Base):
    __tablename__ = "stops"
    __table_args__ = (Index("ix_stops_route_seq", "route_id", "sequence"),)

    route_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"))
    order_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20), default="delivery")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    planned_arrival: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_departure: Mapped[datetime | None] = mapped_column(UTCDateTime)
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    departed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Drive from the previous stop (or the depot) to this one, as planned.
    leg_seconds: Mapped[float | None] = mapped_column(Float)
    leg_metres: Mapped[float | None] = mapped_column(Float)
    # A locked stop keeps its place when routes are re-optimised or jobs inserted.
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The live ETA last published for the stop (services.eta_live).
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eta_earliest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    eta_latest: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_risk: Mapped[float | None] = mapped_column(Float)
    stops_away: Mapped[int | None] = mapped_column(Integer)
    eta_stale: Mapped[bool | None] = mapped_column(Boolean)
    eta_computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first ETA published in each horizon band, for the ETA-accuracy report
    # (``domain.eta_accuracy``): {"30-60": [eta, earliest, latest], ...}.
    eta_samples: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Plan(OrgMixin, Base):
    """One run of the planner: what it was asked, what it answered, how long it took."""

    __tablename__ = "plans"

    date: Mapped[date] = mapped_column(Date)
    depot_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("depots.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="done")
    provider: Mapped[str] = mapped_column(String(40), default="")
    solver: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{"order_id": ..., "reason": ...}]: nothing is dropped silently.
    unplanned: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class RouteChange(IdMixin, Base):
    """One change to a route, by whom and why: what a dispatcher whose edit conflicted
    is shown, and the route's history."""

    __tablename__ = "route_changes"
    __table_args__ = (Index("ix_route_changes_route_revision", "route_id", "revision"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    route_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("routes.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
