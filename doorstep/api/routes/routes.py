"""Routes and stops. Drivers see only their own routes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from doorstep.api.deps import IfMatch, Limit, Offset, RouteReader, SessionDep, Writer
from doorstep.domain.route_status import RouteStatus
from doorstep.schemas.common import Day, Page
from doorstep.schemas.routes import (
    RouteChangePublic,
    RouteCreate,
    RoutePublic,
    RouteUpdate,
    StopInsert,
)
from doorstep.services import route_revision
from doorstep.services import routes as svc

router = APIRouter(prefix="/routes", tags=["routes"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RoutePublic)
def create_route(body: RouteCreate, session: SessionDep, who: Writer) -> Any:
    """Create a route; its orders become scheduled."""
    return svc.create_route(session, who, body)


@router.get("", response_model=Page[RoutePublic])
def list_routes(
    session: SessionDep,
    who: RouteReader,
    date: Day | None = None,
    driver_id: uuid.UUID | None = None,
    vehicle_id: uuid.UUID | None = None,
    status: RouteStatus | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    rows, total = svc.list_routes(
        session,
        who,
        on=date,
        driver_id=driver_id,
        vehicle_id=vehicle_id,
        status=status,
        limit=limit,
        offset=offset,
    )
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/{route_id}", response_model=RoutePublic)
def get_route(route_id: uuid.UUID, session: SessionDep, who: RouteReader) -> Any:
    return svc.get_route(session, who, route_id)


@router.patch("/{route_id}", response_model=RoutePublic)
def update_route(
    route_id: uuid.UUID, body: RouteUpdate, session: SessionDep, who: Writer, revision: IfMatch
) -> Any:
    route_revision.expect(session, who, route_id, revision)
    """Change a route; cancelling it sends its scheduled orders back to be planned."""
    return svc.update_route(session, who, route_id, body)


@router.delete("/{route_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_route(
    route_id: uuid.UUID, session: SessionDep, who: Writer, revision: IfMatch
) -> Response:
    route_revision.expect(session, who, route_id, revision)
    svc.delete_route(session, who, route_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{route_id}/stops", status_code=status.HTTP_201_CREATED, response_model=RoutePublic)
def insert_stop(
    route_id: uuid.UUID, body: StopInsert, session: SessionDep, who: Writer, revision: IfMatch
) -> Any:
    route_revision.expect(session, who, route_id, revision)
    """Put an order on the route at a position (default: the end)."""
    return svc.insert_stop(session, who, route_id, body)


@router.delete("/{route_id}/stops/{stop_id}", response_model=RoutePublic)
def remove_stop(
    route_id: uuid.UUID, stop_id: uuid.UUID, session: SessionDep, who: Writer, revision: IfMatch
) -> Any:
    """Take a pending stop off the route; its order goes back to be planned."""
    route_revision.expect(session, who, route_id, revision)
    return svc.remove_stop(session, who, route_id, stop_id)


@router.get("/{route_id}/changes", response_model=list[RouteChangePublic])
def route_changes(
    route_id: uuid.UUID,
    session: SessionDep,
    who: RouteReader,
    since: Annotated[
        int, Query(ge=0, le=2**31 - 1, description="Changes after this revision.")
    ] = 0,
) -> Any:
    """The route's history: every change with its revision, who made it and why."""
    svc.get_route(session, who, route_id)
    return route_revision.since(session, who, route_id, since)
