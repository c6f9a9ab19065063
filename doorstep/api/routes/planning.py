"""Plans, urgent-job dispatch, and a dispatcher's edits to planned routes."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, status

from doorstep.api.deps import IfMatch, Reader, SessionDep, Writer
from doorstep.schemas.orders import OrderPublic
from doorstep.schemas.planning import (
    DispatchAssign,
    DispatchOptions,
    DispatchQuery,
    PlanCreate,
    PlanPublic,
    ReoptimiseRequest,
    ReoptimiseResult,
    Reschedule,
)
from doorstep.schemas.routes import RoutePublic, Sequence, StopLock, StopMove
from doorstep.services import dispatch, reoptimise, route_edits, route_revision
from doorstep.services import planning as svc
from doorstep.wiring import Runtime

plans = APIRouter(prefix="/plans", tags=["planning"])
dispatching = APIRouter(prefix="/dispatch", tags=["dispatch"])
route_changes = APIRouter(prefix="/routes", tags=["routes"])
order_changes = APIRouter(prefix="/orders", tags=["orders"])


def _roads(request: Request) -> Any:
    runtime: Runtime = request.app.state.runtime
    return runtime.roads


def _plan_public(outcome: svc.PlanOutcome) -> dict[str, Any]:
    plan = outcome.plan
    return {
        "id": plan.id,
        "date": plan.date,
        "depot_id": plan.depot_id,
        "status": plan.status,
        "provider": plan.provider,
        "solver": plan.solver,
        "stats": plan.stats,
        "unplanned": plan.unplanned,
        "routes": outcome.routes,
        "created_at": plan.created_at,
    }


@plans.post("", status_code=status.HTTP_201_CREATED, response_model=PlanPublic)
def create_plan(body: PlanCreate, request: Request, session: SessionDep, who: Writer) -> Any:
    """Plan a day on road travel times: routes are stored and their orders scheduled.
    Orders that cannot be served come back in `unplanned` with the reason."""
    return _plan_public(svc.plan_day(session, who, _roads(request), body))


@plans.get("/{plan_id}", response_model=PlanPublic)
def get_plan(plan_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    return _plan_public(svc.get_plan(session, who, plan_id))


@dispatching.post("/options", response_model=DispatchOptions)
def dispatch_options(
    body: DispatchQuery, request: Request, session: SessionDep, who: Reader
) -> Any:
    """Where could this order go in today's running routes? Ranked by added driving,
    feasible first, each with the stops that get later and any window that breaks."""
    found, ms = dispatch.options(session, who, _roads(request), body)
    return {"order_id": body.order_id, "options": found, "computed_ms": ms}


@dispatching.post("/assign", response_model=RoutePublic)
def dispatch_assign(
    body: DispatchAssign, request: Request, session: SessionDep, who: Writer, revision: IfMatch
) -> Any:
    """Insert the order into the route at the position; the route is re-timed and a
    `route.changed` event goes to the driver app and the ETA engine. With `If-Match`, the
    route's revision the options were computed on: refused if the route changed since."""
    route_revision.expect(session, who, body.route_id, revision)
    return dispatch.assign(session, who, _roads(request), body)


@route_changes.post("/reoptimise", response_model=ReoptimiseResult)
def reoptimise_routes(
    body: ReoptimiseRequest, request: Request, session: SessionDep, who: Writer
) -> Any:
    """Re-plan the day's running routes together: done and locked stops stay, every van
    starts where it is and still drives home, free stops may move between routes."""
    result = reoptimise.reoptimise(
        session,
        who,
        _roads(request),
        body.date,
        body.route_ids,
        at=body.at,
        time_limit_s=body.time_limit_s,
        seed=body.seed,
    )
    return {
        "routes": result.routes,
        "unplanned": result.unplanned,
        "stats": result.stats,
        "solver": result.solver,
    }


@route_changes.patch("/{route_id}/stops/{stop_id}", response_model=RoutePublic)
def lock_stop(
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    body: StopLock,
    session: SessionDep,
    who: Writer,
    revision: IfMatch,
) -> Any:
    """Lock a stop in place (re-optimisation and insertions leave it where it is)."""
    route_revision.expect(session, who, route_id, revision)
    return route_edits.set_locked(session, who, route_id, stop_id, body.locked)


@route_changes.post("/{route_id}/stops/{stop_id}/move", response_model=RoutePublic)
def move_stop(
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    body: StopMove,
    request: Request,
    session: SessionDep,
    who: Writer,
    revision: IfMatch,
) -> Any:
    """Move a pending stop to another route; both routes are re-timed. Returns the target.
    `If-Match` is the revision of the route the stop leaves."""
    route_revision.expect(session, who, route_id, revision)
    return route_edits.move_stop(
        session, who, _roads(request), route_id, stop_id, body.route_id, body.position
    )


@route_changes.put("/{route_id}/sequence", response_model=RoutePublic)
def resequence(
    route_id: uuid.UUID,
    body: Sequence,
    request: Request,
    session: SessionDep,
    who: Writer,
    revision: IfMatch,
) -> Any:
    """Put the route's stops in this order and re-time it."""
    route_revision.expect(session, who, route_id, revision)
    return route_edits.resequence(session, who, _roads(request), route_id, body.stop_ids)


@order_changes.post("/{order_id}/reschedule", response_model=OrderPublic)
def reschedule(
    order_id: uuid.UUID, body: Reschedule, request: Request, session: SessionDep, who: Writer
) -> Any:
    """Give the order a new window: it leaves its route (the rest re-timed) and is
    planned again later."""
    return route_edits.reschedule(session, who, _roads(request), order_id, body)
