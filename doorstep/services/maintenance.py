"""Maintenance schedules and service records, the fleet's maintenance status, and the
periodic assessment that announces services coming due.

The rules are ``domain.detectors.maintenance``; this module only feeds them stored
rows and live readings. A vehicle's odometer is the largest ``live_states.odometer_m``
of its active devices: odometers only grow, and a box that reports the real odometer
outranks a phone that counts from the day it was installed. Engine hours are not
reported live yet, so measures by engine hours count only from what service records
and baselines say (they stay quiet until a reading source exists).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.bus import Event
from doorstep.domain.detectors import maintenance as rules
from doorstep.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from doorstep.domain.principal import Principal
from doorstep.schemas.maintenance import (
    INTERVALS,
    NO_INTERVAL,
    ScheduleCreate,
    ScheduleUpdate,
    ServiceKind,
    ServiceRecordCreate,
    ServiceRecordUpdate,
)
from doorstep.services.events import emit
from doorstep.storage import repository as repo
from doorstep.storage.tables import (
    Device,
    LiveState,
    MaintenanceSchedule,
    Organisation,
    ServiceRecord,
    TelemetryEvent,
    Vehicle,
)

SCHEDULE = "maintenance schedule"
RECORD = "service record"
UNSCHEDULED = (ServiceKind.UNSCHEDULED.value, ServiceKind.REPAIR.value)
# Changing these can make an announced level wrong; see update_schedule.
RULE_FIELDS = frozenset(
    {
        *INTERVALS,
        "margin_km",
        "margin_engine_hours",
        "margin_days",
        "last_done_on",
        "last_done_odometer_km",
        "last_done_engine_hours",
    }
)


# -- readings ------------------------------------------------------------------------


def local_today(session: Session, org_id: uuid.UUID, now: datetime | None = None) -> date:
    """Today's date where the organisation works: a service is due on its calendar."""
    org = session.get(Organisation, org_id)
    zone = ZoneInfo(org.timezone if org is not None else "UTC")
    return (now or clock.now()).astimezone(zone).date()


def odometers_km(
    session: Session, org_id: uuid.UUID, vehicle_ids: Iterable[uuid.UUID] | None = None
) -> dict[uuid.UUID, float]:
    """Each vehicle's live odometer in km, for the vehicles with a tracker that reported."""
    stmt = (
        select(Device.vehicle_id, func.max(LiveState.odometer_m))
        .join(LiveState, LiveState.device_id == Device.id)
        .where(
            Device.org_id == org_id,
            LiveState.org_id == org_id,
            Device.active.is_(True),
            Device.vehicle_id.is_not(None),
        )
        .group_by(Device.vehicle_id)
    )
    if vehicle_ids is not None:
        stmt = stmt.where(Device.vehicle_id.in_(list(vehicle_ids)))
    return {
        vehicle_id: odometer_m / 1000.0
        for vehicle_id, odometer_m in session.execute(stmt)
        if vehicle_id is not None and odometer_m is not None
    }


def _usage(today: date, odometer_km: float | None) -> rules.Usage:
    return rules.Usage(today, odometer_km=odometer_km, engine_hours=None)


def _schedule(row: MaintenanceSchedule) -> rules.Schedule:
    return rules.Schedule(
        row.name,
        every_km=row.every_km,
        every_engine_hours=row.every_engine_hours,
        every_days=row.every_days,
        margin_km=row.margin_km,
        margin_engine_hours=row.margin_engine_hours,
        margin_days=row.margin_days,
    )


def _baseline(row: MaintenanceSchedule) -> rules.Usage:
    return rules.Usage(row.last_done_on, row.last_done_odometer_km, row.last_done_engine_hours)


def _announced(row: MaintenanceSchedule) -> rules.Level:
    """The stored level; written only from ``rules.Level`` values."""
    return cast(rules.Level, row.level)


def _state(row: MaintenanceSchedule) -> rules.State:
    return rules.State({row.name: _baseline(row)}, {row.name: _announced(row)})


# -- schedules -----------------------------------------------------------------------


def _vehicle(session: Session, principal: Principal, vehicle_id: uuid.UUID) -> Vehicle:
    return repo.get_owned(session, Vehicle, principal.org_id, vehicle_id, "vehicle")


def get_schedule(
    session: Session, principal: Principal, vehicle_id: uuid.UUID, schedule_id: uuid.UUID
) -> MaintenanceSchedule:
    _vehicle(session, principal, vehicle_id)
    row = repo.find_owned(session, MaintenanceSchedule, principal.org_id, schedule_id)
    if row is None or row.vehicle_id != vehicle_id:
        raise NotFound(SCHEDULE, schedule_id)
    return row


def list_schedules(
    session: Session, principal: Principal, vehicle_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[MaintenanceSchedule], int]:
    _vehicle(session, principal, vehicle_id)
    stmt = repo.owned(MaintenanceSchedule, principal.org_id).where(
        MaintenanceSchedule.vehicle_id == vehicle_id
    )
    order = (MaintenanceSchedule.name, MaintenanceSchedule.id)
    return repo.page(session, stmt, limit, offset, order)


def create_schedule(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID,
    data: ScheduleCreate,
    now: datetime | None = None,
) -> MaintenanceSchedule:
    """Without a baseline the interval starts now: today and the live odometer."""
    vehicle = _vehicle(session, principal, vehicle_id)
    values = data.model_dump()
    _refuse_taken_name(session, principal, vehicle.id, data.name, current=None)
    if values["last_done_on"] is None:
        values["last_done_on"] = local_today(session, principal.org_id, now)
    if values["last_done_odometer_km"] is None:
        values["last_done_odometer_km"] = odometers_km(session, principal.org_id, [vehicle.id]).get(
            vehicle.id
        )
    row = MaintenanceSchedule(org_id=principal.org_id, vehicle_id=vehicle.id, level="ok", **values)
    session.add(row)
    _flush(session)
    return row


def update_schedule(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID,
    schedule_id: uuid.UUID,
    data: ScheduleUpdate,
    now: datetime | None = None,
) -> MaintenanceSchedule:
    """A corrected interval or baseline lowers the announced level to the one the
    vehicle is at now, so a rise after the correction is announced again; raising it
    is left to ``assess_maintenance``, which announces it."""
    row = get_schedule(session, principal, vehicle_id, schedule_id)
    values = data.model_dump(exclude_unset=True)
    if all(values.get(name, getattr(row, name)) is None for name in INTERVALS):
        field = next((name for name in INTERVALS if name in values), INTERVALS[0])
        raise InvalidInput([FieldError(("body", field), NO_INTERVAL)])
    if "name" in values and values["name"] != row.name:
        _refuse_taken_name(session, principal, row.vehicle_id, values["name"], current=row.id)
    for key, value in values.items():
        setattr(row, key, value)
    if RULE_FIELDS & values.keys():
        today = local_today(session, principal.org_id, now)
        odometer = odometers_km(session, principal.org_id, [row.vehicle_id]).get(row.vehicle_id)
        level = rules.assess(_schedule(row), _usage(today, odometer), _baseline(row)).level
        if rules.RANK[level] < rules.RANK[_announced(row)]:
            row.level = level
    _flush(session)
    return row


def delete_schedule(
    session: Session, principal: Principal, vehicle_id: uuid.UUID, schedule_id: uuid.UUID
) -> None:
    """Its service records stay, no longer tied to a schedule."""
    session.delete(get_schedule(session, principal, vehicle_id, schedule_id))
    session.flush()


def _refuse_taken_name(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID,
    name: str,
    current: uuid.UUID | None,
) -> None:
    stmt = repo.owned(MaintenanceSchedule, principal.org_id).where(
        MaintenanceSchedule.vehicle_id == vehicle_id, MaintenanceSchedule.name == name
    )
    if current is not None:
        stmt = stmt.where(MaintenanceSchedule.id != current)
    if session.scalar(stmt.limit(1)) is not None:
        raise Conflict(f"the vehicle already has a maintenance schedule named {name!r}")


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request took the same name between check and insert.
        raise Conflict("the maintenance schedule conflicts with one that already exists") from None


# -- service records -----------------------------------------------------------------


def get_record(
    session: Session, principal: Principal, vehicle_id: uuid.UUID, record_id: uuid.UUID
) -> ServiceRecord:
    _vehicle(session, principal, vehicle_id)
    row = repo.find_owned(session, ServiceRecord, principal.org_id, record_id)
    if row is None or row.vehicle_id != vehicle_id:
        raise NotFound(RECORD, record_id)
    return row


def list_records(
    session: Session, principal: Principal, vehicle_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[ServiceRecord], int]:
    _vehicle(session, principal, vehicle_id)
    stmt = repo.owned(ServiceRecord, principal.org_id).where(ServiceRecord.vehicle_id == vehicle_id)
    order = (ServiceRecord.done_on.desc(), ServiceRecord.created_at.desc(), ServiceRecord.id)
    return repo.page(session, stmt, limit, offset, order)


def create_record(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID,
    data: ServiceRecordCreate,
    now: datetime | None = None,
) -> ServiceRecord:
    """Record a service; one done for a schedule starts its interval again (unless an
    older service is being entered late: the newer baseline stays)."""
    vehicle = _vehicle(session, principal, vehicle_id)
    schedule = None
    if data.schedule_id is not None:
        schedule = repo.find_owned(session, MaintenanceSchedule, principal.org_id, data.schedule_id)
        if schedule is None or schedule.vehicle_id != vehicle.id:
            raise InvalidInput(
                [
                    FieldError(
                        ("body", "schedule_id"),
                        f"no {SCHEDULE} with id {data.schedule_id} on this vehicle",
                    )
                ]
            )
    today = local_today(session, principal.org_id, now)
    done_on = data.done_on or today
    if done_on > today:
        raise InvalidInput(
            [FieldError(("body", "done_on"), f"is after today ({today.isoformat()})")]
        )
    odometer = data.odometer_km
    if odometer is None and done_on == today:
        odometer = odometers_km(session, principal.org_id, [vehicle.id]).get(vehicle.id)
    if odometer is None and schedule is not None and schedule.every_km is not None:
        # Without it the schedule's km would silently stop counting.
        why = "for a past service" if done_on < today else "(the vehicle has no live odometer)"
        raise InvalidInput(
            [FieldError(("body", "odometer_km"), f"is needed for a schedule counted in km {why}")]
        )
    row = ServiceRecord(
        org_id=principal.org_id,
        vehicle_id=vehicle.id,
        schedule_id=schedule.id if schedule else None,
        done_on=done_on,
        odometer_km=odometer,
        engine_hours=data.engine_hours,
        kind=data.kind.value,
        description=data.description,
        cost=data.cost,
        created_by=principal.name,
    )
    session.add(row)
    if schedule is not None and done_on >= schedule.last_done_on:
        at = rules.Usage(done_on, odometer, data.engine_hours)
        state = rules.record_service(_state(schedule), schedule.name, at)
        schedule.last_done_on = at.on
        schedule.last_done_odometer_km = at.odometer_km
        schedule.last_done_engine_hours = at.engine_hours
        schedule.level = state.notified.get(schedule.name, "ok")
    session.flush()
    return row


def update_record(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID,
    record_id: uuid.UUID,
    data: ServiceRecordUpdate,
) -> ServiceRecord:
    row = get_record(session, principal, vehicle_id, record_id)
    values = data.model_dump(exclude_unset=True)
    kind = values.get("kind")
    if kind is not None:
        if row.schedule_id is not None and kind != ServiceKind.SCHEDULED:
            raise InvalidInput(
                [FieldError(("body", "kind"), "a service done for a schedule stays scheduled")]
            )
        values["kind"] = ServiceKind(kind).value
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    return row


def delete_record(
    session: Session, principal: Principal, vehicle_id: uuid.UUID, record_id: uuid.UUID
) -> None:
    """The schedule's baseline stays; correct it on the schedule if it was wrong."""
    session.delete(get_record(session, principal, vehicle_id, record_id))
    session.flush()


# -- the fleet's status --------------------------------------------------------------


def _active_schedules(
    session: Session, org_id: uuid.UUID, vehicle_id: uuid.UUID | None = None
) -> list[tuple[MaintenanceSchedule, Vehicle]]:
    stmt = (
        select(MaintenanceSchedule, Vehicle)
        .join(Vehicle, Vehicle.id == MaintenanceSchedule.vehicle_id)
        .where(
            MaintenanceSchedule.org_id == org_id,
            Vehicle.org_id == org_id,
            MaintenanceSchedule.active.is_(True),
        )
        .order_by(Vehicle.name, Vehicle.id, MaintenanceSchedule.name)
    )
    if vehicle_id is not None:
        stmt = stmt.where(Vehicle.id == vehicle_id)
    return [(schedule, vehicle) for schedule, vehicle in session.execute(stmt).all()]


def status(
    session: Session,
    principal: Principal,
    vehicle_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Each vehicle's active schedules as they stand today, worst level first."""
    if vehicle_id is not None:
        _vehicle(session, principal, vehicle_id)
    today = local_today(session, principal.org_id, now)
    pairs = _active_schedules(session, principal.org_id, vehicle_id)
    odometers = odometers_km(session, principal.org_id, {v.id for _, v in pairs})
    by_vehicle: dict[uuid.UUID, dict[str, Any]] = {}
    for row, vehicle in pairs:
        odometer = odometers.get(vehicle.id)
        entry = by_vehicle.setdefault(
            vehicle.id,
            {
                "vehicle_id": vehicle.id,
                "vehicle_name": vehicle.name,
                "plate": vehicle.plate,
                "odometer_km": odometer,
                "engine_hours": None,
                "level": "ok",
                "schedules": [],
            },
        )
        result = rules.assess(_schedule(row), _usage(today, odometer), _baseline(row))
        entry["schedules"].append(
            {
                "schedule_id": row.id,
                "name": row.name,
                "level": result.level,
                "reasons": list(result.reasons),
                "last_done_on": row.last_done_on,
                "last_done_odometer_km": row.last_done_odometer_km,
                "last_done_engine_hours": row.last_done_engine_hours,
                "next_due_on": (
                    row.last_done_on + timedelta(days=row.every_days) if row.every_days else None
                ),
                "next_due_km": _plus(row.last_done_odometer_km, row.every_km),
                "next_due_engine_hours": _plus(row.last_done_engine_hours, row.every_engine_hours),
            }
        )
        if rules.RANK[result.level] > rules.RANK[entry["level"]]:
            entry["level"] = result.level
    vehicles = sorted(by_vehicle.values(), key=lambda v: -rules.RANK[v["level"]])
    return {"on": today, "vehicles": vehicles}


def _plus(base: float | None, step: float | None) -> float | None:
    return None if base is None or step is None else base + step


def unusual(
    session: Session,
    principal: Principal,
    since: date | None = None,
    until: date | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Vehicles far above the fleet median in unscheduled repairs or services per
    10 000 km over the period (default: the year to today).

    The distance is what the odometer readings of the period span (service records,
    and the live odometer when the period reaches today); a vehicle with fewer than
    two readings has no distance and is compared on repairs only.
    """
    today = local_today(session, principal.org_id, now)
    until = until or today
    since = since or until - timedelta(days=365)
    if since > until:
        raise InvalidInput([FieldError(("query", "since"), "is after until")])
    vehicles = {
        v.id: v
        for v in session.scalars(
            repo.owned(Vehicle, principal.org_id).where(Vehicle.active.is_(True))
        )
    }
    records = session.scalars(
        repo.owned(ServiceRecord, principal.org_id).where(
            ServiceRecord.done_on >= since, ServiceRecord.done_on <= until
        )
    ).all()
    repairs: dict[uuid.UUID, int] = defaultdict(int)
    services: dict[uuid.UUID, int] = defaultdict(int)
    readings: dict[uuid.UUID, list[float]] = defaultdict(list)
    for record in records:
        services[record.vehicle_id] += 1
        if record.kind in UNSCHEDULED:
            repairs[record.vehicle_id] += 1
        if record.odometer_km is not None:
            readings[record.vehicle_id].append(record.odometer_km)
    if until >= today:
        for vehicle_id, odometer in odometers_km(session, principal.org_id).items():
            readings[vehicle_id].append(odometer)
    compared = set(vehicles) | set(services)
    missing = compared - vehicles.keys()  # inactive now, but serviced in the period
    if missing:
        vehicles |= {
            v.id: v
            for v in session.scalars(
                repo.owned(Vehicle, principal.org_id).where(Vehicle.id.in_(missing))
            )
        }
    fleet = [
        rules.FleetRecord(
            str(vehicle_id),
            unscheduled_repairs=repairs[vehicle_id],
            services=services[vehicle_id],
            distance_km=_span(readings.get(vehicle_id, [])),
        )
        for vehicle_id in sorted(vehicles, key=str)
    ]
    found = rules.unusual_vehicles(fleet)
    return {
        "since": since,
        "until": until,
        "vehicles_compared": len(fleet),
        "unusual": [
            {
                "vehicle_id": outlier.vehicle,
                "vehicle_name": vehicles[uuid.UUID(outlier.vehicle)].name,
                "metric": outlier.metric,
                "value": outlier.value,
                "fleet_median": outlier.fleet_median,
                "factor": outlier.factor,
            }
            for outlier in found
        ],
    }


def _span(readings: list[float]) -> float:
    return max(readings) - min(readings) if len(readings) >= 2 else 0.0


# -- the periodic assessment ---------------------------------------------------------


def assess_maintenance(
    session: Session,
    org_id: uuid.UUID,
    today: date | None = None,
    *,
    now: datetime | None = None,
) -> list[rules.MaintenanceEvent]:
    """Run every active schedule of the organisation through ``rules.update``: a level
    that rose since the last announcement is stored on the schedule, written to
    ``telemetry_events`` (``maintenance_due_soon`` / ``maintenance_overdue``, no device)
    and queued as ``telemetry.<kind>`` for the bus. Running it again the same day
    announces nothing new. ``today`` defaults to the organisation's local date."""
    now = now or clock.now()
    today = today or local_today(session, org_id, now)
    pairs = _active_schedules(session, org_id)
    odometers = odometers_km(session, org_id, {v.id for _, v in pairs})
    announced: list[rules.MaintenanceEvent] = []
    for row, vehicle in pairs:
        params = rules.Params(vehicle=str(vehicle.id), schedules=(_schedule(row),))
        state, events = rules.update(_state(row), _usage(today, odometers.get(vehicle.id)), params)
        row.level = state.notified.get(row.name, "ok")
        for event in events:
            data = {
                **event.data,
                "schedule_id": str(row.id),
                "vehicle_name": vehicle.name,
                "plate": vehicle.plate,
            }
            _announce(session, org_id, vehicle.id, event.kind, now, data)
            announced.append(event)
    session.flush()
    return announced


def assess_all(session: Session, now: datetime | None = None) -> list[rules.MaintenanceEvent]:
    """``assess_maintenance`` for every organisation, each on its own local date; for the
    periodic worker."""
    now = now or clock.now()
    org_ids = session.scalars(
        select(MaintenanceSchedule.org_id).where(MaintenanceSchedule.active.is_(True)).distinct()
    ).all()
    announced: list[rules.MaintenanceEvent] = []
    for org_id in org_ids:
        announced += assess_maintenance(session, org_id, now=now)
    return announced


def _announce(
    session: Session,
    org_id: uuid.UUID,
    vehicle_id: uuid.UUID,
    kind: str,
    at: datetime,
    data: Mapping[str, Any],
) -> None:
    session.add(
        TelemetryEvent(
            org_id=org_id,
            device_id=None,
            vehicle_id=vehicle_id,
            kind=kind,
            time=at,
            data=dict(data),
        )
    )
    emit(
        session,
        Event(
            str(org_id),
            f"telemetry.{kind}",
            {"device_id": None, "vehicle_id": str(vehicle_id), "time": at.isoformat(), **data},
        ),
    )
