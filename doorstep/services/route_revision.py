"""Route revisions: two dispatchers editing one route must not overwrite each other.

Every change to a route goes through ``route_timing.route_changed``, which calls
``record`` here: the route's revision goes up by one and the change is logged with who
made it and why. An editor sends the revision they last read (``If-Match``); ``expect``
claims the route's row for the transaction (an ``UPDATE`` that matches only that
revision, so a concurrent editor waits on the row lock and then fails the match) and
refuses with the changes made since if another edit got there first. Nothing is lost:
the first edit stands, the second is not applied, and its author is told what changed.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.principal import Principal
from doorstep.storage.tables import Route, RouteChange
from doorstep.storage.tables.base import utcnow


class RouteConflict(Conflict):
    """The route changed since the editor read it; ``changes`` says how."""

    def __init__(
        self, route_id: uuid.UUID, expected: int, current: int, changes: list[dict[str, Any]]
    ) -> None:
        said = "; ".join(f"{c['reason']} by {c['by']}" for c in changes[-5:]) or "changed"
        super().__init__(
            f"route {route_id} changed since you read it (your revision {expected}, now "
            f"{current}): {said}. Nothing of yours was applied: read the route again and "
            "redo your change if it still makes sense"
        )
        self.current = current
        self.changes = changes


def expect(
    session: Session, principal: Principal, route_id: uuid.UUID, revision: int | None
) -> None:
    """Refuse the edit if the route is no longer at ``revision`` (``None``: no check)."""
    if revision is None:
        return
    claimed = session.execute(
        update(Route)
        .where(Route.id == route_id, Route.org_id == principal.org_id, Route.revision == revision)
        .values(revision=Route.revision)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return
    current = session.scalar(
        select(Route.revision).where(Route.id == route_id, Route.org_id == principal.org_id)
    )
    if current is None:
        raise NotFound("route", route_id)
    raise RouteConflict(route_id, revision, current, since(session, principal, route_id, revision))


def record(
    session: Session, principal: Principal, route: Route, reason: str, detail: dict[str, Any]
) -> None:
    """The route changed: one revision more, and a line in its history."""
    route.revision = (route.revision or 0) + 1
    session.add(
        RouteChange(
            org_id=principal.org_id,
            route_id=route.id,
            revision=route.revision,
            at=utcnow(),
            actor_type=principal.actor_type,
            actor_name=principal.name,
            reason=reason,
            detail=detail,
        )
    )


def since(
    session: Session, principal: Principal, route_id: uuid.UUID, revision: int
) -> list[dict[str, Any]]:
    """The route's changes after ``revision``, oldest first."""
    rows = session.scalars(
        select(RouteChange)
        .where(
            RouteChange.org_id == principal.org_id,
            RouteChange.route_id == route_id,
            RouteChange.revision > revision,
        )
        .order_by(RouteChange.revision)
        .limit(200)
    )
    return [public(row) for row in rows]


def public(row: RouteChange) -> dict[str, Any]:
    return {
        "revision": row.revision,
        "at": row.at,
        "by": row.actor_name or row.actor_type,
        "reason": row.reason,
        "detail": row.detail,
    }
