"""Loading a route at the depot: every parcel scanned onto the van or marked missing,
all or nothing, and where each of the route's parcels stands."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from doorstep.domain.custody import Custody, label
from doorstep.domain.errors import InvalidInput
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.services.custody import Scan, last_kinds, record, resolve, route_parcels
from doorstep.services.stop_progress import driven_route
from doorstep.storage import repository as repo
from doorstep.storage.tables import Route


def load(
    session: Session,
    principal: Principal,
    route_id: uuid.UUID,
    scans: list[Scan],
    missing: list[Scan],
) -> dict[str, Any]:
    """Load scans at the depot, and parcels explicitly marked missing; all or nothing."""
    route = driven_route(session, principal, route_id)
    parcels = route_parcels(session, route.id)
    loaded, errors = resolve(parcels, scans, "scans")
    absent, more = resolve(parcels, missing, "missing")
    errors += more
    if errors:
        raise InvalidInput(errors, "nothing was recorded: some labels are not this route's parcels")
    for name, order, scan in loaded:
        record(session, principal, order, name, Custody.LOADED, scan, route_id=route.id)
    for name, order, scan in absent:
        record(session, principal, order, name, Custody.MISSING, scan, route_id=route.id)
    return load_status(session, principal, route_id)


def load_status(session: Session, principal: Principal, route_id: uuid.UUID) -> dict[str, Any]:
    """Each parcel of the route: loaded, missing, handed off, delivered, or not scanned."""
    route = (
        repo.get_owned(session, Route, principal.org_id, route_id, "route")
        if principal.can(Permission.READ)
        else driven_route(session, principal, route_id)
    )
    parcels = route_parcels(session, route.id)
    states = last_kinds(session, route.org_id, parcels)
    items = [
        {"label": name, "order_id": order.id, "state": states.get(name, "unscanned")}
        for name, order in sorted(parcels.items())
    ]
    return {
        "route_id": route.id,
        "parcels": items,
        "unscanned": sum(1 for i in items if i["state"] == "unscanned"),
        "ready": all(i["state"] != "unscanned" for i in items),
    }


def hand_in(
    session: Session, principal: Principal, route_id: uuid.UUID, scans: list[Scan]
) -> dict[str, Any]:
    """Parcels back at the depot at the end of the day (failed deliveries): returned."""
    route = driven_route(session, principal, route_id)
    parcels = route_parcels(session, route.id)
    found, errors = resolve(parcels, scans, "scans")
    if errors:
        raise InvalidInput(errors, "nothing was recorded: some labels are not this route's parcels")
    for name, order, scan in found:
        record(session, principal, order, name, Custody.RETURNED, scan, route_id=route.id)
    return load_status(session, principal, route_id)


def labels(session: Session, principal: Principal, route_id: uuid.UUID) -> dict[str, Any]:
    """One printable label per parcel of the route, in stop order: what the depot sticks
    on each parcel, and what the driver app scans."""
    route = repo.get_owned(session, Route, principal.org_id, route_id, "route")
    order_of = {o.id: o for o in route_parcels(session, route.id).values()}
    items = []
    for stop in sorted(route.stops, key=lambda s: s.sequence):
        order = order_of.get(stop.order_id) if stop.order_id else None
        if order is None or stop.kind != "delivery":
            continue
        count = max(order.items, 1)
        first_name = (order.recipient_name or "").split(" ")[0]
        for n in range(1, count + 1):
            items.append(
                {
                    "label": label(order.tracking_code, n),
                    "n": n,
                    "of": count,
                    "stop": stop.sequence + 1,
                    "recipient": first_name,
                    "address": order.address,
                }
            )
    return {"route": route.name or str(route.id), "date": route.date, "labels": items}
