"""Maintenance schedules, service records and the fleet's maintenance status."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from doorstep.schemas.common import Day, Input, Name, Output, Timestamp, not_null


class Level(StrEnum):
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


class ServiceKind(StrEnum):
    SCHEDULED = "scheduled"
    UNSCHEDULED = "unscheduled"
    REPAIR = "repair"


Km = Annotated[float, Field(ge=0, le=10_000_000)]
Hours = Annotated[float, Field(ge=0, le=1_000_000)]
# As long as the service record's column holds.
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
EveryKm = Annotated[float, Field(gt=0, le=1_000_000, description="Service every so many km.")]
EveryHours = Annotated[float, Field(gt=0, le=100_000, description="Every so many engine hours.")]
EveryDays = Annotated[int, Field(ge=1, le=3650, description="Every so many days.")]
MarginDays = Annotated[int, Field(ge=0, le=3650)]
CENTS = Decimal("0.01")
Cost = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2),
    AfterValidator(lambda value: value.quantize(CENTS)),  # "80" reads back as "80.00"
]
INTERVALS = ("every_km", "every_engine_hours", "every_days")
NO_INTERVAL = "a schedule needs at least one interval: every_km, every_engine_hours or every_days"


class ScheduleCreate(Input):
    name: Name = Field(description="Unique per vehicle, e.g. 'oil and filters'.")
    every_km: EveryKm | None = None
    every_engine_hours: EveryHours | None = None
    every_days: EveryDays | None = None
    margin_km: Km = Field(1000.0, description="Due soon this many km before.")
    margin_engine_hours: Hours = Field(25.0, description="Due soon this many hours before.")
    margin_days: MarginDays = Field(14, description="Due soon this many days before.")
    last_done_on: Day | None = Field(
        None, description="Last service; omitted: today (the interval starts now)."
    )
    last_done_odometer_km: Km | None = Field(
        None,
        description="Odometer at the last service, on the vehicle's live odometer's scale; "
        "omitted: its odometer now.",
    )
    last_done_engine_hours: Hours | None = None
    active: bool = True

    @model_validator(mode="after")
    def _some_interval(self) -> Self:
        if all(getattr(self, name) is None for name in INTERVALS):
            raise ValueError(NO_INTERVAL)
        return self


class ScheduleUpdate(Input):
    name: Name | None = None
    every_km: EveryKm | None = None
    every_engine_hours: EveryHours | None = None
    every_days: EveryDays | None = None
    margin_km: Km | None = None
    margin_engine_hours: Hours | None = None
    margin_days: MarginDays | None = None
    last_done_on: Day | None = None
    last_done_odometer_km: Km | None = None
    last_done_engine_hours: Hours | None = None
    active: bool | None = None

    _kept = not_null(
        "name", "margin_km", "margin_engine_hours", "margin_days", "last_done_on", "active"
    )


class SchedulePublic(Output):
    id: uuid.UUID
    vehicle_id: uuid.UUID
    name: str
    every_km: float | None
    every_engine_hours: float | None
    every_days: int | None
    margin_km: float
    margin_engine_hours: float
    margin_days: int
    last_done_on: date
    last_done_odometer_km: float | None
    last_done_engine_hours: float | None
    level: Level = Field(description="Highest level announced since the last service.")
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class ServiceRecordCreate(Input):
    schedule_id: uuid.UUID | None = Field(
        None, description="The schedule this service fulfils; its interval starts again."
    )
    done_on: Day | None = Field(None, description="Omitted: today.")
    odometer_km: Km | None = Field(
        None, description="Omitted for a service done today: the vehicle's odometer now."
    )
    engine_hours: Hours | None = None
    kind: ServiceKind = ServiceKind.SCHEDULED
    description: Description = ""
    cost: Cost | None = Field(None, description="In the organisation's currency, e.g. '129.90'.")

    @model_validator(mode="after")
    def _scheduled_if_for_a_schedule(self) -> Self:
        if self.schedule_id is not None and self.kind != ServiceKind.SCHEDULED:
            raise ValueError(f"a {self.kind.value} is not done for a schedule: drop schedule_id")
        return self


class ServiceRecordUpdate(Input):
    kind: ServiceKind | None = None
    description: Description | None = None
    cost: Cost | None = None

    _kept = not_null("kind", "description")


class ServiceRecordPublic(Output):
    id: uuid.UUID
    vehicle_id: uuid.UUID
    schedule_id: uuid.UUID | None
    done_on: date
    odometer_km: float | None
    engine_hours: float | None
    kind: ServiceKind
    description: str
    cost: Decimal | None = Field(description="A decimal string.")
    created_by: str
    created_at: Timestamp
    updated_at: Timestamp


class Reason(Output):
    measure: str = Field(description="km, engine_hours or days")
    since_service: float
    every: float
    margin: float
    level: Level


class ScheduleStatus(Output):
    schedule_id: uuid.UUID
    name: str
    level: Level = Field(description="As the vehicle stands now.")
    reasons: list[Reason]
    last_done_on: date
    last_done_odometer_km: float | None
    last_done_engine_hours: float | None
    next_due_on: date | None
    next_due_km: float | None
    next_due_engine_hours: float | None


class VehicleMaintenance(Output):
    vehicle_id: uuid.UUID
    vehicle_name: str
    plate: str | None
    odometer_km: float | None = Field(description="Live odometer; None without a tracker.")
    engine_hours: float | None
    level: Level = Field(description="The worst of its schedules.")
    schedules: list[ScheduleStatus]


class MaintenanceStatus(Output):
    on: date = Field(description="Today in the organisation's time zone.")
    vehicles: list[VehicleMaintenance]


class UnusualVehicle(Output):
    vehicle_id: uuid.UUID
    vehicle_name: str
    metric: str = Field(description="unscheduled_repairs or services_per_10000_km")
    value: float
    fleet_median: float
    factor: float


class UnusualReport(Output):
    since: date
    until: date
    vehicles_compared: int
    unusual: list[UnusualVehicle]
