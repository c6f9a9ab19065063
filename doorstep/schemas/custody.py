"""Scans and the chain of custody as the API takes and shows them."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import Field, StringConstraints

from doorstep.schemas.common import Input, Location, Output, ShortText, Timestamp

Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
ClientId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class ScanIn(Input):
    label: Label = Field(description="The parcel's label: {tracking code}-{n}.")
    client_id: ClientId | None = Field(
        None, description="The device's id for this action: sent again, it is applied once."
    )
    at: Timestamp | None = Field(None, description="When it was scanned (default: now).")
    location: Location | None = None


class LoadScans(Input):
    scans: list[ScanIn] = Field(default_factory=list, max_length=1000)
    missing: list[ScanIn] = Field(
        default_factory=list, max_length=1000, description="Parcels not found at loading."
    )


class HandOff(Input):
    scans: list[ScanIn] = Field(max_length=1000)
    to_driver_id: uuid.UUID
    note: ShortText | None = None


class Accept(Input):
    scans: list[ScanIn] = Field(max_length=1000)


class ParcelState(Output):
    label: str
    order_id: uuid.UUID
    state: str


class LoadStatus(Output):
    route_id: uuid.UUID
    parcels: list[ParcelState]
    unscanned: int
    ready: bool


class CustodyEventPublic(Output):
    parcel: str
    seq: int
    kind: str
    at: Timestamp
    lat: float | None
    lon: float | None
    route_id: uuid.UUID | None
    actor_type: str
    actor_name: str
    counterparty: str | None
    note: str | None
    prev_hash: str
    hash: str


class ParcelChain(Output):
    parcel: str
    order_id: uuid.UUID
    events: list[CustodyEventPublic]
    verified: bool
    broken_at: int | None = Field(description="The first event (1-based) that fails.")
    problem: str | None
