"""A route's status moves here only: through the route state machine, stamping when
the driver started it and when it ended, so the stamps cannot disagree with it; and
completed only once none of its stops is open."""

from __future__ import annotations

from datetime import datetime

from doorstep.domain import route_status
from doorstep.domain.errors import Conflict
from doorstep.domain.route_status import RouteStatus
from doorstep.domain.tracking_rules import OPEN_STOPS
from doorstep.storage.tables import Route

FINAL = (RouteStatus.COMPLETED, RouteStatus.CANCELLED)


def move(route: Route, target: RouteStatus, when: datetime) -> None:
    """``route`` to ``target`` (a Conflict if the machine refuses), stamped at ``when``."""
    current = RouteStatus(route.status)
    new = route_status.transition(current, target)
    if new == current:
        return
    open_stops = sum(s.status in OPEN_STOPS for s in route.stops)
    if new == RouteStatus.COMPLETED and open_stops:
        # Their orders would stay out for delivery on a route no one drives.
        raise Conflict(
            f"{open_stops} stop(s) of the route are still open: close each "
            "(delivered, failed or later) or cancel the route"
        )
    route.status = new.value
    if new == RouteStatus.IN_PROGRESS and route.started_at is None:
        route.started_at = when
    if new in FINAL:
        # Never before the start: a stop synced late from a phone may carry an older time.
        started = route.started_at
        route.ended_at = when if started is None or when >= started else started
