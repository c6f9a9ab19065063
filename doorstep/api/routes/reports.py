"""Reports: service, driver scorecards, fleet and cost over a period (at most a year),
the daily logbook, and the raw fixes; every table also as CSV, streamed."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from doorstep import clock
from doorstep.api import csv_stream
from doorstep.api.deps import Reader, SessionDep, get_runtime
from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.schemas.common import Day, Output, Timestamp
from doorstep.services import accounts, fuel_tax, logbook, reports, rollups, timing
from doorstep.storage import repository as repo
from doorstep.storage.tables import Vehicle

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
    idle_fuel: float | None = Field(description="Of fuel_used, burnt idling.")
    fuel_unit: Literal["l", "kg", "kWh"] | None
    co2_kg: float | None
    speeding_episodes: int
    harsh_events: int
    harsh_braking: int
    harsh_acceleration: int
    harsh_cornering: int
    safety_events: int
    safety_events_per_100km: float | None
    distance_by_jurisdiction_m: dict[str, float] = Field(
        description="Trip distance per jurisdiction zone (fuel-tax reports)."
    )


class ReportTable(BaseModel):
    title: str
    columns: list[str]
    rows: list[list[Any]]


class ReportChart(BaseModel):
    table: str = Field(description="The table in `tables` that holds the chart's numbers.")
    x: str
    y: list[str]
    kind: Literal["bars", "line"]


class ReportPublic(BaseModel):
    period: dict[str, Any] = Field(description="`from`, `to` (both included) and `days`.")
    previous_period: dict[str, Any] | None = None
    summary: dict[str, Any]
    tables: dict[str, ReportTable]
    charts: list[ReportChart]
    scorecards: list[dict[str, Any]] | None = None


Start = Annotated[Day, Query(alias="from", description="First local day, YYYY-MM-DD.")]
End = Annotated[
    Day,
    Query(
        alias="to",
        description=f"Last local day (included); at most {rollups.MAX_DAYS} days after `from`.",
    ),
]
Format = Annotated[
    Literal["json", "csv"], Query(description="csv: one of the report's tables, streamed.")
]
TableName = Annotated[
    str | None,
    Query(max_length=40, description="With format=csv: which table (default: the first)."),
]


def _answer(report: dict[str, Any], name: str, format: str, table: str | None) -> Any:
    if format == "json":
        return report
    tables = report["tables"]
    chosen = table or next(iter(tables))
    if chosen not in tables:
        raise InvalidInput(
            [FieldError(("query", "table"), f"one of: {', '.join(tables)}")],
            f"the {name} report has no table {chosen!r}; it has {', '.join(tables)}",
        )
    period = report["period"]
    return csv_stream.response(
        f"{name}-{chosen}-{period['from']}-{period['to']}.csv",
        tables[chosen]["columns"],
        tables[chosen]["rows"],
    )


def _limits(request: Request) -> Any:
    return get_runtime(request).tracker.limits


@router.get("/service", response_model=ReportPublic)
def service_report(
    request: Request,
    session: SessionDep,
    who: Reader,
    start: Start,
    end: End,
    format: Format = "json",
    table: TableName = None,
) -> Any:
    """On time against the promised window, deliveries per day and per hour of the day,
    first-attempt success, failure reasons, ratings and feedback, and ETA accuracy by
    horizon (mean and 90th percentile error, how often the window held the arrival)."""
    report = reports.service(session, who, start, end, clock.now())
    return _answer(report, "service", format, table)


@router.get("/drivers", response_model=ReportPublic)
def drivers_report(
    request: Request,
    session: SessionDep,
    who: Reader,
    start: Start,
    end: End,
    format: Format = "json",
    table: TableName = None,
) -> Any:
    """A scorecard per driver (speeding and harsh events per 100 km, idle %, on time %,
    rating, deliveries per hour), ranked, with a coaching hint for the weakest area and
    the change against the period of the same length just before."""
    report = reports.drivers(session, who, start, end, clock.now(), _limits(request))
    return _answer(report, "drivers", format, table)


@router.get("/fleet", response_model=ReportPublic)
def fleet_report(
    request: Request,
    session: SessionDep,
    who: Reader,
    start: Start,
    end: End,
    fuel_price: Annotated[
        Decimal | None,
        Query(ge=0, le=1000, max_digits=12, description="Price per fuel unit (l, kg, kWh)."),
    ] = None,
    format: Format = "json",
    table: TableName = None,
) -> Any:
    """Distance and driving hours per vehicle and driver, distance per jurisdiction,
    fuel (and its cost at `fuel_price`), idle fuel, CO2 per vehicle, route and delivery,
    and the distance driven against the distance planned."""
    report = reports.fleet(session, who, start, end, clock.now(), fuel_price, _limits(request))
    return _answer(report, "fleet", format, table)


@router.get("/fuel-tax", response_model=ReportPublic)
def fuel_tax_return(
    request: Request,
    session: SessionDep,
    who: Reader,
    start: Start,
    end: End,
    format: Format = "json",
    table: TableName = None,
) -> Any:
    """The fuel-tax return's numbers (IFTA-style): kilometres per vehicle and
    jurisdiction zone, the fuel burnt there at the vehicle's economy over the period
    (from the fuel bought, else the logbook's estimate), the fuel bought there, and the
    net taxable fuel (burnt minus bought: owed where positive, a credit where negative).
    Tables: jurisdictions, vehicles, economy, purchases."""
    report = fuel_tax.report(session, who, start, end, clock.now(), _limits(request))
    return _answer(report, "fuel-tax", format, table)


@router.get("/mileage", response_model=ReportPublic)
def mileage_log(
    request: Request,
    session: SessionDep,
    who: Reader,
    start: Start,
    end: End,
    format: Format = "json",
    table: TableName = None,
) -> Any:
    """The mileage and driving-hours log for a period: each vehicle's day with its
    driver, first and last fix, hours on duty and driving, kilometres, trips and the
    kilometres per jurisdiction zone."""
    report = reports.mileage(session, who, start, end, clock.now(), _limits(request))
    return _answer(report, "mileage", format, table)


FIX_COLUMNS = ("time", "vehicle", "device_id", "lat", "lon", "speed_kmh", "heading", "accuracy_m")


@router.get("/fixes", response_class=StreamingResponse)
def fixes_export(
    request: Request,
    session: SessionDep,
    who: Reader,
    start: Start,
    end: End,
    vehicle_id: uuid.UUID | None = None,
) -> Any:
    """Every stored fix of the period (one vehicle's, or the fleet's) as CSV, streamed
    from the database as it is read: millions of rows need no memory to match."""
    rollups.check_period(start, end)
    org = accounts.get_organisation(session, who)
    if vehicle_id is not None:
        repo.get_owned(session, Vehicle, who.org_id, vehicle_id, "vehicle")
    since = timing.day_epoch(start, org.timezone)
    until = timing.day_epoch(end + timedelta(days=1), org.timezone)
    rows = reports.fixes(get_runtime(request).sessions, who.org_id, since, until, vehicle_id)
    return csv_stream.response(f"fixes-{start}-{end}.csv", FIX_COLUMNS, rows)


@router.get("/logbook", response_model=list[LogbookRowPublic])
def get_logbook(
    request: Request,
    session: SessionDep,
    who: Reader,
    day: Annotated[Day, Query(alias="date", description="Local day, YYYY-MM-DD.")],
    vehicle_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    """Per vehicle and day (the organisation's time zone): trips, driving time and
    distance, stops, idle time, estimated fuel and CO2, safety events per 100 km,
    distance per jurisdiction, and the driver. Replayed from every stored fix through
    the live detectors."""
    rows = logbook.day_logbook(session, who, day, vehicle_id, driver_id, _limits(request))
    if format == "csv":
        return Response(
            logbook.as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="logbook-{day}.csv"'},
        )
    return rows
