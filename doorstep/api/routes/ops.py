"""Liveness, readiness and metrics for orchestrators and Prometheus."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from doorstep.storage.db import DatabaseUnavailable
from doorstep.storage.schema import schema_state

router = APIRouter(tags=["operations"], include_in_schema=False)


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(request: Request) -> Any:
    """The database answers and its schema is the one this code expects."""
    runtime = request.app.state.runtime
    try:
        state = schema_state(runtime.engine)
    except DatabaseUnavailable as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    problem = state.problem()
    if problem:
        return JSONResponse({"status": "unavailable", "detail": problem}, status_code=503)
    return {"status": "ready", "schema": state.current}


@router.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
