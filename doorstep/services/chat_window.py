"""When an order's chat closes: some hours after the delivery ended.

Kept apart from ``services.chat`` because the order timeline (``services.events``)
starts the clock, and chat itself announces messages through the timeline's bus queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.services import notifications
from doorstep.storage.tables import Conversation, Order, OrderEvent, Organisation

# After these an order's chat closes (once the organisation's hours have passed).
FINAL = frozenset({"delivered", "failed", "returned", "cancelled"})


def close_after(session: Session, order: Order) -> timedelta:
    org = session.get(Organisation, order.org_id)
    hours = notifications.organisation_settings(org).chat.close_after_hours if org else 4
    return timedelta(hours=hours)


def closes_at(session: Session, order: Order) -> datetime | None:
    """For a conversation started after the order ended: from its last final status."""
    last = session.scalar(
        select(func.max(OrderEvent.at)).where(
            OrderEvent.order_id == order.id, OrderEvent.to_status.in_(FINAL)
        )
    )
    return None if last is None else last + close_after(session, order)


def on_status_change(session: Session, order: Order, to_status: str, at: datetime) -> None:
    """A final status starts the clock on the chat; reopening an order stops it."""
    conv = session.scalar(select(Conversation).where(Conversation.order_id == order.id))
    if conv is None:
        return
    conv.closes_at = at + close_after(session, order) if to_status in FINAL else None
