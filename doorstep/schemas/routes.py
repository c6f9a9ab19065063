"""Routes and their ordered stops."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

from pydantic import Field

from doorstep.domain.route_status import RouteStatus
from doorstep.schemas.common import Day, Input, Location, Output, ShortText, Timestamp, not_null


class StopStatus(StrEnum):
    PENDING = "pending"
    ARRIVED = "arrived"
    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"


class StopCreate(Input):
    order_id: uuid.UUID
    planned_arrival: Timestamp | None = None
    planned_departure: Timestamp | None = None


class StopInsert(StopCreate):
    position: int | None = Field(
        None, ge=0, description="0-based place in the route; omitted: at the end."
    )


class StopPublic(Output):
    id: uuid.UUID
    sequence: int
    kind: str
    status: StopStatus
    order_id: uuid.UUID | None
    location: Location
    planned_arrival: Timestamp | None
    planned_departure: Timestamp | None
    arrived_at: Timestamp | None
    departed_at: Timestamp | None
    leg_seconds: float | None = Field(description="Planned drive from the previous stop.")
    leg_metres: float | None
    locked: bool
    eta: Timestamp | None = Field(None, description="Live ETA, while the route is driven.")
    eta_earliest: Timestamp | None = Field(
        None, description="The ETA window: meant to hold the arrival 80 % of the time."
    )
    eta_latest: Timestamp | None = None
    late_risk: float | None = Field(
        None, description="Probability of arriving after the promised window."
    )
    stops_away: int | None = Field(None, description="1: the next stop the van serves.")
    eta_stale: bool | None = Field(
        None, description="The van has not been heard from lately: the ETA follows the plan."
    )


class RouteCreate(Input):
    name: ShortText = ""
    date: Day
    driver_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    depot_id: uuid.UUID | None = None
    planned_start: Timestamp | None = None
    planned_end: Timestamp | None = None
    stops: list[StopCreate] = Field(default_factory=list, max_length=2000)


class RouteUpdate(Input):
    name: ShortText | None = None
    date: Day | None = None
    status: RouteStatus | None = Field(
        None,
        description="`in_progress` starts the route as `POST /routes/{id}/start` does: "
        "every parcel scanned or marked missing first, the orders out for delivery; "
        "`completed` only once every stop is closed.",
    )
    driver_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    depot_id: uuid.UUID | None = None
    planned_start: Timestamp | None = None
    planned_end: Timestamp | None = None

    _kept = not_null("name", "date", "status")


class RouteChangePublic(Output):
    revision: int
    at: Timestamp
    by: str
    reason: str
    detail: dict[str, Any]


class RoutePublic(Output):
    id: uuid.UUID
    revision: int = Field(
        description="Goes up with every change; send it as `If-Match` when you edit."
    )
    name: str
    date: dt.date
    status: RouteStatus
    driver_id: uuid.UUID | None
    vehicle_id: uuid.UUID | None
    depot_id: uuid.UUID | None
    planned_start: Timestamp | None
    planned_end: Timestamp | None
    started_at: Timestamp | None = Field(
        None, description="When the driver started the route (empty: not yet, or unknown)."
    )
    ended_at: Timestamp | None = Field(
        None,
        description="When the route was cancelled, or completed: the latest time a stop "
        "was closed, whatever order the phone sent them in.",
    )
    planned_distance_m: float | None
    planned_duration_s: float | None
    plan_id: uuid.UUID | None
    geometry: list[list[float]] | None = Field(
        description="The road path as [[lat, lon], ...]; © OpenStreetMap contributors."
    )
    stops: list[StopPublic]
    created_at: Timestamp
    updated_at: Timestamp


class StopLock(Input):
    locked: bool


class StopMove(Input):
    route_id: uuid.UUID = Field(description="The route to move the stop to.")
    position: int | None = Field(None, ge=0, description="0-based; omitted: at the end.")


class Sequence(Input):
    stop_ids: list[uuid.UUID] = Field(max_length=2000)
