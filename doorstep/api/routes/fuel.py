"""Fuel purchases per vehicle (a fill-up: when, where, litres, cost), the other half
of a fuel-tax return beside the kilometres per jurisdiction (``/reports/fuel-tax``)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from doorstep import clock
from doorstep.api.deps import Reader, SessionDep, Writer
from doorstep.schemas.common import Day
from doorstep.schemas.fuel import FuelPurchaseCreate, FuelPurchasePublic
from doorstep.services import fuel_tax

router = APIRouter(prefix="/fuel-purchases", tags=["reports"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=FuelPurchasePublic)
def record(body: FuelPurchaseCreate, session: SessionDep, who: Writer) -> Any:
    """Record a fill-up. Its jurisdiction is the jurisdiction zone holding `location`
    (or the one named); a receipt number already recorded for the vehicle is a 409."""
    return fuel_tax.record_purchase(session, who, body, clock.now())


@router.get("", response_model=list[FuelPurchasePublic])
def list_purchases(
    session: SessionDep,
    who: Reader,
    start: Annotated[Day, Query(alias="from", description="First local day.")],
    end: Annotated[Day, Query(alias="to", description="Last local day (included).")],
    vehicle_id: uuid.UUID | None = None,
) -> Any:
    return fuel_tax.purchases(session, who, start, end, vehicle_id)
