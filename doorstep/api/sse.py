"""Server-Sent Events over a bus subscription, shared by every live stream.

Waiting for the next event is never cancelled by a keepalive (cancelling ``anext`` would
end the subscription), and the subscription is closed however the client leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi.responses import StreamingResponse

from doorstep.bus import Event, Subscription

HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
RETRY = "retry: 3000\n\n"
KEEPALIVE = ": keepalive\n\n"


async def _next(events: AsyncIterator[Event]) -> Event:
    return await anext(events)


async def events_or_quiet(
    subscription: Subscription, keepalive_s: float
) -> AsyncIterator[Event | None]:
    """Each event as it comes, or None after ``keepalive_s`` of quiet."""
    events = aiter(subscription)
    pending = asyncio.ensure_future(_next(events))
    try:
        while True:
            done, _ = await asyncio.wait({pending}, timeout=keepalive_s)
            if not done:
                yield None
                continue
            event = pending.result()
            pending = asyncio.ensure_future(_next(events))
            yield event
    finally:
        pending.cancel()
        with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
            await pending
        await subscription.close()


def message(name: str, data: str) -> str:
    return f"event: {name}\ndata: {data}\n\n"


def response(stream: AsyncIterator[str]) -> StreamingResponse:
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)
