"""Plain CRUD for the organisation's reference data: depots, vehicles, drivers, devices,
customers, carriers. Orders and routes have lifecycles and live in their own modules."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from pydantic_core import Url
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.domain.errors import Conflict, FieldError, InvalidInput
from doorstep.domain.principal import Principal
from doorstep.storage import repository as repo
from doorstep.storage.tables import (
    Carrier,
    Customer,
    Depot,
    Device,
    Driver,
    Statement,
    User,
    Vehicle,
    Zone,
)
from doorstep.storage.tables.base import OrgMixin

M = TypeVar("M", bound=OrgMixin)


@dataclass(frozen=True)
class Resource(Generic[M]):
    model: type[M]
    kind: str
    search: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    references: Mapping[str, tuple[type[OrgMixin], str]] = field(default_factory=dict)
    # column -> True when unique across all organisations (a tracker id), else per org
    unique: Mapping[str, bool] = field(default_factory=dict)


DEPOTS = Resource(Depot, "depot", search=("name", "address"))
VEHICLES = Resource(
    Vehicle,
    "vehicle",
    search=("name", "plate"),
    filters=("depot_id", "active", "vehicle_type", "fuel_type"),
    references={"depot_id": (Depot, "depot"), "designated_zone_id": (Zone, "zone")},
)
CARRIERS = Resource(Carrier, "carrier", search=("name", "email", "tax_ref"), filters=("active",))
DRIVERS = Resource(
    Driver,
    "driver",
    search=("name", "phone", "email"),
    filters=("depot_id", "vehicle_id", "active", "user_id", "carrier_id"),
    references={
        "depot_id": (Depot, "depot"),
        "vehicle_id": (Vehicle, "vehicle"),
        "user_id": (User, "user"),
        "carrier_id": (Carrier, "carrier"),
    },
    unique={"user_id": False},
)
DEVICES = Resource(
    Device,
    "device",
    search=("name", "identifier"),
    filters=("vehicle_id", "driver_id", "protocol", "active", "identifier"),
    references={"vehicle_id": (Vehicle, "vehicle"), "driver_id": (Driver, "driver")},
    unique={"identifier": True},
)
ZONES = Resource(Zone, "zone", search=("name",), filters=("kind", "restricted", "active"))
CUSTOMERS = Resource(
    Customer,
    "customer",
    search=("name", "phone", "email", "external_ref"),
    filters=("email", "phone", "external_ref"),
)


def to_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    """Schema fields to column values: ``location`` becomes ``lat``/``lon``; URLs text."""
    values = dict(data)
    location = values.pop("location", None)
    if location is not None:
        values["lat"], values["lon"] = location["lat"], location["lon"]
    for key, value in values.items():
        if isinstance(value, Url):
            values[key] = str(value)
    return values


def create(
    session: Session,
    principal: Principal,
    res: Resource[M],
    data: BaseModel,
    extra: Mapping[str, Any] | None = None,
) -> M:
    """``extra``: columns the caller sets that are not in the request (a token's hash)."""
    values = to_columns(data.model_dump(mode="python"))
    _check(session, principal, res, values, current=None)
    row = cast(Any, res.model)(org_id=principal.org_id, **values, **(extra or {}))
    session.add(row)
    _flush(session, res)
    return row


def get(session: Session, principal: Principal, res: Resource[M], ident: uuid.UUID) -> M:
    return repo.get_owned(session, res.model, principal.org_id, ident, res.kind)


def list_rows(
    session: Session,
    principal: Principal,
    res: Resource[M],
    *,
    q: str | None = None,
    filters: Mapping[str, Any] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[M], int]:
    stmt = repo.owned(res.model, principal.org_id)
    for name, value in (filters or {}).items():
        if value is not None:
            if name not in res.filters:
                raise ValueError(f"{name} is not a filter of {res.kind}")
            stmt = stmt.where(getattr(res.model, name) == value)
    if q:
        stmt = stmt.where(repo.text_search([getattr(res.model, c) for c in res.search], q))
    order = (res.model.created_at.desc(), res.model.id)
    return repo.page(session, stmt, limit, offset, order)


def update(
    session: Session, principal: Principal, res: Resource[M], ident: uuid.UUID, data: BaseModel
) -> M:
    row = get(session, principal, res, ident)
    values = to_columns(data.model_dump(mode="python", exclude_unset=True))
    _check(session, principal, res, values, current=row)
    for key, value in values.items():
        setattr(row, key, value)
    _flush(session, res)
    return row


def delete(session: Session, principal: Principal, res: Resource[M], ident: uuid.UUID) -> None:
    row = get(session, principal, res, ident)
    if res is DRIVERS or res is CARRIERS:
        column = Statement.driver_id if res is DRIVERS else Statement.carrier_id
        if session.scalar(select(Statement.id).where(column == row.id).limit(1)) is not None:
            raise Conflict(
                f"the {res.kind} has pay statements, which are kept: set active to false "
                "instead of deleting"
            )
    session.delete(row)
    session.flush()


def _check(
    session: Session,
    principal: Principal,
    res: Resource[M],
    values: dict[str, Any],
    current: M | None,
) -> None:
    from doorstep.services.references import check_references

    check_references(session, principal.org_id, values, res.references)
    errors = []
    for column, is_global in res.unique.items():
        value = values.get(column)
        if value is None or (current is not None and getattr(current, column) == value):
            continue
        stmt = select(res.model.id).where(getattr(res.model, column) == value)
        if not is_global:
            stmt = stmt.where(res.model.org_id == principal.org_id)
        if session.scalar(stmt.limit(1)) is not None:
            errors.append(f"{column} {value} is already in use by another {res.kind}")
    if errors:
        raise Conflict("; ".join(errors))
    if res is DRIVERS and values.get("user_id") is not None:
        user = session.get(User, values["user_id"])
        if user is not None and user.role != "driver":
            raise InvalidInput([FieldError(("body", "user_id"), "that user's role is not driver")])


def _flush(session: Session, res: Resource[Any]) -> None:
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request took the same unique value between check and insert.
        raise Conflict(f"the {res.kind} conflicts with one that already exists") from None
