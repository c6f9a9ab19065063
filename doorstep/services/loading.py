"""Loading a route at the depot: every parcel scanned onto the van or marked missing,
all or nothing, and where each of the route's parcels stands."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from doorstep.domain.custody import Custody
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
