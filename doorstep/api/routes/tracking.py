"""Fixes in: the native batch API, the OsmAnd/Traccar and OwnTracks endpoints. Fixes out:
a vehicle's position history. Every protocol ends in the same pipeline."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from doorstep.api.deps import Reader, SessionDep
from doorstep.domain.errors import Unauthorized
from doorstep.schemas.common import Output, Timestamp
from doorstep.services import ingest, positions
from doorstep.storage.tables.base import utcnow
from doorstep.wiring import Runtime

pings = APIRouter(tags=["tracking"])
ingest_router = APIRouter(prefix="/ingest", include_in_schema=False)
vehicles = APIRouter(prefix="/vehicles", tags=["vehicles"])


class DroppedFixPublic(Output):
    index: int
    rule: str
    reason: str


class IngestPublic(Output):
    accepted: int
    late: int
    dropped: list[DroppedFixPublic]


class PositionPublic(Output):
    time: Timestamp
    lat: float
    lon: float
    speed_kmh: float | None
    heading: float | None
    accuracy_m: float | None
    altitude_m: float | None
    late: bool
    attributes: dict[str, Any]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("send the device's token as `Authorization: Bearer <token>`")
    return token.strip()


async def _in_transaction(request: Request, work: Any) -> Any:
    runtime = _runtime(request)

    def call() -> Any:
        with runtime.sessions.begin() as session:
            return work(session, runtime.tracker, utcnow())

    return await run_in_threadpool(call)


@pings.post("/pings", response_model=IngestPublic)
async def post_pings(request: Request) -> Any:
    """A device's fixes as a JSON list (`time`, `lat`, `lon`, `speed` m/s, `heading`,
    `accuracy`, `altitude`, `attributes`), authenticated with the device's token. Each
    refused fix is listed with the rule that refused it; the rest are stored."""
    token = _bearer(request)
    body = await request.body()
    result = await _in_transaction(
        request, lambda session, tracker, now: ingest.native(session, tracker, token, body, now)
    )
    return {"accepted": result.accepted, "late": result.late, "dropped": result.dropped}


async def osmand_request(request: Request) -> Response:
    """OsmAnd / Traccar Client: parameters in the query, a form, or Traccar's JSON."""
    body = await request.body()
    payload = body if body.strip() else request.url.query.encode()
    await _in_transaction(
        request, lambda session, tracker, now: ingest.osmand(session, tracker, payload, now)
    )
    return Response(status_code=200)


ingest_router.add_api_route("/osmand", osmand_request, methods=["GET", "POST"])


@ingest_router.post("/owntracks")
async def owntracks(request: Request) -> Response:
    """OwnTracks HTTP mode: Basic auth with the device's token as the password."""
    token = _basic_password(request)
    body = await request.body()
    user, device = request.headers.get("x-limit-u"), request.headers.get("x-limit-d")
    identity = f"{user}/{device}" if user and device else None
    await _in_transaction(
        request,
        lambda session, tracker, now: ingest.owntracks(
            session, tracker, token, body, identity, now
        ),
    )
    return JSONResponse([])


def _basic_password(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    try:
        decoded = (
            base64.b64decode(value, validate=True).decode() if scheme.lower() == "basic" else ""
        )
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    _, _, password = decoded.partition(":")
    if not password:
        raise Unauthorized("OwnTracks must send Basic auth with the device's token as password")
    return password


@vehicles.get("/{vehicle_id}/positions", response_model=None)
def vehicle_positions(
    vehicle_id: uuid.UUID,
    session: SessionDep,
    who: Reader,
    since: datetime,
    until: datetime,
    format: Annotated[Literal["json", "geojson", "gpx"], Query()] = "json",
    limit: Annotated[int, Query(ge=1, le=positions.MAX_POSITIONS)] = 10_000,
) -> Any:
    """Stored fixes of the vehicle in `[since, until)`, oldest first; as JSON rows,
    a GeoJSON LineString or GPX."""
    fixes = positions.positions(session, who, vehicle_id, since, until, limit)
    if format == "geojson":
        return JSONResponse(
            positions.as_geojson(vehicle_id, fixes), media_type="application/geo+json"
        )
    if format == "gpx":
        return Response(positions.as_gpx(vehicle_id, fixes), media_type="application/gpx+xml")
    return [PositionPublic.model_validate(f).model_dump(mode="json") for f in fixes]
