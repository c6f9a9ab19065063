"""Why a job was left unplanned.

Each reason is ``"<code>: <explanation>"``; the code before the colon is stable so the
API and the dispatcher's screen can group or translate reasons, the text after it is
for people and may change.
"""

from __future__ import annotations

NO_VEHICLES = "no_vehicles"
EMPTY_WINDOW = "empty_window"
NO_SKILLED_VEHICLE = "no_skilled_vehicle"
OVER_CAPACITY = "over_capacity"
UNREACHABLE = "unreachable"
AFTER_SHIFT = "after_shift"
TOO_LONG = "too_long"
LEFT_OUT = "left_out"
OPTIONAL_DROPPED = "optional_dropped"
PAIR_UNPLANNED = "pair_unplanned"

LEFT_OUT_TEXT = "not enough vehicles/time to fit it (solver left it out)"


def reason(code: str, text: str) -> str:
    return f"{code}: {text}"


def reason_code(text: str) -> str:
    """The stable code of a reason string (the part before the first colon)."""
    return text.split(":", 1)[0]
