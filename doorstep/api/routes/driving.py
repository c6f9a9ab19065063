"""Driving a route: start it, arrive at a stop, complete it. For the driver's app (a
driver's own routes) and dispatchers acting for a driver."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request, UploadFile, status
from pydantic import Field, StringConstraints

from doorstep.api.deps import RouteDriver, SessionDep
from doorstep.schemas.common import Input, Location, LongText, ShortText, Timestamp
from doorstep.schemas.proofs import ProofPublic
from doorstep.schemas.routes import RoutePublic, StopPublic
from doorstep.services import proofs, route_edits, stop_progress
from doorstep.wiring import Runtime

router = APIRouter(prefix="/routes", tags=["driving"])


class RoadEvent(Input):
    at: Timestamp | None = Field(
        None,
        description="When it happened on the road (default: now); an app that was "
        "offline sends its events later with their real times.",
    )
    location: Location | None = None


class StopCompletion(RoadEvent):
    outcome: Literal["delivered", "failed"]
    reason: LongText | None = Field(
        None, description="Required when failed: nobody home, refused, address not found..."
    )
    received_by: ShortText | None = Field(
        None,
        description="Delivered: who took the parcel (the name signed), shown to the "
        "recipient as part of the proof of delivery.",
    )
    proof_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=20,
        description="Delivered: the signature and photos uploaded for this stop.",
    )
    pin: Annotated[str, StringConstraints(strip_whitespace=True, max_length=8)] | None = Field(
        None, description="Delivered: the code the recipient gave (their tracking page shows it)."
    )
    note: LongText | None = Field(None, description="Failed: what the driver saw, for the record.")
    age_checked: bool | None = Field(
        None, description="Delivered: the recipient's age was checked."
    )


@router.post("/{route_id}/start", response_model=RoutePublic)
def start_route(
    route_id: uuid.UUID, session: SessionDep, who: RouteDriver, body: RoadEvent | None = None
) -> Any:
    """The van leaves the depot: the route is in progress, its orders out for delivery."""
    event = body or RoadEvent()
    return stop_progress.start_route(session, who, route_id, at=event.at, location=event.location)


@router.post("/{route_id}/stops/{stop_id}/arrive", response_model=StopPublic)
def arrive(
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    session: SessionDep,
    who: RouteDriver,
    body: RoadEvent | None = None,
) -> Any:
    """At the stop: the recipient's order is arriving."""
    event = body or RoadEvent()
    return stop_progress.arrive(
        session, who, route_id, stop_id, at=event.at, location=event.location
    )


@router.post("/{route_id}/stops/{stop_id}/complete", response_model=StopPublic)
def complete(
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    body: StopCompletion,
    session: SessionDep,
    who: RouteDriver,
) -> Any:
    """Delivered, or failed with a reason. The last open stop completes the route."""
    return stop_progress.complete(
        session,
        who,
        route_id,
        stop_id,
        body.outcome,
        reason=body.reason,
        received_by=body.received_by or None,
        at=body.at,
        location=body.location,
        proof_ids=body.proof_ids,
        pin=body.pin,
        age_checked=body.age_checked,
        note=body.note,
    )


@router.post("/{route_id}/stops/{stop_id}/later", response_model=RoutePublic)
def do_later(
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    who: RouteDriver,
    body: RoadEvent | None = None,
) -> Any:
    """Skip a stop for now: it moves after the other open stops, the rest is re-timed.
    A locked stop (409) stays where the dispatcher put it."""
    runtime: Runtime = request.app.state.runtime
    stop_progress.driven_route(session, who, route_id)
    return route_edits.later(session, who, runtime.roads, route_id, stop_id)


@router.post(
    "/{route_id}/stops/{stop_id}/proofs",
    status_code=status.HTTP_201_CREATED,
    response_model=ProofPublic,
)
def add_proof(
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    who: RouteDriver,
    kind: Annotated[Literal["signature", "photo"], Form()],
    file: UploadFile,
    client_id: Annotated[str | None, Form(max_length=64)] = None,
    captured_at: Annotated[Timestamp | None, Form()] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Form(ge=-180, le=180)] = None,
) -> Any:
    """A signature (PNG from the canvas) or a photo for the stop, before it is completed:
    checked, re-encoded without metadata, stored with its SHA-256. Send the same
    `client_id` again and the first one comes back. Too big: 413; not an image or an
    empty signature: 422."""
    runtime: Runtime = request.app.state.runtime
    data = file.file.read(50 * 1024 * 1024 + 1)
    upload = proofs.Upload(kind, data, client_id, captured_at, lat, lon)
    return proofs.add(session, runtime.blobs, who, route_id, stop_id, upload)
