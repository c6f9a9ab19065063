"""Request ids, one log line per request, and Prometheus counters by route template."""

from __future__ import annotations

import logging
import re
import time
import uuid

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("doorstep.http")

REQUESTS = Counter(
    "doorstep_http_requests_total", "HTTP requests answered.", ["method", "route", "status"]
)
LATENCY = Histogram(
    "doorstep_http_request_duration_seconds",
    "Time to answer an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{1,128}$")


def route_template(scope: Scope) -> str:
    """The matched path with its parameters named (``/api/v1/orders/{order_id}``), so
    metrics are labelled per endpoint, not per id."""
    if scope.get("route") is None:
        return "unmatched"
    segments = scope["path"].split("/")
    names = {str(v): k for k, v in scope.get("path_params", {}).items()}
    return "/".join(f"{{{names[s]}}}" if s in names else s for s in segments)


class RequestObservability:
    """Pure ASGI middleware (no body buffering, so streams stay streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            principal = scope.get("state", {}).get("principal")
            log.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status,
                elapsed * 1000,
                extra={
                    "request_id": request_id,
                    "status": status,
                    "route": route,
                    "duration_ms": round(elapsed * 1000, 2),
                    "org_id": str(principal.org_id) if principal else None,
                },
            )
