"""Plans (a day's routes from the optimiser) and urgent-job dispatch."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import Field, model_validator

from doorstep.schemas.common import Day, Input, Output, Timestamp
from doorstep.schemas.routes import RoutePublic


class PlanCreate(Input):
    date: Day
    depot_id: uuid.UUID
    order_ids: list[uuid.UUID] | None = Field(
        None,
        max_length=5000,
        description="Orders to plan. Omitted: every created or rescheduled order whose "
        "window falls on the date (or has none) and that belongs to this depot or none.",
    )
    vehicle_ids: list[uuid.UUID] | None = Field(
        None, max_length=500, description="Vehicles to use. Omitted: the depot's active ones."
    )
    optional_order_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=5000,
        description="Orders that may be left for another day when serving them costs more "
        "than their priority is worth (10 km of driving per priority point).",
    )
    break_minutes: int | None = Field(
        None, ge=1, le=240, description="A driver break of this length for every van."
    )
    break_window: tuple[dt.time, dt.time] | None = Field(
        None, description='Local times the break must start between, e.g. ["11:00", "13:00"].'
    )
    time_limit_s: float = Field(10.0, gt=0, le=600, description="Solver time limit.")
    seed: int = Field(1, ge=0, le=2**31 - 1)

    @model_validator(mode="after")
    def _break(self) -> PlanCreate:
        if (self.break_minutes is None) != (self.break_window is None):
            raise ValueError("give both break_minutes and break_window, or neither")
        if self.break_window is not None and self.break_window[1] <= self.break_window[0]:
            raise ValueError("break_window must end after it starts")
        return self


class UnplannedOrder(Output):
    order_id: uuid.UUID
    reason: str


class PlanPublic(Output):
    id: uuid.UUID
    date: dt.date
    depot_id: uuid.UUID | None
    status: str
    provider: str
    solver: dict[str, Any]
    stats: dict[str, Any]
    unplanned: list[UnplannedOrder]
    routes: list[RoutePublic]
    created_at: Timestamp


class DispatchQuery(Input):
    order_id: uuid.UUID
    date: Day | None = Field(None, description="Routes of this day. Omitted: today.")
    at: Timestamp | None = Field(None, description="Plan as of this moment. Omitted: now.")
    limit: int = Field(5, ge=1, le=50)


class StopDelay(Output):
    stop_id: uuid.UUID
    order_id: uuid.UUID | None
    recipient: str | None = Field(None, description="Whose delivery gets later.")
    tracking_code: str | None = None
    delay_s: int
    breaks_window: bool


class DispatchOption(Output):
    route_id: uuid.UUID
    route_revision: int = Field(
        description="The route's revision this option was computed on: send it as "
        "`If-Match` to /dispatch/assign so a route changed since is not edited blind."
    )
    vehicle_id: uuid.UUID | None
    vehicle_name: str | None = Field(
        None, description="The route's vehicle, as the dispatcher knows it."
    )
    driver_id: uuid.UUID | None
    position: int = Field(description="0-based place among the route's remaining stops.")
    added_drive_s: int
    arrival: Timestamp
    service_start: Timestamp
    route_end: Timestamp
    feasible: bool
    problems: list[str]
    delays: list[StopDelay]


class DispatchOptions(Output):
    order_id: uuid.UUID
    options: list[DispatchOption]
    computed_ms: float


class DispatchAssign(Input):
    order_id: uuid.UUID
    route_id: uuid.UUID
    position: int = Field(ge=0, description="As returned by /dispatch/options.")
    at: Timestamp | None = None
    allow_late: bool = Field(
        False, description="Apply even if a window breaks (the customers are told)."
    )


class Reschedule(Input):
    window_start: Timestamp
    window_end: Timestamp
    reason: str = Field("customer asked", max_length=500)


class ReoptimiseRequest(Input):
    date: Day
    route_ids: list[uuid.UUID] | None = Field(
        None, max_length=500, description="Routes to re-plan together. Omitted: all active."
    )
    at: Timestamp | None = Field(None, description="As of this moment. Omitted: now.")
    time_limit_s: float = Field(5.0, gt=0, le=300)
    seed: int = Field(1, ge=0, le=2**31 - 1)


class ReoptimiseResult(Output):
    routes: list[RoutePublic]
    unplanned: list[UnplannedOrder] = Field(
        description="Stops the solver could not place; they stay on their route."
    )
    stats: dict[str, Any]
    solver: dict[str, Any]
