"""Orders, their status changes and their timeline."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Self

from pydantic import Field, StringConstraints, model_validator

from doorstep.domain.order_status import OrderStatus
from doorstep.schemas.common import (
    Email,
    Input,
    Location,
    LongText,
    Name,
    Output,
    Phone,
    ShortText,
    Skills,
    Timestamp,
    not_null,
)
from doorstep.schemas.customers import ExternalRef

Address = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)]
GateCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]
ServiceMinutes = Annotated[float, Field(ge=0, le=480)]
Weight = Annotated[float, Field(ge=0, le=100_000)]
Volume = Annotated[float, Field(ge=0, le=1_000)]
Items = Annotated[int, Field(ge=1, le=100_000)]
Priority = Annotated[int, Field(ge=0, le=10)]


class Recipient(Input):
    name: Name
    phone: Phone | None = None
    email: Email | None = None


class RecipientPublic(Output):
    name: str
    phone: str | None
    email: str | None


def _check_window(model: Any) -> Any:
    start, end = model.window_start, model.window_end
    if start is not None and end is not None:
        check_window(start, end, model.service_minutes)
    return model


def check_window(start: Any, end: Any, service_minutes: float | None) -> None:
    """A window must open before it closes and leave room for the time at the door."""
    if end <= start:
        raise ValueError("window_end must be after window_start")
    minutes = (end - start).total_seconds() / 60
    if service_minutes is not None and minutes < service_minutes:
        raise ValueError(
            f"the window ({minutes:g} min) is shorter than the service time "
            f"({service_minutes:g} min)"
        )


class Pickup(Input):
    """Where the goods are collected first (a shop, a warehouse), by the same van."""

    address: Address
    location: Location
    window_start: Timestamp | None = None
    window_end: Timestamp | None = None
    service_minutes: ServiceMinutes = 5.0

    @model_validator(mode="after")
    def _window(self) -> Self:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("give both pickup window_start and window_end, or neither")
        return _check_window(self)


class PickupPublic(Output):
    address: str | None
    location: Location
    window_start: Timestamp | None
    window_end: Timestamp | None
    service_minutes: float | None


class OrderCreate(Input):
    external_ref: ExternalRef | None = None
    recipient: Recipient
    customer_id: uuid.UUID | None = None
    address: Address
    postcode: Postcode | None = None
    location: Location
    window_start: Timestamp | None = None
    window_end: Timestamp | None = None
    service_minutes: ServiceMinutes = 5.0
    weight_kg: Weight | None = None
    volume_m3: Volume | None = None
    items: Items = 1
    priority: Priority = 0
    notes: LongText | None = None
    instructions: LongText | None = Field(
        None, description="What the recipient wants the driver to know."
    )
    gate_code: GateCode | None = None
    dog_warning: bool = False
    safe_place: ShortText | None = None
    depot_id: uuid.UUID | None = None
    required_skills: Skills = Field(
        default_factory=list, description="What the vehicle must offer, e.g. refrigerated."
    )
    pickup: Pickup | None = Field(
        None, description="Collect the goods here first (pickup-and-delivery)."
    )

    @model_validator(mode="after")
    def _window(self) -> Self:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("give both window_start and window_end, or neither")
        return _check_window(self)


class OrderUpdate(Input):
    external_ref: ExternalRef | None = None
    recipient: Recipient | None = None
    address: Address | None = None
    postcode: Postcode | None = None
    location: Location | None = None
    window_start: Timestamp | None = None
    window_end: Timestamp | None = None
    service_minutes: ServiceMinutes | None = None
    weight_kg: Weight | None = None
    volume_m3: Volume | None = None
    items: Items | None = None
    priority: Priority | None = None
    notes: LongText | None = None
    instructions: LongText | None = None
    gate_code: GateCode | None = None
    dog_warning: bool | None = None
    safe_place: ShortText | None = None
    depot_id: uuid.UUID | None = None
    required_skills: Skills | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        return _check_window(self)

    _kept = not_null(
        "recipient",
        "address",
        "location",
        "service_minutes",
        "items",
        "priority",
        "dog_warning",
        "required_skills",
    )


class OrderPublic(Output):
    id: uuid.UUID
    external_ref: str | None
    tracking_code: str
    status: OrderStatus
    recipient: RecipientPublic
    customer_id: uuid.UUID | None
    address: str
    postcode: str | None
    location: Location
    window_start: Timestamp | None
    window_end: Timestamp | None
    service_minutes: float
    weight_kg: float | None
    volume_m3: float | None
    items: int
    priority: int
    notes: str | None
    instructions: str | None
    gate_code: str | None
    dog_warning: bool
    safe_place: str | None
    depot_id: uuid.UUID | None
    required_skills: list[str]
    pickup: PickupPublic | None
    created_at: Timestamp
    updated_at: Timestamp


class StatusChange(Input):
    status: OrderStatus
    reason: LongText | None = Field(
        None, description="Required for failed, cancelled and returned."
    )
    location: Location | None = Field(None, description="Where it happened, if known.")


class Actor(Output):
    type: str
    id: str | None
    name: str | None


class OrderEventPublic(Output):
    id: int
    at: Timestamp
    kind: str
    from_status: OrderStatus | None
    to_status: OrderStatus | None
    actor: Actor
    reason: str | None
    location: Location | None
    data: dict[str, Any]


class ImportRowError(Output):
    row: int = Field(description="Line number in the file, the header being line 1.")
    field: str
    message: str


class ImportedOrder(Output):
    id: uuid.UUID
    external_ref: str | None
    tracking_code: str
    status: OrderStatus


class ImportResult(Output):
    created: int
    orders: list[ImportedOrder]


class NotifyRequest(Input):
    order_ids: list[uuid.UUID] = Field(min_length=1, max_length=200)


class NotifyResult(Output):
    order_id: uuid.UUID
    rule: str | None = Field(description="delayed or scheduled; None when nothing fits.")
    messages: int = Field(description="Messages queued (SMS, email).")
    why: str | None = Field(description="When none were: why.")


class NotifyResults(Output):
    results: list[NotifyResult]


class BoardRow(Output):
    order: OrderPublic
    route_id: uuid.UUID | None
    route_name: str | None
    route_date: dt.date | None
    route_revision: int | None = Field(description="Send as If-Match to move the stop.")
    stop_id: uuid.UUID | None
    sequence: int | None
    stop_status: str | None
    eta: Timestamp | None
    eta_earliest: Timestamp | None
    eta_latest: Timestamp | None
    late_risk: float | None
    at_risk: bool


class Board(Output):
    timezone: str
    total: int
    limit: int
    offset: int
    items: list[BoardRow]
