"""The order timeline: one append-only row per thing that happened to an order."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.bus import Event
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import Principal
from doorstep.services import chat_window, notifications
from doorstep.storage.tables import Order, OrderEvent

PENDING = "doorstep_pending_events"


def record(
    session: Session,
    order: Order,
    principal: Principal,
    kind: str,
    *,
    from_status: OrderStatus | None = None,
    to_status: OrderStatus | None = None,
    reason: str | None = None,
    location: dict[str, float] | None = None,
    at: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    event = OrderEvent(
        org_id=order.org_id,
        order_id=order.id,
        at=at or clock.now(),
        kind=kind,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        actor_type=principal.actor_type,
        actor_id=principal.actor_id,
        actor_name=principal.name,
        reason=reason,
        lat=location["lat"] if location else None,
        lon=location["lon"] if location else None,
        data=data or {},
    )
    session.add(event)
    if event.to_status is not None:
        notifications.on_status_change(session, order, event.to_status, reason, event.at)
        chat_window.on_status_change(session, order, event.to_status, event.at)
    emit(
        session,
        Event(
            org_id=str(order.org_id),
            topic=f"order.{kind}",
            data={
                "order_id": str(order.id),
                "tracking_code": order.tracking_code,
                "status": order.status,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": reason,
                "at": event.at.isoformat(),
            },
        ),
    )
    return event


def emit(session: Session, event: Event) -> None:
    """Queue an event for the bus; it is published only if this transaction commits."""
    session.info.setdefault(PENDING, []).append(event)
