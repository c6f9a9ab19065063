"""The public tracking API: one order by its tracking code, no login. Every operation
is rate-limited per client address (``api.track_limits``), and an organisation may ask
for a postcode or phone check as well (``?check=``).

Live updates are Server-Sent Events: ``event: view`` carries the whole re-computed
view (the same JSON as ``GET /track/{code}``) whenever it changes; ``event: gone``
means the code no longer opens anything; comments keep the connection alive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api import sse
from doorstep.api.deps import SessionDep
from doorstep.api.track_limits import TrackLimited
from doorstep.bus import Subscription
from doorstep.schemas.track import (
    InstructionsUpdate,
    RatingCreate,
    RecipientReschedule,
    SlotList,
    TrackRating,
    TrackView,
)
from doorstep.services import track as svc
from doorstep.storage.db import READ_ONLY
from doorstep.wiring import Runtime

router = APIRouter(prefix="/track", tags=["track"])

Check = Annotated[
    str | None,
    Query(
        max_length=40,
        description="The postcode or the phone's last 4 digits, when the organisation asks.",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": svc.NOT_FOUND},
    429: {"description": "Too many lookups."},
}


@router.get("/{tracking_code}", response_model=TrackView, responses=NOT_FOUND)
def track(_: TrackLimited, tracking_code: str, session: SessionDep, check: Check = None) -> Any:
    """The delivery as its recipient sees it: status, promised window, live ETA, the
    van while it is on its way to them, timeline, proof, instructions, rating."""
    return svc.tracking_view(session, tracking_code, check)


@router.put("/{tracking_code}/instructions", response_model=TrackView, responses=NOT_FOUND)
def put_instructions(
    _: TrackLimited,
    tracking_code: str,
    body: InstructionsUpdate,
    session: SessionDep,
    check: Check = None,
) -> Any:
    """Replace the delivery instructions; the driver hears at once. Refused (409) once
    the driver has arrived."""
    return svc.set_instructions(session, tracking_code, check, body)


@router.post(
    "/{tracking_code}/rating",
    status_code=status.HTTP_201_CREATED,
    response_model=TrackRating,
    responses=NOT_FOUND,
)
def post_rating(
    _: TrackLimited,
    tracking_code: str,
    body: RatingCreate,
    session: SessionDep,
    check: Check = None,
) -> Any:
    """Rate a delivered order, once (a second rating is 409)."""
    return svc.rate(session, tracking_code, check, body)


@router.get("/{tracking_code}/slots", response_model=SlotList, responses=NOT_FOUND)
def get_slots(_: TrackLimited, tracking_code: str, session: SessionDep, check: Check = None) -> Any:
    """Windows the delivery may move to: the organisation's slots, not begun, not full."""
    return svc.slots(session, tracking_code, check)


@router.post("/{tracking_code}/reschedule", response_model=TrackView, responses=NOT_FOUND)
def post_reschedule(
    _: TrackLimited,
    tracking_code: str,
    body: RecipientReschedule,
    request: Request,
    session: SessionDep,
    check: Check = None,
) -> Any:
    """Move the delivery to an offered slot (`window_start`, `window_end`), or ask for it
    to be left with a neighbour (`neighbour`). A past or full slot is 422."""
    runtime: Runtime = request.app.state.runtime
    return svc.reschedule(session, lambda: runtime.roads, tracking_code, check, body)


@router.get(
    "/{tracking_code}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}, **NOT_FOUND},
)
async def track_events(
    _: TrackLimited, tracking_code: str, request: Request, check: Check = None
) -> StreamingResponse:
    """Server-Sent Events: the view again whenever it changes (an ETA, the van's
    position while it may be shown, a status), and a keepalive comment meanwhile."""
    runtime: Runtime = request.app.state.runtime
    first = await run_in_threadpool(_snapshot, runtime, tracking_code, check)
    subscription = await runtime.bus.subscribe(first.scope.org_id, svc.STREAM_TOPICS, backlog=100)
    try:
        # Again, now that nothing can be missed between the view and the first event.
        current = await run_in_threadpool(_snapshot, runtime, tracking_code, check)
    except BaseException:
        await subscription.close()
        raise
    stream = _stream(
        runtime,
        tracking_code,
        check,
        subscription,
        current,
        runtime.settings.track_stream_keepalive_s,
    )
    return sse.response(stream)


def _snapshot(runtime: Runtime, code: str, check: str | None) -> svc.Snapshot:
    with runtime.sessions.begin() as session:
        session.connection(execution_options={READ_ONLY: True})
        return svc.snapshot(session, code, check)


def _message(snapshot: svc.Snapshot) -> str:
    return f"event: view\ndata: {snapshot.view.model_dump_json()}\n\n"


async def _stream(
    runtime: Runtime,
    code: str,
    check: str | None,
    subscription: Subscription,
    snapshot: svc.Snapshot,
    keepalive_s: float,
) -> AsyncIterator[str]:
    """One relevant event -> the view re-computed -> sent if it changed."""
    yield sse.RETRY
    last = _message(snapshot)
    yield last
    scope = snapshot.scope
    async for event in sse.events_or_quiet(subscription, keepalive_s):
        if event is None:
            yield sse.KEEPALIVE
            continue
        if not svc.concerns(scope, event):
            continue
        try:
            snapshot = await run_in_threadpool(_snapshot, runtime, code, check)
        except (svc.UnknownCode, svc.CheckFailed):
            yield "event: gone\ndata: {}\n\n"
            return
        scope = snapshot.scope
        message = _message(snapshot)
        if message != last:
            last = message
            yield message
