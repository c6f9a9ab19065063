"""Outbound webhooks: subscriptions, and deliveries written with their cause.

Every event a transaction queues for the bus is also looked at just before it commits:
those an active subscription wants become outbox rows in the same transaction, so an
integrator hears of a change exactly when it happened, never of one that rolled back.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from doorstep import clock
from doorstep.bus import Event
from doorstep.domain.errors import NotFound
from doorstep.domain.event_summary import ALERT_KINDS
from doorstep.domain.principal import Principal
from doorstep.schemas.notifications import WebhookCreate, WebhookUpdate
from doorstep.services import outbox
from doorstep.services.events import PENDING
from doorstep.services.sending import webhook_body
from doorstep.storage.repository import get_owned
from doorstep.storage.tables import OutboxAttempt, OutboxMessage, Stop, WebhookSubscription

_DONE = "doorstep_webhooks_seen"


def create(session: Session, principal: Principal, data: WebhookCreate) -> dict[str, Any]:
    sub = WebhookSubscription(
        org_id=principal.org_id,
        url=data.url,
        secret="whsec_" + secrets.token_urlsafe(32),
        event_types=data.event_types,
        description=data.description,
        active=data.active,
    )
    session.add(sub)
    session.flush()
    return {**_public(sub), "secret": sub.secret}


def list_all(session: Session, principal: Principal) -> list[WebhookSubscription]:
    return list(
        session.scalars(
            select(WebhookSubscription)
            .where(WebhookSubscription.org_id == principal.org_id)
            .order_by(WebhookSubscription.created_at)
        )
    )


def get(session: Session, principal: Principal, sub_id: uuid.UUID) -> WebhookSubscription:
    return get_owned(session, WebhookSubscription, principal.org_id, sub_id, "webhook")


def update(
    session: Session, principal: Principal, sub_id: uuid.UUID, data: WebhookUpdate
) -> WebhookSubscription:
    sub = get(session, principal, sub_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(sub, name, value)
    session.flush()
    return sub


def delete(session: Session, principal: Principal, sub_id: uuid.UUID) -> None:
    session.delete(get(session, principal, sub_id))
    session.flush()


def deliveries(
    session: Session, principal: Principal, sub_id: uuid.UUID, limit: int, offset: int
) -> list[dict[str, Any]]:
    """The delivery log: newest first, each with its attempts."""
    get(session, principal, sub_id)
    rows = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.org_id == principal.org_id, OutboxMessage.subscription_id == sub_id
            )
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    attempts: dict[int, list[OutboxAttempt]] = {r.id: [] for r in rows}
    if rows:
        for attempt in session.scalars(
            select(OutboxAttempt)
            .where(OutboxAttempt.outbox_id.in_(attempts))
            .order_by(OutboxAttempt.id)
        ):
            attempts[attempt.outbox_id].append(attempt)
    return [{**_row(r), "attempts_log": attempts[r.id]} for r in rows]


def redeliver(
    session: Session, principal: Principal, sub_id: uuid.UUID, delivery_id: int
) -> dict[str, Any]:
    get(session, principal, sub_id)
    row = session.get(OutboxMessage, delivery_id)
    if row is None or row.org_id != principal.org_id or row.subscription_id != sub_id:
        raise NotFound("delivery", delivery_id)
    outbox.redeliver(session, row, clock.now())
    return {**_row(row), "attempts_log": []}


def _public(sub: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "url": sub.url,
        "event_types": sub.event_types,
        "description": sub.description,
        "active": sub.active,
        "created_at": sub.created_at,
    }


def _row(row: OutboxMessage) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in OutboxMessage.__table__.columns}


# -- from bus events to deliveries ------------------------------------------------------


def webhook_types(session: Session, event: Event) -> list[tuple[str, dict[str, Any]]]:
    """The webhook event types (with their payloads) one bus event stands for."""
    topic, data = event.topic, event.data
    if topic == "order.created":
        return [("order.created", data)]
    if topic in ("order.updated", "order.instructions_changed"):
        return [("order.updated", data)]
    if topic == "order.status_changed":
        found = [("order.status_changed", data)]
        if data.get("to_status") == "delivered":
            found.append(("order.delivered", data))
        elif data.get("to_status") == "failed":
            found.append(("order.failed", data))
        return found
    if topic == "order.rated":
        return [("rating.received", data)]
    if topic == "chat.message":
        return [("chat.message", data)]
    if topic == "proof.captured":
        return [("proof.captured", data)]
    if topic.startswith("telemetry.") and topic.removeprefix("telemetry.") in ALERT_KINDS:
        return [("vehicle.alert", {"kind": topic.removeprefix("telemetry."), **data})]
    if topic == "eta.updated":
        stops = {s["stop_id"]: s for s in data.get("stops", [])}
        if not stops:
            return []
        orders = dict(
            session.execute(
                select(Stop.id, Stop.order_id).where(
                    Stop.id.in_([uuid.UUID(s) for s in stops]), Stop.order_id.is_not(None)
                )
            ).all()
        )
        return [
            ("order.eta_changed", {"order_id": str(orders[uuid.UUID(sid)]), **stop})
            for sid, stop in stops.items()
            if uuid.UUID(sid) in orders
        ]
    return []


def enqueue_for(session: Session, events: Iterable[Event], now: datetime) -> int:
    """Outbox rows for every active subscription that wants one of these events."""
    events = list(events)
    org_ids = {uuid.UUID(e.org_id) for e in events if _worth(e.topic)}
    if not org_ids:
        return 0
    subs = list(
        session.scalars(
            select(WebhookSubscription).where(
                WebhookSubscription.org_id.in_(org_ids), WebhookSubscription.active.is_(True)
            )
        )
    )
    if not subs:
        return 0
    written = 0
    for ev in events:
        if not _worth(ev.topic):
            continue
        wanted = [s for s in subs if str(s.org_id) == ev.org_id]
        if not wanted:
            continue
        for event_type, payload in webhook_types(session, ev):
            for sub in wanted:
                if "*" not in sub.event_types and event_type not in sub.event_types:
                    continue
                event_id = uuid.uuid4().hex
                written += outbox.enqueue(
                    session,
                    org_id=sub.org_id,
                    channel="webhook",
                    kind=event_type,
                    recipient=sub.url,
                    body=webhook_body(event_type, event_id, ev.org_id, payload),
                    subscription_id=sub.id,
                    now=now,
                )
    return written


def _worth(topic: str) -> bool:
    return topic.startswith(("order.", "chat.", "telemetry.", "proof.")) or topic == "eta.updated"


def connect(sessions: sessionmaker[Session]) -> None:
    """Turn each transaction's queued events into webhook deliveries before it commits."""

    def before_commit(session: Session) -> None:
        pending: list[Event] = session.info.get(PENDING, [])
        done = session.info.get(_DONE, 0)
        if len(pending) <= done:
            return
        session.info[_DONE] = len(pending)
        enqueue_for(session, pending[done:], clock.now())

    def forget(session: Session) -> None:
        session.info.pop(_DONE, None)

    sa_event.listen(sessions, "before_commit", before_commit)
    sa_event.listen(sessions, "after_commit", forget)
    sa_event.listen(sessions, "after_rollback", forget)
