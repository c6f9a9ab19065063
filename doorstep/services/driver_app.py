"""What the driver's phone needs: a one-time sign-in, today's route as the driver sees
it (first names, addresses, windows, instructions, parcel labels), and a tracker of its
own so the phone's positions go down the same ping pipeline as any tracker's."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain import tracking_rules
from doorstep.domain.custody import Custody, label
from doorstep.domain.errors import Conflict, Forbidden, Unauthorized
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.schemas.fleet import DeviceCreate, DeviceProtocol
from doorstep.services import custody
from doorstep.services.devices import create_device
from doorstep.storage import repository as repo
from doorstep.storage.tables import (
    Depot,
    Device,
    Driver,
    Order,
    Organisation,
    Route,
    RouteChange,
    SignInLink,
    Stop,
    User,
)

LINK_LIFETIME = dt.timedelta(minutes=15)
APP_DEVICE_NAME = "Doorstep driver app"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in_link(
    session: Session, principal: Principal, driver_id: uuid.UUID, now: dt.datetime
) -> tuple[str, dt.datetime]:
    """A token for the driver's phone (shown once, as a link or QR code)."""
    driver = repo.get_owned(session, Driver, principal.org_id, driver_id, "driver")
    if driver.user_id is None:
        raise Conflict("the driver has no user account to sign in as; give them one first")
    token = secrets.token_urlsafe(32)
    expires = now + LINK_LIFETIME
    session.add(
        SignInLink(
            org_id=principal.org_id,
            user_id=driver.user_id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=expires,
        )
    )
    session.flush()
    return token, expires


def redeem(session: Session, token: str, now: dt.datetime) -> User:
    """The user a link signs in, once; a used, expired or unknown link is one 401."""
    link = session.scalar(select(SignInLink).where(SignInLink.token_hash == _hash(token)))
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise Unauthorized("this sign-in link has expired or was already used; ask for a new one")
    user = session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise Unauthorized("this sign-in link has expired or was already used; ask for a new one")
    link.used_at = now
    session.flush()
    return user


def driver_id_of(principal: Principal) -> uuid.UUID:
    if principal.driver_id is None or not principal.can(Permission.OWN_ROUTES):
        raise Forbidden("this is for drivers: sign in with a driver's account")
    return principal.driver_id


def tracker(session: Session, principal: Principal) -> dict[str, Any]:
    """The phone's own tracker, bound to the driver (a new token each time: the old
    phone's stops working)."""
    driver_id = driver_id_of(principal)
    device = session.scalar(
        select(Device).where(
            Device.org_id == principal.org_id,
            Device.driver_id == driver_id,
            Device.name == APP_DEVICE_NAME,
        )
    )
    if device is not None:
        session.delete(device)
        session.flush()
    made, token = create_device(
        session,
        principal,
        DeviceCreate(driver_id=driver_id, name=APP_DEVICE_NAME, protocol=DeviceProtocol.DRIVER_APP),
    )
    return {"id": made.id, "identifier": made.identifier, "token": token}


def route_of_day(
    session: Session, principal: Principal, day: dt.date | None, now: dt.datetime
) -> tuple[dt.date, str, Route | None]:
    """The driver's route of the day (the one in progress first), the day and its zone."""
    driver_id = driver_id_of(principal)
    org = session.get(Organisation, principal.org_id)
    assert org is not None
    date = day or now.astimezone(ZoneInfo(org.timezone)).date()
    routes = list(
        session.scalars(
            select(Route).where(
                Route.org_id == principal.org_id,
                Route.driver_id == driver_id,
                Route.date == date,
                Route.status.in_(("planned", "in_progress", "completed")),
            )
        )
    )
    if not routes:
        return date, org.timezone, None
    order = {"in_progress": 0, "planned": 1, "completed": 2}
    route = sorted(routes, key=lambda r: (order.get(r.status, 3), r.planned_start or now))[0]
    return date, org.timezone, route


def today(
    session: Session, principal: Principal, day: dt.date | None, now: dt.datetime
) -> dict[str, Any]:
    """The route of the day as the driver sees it, stop by stop."""
    date, zone, route = route_of_day(session, principal, day, now)
    if route is None:
        return {"date": date, "timezone": zone, "route": None}
    stops = sorted(route.stops, key=lambda s: s.sequence)
    orders = {
        o.id: o
        for o in session.scalars(
            select(Order).where(Order.id.in_([s.order_id for s in stops if s.order_id]))
        )
    }
    return {
        "date": date,
        "timezone": zone,
        "route": {
            "id": route.id,
            "name": route.name,
            "status": route.status,
            "revision": route.revision or 0,
            "last_change": _last_change(session, principal, route),
            "stops": [_stop(s, orders.get(s.order_id) if s.order_id else None) for s in stops],
        },
    }


def _last_change(session: Session, principal: Principal, route: Route) -> str | None:
    """Why the route last changed: the phone tells the driver with the route it read,
    whichever of the change's event and another reading of the route comes first."""
    if not route.revision:
        return None
    return session.scalar(
        select(RouteChange.reason).where(
            RouteChange.org_id == principal.org_id,
            RouteChange.route_id == route.id,
            RouteChange.revision == route.revision,
        )
    )


def _stop(stop: Stop, order: Order | None) -> dict[str, Any]:
    return {
        "id": stop.id,
        "sequence": stop.sequence,
        "kind": stop.kind,
        "status": stop.status,
        "location": {"lat": stop.lat, "lon": stop.lon},
        "planned_arrival": stop.planned_arrival,
        "eta": stop.eta,
        "order": None
        if order is None
        else {
            "id": order.id,
            "status": order.status,
            "recipient_first_name": tracking_rules.first_name(order.recipient_name),
            "address": order.address,
            "window_start": order.window_start,
            "window_end": order.window_end,
            "items": order.items,
            "instructions": order.instructions,
            "gate_code": order.gate_code,
            "dog_warning": order.dog_warning,
            "safe_place": order.safe_place,
            "parcels": [label(order.tracking_code, n) for n in range(1, max(order.items, 1) + 1)],
        },
    }


def summary(
    session: Session, principal: Principal, day: dt.date | None, now: dt.datetime
) -> dict[str, Any]:
    """The end of the day: stops done and failed, time on the road, the planned
    distance driven, and the parcels to hand back in at the depot."""
    found = today(session, principal, day, now)
    route_view = found["route"]
    result: dict[str, Any] = {"date": found["date"], "route_id": None}
    if route_view is None:
        return result
    route = session.get(Route, route_view["id"])
    assert route is not None
    stops = sorted(route.stops, key=lambda s: s.sequence)
    done = [s for s in stops if s.status == "completed"]
    failed = [s for s in stops if s.status == "failed"]
    arrived = [s.arrived_at for s in stops if s.arrived_at]
    departed = [s.departed_at for s in stops if s.departed_at]
    first, last = (min(arrived), max(departed)) if arrived and departed else (None, None)
    failed_orders = {s.order_id for s in failed if s.order_id}
    candidates = sorted(
        name
        for name, order in custody.route_parcels(session, route.id).items()
        if order.id in failed_orders
    )
    kinds = custody.last_kinds(session, route.org_id, candidates)
    # Still on the van, by its chain.
    to_return = [name for name in candidates if kinds.get(name) in custody.HOLDING]
    return {
        **result,
        "route_id": route.id,
        "status": route.status,
        "stops_done": len(done),
        "stops_failed": len(failed),
        "stops_open": len(stops) - len(done) - len(failed),
        "planned_km": round(sum((s.leg_metres or 0.0) for s in done + failed) / 1000, 1),
        "first_arrival": first,
        "last_departure": last,
        "hours": round((last - first).total_seconds() / 3600, 2) if first and last else None,
        "parcels_to_return": to_return,
    }


HANDOFF_MEMORY = dt.timedelta(days=7)


def handoffs(session: Session, principal: Principal, now: dt.datetime) -> dict[str, Any]:
    """What the hand-over screen needs: colleagues to hand parcels to, parcels offered to
    this driver awaiting their confirmation, and the parcels they hold (loaded onto
    today's van, or taken over from a colleague) and so may hand on."""
    me = driver_id_of(principal)
    since = now - HANDOFF_MEMORY
    colleagues = session.scalars(
        select(Driver)
        .where(Driver.org_id == principal.org_id, Driver.active.is_(True), Driver.id != me)
        .order_by(Driver.name)
    )
    _, _, route = route_of_day(session, principal, None, now)
    holding = {e.parcel for e in custody.taken_over(session, principal, since)}
    if route is not None:
        parcels = custody.route_parcels(session, route.id)
        kinds = custody.last_kinds(session, principal.org_id, parcels)
        holding |= {name for name in parcels if kinds.get(name) == Custody.LOADED.value}
    depots = session.scalars(
        select(Depot).where(Depot.org_id == principal.org_id).order_by(Depot.name)
    )
    return {
        "colleagues": [{"id": d.id, "name": d.name} for d in colleagues],
        "depots": [{"id": d.id, "name": d.name} for d in depots],
        "incoming": [
            {
                "label": e.parcel,
                "order_id": e.order_id,
                "from_name": e.actor_name,
                "at": e.at,
                "note": e.note,
            }
            for e in custody.offered_to(session, principal, me, since)
        ],
        "holding": sorted(holding),
    }
