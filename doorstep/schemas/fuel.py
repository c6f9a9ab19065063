"""Fuel purchases, recorded per vehicle for fuel-tax returns."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, model_validator

from doorstep.schemas.common import Input, Location, Output, ShortText, Timestamp


class FuelPurchaseCreate(Input):
    vehicle_id: uuid.UUID
    purchased_at: Timestamp
    litres: Annotated[Decimal, Field(gt=0, le=Decimal("5000"), max_digits=10, decimal_places=3)]
    cost: Annotated[Decimal, Field(ge=0, le=Decimal("1000000"), max_digits=12, decimal_places=2)]
    place: ShortText = ""
    location: Location | None = Field(
        None, description="Where it was bought: its jurisdiction zone is found from it."
    )
    jurisdiction: ShortText | None = Field(
        None, description="The jurisdiction zone's name, when no location is given."
    )
    receipt: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="The receipt or fuel-card transaction number: recorded once."
    )

    @model_validator(mode="after")
    def _where(self) -> Self:
        if self.location is None and not self.jurisdiction:
            raise ValueError(
                "say where the fuel was bought: a location (its jurisdiction is found from "
                "it) or the jurisdiction's name"
            )
        return self


class FuelPurchasePublic(Output):
    id: uuid.UUID
    vehicle_id: uuid.UUID
    purchased_at: Timestamp
    place: str
    lat: float | None
    lon: float | None
    jurisdiction: str
    litres: Decimal
    cost: Decimal
    currency: str
    receipt: str | None
    created_by: str
    created_at: Timestamp
