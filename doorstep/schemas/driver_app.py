"""The driver's phone: its sign-in link, its tracker, today's route as drivers see it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from doorstep.schemas.common import Input, Location, Output, Timestamp


class SignInLinkPublic(Output):
    url: str = Field(description="Open on the driver's phone (or show as a QR code); once.")
    expires_at: Timestamp


class TrackerPublic(Output):
    id: uuid.UUID
    identifier: str
    token: str = Field(description="For POST /api/v1/pings from this phone; shown once.")


class DriverOrder(Output):
    id: uuid.UUID
    status: str
    recipient_first_name: str | None
    address: str
    window_start: Timestamp | None
    window_end: Timestamp | None
    items: int
    instructions: str | None
    gate_code: str | None
    dog_warning: bool
    safe_place: str | None
    parcels: list[str]


class DriverStop(Output):
    id: uuid.UUID
    sequence: int
    kind: str
    status: str
    location: Location
    planned_arrival: Timestamp | None
    eta: Timestamp | None
    order: DriverOrder | None


class DriverRoute(Output):
    id: uuid.UUID
    name: str
    status: str
    revision: int = Field(0, description="Goes up with every change to the route.")
    last_change: str | None = Field(
        None, description="Why the route last changed, e.g. `stop removed` (None: never)."
    )
    stops: list[DriverStop]


class DaySummary(Output):
    date: dt.date
    route_id: uuid.UUID | None
    status: str | None = None
    stops_done: int = 0
    stops_failed: int = 0
    stops_open: int = 0
    planned_km: float | None = None
    first_arrival: Timestamp | None = None
    last_departure: Timestamp | None = None
    hours: float | None = None
    parcels_to_return: list[str] = Field(default_factory=list)


class DriverDay(Output):
    date: dt.date
    timezone: str
    route: DriverRoute | None


class Colleague(Output):
    id: uuid.UUID
    name: str


class IncomingParcel(Output):
    label: str
    order_id: uuid.UUID
    from_name: str = Field(description="Who handed it over.")
    at: Timestamp
    note: str | None


class HandoffInbox(Output):
    colleagues: list[Colleague]
    depots: list[Colleague] = Field(
        description="Depots (a partner's too) parcels may be handed to; their staff confirm."
    )
    incoming: list[IncomingParcel] = Field(
        description="Parcels handed to this driver, waiting for them to confirm "
        "(POST /api/v1/handoffs/accept)."
    )
    holding: list[str] = Field(
        description="Labels this driver holds (loaded onto today's van or taken over from a "
        "colleague) and so may hand over (POST /api/v1/handoffs)."
    )


class DriverMessageCreate(Input):
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    urgent: bool = Field(False, description="An alert: the phone vibrates and it stays on top.")


class DriverMessagePublic(Output):
    id: uuid.UUID
    driver_id: uuid.UUID
    author_name: str
    body: str
    urgent: bool
    at: Timestamp
    read_at: Timestamp | None
