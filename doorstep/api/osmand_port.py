"""The OsmAnd / Traccar Client endpoint on a port of its own, served at ``/`` as the
apps expect (``doorstep serve --osmand-port 5055``).

A bare ASGI app rather than FastAPI: this port takes thousands of one-fix requests a
second, the apps read nothing but the status code, and routing, dependency injection
and JSON error bodies would cost more than storing the fix. It shares the decoder, the
group-commit writer and the pipeline with ``/ingest/osmand``; answers are 200, 400 (with
the reason as text), 404 (unknown device), 405, 413 and 503 (shutting down). A fix the
pipeline dropped (a resend, an implausible jump) is still a 200, as the apps would only
resend it; the rules that dropped it are named in ``X-Doorstep-Dropped`` for whoever
integrates a tracker and wonders where a fix went.
"""

from __future__ import annotations

import logging
from typing import Any

from prometheus_client import Counter
from starlette.types import Receive, Scope, Send

from doorstep.ingest.base import DecodeError
from doorstep.services.ingest import TrackerRequest
from doorstep.services.tracking import IngestResult
from doorstep.wiring import Runtime

log = logging.getLogger("doorstep.osmand")
REQUESTS = Counter("doorstep_osmand_port_requests_total", "OsmAnd port requests.", ["status"])
MAX_BODY = 1024 * 1024  # a tracker's request is a few hundred bytes
DROPPED_HEADER = b"x-doorstep-dropped"
Answer = tuple[int, str, list[str]]  # status, text, the rules that dropped fixes


class OsmAndApp:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.state = runtime  # as ``app.state.runtime`` elsewhere, for the tests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        status, text, dropped = await self._handle(scope, receive)
        REQUESTS.labels(str(status)).inc()
        if status != 200:
            log.info(
                "OsmAnd request refused (%d): %s",
                status,
                text,
                extra={"client": (scope.get("client") or ("?",))[0]},
            )
        body = text.encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
        ]
        if dropped:
            headers.append((DROPPED_HEADER, ", ".join(dropped).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> Answer:
        if scope["method"] not in ("GET", "POST"):
            return 405, "use GET or POST", []
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return 400, "the client went away", []
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                return 413, f"the request body is larger than {MAX_BODY // 1024} KiB", []
        payload = body if body.strip() else scope.get("query_string", b"")
        try:
            outcome: Any = await self.runtime.writer.send(TrackerRequest("osmand", payload))
        except RuntimeError:  # the writer is closed: the server is stopping
            return 503, "the server is shutting down; send again", []
        except Exception:  # the request's transaction failed: nothing was stored
            log.exception("OsmAnd request failed")
            return 500, "the fix could not be stored; send again", []
        if isinstance(outcome, IngestResult):
            return 200, "", [d.rule for d in outcome.dropped]
        if isinstance(outcome, DecodeError):
            return 400, str(outcome), []
        if isinstance(outcome, Exception):
            status = int(getattr(outcome, "status", 500))
            return status, str(outcome), []
        return 200, "", []


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_osmand_app(runtime: Runtime) -> OsmAndApp:
    return OsmAndApp(runtime)
