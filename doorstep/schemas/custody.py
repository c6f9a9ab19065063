"""Scans and the chain of custody as the API takes and shows them."""

from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

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
    """To another driver, or to a depot (a partner's, say), whose staff confirm."""

    scans: list[ScanIn] = Field(max_length=1000)
    to_driver_id: uuid.UUID | None = None
    to_depot_id: uuid.UUID | None = None
    note: ShortText | None = None

    @model_validator(mode="after")
    def _one_receiver(self) -> Self:
        if (self.to_driver_id is None) == (self.to_depot_id is None):
            raise ValueError("name one receiver: to_driver_id or to_depot_id")
        return self


class Accept(Input):
    scans: list[ScanIn] = Field(max_length=1000)
    depot_id: uuid.UUID | None = Field(
        None, description="Confirming for this depot (its staff: a dispatcher or admin)."
    )


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
