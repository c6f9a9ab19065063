"""Chain of custody: load scans at the depot, hand-offs between drivers (both sides
confirm), delivery and return; each event hash-chained to the parcel's previous one
(``domain.custody``), and every parcel's chain verifiable through the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain.custody import (
    GENESIS,
    Custody,
    CustodyError,
    Link,
    check_step,
    event_hash,
    label,
    parse_label,
    verify,
)
from doorstep.domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.storage.tables import CustodyEvent, Depot, Driver, Order, Stop

HOLDING = frozenset({Custody.LOADED, Custody.HANDOFF_IN})


@dataclass(frozen=True)
class Scan:
    label: str
    client_id: str | None = None
    at: datetime | None = None
    lat: float | None = None
    lon: float | None = None


def _fields(event: CustodyEvent) -> dict[str, Any]:
    """What an event's hash covers: everything it says, nothing derived."""
    return {
        "org_id": str(event.org_id),
        "order_id": str(event.order_id),
        "parcel": event.parcel,
        "seq": event.seq,
        "kind": event.kind,
        "at": event.at.isoformat(),
        "lat": event.lat,
        "lon": event.lon,
        "route_id": str(event.route_id) if event.route_id else None,
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "actor_name": event.actor_name,
        "counterparty": event.counterparty,
        "note": event.note,
    }


def _last(session: Session, org_id: uuid.UUID, parcel: str) -> CustodyEvent | None:
    return session.scalar(
        select(CustodyEvent)
        .where(CustodyEvent.org_id == org_id, CustodyEvent.parcel == parcel)
        .order_by(CustodyEvent.seq.desc())
        .limit(1)
    )


def record(
    session: Session,
    principal: Principal,
    order: Order,
    parcel: str,
    kind: Custody,
    scan: Scan,
    *,
    route_id: uuid.UUID | None = None,
    counterparty: str | None = None,
    note: str | None = None,
) -> CustodyEvent:
    """Append one event to a parcel's chain (409 if the step does not follow)."""
    if scan.client_id:
        seen = session.scalar(
            select(CustodyEvent).where(
                CustodyEvent.org_id == order.org_id, CustodyEvent.client_id == scan.client_id
            )
        )
        if seen is not None:
            if seen.parcel != parcel or seen.kind != kind.value:
                raise Conflict(f"the action id {scan.client_id} was already used for another scan")
            return seen  # the same queued action sent again
    last = _last(session, order.org_id, parcel)
    try:
        check_step(Custody(last.kind) if last else None, kind)
    except CustodyError as exc:
        raise Conflict(f"parcel {parcel}: {exc}") from None
    event = CustodyEvent(
        org_id=order.org_id,
        order_id=order.id,
        parcel=parcel,
        seq=(last.seq + 1) if last else 1,
        kind=kind.value,
        at=scan.at or clock.now(),
        lat=scan.lat,
        lon=scan.lon,
        route_id=route_id,
        actor_type=principal.actor_type,
        actor_id=principal.actor_id,
        actor_name=principal.name,
        counterparty=counterparty,
        note=note,
        client_id=scan.client_id,
        prev_hash=last.hash if last else GENESIS,
        hash="",
    )
    event.hash = event_hash(event.prev_hash, _fields(event))
    session.add(event)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"parcel {parcel} was scanned by someone else at the same moment; scan it again"
        ) from None
    return event


# -- the route's parcels -------------------------------------------------------------


def route_parcels(session: Session, route_id: uuid.UUID) -> dict[str, Order]:
    """Every parcel label of the route's delivery stops, with its order."""
    orders = session.scalars(
        select(Order)
        .join(Stop, Stop.order_id == Order.id)
        .where(Stop.route_id == route_id, Stop.kind == "delivery")
    ).all()
    return {label(o.tracking_code, n): o for o in orders for n in range(1, max(o.items, 1) + 1)}


def resolve(
    parcels: dict[str, Order], scans: list[Scan], field: str
) -> tuple[list[tuple[str, Order, Scan]], list[FieldError]]:
    found, errors = [], []
    for i, scan in enumerate(scans):
        parsed = parse_label(scan.label)
        if parsed is None:
            errors.append(FieldError(("body", field, i, "label"), "not a parcel label"))
            continue
        name = label(*parsed)
        order = parcels.get(name)
        if order is None:
            errors.append(
                FieldError(
                    ("body", field, i, "label"),
                    f"parcel {name} is not on this route (another route's or unknown)",
                )
            )
            continue
        found.append((name, order, scan))
    return found, errors


def last_kinds(session: Session, org_id: uuid.UUID, parcels: Iterable[str]) -> dict[str, str]:
    """Each parcel's latest custody step, in one query; a parcel never scanned is absent."""
    names = list(parcels)
    if not names:
        return {}
    kinds: dict[str, str] = {}
    best: dict[str, int] = {}
    for parcel, kind, seq in session.execute(
        select(CustodyEvent.parcel, CustodyEvent.kind, CustodyEvent.seq).where(
            CustodyEvent.org_id == org_id, CustodyEvent.parcel.in_(names)
        )
    ):
        if seq > best.get(parcel, 0):
            best[parcel], kinds[parcel] = seq, kind
    return kinds


def unscanned(session: Session, route_id: uuid.UUID, org_id: uuid.UUID) -> list[str]:
    """The route's parcels with no custody event yet (neither loaded nor missing)."""
    parcels = route_parcels(session, route_id)
    seen = last_kinds(session, org_id, parcels)
    return sorted(p for p in parcels if p not in seen)


def on_delivered(
    session: Session, principal: Principal, order: Order, route_id: uuid.UUID, at: datetime
) -> int:
    """The order delivered: its parcels the driver held are delivered too."""
    count = 0
    names = [label(order.tracking_code, n) for n in range(1, max(order.items, 1) + 1)]
    kinds = last_kinds(session, order.org_id, names)
    for name in names:
        if kinds.get(name) in HOLDING:
            record(
                session,
                principal,
                order,
                name,
                Custody.DELIVERED,
                Scan(name, at=at),
                route_id=route_id,
            )
            count += 1
    return count


# -- hand-offs -------------------------------------------------------------------------


def _order_of(session: Session, org_id: uuid.UUID, text: str) -> tuple[str, Order] | None:
    parsed = parse_label(text)
    if parsed is None:
        return None
    order = session.scalar(
        select(Order).where(Order.org_id == org_id, Order.tracking_code == parsed[0])
    )
    if order is None or parsed[1] > max(order.items, 1):
        return None
    return label(*parsed), order


def _parcels(
    session: Session, principal: Principal, scans: list[Scan]
) -> list[tuple[str, Order, Scan]]:
    found, errors = [], []
    for i, scan in enumerate(scans):
        hit = _order_of(session, principal.org_id, scan.label)
        if hit is None:
            errors.append(FieldError(("body", "scans", i, "label"), "no parcel with this label"))
        else:
            found.append((hit[0], hit[1], scan))
    if errors:
        raise InvalidInput(errors, "nothing was recorded: some labels are unknown")
    return found


def depot_party(depot_id: uuid.UUID) -> str:
    """How a depot stands as the other side of a hand-off (a driver is their id)."""
    return f"depot:{depot_id}"


def hand_off(
    session: Session,
    principal: Principal,
    scans: list[Scan],
    to_driver: uuid.UUID | None,
    note: str | None = None,
    *,
    to_depot: uuid.UUID | None = None,
) -> list[CustodyEvent]:
    """The giving side: these parcels go to that driver or depot, who must confirm."""
    if to_depot is not None:
        depot = session.get(Depot, to_depot)
        if depot is None or depot.org_id != principal.org_id:
            raise InvalidInput(
                [FieldError(("body", "to_depot_id"), f"no depot with id {to_depot}")]
            )
        counterparty = depot_party(to_depot)
    else:
        receiver = session.get(Driver, to_driver) if to_driver else None
        if receiver is None or receiver.org_id != principal.org_id:
            raise InvalidInput(
                [FieldError(("body", "to_driver_id"), f"no driver with id {to_driver}")]
            )
        counterparty = str(to_driver)
    events = []
    for name, order, scan in _parcels(session, principal, scans):
        events.append(
            record(
                session,
                principal,
                order,
                name,
                Custody.HANDOFF_OUT,
                scan,
                counterparty=counterparty,
                note=note,
            )
        )
    return events


def accept(
    session: Session,
    principal: Principal,
    scans: list[Scan],
    *,
    depot_id: uuid.UUID | None = None,
) -> list[CustodyEvent]:
    """The receiving side confirms: only parcels handed to this very driver, or to the
    depot its staff confirm for."""
    if depot_id is not None:
        if not principal.can(Permission.WRITE):
            raise Forbidden("only a depot's staff (a dispatcher or admin) confirm for a depot")
        receiver = depot_party(depot_id)
    else:
        receiver = str(principal.driver_id)
    events = []
    for name, order, scan in _parcels(session, principal, scans):
        last = _last(session, order.org_id, name)
        if last is None or last.kind != Custody.HANDOFF_OUT or last.counterparty != receiver:
            whom = "this depot" if depot_id else "you"
            raise Conflict(f"parcel {name} was not handed to {whom}")
        events.append(
            record(
                session,
                principal,
                order,
                name,
                Custody.HANDOFF_IN,
                scan,
                counterparty=last.actor_id,
                note=f"for depot {depot_id}" if depot_id else None,
            )
        )
    return events


# -- reading and verifying ------------------------------------------------------------


def offered_to(
    session: Session, principal: Principal, driver_id: uuid.UUID, since: datetime
) -> list[CustodyEvent]:
    """Hand-offs to this driver still waiting for their confirmation, oldest first."""
    return _still_latest(
        session,
        principal.org_id,
        select(CustodyEvent).where(
            CustodyEvent.org_id == principal.org_id,
            CustodyEvent.kind == Custody.HANDOFF_OUT.value,
            CustodyEvent.counterparty == str(driver_id),
            CustodyEvent.at >= since,
        ),
    )


def taken_over(session: Session, principal: Principal, since: datetime) -> list[CustodyEvent]:
    """Parcels this person accepted from a colleague and still holds."""
    return _still_latest(
        session,
        principal.org_id,
        select(CustodyEvent).where(
            CustodyEvent.org_id == principal.org_id,
            CustodyEvent.kind == Custody.HANDOFF_IN.value,
            CustodyEvent.actor_id == principal.actor_id,
            CustodyEvent.at >= since,
        ),
    )


def _still_latest(
    session: Session, org_id: uuid.UUID, query: Select[CustodyEvent]
) -> list[CustodyEvent]:
    """Those of the query's events that are still their parcel's latest step."""
    events = list(session.scalars(query))
    if not events:
        return []
    latest: dict[str, int] = {}
    for parcel, seq in session.execute(
        select(CustodyEvent.parcel, CustodyEvent.seq).where(
            CustodyEvent.org_id == org_id,
            CustodyEvent.parcel.in_({e.parcel for e in events}),
        )
    ):
        latest[parcel] = max(seq, latest.get(parcel, 0))
    return sorted(
        (e for e in events if latest.get(e.parcel) == e.seq), key=lambda e: (e.at, e.parcel)
    )


def chain(session: Session, principal: Principal, text: str) -> dict[str, Any]:
    hit = _order_of(session, principal.org_id, text)
    if hit is None:
        raise NotFound("parcel", text)
    name, order = hit
    events = list(
        session.scalars(
            select(CustodyEvent)
            .where(CustodyEvent.org_id == principal.org_id, CustodyEvent.parcel == name)
            .order_by(CustodyEvent.seq)
        )
    )
    result = verify([Link(_fields(e), e.prev_hash, e.hash) for e in events])
    return {
        "parcel": name,
        "order_id": order.id,
        "events": events,
        "verified": result.ok,
        "broken_at": None if result.broken_at is None else result.broken_at + 1,
        "problem": result.reason,
    }
