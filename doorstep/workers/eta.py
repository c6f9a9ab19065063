"""The live ETA worker: every organisation's position, stop and route events from the
bus, one at a time, into ``services.eta_live.LiveEta``; a tick every
``TICK_S`` so a vehicle that went quiet is reported stale."""

from __future__ import annotations

import asyncio
import logging

from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from doorstep import clock
from doorstep.bus import ALL_ORGS
from doorstep.services.eta_live import TOPICS, LiveEta
from doorstep.wiring import Runtime

log = logging.getLogger("doorstep.eta")
TICK_S = 30.0
EVENTS = Counter("doorstep_eta_events_total", "Events the ETA worker handled.", ["outcome"])


async def run_eta(runtime: Runtime, live: LiveEta | None = None) -> None:
    """Until cancelled."""
    engine = live or LiveEta(runtime.sessions)
    sub = await runtime.bus.subscribe(ALL_ORGS, TOPICS, backlog=100_000)
    ticker = asyncio.create_task(_tick(engine))
    try:
        async for event in sub:
            try:
                await run_in_threadpool(engine.handle, event, clock.now())
            except Exception:
                EVENTS.labels("error").inc()
                log.exception("ETA update for %s failed", event.topic)
            else:
                EVENTS.labels("ok").inc()
    finally:
        ticker.cancel()
        await sub.close()


async def _tick(engine: LiveEta) -> None:
    while True:
        await asyncio.sleep(TICK_S)
        try:
            await run_in_threadpool(engine.tick, clock.now())
        except Exception:
            log.exception("ETA tick failed")
