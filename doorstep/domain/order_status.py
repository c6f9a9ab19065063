"""The order state machine: the only way an order's status may change.

The lifecycle of a last-mile parcel::

    created ─► scheduled ─► out_for_delivery ─► arriving ─► delivered
       │           │              │   ▲             │
       │           │              │   └─────────────┤ (skipped, do later)
       │           │              ├─► failed ◄──────┘
       │           │              │     │
       │           ▼              ▼     ▼
       │       rescheduled ◄──────┴─────┘ ─► returned
       ▼
    cancelled

``delivered``, ``returned`` and ``cancelled`` are final.
"""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    SCHEDULED = "scheduled"
    OUT_FOR_DELIVERY = "out_for_delivery"
    ARRIVING = "arriving"
    DELIVERED = "delivered"
    FAILED = "failed"
    RESCHEDULED = "rescheduled"
    RETURNED = "returned"
    CANCELLED = "cancelled"


S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.SCHEDULED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.OUT_FOR_DELIVERY, S.RESCHEDULED, S.CREATED, S.CANCELLED}),
    S.OUT_FOR_DELIVERY: frozenset({S.ARRIVING, S.DELIVERED, S.FAILED, S.RESCHEDULED, S.RETURNED}),
    S.ARRIVING: frozenset({S.DELIVERED, S.FAILED, S.OUT_FOR_DELIVERY}),
    S.FAILED: frozenset({S.OUT_FOR_DELIVERY, S.RESCHEDULED, S.RETURNED}),
    S.RESCHEDULED: frozenset({S.SCHEDULED, S.CANCELLED, S.RETURNED}),
    S.DELIVERED: frozenset(),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
}

FINAL: frozenset[OrderStatus] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

# A failed attempt must say why; the reason travels to the customer and to reports.
REASON_REQUIRED: frozenset[OrderStatus] = frozenset({S.FAILED, S.CANCELLED, S.RETURNED})


class IllegalTransition(Exception):
    """A status change the lifecycle does not allow."""

    def __init__(self, current: OrderStatus, target: OrderStatus, detail: str = "") -> None:
        self.current = current
        self.target = target
        allowed = ", ".join(sorted(TRANSITIONS[current])) or "none, it is final"
        message = detail or (
            f"an order that is {current.value} cannot become {target.value} "
            f"(allowed next: {allowed})"
        )
        super().__init__(message)


def allowed_next(current: OrderStatus) -> frozenset[OrderStatus]:
    return TRANSITIONS[current]


def transition(current: OrderStatus, target: OrderStatus, reason: str | None = None) -> OrderStatus:
    """Return the new status or raise :class:`IllegalTransition`."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target)
    if target in REASON_REQUIRED and not (reason and reason.strip()):
        raise IllegalTransition(
            current, target, f"an order can only become {target.value} with a reason"
        )
    return target
