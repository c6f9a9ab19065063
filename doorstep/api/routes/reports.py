"""Reports over stored telemetry: the daily logbook of vehicles and drivers, as JSON or
CSV for spreadsheets and fuel-tax paperwork."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import Field

from doorstep.api.deps import Reader, SessionDep
from doorstep.schemas.common import Output, Timestamp
from doorstep.services import logbook

router = APIRouter(prefix="/reports", tags=["reports"])


class LogbookRowPublic(Output):
    date: date
    vehicle_id: uuid.UUID
    vehicle_name: str
    plate: str | None
    driver_id: uuid.UUID | None
    driver_name: str | None
    driver_from: Literal["route", "device", "vehicle"] | None
    device_id: uuid.UUID
    fixes: int
    first_fix: Timestamp
    last_fix: Timestamp
    trips: int
    driving_seconds: float
    distance_m: float
    stops: int
    stop_seconds: float
    stop_mean_seconds: float | None
    idle_seconds: float
    fuel_type: str
    consumption_per_100km: float | None
    fuel_used: float | None
    fuel_unit: Literal["l", "kg", "kWh"] | None
    co2_kg: float | None
    speeding_episodes: int
    harsh_events: int
    safety_events: int
    safety_events_per_100km: float | None
    distance_by_jurisdiction_m: dict[str, float] = Field(
        description="Trip distance per jurisdiction zone (fuel-tax reports)."
    )


@router.get("/logbook", response_model=list[LogbookRowPublic])
def get_logbook(
    session: SessionDep,
    who: Reader,
    day: Annotated[date, Query(alias="date", description="Local day, YYYY-MM-DD.")],
    vehicle_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Per vehicle and day (the organisation's time zone): trips, driving time and
    distance, stops, idle time, estimated fuel and CO2, safety events per 100 km,
    distance per jurisdiction, and the driver. Replayed from every stored fix through
    the live detectors."""
    rows = logbook.day_logbook(session, who, day, vehicle_id, driver_id)
    if format == "csv":
        return Response(
            logbook.as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="logbook-{day}.csv"'},
        )
    return rows
