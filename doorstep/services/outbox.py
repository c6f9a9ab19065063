"""The outbox: messages written with their cause, claimed by senders, sent once.

``enqueue`` runs inside the transaction that made the change (an order delivered, an
ETA moved, a chat message), so a message exists exactly when its cause committed.
Senders ``claim`` due rows under a lease (PostgreSQL: ``FOR UPDATE SKIP LOCKED``;
SQLite: the write lock ``BEGIN IMMEDIATE`` already holds), send them with their
idempotency key, and ``finish`` them. A sender that dies leaves its rows ``sending``;
when the lease runs out another sender takes them again with the same key, so the
provider can tell a resend from a new message.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from doorstep.storage.tables import Contact, Order, OutboxAttempt, OutboxMessage

PENDING, SENDING, SENT, FAILED, DEAD, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "dead",
    "cancelled",
)
REDELIVER = "redeliver"
# How long a sender may hold a claimed row before another may take it.
LEASE = timedelta(seconds=60)
# A message to a person is pointless after this; a webhook is retried for longer.
GIVE_UP_AFTER = {"sms": timedelta(hours=6), "email": timedelta(hours=24)}
WEBHOOK_GIVE_UP_AFTER = timedelta(hours=25)
FIRST_RETRY_S = 5.0
MAX_RETRY_S = 3600.0
# Set on a session that enqueued something: the in-process sender wakes after commit.
WAKE = "doorstep_outbox_wake"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 5 s, 10 s, 20 s, … capped at an hour."""
    return timedelta(seconds=min(FIRST_RETRY_S * 2 ** max(attempts - 1, 0), MAX_RETRY_S))


def enqueue(
    session: Session,
    *,
    org_id: uuid.UUID,
    channel: str,
    kind: str,
    recipient: str,
    body: str,
    now: datetime,
    subject: str | None = None,
    html: str | None = None,
    order_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
    dedupe_key: str | None = None,
    not_before: datetime | None = None,
    event_at: datetime | None = None,
    expect: dict[str, Any] | None = None,
    language: str | None = None,
) -> bool:
    """Add a message; False if one with the same ``dedupe_key`` already exists.

    The insert ignores a duplicate instead of failing, so two transactions racing to
    announce the same thing never roll back the change that caused it.
    """
    session.flush()  # the order this message names must exist before it
    values = {
        "org_id": org_id,
        "channel": channel,
        "kind": kind,
        "recipient": recipient,
        "subject": subject,
        "body": body,
        "html": html,
        "order_id": order_id,
        "subscription_id": subscription_id,
        "dedupe_key": dedupe_key,
        "idempotency_key": uuid.uuid4().hex,
        "language": language,
        "expect": expect or {},
        "status": PENDING,
        "attempts": 0,
        "not_before": not_before or now,
        "event_at": event_at or now,
        "created_at": now,
    }
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage).values(**values).on_conflict_do_nothing().returning(OutboxMessage.id)
    )
    # RETURNING, not rowcount: PostgreSQL's driver reports a skipped duplicate as a row.
    added = session.execute(statement).first() is not None
    if added:
        session.info[WAKE] = True
    return added


def claim(
    session: Session, worker: str, now: datetime, limit: int = 50, lease: timedelta = LEASE
) -> list[OutboxMessage]:
    """Due rows, leased to ``worker``; the caller commits before sending them."""
    due = or_(
        and_(OutboxMessage.status == PENDING, OutboxMessage.not_before <= now),
        and_(OutboxMessage.status == SENDING, OutboxMessage.lease_until < now),
    )
    query = select(OutboxMessage).where(due).order_by(OutboxMessage.id).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = list(session.scalars(query))
    contacts, orders = _context(session, rows)
    claimed: list[OutboxMessage] = []
    for row in rows:
        reason = _stale_reason(row, contacts, orders)
        if reason:
            row.status = CANCELLED
            row.last_error = reason
            row.lease_until = None
            continue
        row.status = SENDING
        row.claimed_by = worker
        row.lease_until = now + lease
        row.attempts += 1
        claimed.append(row)
    session.flush()
    return claimed


def _context(
    session: Session, rows: list[OutboxMessage]
) -> tuple[dict[tuple[uuid.UUID, str, str], Contact], dict[uuid.UUID, Order]]:
    """The contacts and orders a batch names, in two queries for the whole batch."""
    people = [r for r in rows if r.channel in ("sms", "email")]
    contacts: dict[tuple[uuid.UUID, str, str], Contact] = {}
    if people:
        for contact in session.scalars(
            select(Contact).where(
                Contact.org_id.in_({r.org_id for r in people}),
                Contact.address.in_({r.recipient for r in people}),
            )
        ):
            contacts[(contact.org_id, contact.channel, contact.address)] = contact
    order_ids = {r.order_id for r in rows if r.order_id is not None and r.expect}
    orders: dict[uuid.UUID, Order] = {}
    if order_ids:
        orders = {o.id: o for o in session.scalars(select(Order).where(Order.id.in_(order_ids)))}
    return contacts, orders


def _stale_reason(
    row: OutboxMessage,
    contacts: dict[tuple[uuid.UUID, str, str], Contact],
    orders: dict[uuid.UUID, Order],
) -> str | None:
    """Why a message written earlier must not go out now (None: it still must)."""
    contact = contacts.get((row.org_id, row.channel, row.recipient))
    if contact is not None and contact.opted_out_at is not None:
        return "the recipient opted out"
    if contact is not None and contact.bounced_at is not None and row.channel == "email":
        return f"the address bounced: {contact.bounce_reason or 'refused'}"
    expect = row.expect or {}
    if row.order_id is not None and expect:
        order = orders.get(row.order_id)
        if order is None:
            return "the order no longer exists"
        statuses = expect.get("statuses")
        if statuses and order.status not in statuses:
            return f"the order is now {order.status}"
        if "window_start" in expect:
            current = order.window_start.isoformat() if order.window_start else None
            if current != expect["window_start"]:
                return "the order's window changed"
    return None


@dataclass(frozen=True)
class Result:
    """What a channel answered, as the outbox records it."""

    outcome: str  # sent | retry | failed
    provider_id: str | None = None
    detail: str | None = None
    status_code: int | None = None
    bounced: bool = False
    duration_ms: float | None = None


def finish_all(
    session: Session, worker: str, results: list[tuple[int, Result]], now: datetime
) -> None:
    """``finish`` for a whole batch, its rows read in one query."""
    ids = [row_id for row_id, _ in results]
    rows = {
        r.id: r for r in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
    }
    for row_id, result in results:
        row = rows.get(row_id)
        if row is not None:
            finish(session, row, worker, result, now)


def finish(
    session: Session, row: OutboxMessage, worker: str, result: Result, now: datetime
) -> None:
    """Record one attempt and move the row on.

    A row another sender has since re-claimed (our lease ran out) is left to it: the
    attempt is logged, the state is theirs to set.
    """
    session.add(
        OutboxAttempt(
            outbox_id=row.id,
            org_id=row.org_id,
            at=now,
            outcome=result.outcome,
            status_code=result.status_code,
            detail=(result.detail or "")[:2000] or None,
            duration_ms=result.duration_ms,
        )
    )
    if row.status != SENDING or row.claimed_by != worker:
        if result.outcome == "sent" and row.status != SENT:
            _mark_sent(row, result, now)
        return
    if result.outcome == "sent":
        _mark_sent(row, result, now)
        return
    row.last_error = result.detail
    row.lease_until = None
    if result.outcome == "failed":
        row.status = FAILED
        if result.bounced:
            _record_bounce(session, row, result.detail, now)
        return
    give_up = WEBHOOK_GIVE_UP_AFTER if row.channel == "webhook" else GIVE_UP_AFTER[row.channel]
    if now - _budget_start(session, row.id, now) >= give_up:
        row.status = DEAD
        return
    row.status = PENDING
    row.not_before = now + retry_delay(row.attempts)


def _budget_start(session: Session, row_id: int, now: datetime) -> datetime:
    """The first try, or the last redelivery by hand: a message due tomorrow has its
    whole retry budget from tomorrow."""
    tries = session.execute(
        select(OutboxAttempt.at, OutboxAttempt.outcome)
        .where(OutboxAttempt.outbox_id == row_id)
        .order_by(OutboxAttempt.id)
    ).all()
    start = tries[0][0] if tries else now
    for at, outcome in tries:
        if outcome == REDELIVER:
            start = at
    return start


def _mark_sent(row: OutboxMessage, result: Result, now: datetime) -> None:
    row.status = SENT
    row.sent_at = now
    row.provider_id = result.provider_id
    row.lease_until = None
    row.last_error = None


def _record_bounce(session: Session, row: OutboxMessage, detail: str | None, now: datetime) -> None:
    contact = contact_for(session, row.org_id, row.channel, row.recipient)
    contact.bounced_at = now
    contact.bounce_reason = detail


def contact_for(session: Session, org_id: uuid.UUID, channel: str, address: str) -> Contact:
    contact = session.scalar(
        select(Contact).where(
            Contact.org_id == org_id, Contact.channel == channel, Contact.address == address
        )
    )
    if contact is None:
        contact = Contact(org_id=org_id, channel=channel, address=address)
        session.add(contact)
        session.flush()
    return contact


def redeliver(session: Session, row: OutboxMessage, now: datetime) -> OutboxMessage:
    """Send a finished message again (a manual redelivery): same body, same key."""
    row.status = PENDING
    row.not_before = now
    row.lease_until = None
    row.claimed_by = None
    # Logged like an attempt: the retry budget starts again from here.
    session.add(
        OutboxAttempt(
            outbox_id=row.id, org_id=row.org_id, at=now, outcome=REDELIVER, detail="by hand"
        )
    )
    session.info[WAKE] = True
    session.flush()
    return row


def counts(session: Session, org_id: uuid.UUID) -> dict[str, int]:
    rows: Sequence[Any] = session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.org_id == org_id)
        .group_by(OutboxMessage.status)
    ).all()
    return {status: n for status, n in rows}
