"""Dispatchers' messages and alerts to a driver: stored, announced on the bus
(``driver.message``) so the driver's phone shows them at once over its event stream,
and read back by the app and the dashboard."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain.errors import NotFound
from doorstep.domain.principal import Principal
from doorstep.services.events import emit
from doorstep.storage import repository as repo
from doorstep.storage.tables import Driver, DriverMessage

SHOWN = 50


def send(
    session: Session,
    principal: Principal,
    driver_id: uuid.UUID,
    body: str,
    urgent: bool,
    now: datetime,
) -> DriverMessage:
    repo.get_owned(session, Driver, principal.org_id, driver_id, "driver")
    message = DriverMessage(
        org_id=principal.org_id,
        driver_id=driver_id,
        author_name=principal.name,
        author_id=str(principal.user_id) if principal.user_id else principal.actor_id,
        body=body,
        urgent=urgent,
        at=now,
    )
    session.add(message)
    session.flush()
    emit(
        session,
        Event(
            str(principal.org_id),
            "driver.message",
            {
                "driver_id": str(driver_id),
                "id": str(message.id),
                "body": body,
                "urgent": urgent,
                "author_name": message.author_name,
                "at": now.isoformat(),
            },
        ),
    )
    return message


def of_driver(session: Session, principal: Principal, driver_id: uuid.UUID) -> list[DriverMessage]:
    """The driver's latest messages, newest first."""
    repo.get_owned(session, Driver, principal.org_id, driver_id, "driver")
    return list(
        session.scalars(
            select(DriverMessage)
            .where(DriverMessage.org_id == principal.org_id, DriverMessage.driver_id == driver_id)
            .order_by(DriverMessage.at.desc())
            .limit(SHOWN)
        )
    )


def mark_read(
    session: Session,
    principal: Principal,
    driver_id: uuid.UUID,
    message_id: uuid.UUID,
    now: datetime,
) -> DriverMessage:
    message = session.get(DriverMessage, message_id)
    if message is None or message.org_id != principal.org_id or message.driver_id != driver_id:
        raise NotFound("message", message_id)
    if message.read_at is None:
        message.read_at = now
    return message
