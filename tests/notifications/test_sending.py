"""The outbox's promise: every message sent, none twice, through real transports, a
provider that fails for a while, a sender killed mid-batch and two senders at once."""

from __future__ import annotations

import email
import threading
import time

import pytest
from sqlalchemy import select

from doorstep.channels.base import Channel, OutgoingMessage, SendResult
from doorstep.services import outbox
from doorstep.services.sending import ChannelBook, OutboxSender
from doorstep.storage.tables import Contact, OutboxMessage
from tests.conftest import auth
from tests.notifications.conftest import (
    EMAIL,
    PHONE,
    drive,
    messages,
    schedule,
    sender_for,
    use_twilio,
)


def smtp_url(server) -> str:
    return f"smtp://127.0.0.1:{server.port}?from=noreply@acme.test&starttls=never"


def statuses(db) -> dict[str, int]:
    with db.sessions() as session:
        rows = session.scalars(select(OutboxMessage)).all()
        found: dict[str, int] = {}
        for row in rows:
            found[row.status] = found.get(row.status, 0) + 1
        return found


def test_sms_and_email_reach_real_transports_once(client, org_a, twilio, smtp_servers, db, later):
    use_twilio(client, org_a, twilio, email_from="Acme <noreply@acme.test>")
    server = smtp_servers.start()
    _, (order,) = drive(client, org_a)
    sender = sender_for(db, smtp_url(server), later)
    assert sender.drain() == 3
    sender.close()
    # Sent: delivered (SMS, email) and the rating request (email). The scheduled and
    # out-for-delivery messages came due only after the order had moved on: cancelled.
    assert statuses(db) == {"sent": 3, "cancelled": 4}
    assert [m.to for m in twilio.messages] == [PHONE]
    assert twilio.duplicates == 0
    assert len(server.recorder.envelopes) == 2
    delivered = next(
        email.message_from_bytes(e.original_content)
        for e in server.recorder.envelopes
        if b"delivered" in e.original_content.lower()
    )
    assert delivered["To"] == EMAIL and delivered["From"] == "Acme <noreply@acme.test>"
    parts = {p.get_content_type() for p in delivered.walk()}
    assert {"text/plain", "text/html"} <= parts
    rows = messages(client, org_a, order["id"])
    assert all(r["provider_id"] for r in rows if r["status"] == "sent")
    assert all("now delivered" in r["last_error"] for r in rows if r["status"] == "cancelled")
    # Nothing is due any more: sending again sends nothing.
    again = sender_for(db, smtp_url(server), later)
    assert again.drain() == 0
    again.close()


def test_a_provider_down_for_a_while_gets_everything_afterwards(client, org_a, twilio, db, later):
    use_twilio(client, org_a, twilio)
    schedule(client, org_a, count=3)
    twilio.fail_until = time.time() + 3600  # 500 for everything, for now
    sender = sender_for(db, None, later)
    sender.run_once()
    with db.sessions() as session:
        sms = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).all()
        assert sms and all(r.status == "pending" and r.attempts == 1 for r in sms), [
            (r.status, r.attempts, r.last_error) for r in sms
        ]
        assert all("Internal Server Error" in (r.last_error or "") for r in sms)
    # Backoff: not due again at once, due after the first retry delay.
    assert sender.run_once() == 0
    twilio.fail_until = 0
    later.advance(seconds=outbox.retry_delay(1).total_seconds() + 1)
    sender.drain()
    sender.close()
    assert len(twilio.messages) == len(sms) == 3
    assert twilio.duplicates == 0
    assert statuses(db) == {"sent": 6}


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs."""


class DiesAfter(Channel):
    kind = "sms"

    def __init__(self, inner: Channel, sends: int) -> None:
        self.inner, self.left = inner, sends
        self.lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> SendResult:
        with self.lock:
            self.left -= 1
            if self.left < 0:
                raise Crash()
        return self.inner.send(message)


def test_a_sender_killed_mid_batch_loses_nothing_and_doubles_nothing(
    client, org_a, twilio, db, later
):
    use_twilio(client, org_a, twilio)
    schedule(client, org_a, count=12)
    book = ChannelBook(None)
    doomed = OutboxSender(db.sessions, book, now=later, threads=1, worker="doomed")
    real = book.sms(str(org_a.id), _settings(db, org_a))
    book._sms[str(org_a.id)] = (book._sms[str(org_a.id)][0], DiesAfter(real, sends=5))
    with pytest.raises(Crash):
        doomed.run_once()  # claimed the batch, sent five SMS, died before recording
    assert len(twilio.messages) == 5
    assert statuses(db).get("sending")  # leased to the dead sender

    later.advance(seconds=outbox.LEASE.total_seconds() + 1)
    survivor = sender_for(db, None, later)
    survivor.drain()
    survivor.close()
    sms_rows = 12  # one scheduled SMS (and email) for each order
    assert statuses(db) == {"sent": 24}
    assert len(twilio.messages) == sms_rows  # each once
    assert len({m.key for m in twilio.messages}) == sms_rows
    assert twilio.duplicates <= 5  # resends of the five the dead sender never recorded


def _settings(db, org):
    from doorstep.services.notifications import organisation_settings
    from doorstep.storage.tables import Organisation

    with db.sessions() as session:
        return organisation_settings(session.get(Organisation, org.id))


def test_two_senders_at_once_send_each_message_once(client, org_a, twilio, db, later):
    use_twilio(client, org_a, twilio)
    schedule(client, org_a, count=24)
    senders = [sender_for(db, None, later, batch=5, worker=f"s{i}") for i in range(2)]
    threads = [threading.Thread(target=s.drain) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in senders:
        s.close()
    assert statuses(db) == {"sent": 48}
    assert len(twilio.messages) == 24 and twilio.duplicates == 0


def test_a_refused_address_is_recorded_on_the_recipient(client, org_a, smtp_servers, db, later):
    server = smtp_servers.start()
    server.recorder.rcpt_reply = "550 5.1.1 mailbox unavailable"
    client.put(
        "/api/v1/organisation/notification-settings",
        json={"quiet_hours": None},
        headers=auth(org_a.admin),
    )
    schedule(client, org_a)
    sender = sender_for(db, smtp_url(server), later)
    sender.drain()
    sender.close()
    with db.sessions() as session:
        contact = session.scalar(select(Contact).where(Contact.address == EMAIL))
        assert contact is not None and contact.bounced_at is not None
        assert "550" in (contact.bounce_reason or "")
    contacts = client.get("/api/v1/contacts", headers=auth(org_a.admin)).json()
    assert any(c["address"] == EMAIL and c["bounced_at"] for c in contacts)
    # Later messages to a bounced address are not written at all.
    _, (order,) = drive(client, org_a)
    assert all(r["channel"] != "email" for r in messages(client, org_a, order["id"]))
