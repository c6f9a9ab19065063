"""Every text a request body may carry fits the column that stores it. SQLite ignores a
VARCHAR's length and PostgreSQL does not, so a schema longer than its column passed
every SQLite test and was a 500 in production: a service record's 5,000-character
description in a 2,000-character column, a pay rule's note, an adjustment's reason
carried to the next statement as a 500-character line."""

from __future__ import annotations

import enum
import types
import typing

import pytest
from pydantic import BaseModel

from doorstep.schemas import (
    accounts,
    custody,
    customers,
    driver_app,
    fleet,
    fuel,
    maintenance,
    notifications,
    orders,
    routes,
    settlements,
    track,
)
from doorstep.storage.tables import Base

# Each request body and the table its fields are written to, field name = column name.
WRITTEN_TO: list[tuple[type[BaseModel], str]] = [
    (accounts.UserCreate, "users"),
    (accounts.UserUpdate, "users"),
    (accounts.OrganisationUpdate, "organisations"),
    (accounts.ApiKeyCreate, "api_keys"),
    (custody.ScanIn, "custody_events"),
    (custody.HandOff, "custody_events"),
    (customers.CustomerCreate, "customers"),
    (customers.CustomerUpdate, "customers"),
    (driver_app.DriverMessageCreate, "driver_messages"),
    (fleet.DepotCreate, "depots"),
    (fleet.DepotUpdate, "depots"),
    (fleet.VehicleCreate, "vehicles"),
    (fleet.VehicleUpdate, "vehicles"),
    (fleet.DriverCreate, "drivers"),
    (fleet.DriverUpdate, "drivers"),
    (fleet.CarrierCreate, "carriers"),
    (fleet.CarrierUpdate, "carriers"),
    (fleet.DeviceCreate, "devices"),
    (fleet.DeviceUpdate, "devices"),
    (fleet.ZoneCreate, "zones"),
    (fleet.ZoneUpdate, "zones"),
    (fuel.FuelPurchaseCreate, "fuel_purchases"),
    (maintenance.ScheduleCreate, "maintenance_schedules"),
    (maintenance.ScheduleUpdate, "maintenance_schedules"),
    (maintenance.ServiceRecordCreate, "service_records"),
    (maintenance.ServiceRecordUpdate, "service_records"),
    (notifications.ChatMessageCreate, "chat_messages"),
    (notifications.WebhookCreate, "webhook_subscriptions"),
    (notifications.WebhookUpdate, "webhook_subscriptions"),
    (orders.OrderCreate, "orders"),
    (orders.OrderUpdate, "orders"),
    (routes.RouteCreate, "routes"),
    (routes.RouteUpdate, "routes"),
    (settlements.PayRuleCreate, "pay_rule_versions"),
    (settlements.AdjustmentCreate, "pay_adjustments"),
    (settlements.DisputeCreate, "pay_disputes"),
    (track.InstructionsUpdate, "orders"),
    (track.RatingCreate, "ratings"),
]


def longest(annotation: object, metadata: typing.Sequence[object] = ()) -> int | None:
    """The most characters a field's type lets through; None where only a pattern or a
    validator bounds it, or where it holds no text."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        return longest(inner, [*metadata, *more])
    if origin in (typing.Union, types.UnionType):
        found = [longest(a, metadata) for a in typing.get_args(annotation)]
        return max((n for n in found if n is not None), default=None)
    if origin is typing.Literal:
        return max(len(str(a)) for a in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return max(len(str(e.value)) for e in annotation)
    if annotation is str:  # a list's max_length counts items, so only text's is read
        return next((m.max_length for m in metadata if getattr(m, "max_length", None)), None)
    return None


@pytest.mark.parametrize(("schema", "table"), WRITTEN_TO, ids=lambda v: getattr(v, "__name__", v))
def test_every_text_a_body_may_carry_fits_its_column(schema, table):
    columns = Base.metadata.tables[table].c
    for name, field in schema.model_fields.items():
        length = getattr(columns[name].type, "length", None) if name in columns else None
        if length is None:
            continue
        most = longest(field.annotation, field.metadata)
        if most is None:
            continue  # bounded by a pattern or a validator, not by a length
        assert most <= length, f"{schema.__name__}.{name}: up to {most} into {table}({length})"


def test_an_adjustments_reason_fits_the_statement_line_it_becomes():
    line = Base.metadata.tables["statement_lines"].c["description"].type.length
    field = settlements.AdjustmentCreate.model_fields["reason"]
    most = longest(field.annotation, field.metadata)
    assert most is not None and len("Adjustment: ") + most <= line
