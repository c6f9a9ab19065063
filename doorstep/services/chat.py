"""Two-way chat per order: recipient, driver, dispatchers; SMS relayed through the
organisation's number so neither side ever sees the other's phone number.

A message is stored, announced on the bus (``chat.message``, for whoever has the
conversation open) and, when the recipient chats by SMS, relayed to their phone through
the outbox. Names are first names only; numbers never leave the server.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain.errors import Conflict, Forbidden, NotFound, TooManyRequests
from doorstep.domain.notify import templates
from doorstep.domain.notify.kinds import Rule
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.services import chat_window, notifications, outbox
from doorstep.services.events import emit
from doorstep.storage.tables import (
    ChatMessage,
    Conversation,
    Driver,
    Order,
    Organisation,
    Route,
    Stop,
)

Author = Literal["recipient", "driver", "dispatcher", "system"]
FINAL = chat_window.FINAL
STAFF = ("driver", "dispatcher")


def conversation(session: Session, order: Order, *, create: bool = False) -> Conversation | None:
    conv = session.scalar(select(Conversation).where(Conversation.order_id == order.id))
    if conv is None and create:
        conv = Conversation(org_id=order.org_id, order_id=order.id)
        if order.status in FINAL:
            conv.closes_at = chat_window.closes_at(session, order)
        session.add(conv)
        session.flush()
    return conv


def _org(session: Session, order: Order) -> Organisation:
    org = session.get(Organisation, order.org_id)
    assert org is not None
    return org


def is_open(conv: Conversation | None, now: datetime) -> bool:
    return conv is None or conv.closes_at is None or now < conv.closes_at


def staff_order(session: Session, principal: Principal, order_id: uuid.UUID) -> Order:
    """The order, if this principal may chat about it: staff any order of the
    organisation, a driver only the orders on their own routes."""
    order = session.get(Order, order_id)
    if order is None or order.org_id != principal.org_id:
        raise NotFound("order", order_id)
    if principal.can(Permission.READ):
        return order
    if principal.can(Permission.OWN_ROUTES) and principal.driver_id is not None:
        mine = session.scalar(
            select(Stop.id)
            .join(Route, Route.id == Stop.route_id)
            .where(Stop.order_id == order.id, Route.driver_id == principal.driver_id)
            .limit(1)
        )
        if mine is not None:
            return order
    raise NotFound("order", order_id)


def author_of(principal: Principal) -> Author:
    return (
        "driver"
        if principal.driver_id is not None and not principal.can(Permission.WRITE)
        else "dispatcher"
    )


def post(
    session: Session,
    order: Order,
    author: Author,
    body: str,
    *,
    via: str,
    now: datetime,
    author_name: str | None = None,
    author_id: str | None = None,
) -> ChatMessage:
    settings = notifications.organisation_settings(_org(session, order))
    conv = conversation(session, order, create=True)
    assert conv is not None
    if not is_open(conv, now):
        raise Conflict(
            f"this conversation closed at {conv.closes_at:%Y-%m-%d %H:%M} UTC, "
            f"{settings.chat.close_after_hours} h after the delivery ended"
        )
    if order.status == "cancelled":
        raise Conflict("the order is cancelled; its conversation is closed")
    side = (author,) if author == "recipient" else STAFF
    recent = session.scalar(
        select(func.count()).where(
            ChatMessage.conversation_id == conv.id,
            ChatMessage.author.in_(side),
            ChatMessage.at > now - timedelta(minutes=1),
        )
    )
    if (recent or 0) >= settings.chat.messages_per_minute:
        raise TooManyRequests(
            f"at most {settings.chat.messages_per_minute} messages a minute; wait a moment",
            retry_after_s=60,
        )
    if via == "sms" and author == "recipient":
        conv.relay_sms = True
    message = ChatMessage(
        org_id=order.org_id,
        conversation_id=conv.id,
        author=author,
        author_name=author_name or _name(session, order, author),
        author_id=author_id,
        body=body,
        via=via,
        at=now,
    )
    session.add(message)
    session.flush()
    emit(
        session,
        Event(
            str(order.org_id),
            "chat.message",
            {
                "order_id": str(order.id),
                "tracking_code": order.tracking_code,
                "id": message.id,
                "author": author,
                "author_name": message.author_name,
                "body": body,
                "via": via,
                "at": now.isoformat(),
            },
        ),
    )
    if author in STAFF and conv.relay_sms and order.recipient_phone:
        _relay(session, order, order.recipient_phone, message, settings, now)
    return message


def _relay(
    session: Session, order: Order, phone: str, message: ChatMessage, settings: Any, now: datetime
) -> None:
    org = _org(session, order)
    values = notifications.context(
        session,
        org,
        settings,
        order,
        extra={"message": message.body, "driver_first_name": message.author_name},
    )
    template = settings.template_for(Rule.chat, "sms", settings.default_language)
    outbox.enqueue(
        session,
        org_id=order.org_id,
        channel="sms",
        kind="chat",
        recipient=phone,
        body=templates.render(template.body, values),
        order_id=order.id,
        dedupe_key=f"{order.id}:chat:{message.id}",
        now=now,
    )


def _name(session: Session, order: Order, author: Author) -> str:
    if author == "recipient":
        return (order.recipient_name or "Recipient").split()[0]
    if author == "driver":
        driver = session.scalar(
            select(Driver)
            .join(Route, Route.driver_id == Driver.id)
            .join(Stop, Stop.route_id == Route.id)
            .where(Stop.order_id == order.id)
            .order_by(Route.planned_start.desc())
            .limit(1)
        )
        return driver.name.split()[0] if driver is not None and driver.name else "Driver"
    return "Dispatch"


def post_as_staff(
    session: Session, principal: Principal, order_id: uuid.UUID, body: str, now: datetime
) -> ChatMessage:
    if not (principal.can(Permission.WRITE) or principal.can(Permission.OWN_ROUTES)):
        raise Forbidden(f"your role ({principal.role.value}) may read chats, not write them")
    order = staff_order(session, principal, order_id)
    author = author_of(principal)
    name = None
    if author == "driver" and principal.driver_id is not None:
        driver = session.get(Driver, principal.driver_id)
        name = driver.name.split()[0] if driver is not None and driver.name else None
    elif author == "dispatcher":
        name = (principal.name or "Dispatch").split()[0] if principal.user_id else "Dispatch"
    return post(
        session,
        order,
        author,
        body,
        via="api",
        now=now,
        author_name=name,
        author_id=principal.actor_id,
    )


def view(
    session: Session, order: Order, reader: Literal["recipient", "staff"], now: datetime
) -> dict[str, Any]:
    conv = conversation(session, order)
    messages: list[ChatMessage] = []
    if conv is not None:
        messages = list(
            session.scalars(
                select(ChatMessage)
                .where(ChatMessage.conversation_id == conv.id)
                .order_by(ChatMessage.id)
            )
        )
    settings = notifications.organisation_settings(_org(session, order))
    quick = (
        settings.chat.recipient_quick_replies
        if reader == "recipient"
        else settings.chat.driver_quick_replies
    )
    return {
        "order_id": order.id,
        "open": is_open(conv, now) and order.status != "cancelled",
        "closes_at": conv.closes_at if conv is not None else None,
        "messages": messages,
        "quick_replies": quick,
    }


def mark_read(
    session: Session, order: Order, reader: Literal["recipient", "staff"], now: datetime
) -> int:
    """The other side's unread messages, now read; how many."""
    conv = conversation(session, order)
    if conv is None:
        return 0
    others = STAFF if reader == "recipient" else ("recipient",)
    rows = list(
        session.scalars(
            select(ChatMessage).where(
                ChatMessage.conversation_id == conv.id,
                ChatMessage.author.in_(others),
                ChatMessage.read_at.is_(None),
            )
        )
    )
    for row in rows:
        row.read_at = now
    session.flush()
    return len(rows)
