"""The sender: claims due outbox rows, hands each to its channel, records the answer.

One ``run_once`` is three short steps so no transaction is held open over the network:
claim (one transaction, rows leased), send (a thread pool, so one hanging webhook does
not hold up every SMS), finish (one transaction). Several senders, in one process or
many, may run at once: the claim keeps them apart.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import Counter
from sqlalchemy.orm import Session, sessionmaker

from doorstep import clock
from doorstep.channels.base import Channel, Outcome, OutgoingMessage, SendResult
from doorstep.channels.console import ConsoleEmail, ConsoleSms
from doorstep.channels.email_smtp import SmtpChannel
from doorstep.channels.sms_http import HttpTemplateSms
from doorstep.channels.sms_twilio import TwilioSms
from doorstep.channels.webhook_http import WebhookChannel
from doorstep.domain.signatures import signature_header
from doorstep.schemas.notifications import (
    HttpSmsSettings,
    NotificationSettings,
    SmsProvider,
    TwilioSettings,
)
from doorstep.services import notifications, outbox
from doorstep.storage.tables import Organisation, OutboxMessage, WebhookSubscription

log = logging.getLogger("doorstep.outbox")
SENT_TOTAL = Counter(
    "doorstep_outbox_attempts_total", "Outbox send attempts.", ["channel", "outcome"]
)


def sms_channel(config: SmsProvider) -> Channel:
    if isinstance(config, TwilioSettings):
        return TwilioSms(config.account_sid, config.auth_token, config.from_number, config.base_url)
    if isinstance(config, HttpSmsSettings):
        return HttpTemplateSms(
            config.url,
            config.body_template,
            method=config.method,
            content_type=config.content_type,
            headers=config.headers,
            id_field=config.id_field,
            sender=config.from_number,
        )
    return ConsoleSms()


class ChannelBook:
    """Which transport carries a message: email from the server's SMTP settings, SMS
    from the organisation's provider, webhooks over plain HTTP."""

    def __init__(self, smtp_url: str | None, webhook_timeout_s: float = 10.0) -> None:
        self.email: Channel = SmtpChannel.from_url(smtp_url) if smtp_url else ConsoleEmail()
        self.webhook: Channel = WebhookChannel(timeout_s=webhook_timeout_s)
        self._sms: dict[str, tuple[str, Channel]] = {}

    def sms(self, org_id: str, settings: NotificationSettings) -> Channel:
        fingerprint = settings.sms.model_dump_json()
        known = self._sms.get(org_id)
        if known is None or known[0] != fingerprint:
            if known is not None:
                known[1].close()
            known = (fingerprint, sms_channel(settings.sms))
            self._sms[org_id] = known
        return known[1]

    def close(self) -> None:
        for _, channel in self._sms.values():
            channel.close()
        self.email.close()
        self.webhook.close()


@dataclass(frozen=True)
class _Job:
    row_id: int
    channel: Channel
    message: OutgoingMessage


class OutboxSender:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        channels: ChannelBook,
        *,
        worker: str | None = None,
        batch: int = 100,
        threads: int = 8,
        lease: timedelta = outbox.LEASE,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._lease = lease
        self._sessions = sessions
        self.channels = channels
        self.worker = worker or f"sender-{uuid.uuid4().hex[:8]}"
        self._batch = batch
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="outbox")
        self._now = now

    def run_once(self) -> int:
        """Claim, send and record one batch; how many messages were attempted."""
        jobs = self._claim()
        if not jobs:
            return 0
        results = list(self._pool.map(self._send, jobs))
        with self._sessions.begin() as session:
            outbox.finish_all(
                session,
                self.worker,
                [(job.row_id, result) for job, result in zip(jobs, results, strict=True)],
                self._now(),
            )
        return len(jobs)

    def drain(self, max_rounds: int = 1000) -> int:
        """Send everything that is due now (tests, the bench, the CLI)."""
        total = 0
        for _ in range(max_rounds):
            n = self.run_once()
            total += n
            if n == 0:
                break
        return total

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _claim(self) -> list[_Job]:
        with self._sessions.begin() as session:
            rows = outbox.claim(session, self.worker, self._now(), self._batch, self._lease)
            known: dict[uuid.UUID, NotificationSettings] = {}
            return [self._job(session, row, known) for row in rows]

    def _job(
        self, session: Session, row: OutboxMessage, known: dict[uuid.UUID, NotificationSettings]
    ) -> _Job:
        settings = known.get(row.org_id)
        if settings is None:
            org = session.get(Organisation, row.org_id)
            settings = notifications.organisation_settings(org) if org else NotificationSettings()
            known[row.org_id] = settings
        headers: dict[str, str] = {}
        channel: Channel
        if row.channel == "webhook":
            channel = self.channels.webhook
            subscription = (
                session.get(WebhookSubscription, row.subscription_id)
                if row.subscription_id
                else None
            )
            stamp = int(self._now().timestamp())
            secret = subscription.secret if subscription else ""
            headers = {
                "Doorstep-Signature": signature_header(secret, stamp, row.body.encode()),
                "Doorstep-Event": row.kind,
                "Doorstep-Delivery": row.idempotency_key,
            }
        elif row.channel == "sms":
            channel = self.channels.sms(str(row.org_id), settings)
        else:
            channel = self.channels.email
        callback = None
        if row.channel == "sms" and isinstance(settings.sms, TwilioSettings):
            # Twilio reports delivered / undelivered here (api.routes.messaging).
            callback = f"{notifications.public_url()}/api/v1/sms/twilio/{row.org_id}/status"
        message = OutgoingMessage(
            channel=row.channel,
            to=row.recipient,
            body=row.body,
            idempotency_key=row.idempotency_key,
            subject=row.subject,
            html=row.html,
            sender=settings.email_from if row.channel == "email" else None,
            headers=headers,
            status_callback=callback,
        )
        return _Job(row.id, channel, message)

    def _send(self, job: _Job) -> outbox.Result:
        started = time.perf_counter()
        try:
            result = job.channel.send(job.message)
        except Exception as exc:  # a channel bug must not lose the message
            log.exception("channel %s raised", type(job.channel).__name__)
            result = SendResult(Outcome.RETRY, detail=f"{type(exc).__name__}: {exc}")
        SENT_TOTAL.labels(job.message.channel, result.outcome.value).inc()
        if result.outcome != Outcome.SENT:
            log.warning(
                "%s to %s: %s (%s)",
                job.message.channel,
                _redact(job.message.to),
                result.outcome.value,
                result.detail,
            )
        return outbox.Result(
            outcome=result.outcome.value,
            provider_id=result.provider_id,
            detail=result.detail,
            status_code=result.status_code,
            bounced=result.bounced,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )


def _redact(address: str) -> str:
    """Logs show enough of a recipient to recognise, not to contact."""
    if address.startswith("http"):
        return address
    return address[:4] + "…" + address[-2:]


def webhook_body(event_type: str, delivery_id: str, org_id: str, data: dict[str, object]) -> str:
    return json.dumps(
        {"id": delivery_id, "type": event_type, "org_id": org_id, "data": data},
        separators=(",", ":"),
        default=str,
    )
