"""Text messages from recipients to the organisation's number: STOP / START / HELP, or a
chat message for the recipient's delivery in progress.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.errors import Conflict, NotFound, TooManyRequests
from doorstep.domain.notify.keywords import Keyword, keyword
from doorstep.schemas.notifications import TwilioSettings
from doorstep.services import chat, notifications, outbox
from doorstep.storage.tables import Order, Organisation, OutboxAttempt, OutboxMessage

log = logging.getLogger("doorstep.sms")
# Orders a text from the recipient can be about, the most recent first.
CHATTABLE = ("scheduled", "out_for_delivery", "arriving", "delivered", "failed", "rescheduled")


def twilio_settings(session: Session, org_id: uuid.UUID) -> tuple[Organisation, TwilioSettings]:
    """The organisation and its Twilio account; 404 if it sends no SMS through Twilio."""
    org = session.get(Organisation, org_id)
    settings = notifications.organisation_settings(org) if org is not None else None
    if org is None or settings is None or not isinstance(settings.sms, TwilioSettings):
        raise NotFound("Twilio account for organisation", org_id)
    return org, settings.sms


def receive(session: Session, org: Organisation, sender: str, body: str, now: datetime) -> str:
    """Handle one text; the reply to send back ("" for none)."""
    contact = outbox.contact_for(session, org.id, "sms", sender)
    contact.last_inbound_at = now
    word = keyword(body)
    if word is Keyword.STOP:
        contact.opted_out_at = now
        log.info("sms opt-out for %s in %s", sender[:4] + "…", org.id)
        return f"You will get no more messages from {org.name}. Reply START to get them again."
    if word is Keyword.START:
        contact.opted_out_at = None
        contact.opted_in_at = now
        return f"You will get delivery messages from {org.name} again. Reply STOP to stop."
    if word is Keyword.HELP:
        return f"{org.name} delivery updates. Reply STOP to stop, START to restart."
    order = session.scalar(
        select(Order)
        .where(
            Order.org_id == org.id,
            Order.recipient_phone == sender,
            Order.status.in_(CHATTABLE),
        )
        .order_by(Order.updated_at.desc())
        .limit(1)
    )
    if order is None:
        log.info("sms from a number with no delivery in %s", org.id)
        return f"{org.name}: we could not find a delivery for this number."
    text = body.strip()[:1000]
    if not text:
        return ""
    try:
        chat.post(session, order, "recipient", text, via="sms", now=now)
    except Conflict:
        return f"{org.name}: the chat about this delivery has closed."
    except TooManyRequests:
        return f"{org.name}: too many messages at once; please wait a minute."
    return ""


def status_callback(
    session: Session,
    org: Organisation,
    sid: str,
    status: str,
    error_code: str | None,
    now: datetime,
) -> bool:
    """The provider's later word on a message it accepted (delivered, undelivered…)."""
    row = session.scalar(
        select(OutboxMessage).where(
            OutboxMessage.org_id == org.id, OutboxMessage.provider_id == sid
        )
    )
    if row is None:
        return False
    failed = status in ("failed", "undelivered")
    session.add(
        OutboxAttempt(
            outbox_id=row.id,
            org_id=org.id,
            at=now,
            outcome="failed" if failed else status,
            detail=f"provider status {status}" + (f", error {error_code}" if error_code else ""),
        )
    )
    if failed:
        row.status = outbox.FAILED
        row.last_error = f"the provider could not deliver it ({status}, error {error_code})"
        if error_code == "21610":  # the handset replied STOP to the carrier
            outbox.contact_for(session, org.id, "sms", row.recipient).opted_out_at = now
    return True
