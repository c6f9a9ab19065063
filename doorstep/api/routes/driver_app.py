"""The driver's phone: sign in once with a link from the dispatcher, get a tracker for
the phone, read today's route."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import StreamingResponse

from doorstep import clock
from doorstep.api import sse
from doorstep.api.deps import Reader, SessionDep, Writer, require
from doorstep.bus import Subscription
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.schemas.common import Day
from doorstep.schemas.driver_app import (
    DaySummary,
    DriverDay,
    DriverMessageCreate,
    DriverMessagePublic,
    HandoffInbox,
    SignInLinkPublic,
    TrackerPublic,
)
from doorstep.services import driver_app, driver_messages
from doorstep.wiring import Runtime

router = APIRouter(tags=["driver app"])
DriverOnly = Annotated[Principal, Depends(require(Permission.OWN_ROUTES))]


@router.post(
    "/drivers/{driver_id}/sign-in-link",
    status_code=status.HTTP_201_CREATED,
    response_model=SignInLinkPublic,
)
def sign_in_link(driver_id: uuid.UUID, request: Request, session: SessionDep, who: Writer) -> Any:
    """A one-time link (15 minutes) that signs the driver's phone in to the app."""
    runtime: Runtime = request.app.state.runtime
    token, expires = driver_app.sign_in_link(session, who, driver_id, clock.now())
    base = runtime.settings.public_url.rstrip("/")
    return {"url": f"{base}/driver/link/{token}", "expires_at": expires}


@router.post("/me/tracker", status_code=status.HTTP_201_CREATED, response_model=TrackerPublic)
def my_tracker(session: SessionDep, who: DriverOnly) -> Any:
    """This phone as the driver's tracker: its token posts fixes to /api/v1/pings."""
    return driver_app.tracker(session, who)


@router.get("/me/summary", response_model=DaySummary)
def my_summary(session: SessionDep, who: DriverOnly, date: Day | None = None) -> Any:
    """The end of the day: stops done and failed, hours, distance, parcels to hand in."""
    return driver_app.summary(session, who, date, clock.now())


@router.get("/me/route", response_model=DriverDay)
def my_route(session: SessionDep, who: DriverOnly, date: Day | None = None) -> Any:
    """Today's route (or `date`'s) as the driver sees it: stops in order, first names,
    windows, instructions, the parcels' labels."""
    return driver_app.today(session, who, date, clock.now())


@router.get("/me/handoffs", response_model=HandoffInbox)
def my_handoffs(session: SessionDep, who: DriverOnly) -> Any:
    """Colleagues to hand parcels to, and parcels handed to this driver to confirm."""
    return driver_app.handoffs(session, who, clock.now())


@router.get("/me/messages", response_model=list[DriverMessagePublic])
def my_messages(session: SessionDep, who: DriverOnly) -> Any:
    """Messages and alerts from dispatch, newest first."""
    return driver_messages.of_driver(session, who, driver_app.driver_id_of(who))


@router.post("/me/messages/{message_id}/read", response_model=DriverMessagePublic)
def read_message(message_id: uuid.UUID, session: SessionDep, who: DriverOnly) -> Any:
    return driver_messages.mark_read(
        session, who, driver_app.driver_id_of(who), message_id, clock.now()
    )


@router.post(
    "/drivers/{driver_id}/messages",
    status_code=status.HTTP_201_CREATED,
    response_model=DriverMessagePublic,
)
def send_driver_message(
    driver_id: uuid.UUID, body: DriverMessageCreate, session: SessionDep, who: Writer
) -> Any:
    """A message or an alert to a driver: on their phone at once (its event stream),
    and in `GET /me/messages`."""
    return driver_messages.send(session, who, driver_id, body.body, body.urgent, clock.now())


@router.get("/drivers/{driver_id}/messages", response_model=list[DriverMessagePublic])
def driver_message_list(driver_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """What dispatch sent this driver, newest first, and whether they have read it."""
    return driver_messages.of_driver(session, who, driver_id)


@router.get(
    "/me/route/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def my_route_events(request: Request, who: DriverOnly) -> StreamingResponse:
    """Server-Sent Events: `event: changed` whenever one of the driver's routes changes
    (a stop inserted, moved, removed or re-sequenced, the route cancelled or handed to
    another driver), so the app re-reads the route at once instead of on its next poll;
    `event: message` for a message or alert from dispatch."""
    driver_id = str(driver_app.driver_id_of(who))
    runtime: Runtime = request.app.state.runtime
    subscription = await runtime.bus.subscribe(str(who.org_id), ("route", "driver"), backlog=100)
    keepalive = runtime.settings.track_stream_keepalive_s
    return sse.response(_route_events(subscription, driver_id, keepalive))


async def _route_events(
    subscription: Subscription, driver_id: str, keepalive_s: float
) -> AsyncIterator[str]:
    yield sse.RETRY
    async for event in sse.events_or_quiet(subscription, keepalive_s):
        if event is None:
            yield sse.KEEPALIVE
        elif event.topic == "driver.message":
            if event.data.get("driver_id") == driver_id:
                yield sse.message("message", json.dumps(event.data))
        elif driver_id in (event.data.get("driver_id"), event.data.get("previous_driver_id")):
            data = {"topic": event.topic, "route_id": event.data.get("route_id")}
            yield sse.message("changed", json.dumps({**data, "reason": event.data.get("reason")}))
