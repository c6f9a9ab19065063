"""Turning an aware time into UTC, the one zone Doorstep stores and compares in."""

from __future__ import annotations

from datetime import UTC, datetime


def in_utc(value: datetime) -> datetime:
    """``value`` in UTC, or ValueError for a time UTC does not have (year 1 at +14:00 is
    before UTC's first instant), which ``astimezone`` reports as an OverflowError that
    validators and decoders would not read as bad input."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError("out of range: no such time in UTC") from None
