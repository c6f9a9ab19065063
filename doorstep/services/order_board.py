"""The dispatcher's orders board: orders found by text, status, route, day or risk, each
with where it stands (its route and stop, ETA, window, late risk).

An order's place is its newest stop on a route that is not cancelled; an order with
none is "on no route". "At risk" is what the live map calls at risk: a late risk of
0.3 or more, or an ETA past the window's end.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from doorstep.domain.fleet_status import AT_RISK
from doorstep.domain.principal import Principal
from doorstep.schemas.orders import OrderStatus
from doorstep.services import accounts, timing
from doorstep.services.orders import SEARCH_COLUMNS
from doorstep.storage import repository as repo
from doorstep.storage.tables import Order, Route, Stop


@dataclass(frozen=True, slots=True)
class BoardQuery:
    q: str | None = None
    status: list[OrderStatus] | None = None
    route_id: uuid.UUID | None = None
    day: date | None = None
    at_risk: bool = False


def board(
    session: Session, principal: Principal, query: BoardQuery, limit: int, offset: int
) -> dict[str, Any]:
    org = accounts.get_organisation(session, principal)
    # The newest stop of each order on a route still standing.
    newest = (
        select(Stop.order_id, func.max(Stop.created_at).label("at"))
        .join(Route, Route.id == Stop.route_id)
        .where(Stop.org_id == org.id, Route.status != "cancelled", Stop.order_id.is_not(None))
        .group_by(Stop.order_id)
        .subquery()
    )
    place = (
        select(Stop)
        .join(newest, and_(newest.c.order_id == Stop.order_id, newest.c.at == Stop.created_at))
        .subquery()
    )
    stmt = (
        select(Order, place.c.id, place.c.route_id, place.c.sequence, place.c.status)
        .add_columns(
            place.c.eta,
            place.c.eta_earliest,
            place.c.eta_latest,
            place.c.late_risk,
            Route.name,
            Route.date,
            Route.revision,
        )
        .outerjoin(place, place.c.order_id == Order.id)
        .outerjoin(Route, Route.id == place.c.route_id)
        .where(Order.org_id == org.id)
    )
    if query.q:
        stmt = stmt.where(repo.text_search(SEARCH_COLUMNS, query.q))
    if query.status:
        stmt = stmt.where(Order.status.in_([s.value for s in query.status]))
    if query.route_id is not None:
        stmt = stmt.where(place.c.route_id == query.route_id)
    if query.day is not None:
        start = timing.day_epoch(query.day, org.timezone)
        end = timing.day_epoch(query.day + timedelta(days=1), org.timezone)
        stmt = stmt.where(
            or_(
                Route.date == query.day,
                and_(Order.window_start >= start, Order.window_start < end),
            )
        )
    if query.at_risk:
        stmt = stmt.where(
            place.c.status.in_(("pending", "arrived")),
            or_(place.c.late_risk >= AT_RISK, place.c.eta > Order.window_end),
        )
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.execute(
        stmt.order_by(Order.window_start.is_(None), Order.window_start, Order.created_at)
        .limit(limit)
        .offset(offset)
    ).all()
    return {
        "timezone": org.timezone,
        "total": total or 0,
        "limit": limit,
        "offset": offset,
        "items": [_row(*row) for row in rows],
    }


def _row(
    order: Order,
    stop_id: uuid.UUID | None,
    route_id: uuid.UUID | None,
    sequence: int | None,
    stop_status: str | None,
    eta: datetime | None,
    earliest: datetime | None,
    latest: datetime | None,
    late_risk: float | None,
    route_name: str | None,
    route_date: date | None,
    route_revision: int | None,
) -> dict[str, Any]:
    open_stop = stop_status in ("pending", "arrived")
    at_risk = bool(
        open_stop
        and (
            (late_risk is not None and late_risk >= AT_RISK)
            or (eta is not None and order.window_end is not None and eta > order.window_end)
        )
    )
    return {
        "order": order,
        "stop_id": stop_id,
        "route_id": route_id,
        "route_name": route_name,
        "route_date": route_date,
        "route_revision": route_revision,
        "sequence": sequence,
        "stop_status": stop_status,
        "eta": eta if open_stop else None,
        "eta_earliest": earliest if open_stop else None,
        "eta_latest": latest if open_stop else None,
        "late_risk": late_risk if open_stop else None,
        "at_risk": at_risk,
    }
