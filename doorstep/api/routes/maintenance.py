"""Maintenance: schedules and service records per vehicle, the fleet's status, and
the vehicles whose repairs stand out."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from doorstep.api.deps import Limit, Offset, Reader, SessionDep, Writer
from doorstep.schemas.common import Day, Page
from doorstep.schemas.maintenance import (
    MaintenanceStatus,
    ScheduleCreate,
    SchedulePublic,
    ScheduleUpdate,
    ServiceRecordCreate,
    ServiceRecordPublic,
    ServiceRecordUpdate,
    UnusualReport,
)
from doorstep.services import maintenance as svc

schedules = APIRouter(prefix="/vehicles/{vehicle_id}/maintenance-schedules", tags=["maintenance"])
records = APIRouter(prefix="/vehicles/{vehicle_id}/service-records", tags=["maintenance"])
fleet = APIRouter(prefix="/maintenance", tags=["maintenance"])


def _page(rows: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@schedules.post("", status_code=status.HTTP_201_CREATED, response_model=SchedulePublic)
def create_schedule(
    vehicle_id: uuid.UUID, body: ScheduleCreate, session: SessionDep, who: Writer
) -> Any:
    """A service due every so many km, engine hours or days (the first reached counts).
    Without a last service given, the interval starts today at the live odometer."""
    return svc.create_schedule(session, who, vehicle_id, body)


@schedules.get("", response_model=Page[SchedulePublic])
def list_schedules(
    vehicle_id: uuid.UUID, session: SessionDep, who: Reader, limit: Limit = 50, offset: Offset = 0
) -> Any:
    rows, total = svc.list_schedules(session, who, vehicle_id, limit, offset)
    return _page(rows, total, limit, offset)


@schedules.get("/{schedule_id}", response_model=SchedulePublic)
def get_schedule(
    vehicle_id: uuid.UUID, schedule_id: uuid.UUID, session: SessionDep, who: Reader
) -> Any:
    return svc.get_schedule(session, who, vehicle_id, schedule_id)


@schedules.patch("/{schedule_id}", response_model=SchedulePublic)
def update_schedule(
    vehicle_id: uuid.UUID,
    schedule_id: uuid.UUID,
    body: ScheduleUpdate,
    session: SessionDep,
    who: Writer,
) -> Any:
    """Change a schedule; null clears an interval, but one must remain."""
    return svc.update_schedule(session, who, vehicle_id, schedule_id, body)


@schedules.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_schedule(
    vehicle_id: uuid.UUID, schedule_id: uuid.UUID, session: SessionDep, who: Writer
) -> Response:
    """Its service records stay."""
    svc.delete_schedule(session, who, vehicle_id, schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@records.post("", status_code=status.HTTP_201_CREATED, response_model=ServiceRecordPublic)
def create_record(
    vehicle_id: uuid.UUID, body: ServiceRecordCreate, session: SessionDep, who: Writer
) -> Any:
    """Record a service or repair; one done for a schedule starts its interval again."""
    return svc.create_record(session, who, vehicle_id, body)


@records.get("", response_model=Page[ServiceRecordPublic])
def list_records(
    vehicle_id: uuid.UUID, session: SessionDep, who: Reader, limit: Limit = 50, offset: Offset = 0
) -> Any:
    """Newest first."""
    rows, total = svc.list_records(session, who, vehicle_id, limit, offset)
    return _page(rows, total, limit, offset)


@records.get("/{record_id}", response_model=ServiceRecordPublic)
def get_record(
    vehicle_id: uuid.UUID, record_id: uuid.UUID, session: SessionDep, who: Reader
) -> Any:
    return svc.get_record(session, who, vehicle_id, record_id)


@records.patch("/{record_id}", response_model=ServiceRecordPublic)
def update_record(
    vehicle_id: uuid.UUID,
    record_id: uuid.UUID,
    body: ServiceRecordUpdate,
    session: SessionDep,
    who: Writer,
) -> Any:
    """Correct the kind, description or cost; dates and readings are history."""
    return svc.update_record(session, who, vehicle_id, record_id, body)


@records.delete("/{record_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_record(
    vehicle_id: uuid.UUID, record_id: uuid.UUID, session: SessionDep, who: Writer
) -> Response:
    """The schedule's baseline stays as it is."""
    svc.delete_record(session, who, vehicle_id, record_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@fleet.get("/status", response_model=MaintenanceStatus)
def get_status(session: SessionDep, who: Reader, vehicle_id: uuid.UUID | None = None) -> Any:
    """Each vehicle's active schedules today: ok, due_soon or overdue, and why, from
    the live odometer and the organisation's calendar day. Worst vehicles first."""
    return svc.status(session, who, vehicle_id)


@fleet.get("/unusual", response_model=UnusualReport)
def get_unusual(
    session: SessionDep,
    who: Reader,
    since: Annotated[Day | None, Query(description="Default: a year before until.")] = None,
    until: Annotated[Day | None, Query(description="Default: today.")] = None,
) -> Any:
    """Vehicles whose unscheduled repairs, or services per 10 000 km, are more than
    twice the fleet's median over the period."""
    return svc.unusual(session, who, since, until)
