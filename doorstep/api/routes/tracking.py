"""Fixes in: the native batch API, the OsmAnd/Traccar and OwnTracks endpoints. Fixes out:
a vehicle's position history. Every protocol ends in the same pipeline."""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from doorstep.api.deps import Reader, SessionDep
from doorstep.domain.errors import Unauthorized
from doorstep.schemas.common import Output, Timestamp
from doorstep.services import positions
from doorstep.services.ingest import TrackerRequest
from doorstep.services.tracking import IngestResult
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


async def _send(request: Request, tracker_request: TrackerRequest) -> IngestResult | None:
    """Through the group-commit writer; a refused request raises its error (400, 401,
    404 by the usual error handlers)."""
    outcome = await _runtime(request).writer.send(tracker_request)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@pings.post("/pings", response_model=IngestPublic)
async def post_pings(request: Request) -> Any:
    """A device's fixes as a JSON list (`time`, `lat`, `lon`, `speed` m/s, `heading`,
    `accuracy`, `altitude`, `attributes`), authenticated with the device's token. Each
    refused fix is listed with the rule that refused it; the rest are stored."""
    token = _bearer(request)
    body = await request.body()
    result = await _send(request, TrackerRequest("native", body, token=token))
    assert result is not None
    return {"accepted": result.accepted, "late": result.late, "dropped": result.dropped}


async def osmand_request(request: Request) -> Response:
    """OsmAnd / Traccar Client: parameters in the query, a form, or Traccar's JSON."""
    body = await request.body()
    payload = body if body.strip() else request.url.query.encode()
    await _send(request, TrackerRequest("osmand", payload))
    return Response(status_code=200)


ingest_router.add_api_route("/osmand", osmand_request, methods=["GET", "POST"])


@ingest_router.post("/owntracks")
async def owntracks(request: Request) -> Response:
    """OwnTracks HTTP mode: Basic auth with the device's token as the password."""
    token = _basic_password(request)
    body = await request.body()
    user, device = request.headers.get("x-limit-u"), request.headers.get("x-limit-d")
    identity = f"{user}/{device}" if user and device else None
    await _send(request, TrackerRequest("owntracks", body, token=token, identity=identity))
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
    since: Timestamp,
    until: Timestamp,
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
