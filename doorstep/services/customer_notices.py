"""A dispatcher tells customers of a change (an urgent job made them later, a new
window): each order's message is chosen by the notification rules
(``notifications.announce_change``) from where its stop now stands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.principal import Principal
from doorstep.services import notifications
from doorstep.storage import repository as repo
from doorstep.storage.tables import Order, Route, Stop


def notify(
    session: Session, principal: Principal, order_ids: list[uuid.UUID], now: datetime
) -> list[dict[str, Any]]:
    wanted = list(dict.fromkeys(order_ids))
    orders = {
        o.id: o
        for o in session.scalars(repo.owned(Order, principal.org_id).where(Order.id.in_(wanted)))
    }
    unknown = [i for i, order_id in enumerate(order_ids) if order_id not in orders]
    if unknown:
        raise InvalidInput(
            [FieldError(("body", "order_ids", i), "no such order") for i in unknown],
            f"no order with id {order_ids[unknown[0]]}; nobody was told anything",
        )
    results = []
    for order_id in wanted:
        order = orders[order_id]
        rule, written, why = notifications.announce_change(
            session, order, _current_stop(session, order), now
        )
        results.append(
            {
                "order_id": order_id,
                "rule": rule.value if rule else None,
                "messages": written,
                "why": why or None,
            }
        )
    return results


def _current_stop(session: Session, order: Order) -> Stop | None:
    return session.scalar(
        select(Stop)
        .join(Route, Route.id == Stop.route_id)
        .where(
            Stop.org_id == order.org_id,
            Stop.order_id == order.id,
            Route.status != "cancelled",
            Stop.kind == "delivery",
        )
        .order_by(Stop.created_at.desc())
        .limit(1)
    )
