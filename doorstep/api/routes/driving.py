"""Driving a route: start it, arrive at a stop, complete it. For the driver's app (a
driver's own routes) and dispatchers acting for a driver."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import Field

from doorstep.api.deps import RouteDriver, SessionDep
from doorstep.schemas.common import Input, Location, LongText, ShortText, Timestamp
from doorstep.schemas.routes import RoutePublic, StopPublic
from doorstep.services import stop_progress

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
    )
