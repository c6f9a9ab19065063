"""The dispatcher's live map: every vehicle, where it is, and how its day is going."""

from __future__ import annotations

import uuid

from pydantic import Field

from doorstep.schemas.common import Output, Timestamp


class LivePosition(Output):
    lat: float
    lon: float
    heading: float | None
    speed_kmh: float | None
    at: Timestamp


class NextStop(Output):
    id: uuid.UUID
    sequence: int
    address: str | None
    eta: Timestamp | None
    window_end: Timestamp | None
    late_risk: float | None


class LiveRoute(Output):
    id: uuid.UUID
    name: str
    status: str
    stops_done: int
    stops_total: int
    line: list[list[float]] | None = Field(description="The planned road path, [lat, lon].")
    next: list[NextStop] = Field(description="The next open stops, in order.")


class LiveVehicle(Output):
    id: uuid.UUID
    name: str
    plate: str | None
    status: str = Field(description="offline, late, at_risk, idle, on_time or parked.")
    reason: str = Field(description="Why, in words, for the dispatcher.")
    position: LivePosition | None
    driver: str | None
    driver_id: uuid.UUID | None = Field(None, description="Today's driver, to message.")
    route: LiveRoute | None


class FleetLive(Output):
    at: Timestamp
    timezone: str
    vehicles: list[LiveVehicle]
    counts: dict[str, int]


class ExceptionItem(Output):
    kind: str = Field(
        description="late, at_risk, offline, failed_delivery, unplanned, or a telemetry "
        "alert kind (speeding_started, harsh_braking, off_hours_movement, ...)."
    )
    subject: str = Field(description="The vehicle, order or group it is about.")
    reason: str
    action: str = Field(description="What a dispatcher would do about it.")
    at: Timestamp
    vehicle_id: uuid.UUID | None
    route_id: uuid.UUID | None
    order_id: uuid.UUID | None


class Exceptions(Output):
    at: Timestamp
    timezone: str
    items: list[ExceptionItem]
