"""The dispatcher's live map: the fleet now, then its movements as they happen."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from doorstep import clock
from doorstep.api import sse
from doorstep.api.deps import Reader, SessionDep
from doorstep.bus import Subscription
from doorstep.domain.event_summary import ALERT_KINDS
from doorstep.schemas.fleet_live import Exceptions, FleetLive
from doorstep.services import exceptions, fleet_live
from doorstep.wiring import Runtime

router = APIRouter(prefix="/fleet", tags=["fleet live"])
POSITION_FIELDS = ("vehicle_id", "time", "lat", "lon", "heading", "speed_kmh", "motion")


@router.get("/live", response_model=FleetLive)
def live(session: SessionDep, who: Reader) -> Any:
    """Every active vehicle: its newest position, driver, today's route and a status
    colour (offline, late, at risk, idle, on time, parked) with the reason."""
    return fleet_live.snapshot(session, who, clock.now())


@router.get("/exceptions", response_model=Exceptions)
def exceptions_now(session: SessionDep, who: Reader) -> Any:
    """What needs a person now, worst first, each with its reason and a suggested
    action: late or at-risk vans, silent trackers on a route, failed deliveries,
    today's safety and security alerts, and today's orders on no route."""
    return exceptions.current(session, who, clock.now())


@router.get(
    "/live/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def live_events(request: Request, who: Reader) -> StreamingResponse:
    """Server-Sent Events: `event: position` for each accepted fix of a vehicle, and
    `event: refresh` when a route, stop, order, ETA or alert changed (read
    `GET /fleet/live` and `GET /fleet/exceptions` again)."""
    runtime: Runtime = request.app.state.runtime
    subscription = await runtime.bus.subscribe(
        str(who.org_id),
        ("vehicle.position", "route", "stop", "eta.updated", "order", "telemetry"),
        backlog=2000,
    )
    keepalive = runtime.settings.track_stream_keepalive_s
    return sse.response(_events(subscription, keepalive))


async def _events(subscription: Subscription, keepalive_s: float) -> AsyncIterator[str]:
    yield sse.RETRY
    async for event in sse.events_or_quiet(subscription, keepalive_s):
        if event is None:
            yield sse.KEEPALIVE
        elif event.topic == "vehicle.position":
            if event.data.get("vehicle_id"):
                data = {k: event.data.get(k) for k in POSITION_FIELDS}
                yield sse.message("position", json.dumps(data))
        elif not event.topic.startswith("telemetry.") or (
            event.topic.removeprefix("telemetry.") in ALERT_KINDS
        ):
            yield sse.message("refresh", json.dumps({"topic": event.topic}))
