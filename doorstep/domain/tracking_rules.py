"""What a recipient may see and do on the public tracking view, as pure rules.

The tracking code is the only key, so these rules are the privacy boundary: the
services apply them, ``docs/privacy.md`` explains them, and each has a test.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta

from doorstep.domain.codes import CROCKFORD, TRACKING_CODE_LENGTH, normalise_tracking_code
from doorstep.domain.order_status import FINAL, OrderStatus

S = OrderStatus
# Longer input than this is not looked at at all (a code with separators is ~20).
MAX_CODE_INPUT = 64
# Positions leave rounded to 4 decimals: about 11 m north-south, less east-west.
POSITION_DECIMALS = 4
# Before the driver is at the door the recipient may still change these.
BEFORE_ARRIVAL = frozenset({S.CREATED, S.SCHEDULED, S.OUT_FOR_DELIVERY, S.FAILED, S.RESCHEDULED})
# Stops whose route is still being driven towards them.
OPEN_STOPS = frozenset({"pending", "arrived"})

STATUS_LABELS: dict[OrderStatus, str] = {
    S.CREATED: "Order received",
    S.SCHEDULED: "Scheduled for delivery",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.ARRIVING: "The driver is at your door",
    S.DELIVERED: "Delivered",
    S.FAILED: "Delivery attempt failed",
    S.RESCHEDULED: "Rescheduled",
    S.RETURNED: "Returned to the sender",
    S.CANCELLED: "Cancelled",
}
# Timeline labels where they differ from the status label (a status change back to
# "created" is the order waiting to be planned again, not received a second time).
TIMELINE_LABELS: dict[str, str] = {
    "created": "Order received",
    "status:created": "Waiting to be planned",
    "rescheduled": "Rescheduled",
    "instructions_changed": "Delivery instructions updated",
    "neighbour_requested": "Asked to leave it with a neighbour",
}
# Reasons the recipient is told (why it failed, why it moved); others stay internal.
REASONS_SHOWN = frozenset({S.FAILED, S.RESCHEDULED, S.CANCELLED, S.RETURNED})


def parse_code(text: str) -> str | None:
    """The canonical code for what someone typed, or None when it cannot be one (too
    long, wrong length, a character outside Crockford's alphabet)."""
    if len(text) > MAX_CODE_INPUT:
        return None
    code = normalise_tracking_code(text)
    if len(code) != TRACKING_CODE_LENGTH or any(c not in CROCKFORD for c in code):
        return None
    return code


def first_name(full_name: str | None) -> str | None:
    """Only the first word of a name leaves: the driver's surname is theirs."""
    parts = (full_name or "").split()
    return parts[0] if parts else None


def vehicle_visible(
    *,
    route_status: str | None,
    stop_status: str | None,
    order_status: OrderStatus,
    stops_away: int | None,
    show_from_stops_away: int,
) -> bool:
    """The van is shown only while it is on its way to this recipient: the route is
    being driven, this stop is still open, and at most N stops lie before it (1: it is
    the next stop). Unknown stops-away means not shown."""
    return (
        route_status == "in_progress"
        and stop_status in OPEN_STOPS
        and order_status not in FINAL
        and stops_away is not None
        and 1 <= stops_away <= show_from_stops_away
    )


def expires_at(final_at: datetime | None, days: int) -> datetime | None:
    """When the view shrinks to its final status: ``days`` after the order ended."""
    return None if final_at is None else final_at + timedelta(days=days)


def instructions_editable(order_status: OrderStatus, stop_status: str | None) -> bool:
    """Until the driver arrives: afterwards a change would not reach them in time."""
    return order_status in BEFORE_ARRIVAL and stop_status != "arrived"


def reschedulable(order_status: OrderStatus, stop_status: str | None) -> bool:
    """Not delivered (or otherwise over) and the driver not at the door."""
    return order_status in BEFORE_ARRIVAL and stop_status != "arrived"


def _digits(text: str | None) -> str:
    return re.sub(r"\D", "", text or "")


def _postcode(text: str | None) -> str:
    return re.sub(r"[\s\-]", "", text or "").upper()


def check_matches(kind: str, given: str | None, postcode: str | None, phone: str | None) -> bool:
    """Does the recipient's answer match the order? Compared in constant time; an
    order without the value asked for matches nothing."""
    if kind == "none":
        return True
    if given is None:
        return False
    if kind == "postcode":
        expected, answer = _postcode(postcode), _postcode(given)
    elif kind == "phone_last4":
        expected, answer = _digits(phone)[-4:], _digits(given)
        if len(expected) < 4:
            expected = ""
    else:
        return False
    return bool(expected) and hmac.compare_digest(expected.encode(), answer.encode())
