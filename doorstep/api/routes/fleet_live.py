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
from doorstep.schemas.fleet_live import FleetLive
from doorstep.services import fleet_live
from doorstep.wiring import Runtime

router = APIRouter(prefix="/fleet", tags=["fleet live"])
POSITION_FIELDS = ("vehicle_id", "time", "lat", "lon", "heading", "speed_kmh", "motion")


@router.get("/live", response_model=FleetLive)
def live(session: SessionDep, who: Reader) -> Any:
    """Every active vehicle: its newest position, driver, today's route and a status
    colour (offline, late, at risk, idle, on time, parked) with the reason."""
    return fleet_live.snapshot(session, who, clock.now())


@router.get(
    "/live/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def live_events(request: Request, who: Reader) -> StreamingResponse:
    """Server-Sent Events: `event: position` for each accepted fix of a vehicle, and
    `event: refresh` when a route, stop or ETA changed (read `GET /fleet/live` again)."""
    runtime: Runtime = request.app.state.runtime
    subscription = await runtime.bus.subscribe(
        str(who.org_id), ("vehicle.position", "route", "stop", "eta.updated"), backlog=2000
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
        else:
            yield sse.message("refresh", json.dumps({"topic": event.topic}))
