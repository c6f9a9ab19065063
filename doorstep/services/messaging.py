"""The operators' side of notifications: settings, template previews, what was sent
for an order, and the contacts that opted out or bounced."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.notify import templates
from doorstep.domain.principal import Principal
from doorstep.domain.signatures import sms_segments
from doorstep.schemas.notifications import (
    ContactUpdate,
    HttpSmsSettings,
    NotificationSettings,
    TemplatePreview,
    TwilioSettings,
    mask,
)
from doorstep.services import notifications, outbox, sending
from doorstep.services.accounts import get_organisation
from doorstep.services.references import check_references
from doorstep.storage import repository as repo
from doorstep.storage.tables import Contact, Order, OutboxMessage

MASK = "****"
ORDER_REF = {"order_id": (Order, "order")}


def settings(session: Session, principal: Principal) -> dict[str, Any]:
    org = get_organisation(session, principal)
    current = notifications.organisation_settings(org)
    return {"org_id": org.id, **mask(current.model_dump())}


def set_settings(
    session: Session, principal: Principal, data: NotificationSettings
) -> dict[str, Any]:
    org = get_organisation(session, principal)
    stored = notifications.organisation_settings(org)
    if (
        isinstance(data.sms, TwilioSettings)
        and data.sms.auth_token.startswith(MASK)
        and isinstance(stored.sms, TwilioSettings)
    ):
        # The masked token a GET showed, sent back unchanged: keep the real one.
        data = data.model_copy(
            update={"sms": data.sms.model_copy(update={"auth_token": stored.sms.auth_token})}
        )
    if isinstance(data.sms, HttpSmsSettings):
        # Build the gateway once now: a body template that cannot render is refused
        # when it is saved, not when the first SMS is due.
        try:
            sending.sms_channel(data.sms).close()
        except ValueError as exc:
            raise InvalidInput(
                [FieldError(("body", "sms", "body_template"), str(exc))], str(exc)
            ) from None
    org.settings = {
        **(org.settings or {}),
        notifications.SETTINGS_KEY: data.model_dump(mode="json"),
    }
    notifications.forget_settings(session)
    session.flush()
    return {"org_id": org.id, **mask(data.model_dump())}


def preview(session: Session, principal: Principal, data: TemplatePreview) -> dict[str, Any]:
    org = get_organisation(session, principal)
    current = notifications.organisation_settings(org)
    if data.body is not None:
        source = templates.MessageTemplate(subject=data.subject, body=data.body)
        for text in (data.subject, data.body):
            if text:
                try:
                    templates.validate(text)
                except templates.TemplateError as exc:
                    raise InvalidInput(
                        [FieldError(("body",), str(exc))], f"the template is not valid: {exc}"
                    ) from None
    else:
        source = current.template_for(data.rule, data.channel, data.language)
    values: dict[str, Any] = dict(templates.SAMPLES.get(data.language, templates.SAMPLE))
    if data.order_id is not None:
        check_references(session, principal.org_id, {"order_id": data.order_id}, ORDER_REF)
        order = repo.get_owned(session, Order, principal.org_id, data.order_id, "order")
        values = notifications.context(session, org, current, order)
    body = templates.render(source.body, values)
    subject = templates.render(source.subject, values) if source.subject else None
    length = sms_segments(body) if data.channel == "sms" else None
    return {
        "subject": subject,
        "body": body,
        "sms": None
        if length is None
        else {
            "encoding": length.encoding,
            "characters": length.characters,
            "segments": length.segments,
        },
        "fields": dict(templates.FIELDS),
    }


def order_messages(
    session: Session, principal: Principal, order_id: uuid.UUID
) -> list[OutboxMessage]:
    repo.get_owned(session, Order, principal.org_id, order_id, "order")
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.org_id == principal.org_id, OutboxMessage.order_id == order_id)
            .order_by(OutboxMessage.id)
        )
    )


def _contact(row: Contact) -> dict[str, Any]:
    return {
        "org_id": row.org_id,
        "channel": row.channel,
        "address": row.address,
        "opted_out": row.opted_out_at is not None,
        "opted_out_at": row.opted_out_at,
        "bounced_at": row.bounced_at,
        "bounce_reason": row.bounce_reason,
    }


def contacts(
    session: Session, principal: Principal, opted_out: bool | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    query = select(Contact).where(Contact.org_id == principal.org_id)
    if opted_out is True:
        query = query.where(Contact.opted_out_at.is_not(None))
    elif opted_out is False:
        query = query.where(Contact.opted_out_at.is_(None))
    rows = session.scalars(query.order_by(Contact.address).limit(limit).offset(offset))
    return [_contact(r) for r in rows]


def set_contact(session: Session, principal: Principal, data: ContactUpdate) -> dict[str, Any]:
    row = outbox.contact_for(session, principal.org_id, data.channel, data.address)
    now = clock.now()
    if data.opted_out:
        row.opted_out_at = row.opted_out_at or now
    else:
        row.opted_out_at = None
        row.opted_in_at = now
    session.flush()
    return _contact(row)
