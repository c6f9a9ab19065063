"""``doorstep bench notify``: messages through rules -> outbox -> a provider.

Orders are delivered one by one through the order state machine (as the driver API
does), each delivery writes a "delivered" SMS to the outbox in its own transaction, and
the server's sender (woken by the commit, as in ``doorstep serve``) sends it to a local
provider that speaks Twilio's API. Two measures:

* ``p95_delay_s``: from the delivery's commit time (the message's ``event_at``) to the
  provider receiving the request, with deliveries arriving at ``rate`` per second;
* ``messages_per_s``: a burst of ``burst`` messages written at once, sent as fast as the
  sender can, first request to last.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from doorstep.bench.fake_twilio import FakeTwilio
from doorstep.config import load_settings
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.principal import system
from doorstep.schemas.notifications import NotificationSettings
from doorstep.schemas.orders import OrderCreate, StatusChange
from doorstep.services import notifications, orders
from doorstep.services.accounts import create_organisation
from doorstep.services.sending import ChannelBook, OutboxSender
from doorstep.storage.schema import migrate
from doorstep.storage.tables import Order, OutboxMessage
from doorstep.wiring import Runtime, build_runtime
from doorstep.workers.outbox import OutboxWorker

STEPS = (OrderStatus.SCHEDULED, OrderStatus.OUT_FOR_DELIVERY)


def _organisation(runtime: Runtime, provider: FakeTwilio) -> uuid.UUID:
    with runtime.sessions.begin() as session:
        org, _, _ = create_organisation(
            session, "Bench Deliveries", "bench@example.com", timezone="Europe/Helsinki"
        )
        only_delivered = {
            rule: {"enabled": rule == "delivered", "channels": ["sms"]}
            for rule in (
                "scheduled",
                "out_for_delivery",
                "arriving",
                "delayed",
                "delivered",
                "failed",
                "rating_request",
            )
        }
        settings = NotificationSettings.model_validate(
            {
                "quiet_hours": None,
                "rules": only_delivered,
                "sms": {
                    "kind": "twilio",
                    "account_sid": provider.account_sid,
                    "auth_token": provider.auth_token,
                    "from_number": "+358500000001",
                    "base_url": provider.base_url,
                },
            }
        )
        org.settings = {notifications.SETTINGS_KEY: settings.model_dump(mode="json")}
        return org.id


def _orders(runtime: Runtime, org_id: uuid.UUID, count: int) -> list[uuid.UUID]:
    """Orders out for delivery, waiting for their delivered transition."""
    who = system(org_id)
    made = []
    with runtime.sessions.begin() as session:
        for i in range(count):
            data = OrderCreate.model_validate(
                {
                    "recipient": {"name": f"Recipient {i}", "phone": f"+35840{i:07d}"},
                    "address": f"Street {i}",
                    "location": {"lat": 60.17, "lon": 24.94},
                }
            )
            order = orders.create_order(session, who, data).order
            for step in STEPS:
                orders.apply_transition(session, who, order, StatusChange(status=step))
            made.append(order.id)
    return made


def _deliver(runtime: Runtime, org_id: uuid.UUID, order_id: uuid.UUID) -> None:
    with runtime.sessions.begin() as session:
        order = session.get(Order, order_id)
        assert order is not None
        change = StatusChange(status=OrderStatus.DELIVERED)
        orders.apply_transition(session, system(org_id), order, change)


def _wait_for(provider: FakeTwilio, count: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while len(provider.messages) < count and time.monotonic() < deadline:
        time.sleep(0.01)


def _delays(runtime: Runtime, provider: FakeTwilio, keys: set[str]) -> list[float]:
    arrived = {m.key: m.at for m in provider.messages if m.key in keys}
    with runtime.sessions() as session:
        rows = session.execute(
            select(OutboxMessage.idempotency_key, OutboxMessage.event_at).where(
                OutboxMessage.idempotency_key.in_(list(keys))
            )
        ).all()
    return [arrived[k] - at.timestamp() for k, at in rows if k in arrived]


def _keys(runtime: Runtime, order_ids: list[uuid.UUID]) -> set[str]:
    with runtime.sessions() as session:
        return set(
            session.scalars(
                select(OutboxMessage.idempotency_key).where(OutboxMessage.order_id.in_(order_ids))
            )
        )


def notify_bench(messages: int = 600, rate: float = 100.0, burst: int = 2000) -> dict[str, Any]:
    provider = FakeTwilio().start()
    with tempfile.TemporaryDirectory(prefix="doorstep-bench-notify-") as folder:
        settings = load_settings(
            data_dir=Path(folder), database_url=f"sqlite:///{Path(folder) / 'bench.db'}"
        )
        runtime = build_runtime(settings)
        migrate(runtime.engine)
        try:
            org_id = _organisation(runtime, provider)
            paced = _orders(runtime, org_id, messages)
            bursty = _orders(runtime, org_id, burst)
            worker = OutboxWorker(
                runtime, OutboxSender(runtime.sessions, ChannelBook(None), batch=200, threads=8)
            )
            worker.start()
            try:
                # 1. Deliveries arriving at a steady rate, as on a busy afternoon.
                start = time.monotonic()
                for i, order_id in enumerate(paced):
                    pause = start + i / rate - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    _deliver(runtime, org_id, order_id)
                offered = len(paced) / (time.monotonic() - start)
                _wait_for(provider, len(paced), 60)
                delays = sorted(_delays(runtime, provider, _keys(runtime, paced)))

                # 2. A burst written at once (a whole route's orders in one transaction).
                sent_before = len(provider.messages)
                with runtime.sessions.begin() as session:
                    who = system(org_id)
                    for order_id in bursty:
                        order = session.get(Order, order_id)
                        assert order is not None
                        orders.apply_transition(
                            session, who, order, StatusChange(status=OrderStatus.DELIVERED)
                        )
                _wait_for(provider, sent_before + len(bursty), 120)
                burst_arrivals = sorted(m.at for m in provider.messages[sent_before:])
            finally:
                worker.stop()
            span = burst_arrivals[-1] - burst_arrivals[0] if len(burst_arrivals) > 1 else 0.0
            per_s = (len(burst_arrivals) - 1) / span if span > 0 else 0.0
            return {
                "messages_per_s": round(per_s),
                "p95_delay_s": round(delays[int(0.95 * (len(delays) - 1))], 3) if delays else None,
                "paced": {
                    "messages": len(paced),
                    "delivered": len(delays),
                    "offered_per_s": round(offered, 1),
                    "p50_delay_s": round(statistics.median(delays), 3) if delays else None,
                    "max_delay_s": round(delays[-1], 3) if delays else None,
                },
                "burst": {"messages": len(bursty), "delivered": len(burst_arrivals)},
                "duplicates_at_provider": provider.duplicates,
                "setup": {
                    "backend": "sqlite",
                    "provider": "local Twilio-compatible HTTP server (same machine)",
                    "sender": "one OutboxWorker, 8 send threads, woken on commit",
                    "at": datetime.now().astimezone().isoformat(timespec="seconds"),
                },
            }
        finally:
            runtime.close()
            provider.stop()
