"""Orders: creation (idempotent), search, edits, and status changes through the one
state machine, each leaving an event in the order's append-only timeline."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain import order_status
from doorstep.domain.codes import new_tracking_code, normalise_tracking_code
from doorstep.domain.errors import Conflict, FieldError, InvalidInput
from doorstep.domain.notify.phones import normalise_phone
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.schemas.orders import OrderCreate, OrderUpdate, StatusChange, check_window
from doorstep.services import events
from doorstep.services.references import check_references
from doorstep.storage import repository as repo
from doorstep.storage.tables import (
    Customer,
    Depot,
    IdempotencyRecord,
    Order,
    OrderEvent,
    Organisation,
    Stop,
)
from doorstep.storage.tables.base import OrgMixin

IDEMPOTENCY_SCOPE = "orders.create"
REFERENCES: dict[str, tuple[type[OrgMixin], str]] = {
    "customer_id": (Customer, "customer"),
    "depot_id": (Depot, "depot"),
}
SEARCH_COLUMNS = (
    Order.tracking_code,
    Order.external_ref,
    Order.recipient_name,
    Order.recipient_phone,
    Order.recipient_email,
    Order.address,
    Order.postcode,
)


@dataclass(frozen=True)
class OrderFilters:
    status: list[OrderStatus] | None = None
    tracking_code: str | None = None
    external_ref: str | None = None
    customer_id: uuid.UUID | None = None
    depot_id: uuid.UUID | None = None
    route_id: uuid.UUID | None = None
    window_from: datetime | None = None
    window_to: datetime | None = None
    q: str | None = None


@dataclass(frozen=True)
class Created:
    order: Order
    replayed: bool


class CustomerBook:
    """Finds the recipient's customer record by email or phone, or makes one.

    Loaded once per batch so an import of 100,000 rows does not ask 100,000 times.
    """

    def __init__(self, session: Session, org_id: uuid.UUID) -> None:
        self.session = session
        self.org_id = org_id
        self.by_email: dict[str, Customer] = {}
        self.by_phone: dict[str, Customer] = {}
        self.created: list[Customer] = []

    def preload(self, emails: Iterable[str], phones: Iterable[str]) -> None:
        emails = sorted({e.lower() for e in emails if e})
        phones = sorted({p for p in phones if p})
        for chunk_start in range(0, max(len(emails), len(phones)), 500):
            e = emails[chunk_start : chunk_start + 500]
            p = phones[chunk_start : chunk_start + 500]
            conditions = []
            if e:
                conditions.append(func.lower(Customer.email).in_(e))
            if p:
                conditions.append(Customer.phone.in_(p))
            if conditions:
                for customer in self.session.scalars(
                    repo.owned(Customer, self.org_id).where(or_(*conditions))
                ):
                    self._remember(customer)

    def find_or_create(self, name: str, email: str | None, phone: str | None) -> Customer:
        email = email.lower() if email else None
        found = self._lookup(email, phone)
        if found is None and not self.by_email and not self.by_phone:
            self.preload([email] if email else [], [phone] if phone else [])
            found = self._lookup(email, phone)
        if found is not None:
            return found
        customer = Customer(
            id=uuid.uuid4(), org_id=self.org_id, name=name, email=email, phone=phone
        )
        self.created.append(customer)
        self._remember(customer)
        return customer

    def _lookup(self, email: str | None, phone: str | None) -> Customer | None:
        if email and email in self.by_email:
            return self.by_email[email]
        if phone and phone in self.by_phone:
            return self.by_phone[phone]
        return None

    def _remember(self, customer: Customer) -> None:
        if customer.email:
            self.by_email.setdefault(customer.email.lower(), customer)
        if customer.phone:
            self.by_phone.setdefault(customer.phone, customer)


def request_hash(data: OrderCreate) -> str:
    canonical = json.dumps(data.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def create_order(
    session: Session,
    principal: Principal,
    data: OrderCreate,
    *,
    idempotency_key: str | None = None,
    book: CustomerBook | None = None,
) -> Created:
    digest = request_hash(data)  # of the body as sent, before any normalising
    if idempotency_key is not None:
        replay = _replay(session, principal, idempotency_key, digest)
        if replay is not None:
            return Created(replay, replayed=True)
    check_references(session, principal.org_id, data.model_dump(), REFERENCES)
    if data.external_ref is not None:
        _refuse_duplicate_refs(session, principal.org_id, [data.external_ref])
    book = book or CustomerBook(session, principal.org_id)
    data = with_normalised_phone(data, organisation_region(session, principal.org_id))
    order = build_order(principal.org_id, data, book)
    session.add_all(book.created)
    session.flush()
    book.created.clear()
    session.add(order)
    session.flush()
    events.record(session, order, principal, "created", to_status=OrderStatus.CREATED)
    if idempotency_key is not None:
        session.add(
            IdempotencyRecord(
                org_id=principal.org_id,
                scope=IDEMPOTENCY_SCOPE,
                key=idempotency_key,
                request_hash=digest,
                resource_id=order.id,
            )
        )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "another request with the same Idempotency-Key or external_ref was processed "
            "at the same moment; retry this one to get its result"
        ) from None
    return Created(order, replayed=False)


def organisation_region(session: Session, org_id: uuid.UUID) -> str | None:
    org = session.get(Organisation, org_id)
    return org.country if org is not None else None


def normalised_phone(raw: str | None, region: str | None) -> str | None:
    """E.164, decided when the order is written (422 naming the problem), so a number
    no SMS can reach is refused now rather than failing on the delivery day."""
    if raw is None:
        return None
    try:
        return normalise_phone(raw, region)
    except ValueError as exc:
        raise InvalidInput(
            [FieldError(("body", "recipient", "phone"), str(exc))],
            f"the recipient's phone number is not usable: {exc}",
        ) from None


def with_normalised_phone(data: OrderCreate, region: str | None) -> OrderCreate:
    phone = normalised_phone(data.recipient.phone, region)
    if phone == data.recipient.phone:
        return data
    return data.model_copy(update={"recipient": data.recipient.model_copy(update={"phone": phone})})


def build_order(org_id: uuid.UUID, data: OrderCreate, book: CustomerBook) -> Order:
    values = data.model_dump(exclude={"recipient", "location", "customer_id", "pickup"})
    if data.pickup is not None:
        values.update(
            pickup_address=data.pickup.address,
            pickup_lat=data.pickup.location.lat,
            pickup_lon=data.pickup.location.lon,
            pickup_window_start=data.pickup.window_start,
            pickup_window_end=data.pickup.window_end,
            pickup_service_minutes=data.pickup.service_minutes,
        )
    customer_id = data.customer_id
    if customer_id is None:
        email = str(data.recipient.email) if data.recipient.email else None
        customer_id = book.find_or_create(data.recipient.name, email, data.recipient.phone).id
    return Order(
        id=uuid.uuid4(),
        org_id=org_id,
        tracking_code=new_tracking_code(),
        delivery_pin=f"{secrets.randbelow(10_000):04d}",
        status=OrderStatus.CREATED.value,
        customer_id=customer_id,
        recipient_name=data.recipient.name,
        recipient_phone=data.recipient.phone,
        recipient_email=str(data.recipient.email) if data.recipient.email else None,
        lat=data.location.lat,
        lon=data.location.lon,
        **values,
    )


def _replay(session: Session, principal: Principal, key: str, digest: str) -> Order | None:
    record = session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.org_id == principal.org_id,
            IdempotencyRecord.scope == IDEMPOTENCY_SCOPE,
            IdempotencyRecord.key == key,
        )
    )
    if record is None:
        return None
    if record.request_hash != digest:
        raise InvalidInput(
            [FieldError(("header", "Idempotency-Key"), "already used with a different body")],
            "this Idempotency-Key was already used for a different order; use a new key",
        )
    order = repo.find_owned(session, Order, principal.org_id, record.resource_id)  # type: ignore[arg-type]
    if order is None:
        raise Conflict("the order first created with this Idempotency-Key has been deleted")
    return order


def _refuse_duplicate_refs(session: Session, org_id: uuid.UUID, refs: list[str]) -> None:
    taken: set[str] = set()
    for start in range(0, len(refs), 500):
        chunk = refs[start : start + 500]
        taken.update(
            session.scalars(
                select(Order.external_ref).where(
                    Order.org_id == org_id, Order.external_ref.in_(chunk)
                )
            )
        )
    if taken:
        raise Conflict(
            "an order with external_ref "
            + ", ".join(sorted(taken)[:10])
            + (" (and more)" if len(taken) > 10 else "")
            + " already exists"
        )


def get_order(session: Session, principal: Principal, order_id: uuid.UUID) -> Order:
    return repo.get_owned(session, Order, principal.org_id, order_id, "order")


def list_orders(
    session: Session, principal: Principal, filters: OrderFilters, *, limit: int, offset: int
) -> tuple[list[Order], int]:
    stmt = repo.owned(Order, principal.org_id)
    if filters.status:
        stmt = stmt.where(Order.status.in_([s.value for s in filters.status]))
    if filters.tracking_code:
        stmt = stmt.where(Order.tracking_code == normalise_tracking_code(filters.tracking_code))
    if filters.external_ref:
        stmt = stmt.where(Order.external_ref == filters.external_ref)
    if filters.customer_id:
        stmt = stmt.where(Order.customer_id == filters.customer_id)
    if filters.depot_id:
        stmt = stmt.where(Order.depot_id == filters.depot_id)
    if filters.route_id:
        stmt = stmt.where(
            Order.id.in_(select(Stop.order_id).where(Stop.route_id == filters.route_id))
        )
    if filters.window_from:
        stmt = stmt.where(Order.window_end >= filters.window_from)
    if filters.window_to:
        stmt = stmt.where(Order.window_start <= filters.window_to)
    if filters.q:
        stmt = stmt.where(repo.text_search(SEARCH_COLUMNS, filters.q))
    return repo.page(session, stmt, limit, offset, (Order.created_at.desc(), Order.id))


def update_order(
    session: Session, principal: Principal, order_id: uuid.UUID, data: OrderUpdate
) -> Order:
    order = get_order(session, principal, order_id)
    if OrderStatus(order.status) in order_status.FINAL:
        raise Conflict(f"the order is {order.status} and can no longer be changed")
    changes: dict[str, Any] = data.model_dump(exclude_unset=True)
    check_references(session, principal.org_id, changes, REFERENCES)
    if changes.get("external_ref") not in (None, order.external_ref):
        _refuse_duplicate_refs(session, principal.org_id, [changes["external_ref"]])
    if "recipient" in changes and data.recipient is not None:
        changes.pop("recipient")
        changes["recipient_name"] = data.recipient.name
        changes["recipient_phone"] = normalised_phone(
            data.recipient.phone, organisation_region(session, principal.org_id)
        )
        changes["recipient_email"] = str(data.recipient.email) if data.recipient.email else None
    if "location" in changes and data.location is not None:
        changes.pop("location")
        changes["lat"], changes["lon"] = data.location.lat, data.location.lon
    start = changes.get("window_start", order.window_start)
    end = changes.get("window_end", order.window_end)
    if (start is None) != (end is None):
        raise InvalidInput(
            [FieldError(("body", "window_end"), "give both window_start and window_end")]
        )
    if start is not None and end is not None:
        try:
            check_window(start, end, changes.get("service_minutes", order.service_minutes))
        except ValueError as exc:
            raise InvalidInput([FieldError(("body", "window_end"), str(exc))]) from None
    changed = {}
    for key, value in changes.items():
        if getattr(order, key) != value:
            changed[key] = value
            setattr(order, key, value)
    if changed:
        session.flush()
        events.record(session, order, principal, "updated", data={"fields": sorted(changed)})
    return order


def change_status(
    session: Session,
    principal: Principal,
    order_id: uuid.UUID,
    change: StatusChange,
    *,
    at: datetime | None = None,
) -> Order:
    order = get_order(session, principal, order_id)
    return apply_transition(session, principal, order, change, at=at)


def apply_transition(
    session: Session,
    principal: Principal,
    order: Order,
    change: StatusChange,
    *,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> Order:
    """The one place an order's status is written."""
    current = OrderStatus(order.status)
    new = order_status.transition(current, change.status, change.reason)
    order.status = new.value
    order.updated_at = at or clock.now()
    session.flush()
    events.record(
        session,
        order,
        principal,
        "status_changed",
        from_status=current,
        to_status=new,
        reason=change.reason,
        location=change.location.model_dump() if change.location else None,
        at=at,
        data=data,
    )
    return order


def list_events(
    session: Session, principal: Principal, order_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[OrderEvent], int]:
    get_order(session, principal, order_id)
    stmt = select(OrderEvent).where(
        OrderEvent.org_id == principal.org_id, OrderEvent.order_id == order_id
    )
    return repo.page(session, stmt, limit, offset, (OrderEvent.id,))


def delete_order(session: Session, principal: Principal, order_id: uuid.UUID) -> None:
    order = get_order(session, principal, order_id)
    if order.status != OrderStatus.CREATED.value:
        raise Conflict(
            f"the order is {order.status}; only a created order can be deleted "
            "(cancel it instead, which keeps its history)"
        )
    session.delete(order)
    session.flush()
