"""A route's lifecycle, kept apart from its orders': a route can be cancelled while
its orders go back to be planned again."""

from __future__ import annotations

from enum import StrEnum

from doorstep.domain.errors import Conflict


class RouteStatus(StrEnum):
    PLANNED = "planned"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


R = RouteStatus
TRANSITIONS: dict[RouteStatus, frozenset[RouteStatus]] = {
    R.PLANNED: frozenset({R.DISPATCHED, R.IN_PROGRESS, R.CANCELLED}),
    R.DISPATCHED: frozenset({R.PLANNED, R.IN_PROGRESS, R.CANCELLED}),
    R.IN_PROGRESS: frozenset({R.COMPLETED, R.CANCELLED}),
    R.COMPLETED: frozenset(),
    R.CANCELLED: frozenset(),
}
ACTIVE: frozenset[RouteStatus] = frozenset({R.PLANNED, R.DISPATCHED, R.IN_PROGRESS})


def transition(current: RouteStatus, target: RouteStatus) -> RouteStatus:
    if target == current:
        return current
    if target not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none, it is final"
        raise Conflict(
            f"a route that is {current.value} cannot become {target.value} "
            f"(allowed next: {allowed})"
        )
    return target
