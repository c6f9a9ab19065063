"""Value parsers the decoders share: numbers that may arrive as strings, booleans in
the spellings trackers use, epoch and ISO 8601 times, JSON bodies.

Each turns one wire value into its Python type or raises ``DecodeError`` naming the
field, so every protocol refuses the same things with the same words. None of them
judges plausibility: 95 is a number and 2099 is a time.
"""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

from doorstep.domain.utc import in_utc
from doorstep.ingest.base import DecodeError

# Below this an integer epoch is seconds, from it on milliseconds (Traccar's rule: the
# largest 32-bit signed integer, 2038-01-19T03:14:07Z in seconds).
EPOCH_MILLIS_FROM = 2_147_483_647

TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})

# A plain decimal number: what trackers send. float() alone would also take "1_000",
# "nan" and "infinity", none of which a tracker means as a measurement.
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LARGEST_EXACT_INT = 2**53  # beyond this a JSON consumer reading a double loses digits


def arrival(received: datetime) -> datetime:
    """The caller's arrival time, in UTC. A naive time is a bug in the caller (every
    fix time is aware), so it raises ValueError rather than DecodeError."""
    if received.tzinfo is None or received.utcoffset() is None:
        raise ValueError(f"received must be timezone-aware, got {received!r}")
    return received.astimezone(UTC)


def show(value: object, limit: int = 40) -> str:
    """A value as it appears in an error message: repr, cut short."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_number(value: object, field: str) -> float:
    """A finite number from a JSON number or a decimal string ("12.5", " 40 ")."""
    if value is None:
        _refuse("missing: a number is required", field)
    if isinstance(value, bool):
        _refuse(f"expected a number, got {show(value)}", field)
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:
            _refuse(f"number too large: {show(value)}", field)
    elif isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        _refuse(f"not a number: {show(value)}", field)
    if not math.isfinite(number):
        _refuse(f"not a finite number: {show(value)}", field)
    return number


def optional_number(value: object, field: str) -> float | None:
    """``parse_number``, with absent (None or an empty string) meaning unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_number(value, field)


def unknown_if_negative(value: float | None) -> float | None:
    """Trackers send -1 for a speed, course, accuracy or battery they do not know."""
    return None if value is None or value < 0 else value


def heading_degrees(value: float | None) -> float | None:
    """A course in [0, 360): negative means unknown, 360 is north again."""
    known = unknown_if_negative(value)
    return None if known is None else known % 360.0


def parse_bool(value: object, field: str) -> bool:
    """A boolean from JSON true/false, 0/1, or true/false/1/0/yes/no/on/off in any case
    (OBD boxes send ``ignition=OFF``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    _refuse(f"not a boolean: {show(value)} (expected true/false, 1/0, yes/no, on/off)", field)


def optional_bool(value: object, field: str) -> bool | None:
    """``parse_bool``, with absent (None or an empty string) meaning unknown."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_bool(value, field)


def time_from_epoch_seconds(value: object, field: str) -> datetime:
    """A UTC time from epoch seconds (integer or fractional, number or string)."""
    return _from_epoch(value, field, millis_from=None)


def time_from_epoch(value: object, field: str) -> datetime:
    """A UTC time from an epoch that is seconds below 2147483647, else milliseconds."""
    return _from_epoch(value, field, millis_from=EPOCH_MILLIS_FROM)


def time_from_iso8601(value: object, field: str) -> datetime:
    """A UTC time from ISO 8601 ("2021-07-21T08:06:34.444Z", "+02:00" offsets, or
    "2014-06-04 09:10:11"); a time without an offset is taken as UTC."""
    if not isinstance(value, str):
        _refuse(f"not an ISO 8601 time: {show(value)}", field)
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        _refuse(f"not an ISO 8601 time: {show(value)}", field)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return in_utc(parsed)
    except ValueError:
        _refuse(f"cannot be a time: {show(value)}", field)


def time_from_any(value: object, field: str) -> datetime:
    """OsmAnd's four time formats, tried in Traccar's order: epoch seconds (below
    2147483647), epoch milliseconds, ISO 8601, ``yyyy-MM-dd HH:mm:ss`` (as UTC)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return time_from_epoch(value, field)
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return time_from_epoch(value, field)
    if isinstance(value, str):
        try:
            return time_from_iso8601(value, field)
        except DecodeError:
            pass
    _refuse(
        f"not a time: {show(value)} (expected epoch seconds or milliseconds, "
        "ISO 8601, or yyyy-MM-dd HH:mm:ss)",
        field,
    )


def parse_json(payload: bytes | str, field: str = "body") -> Any:
    """The JSON value of a body; malformed JSON is refused with its line and column."""
    if isinstance(payload, bytes):
        try:
            text = payload.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            _refuse(f"not UTF-8 text (byte {error.start})", field)
    else:
        text = payload
    try:
        return json.loads(text, parse_constant=_no_constants(field))
    except json.JSONDecodeError as error:
        _refuse(f"malformed JSON at line {error.lineno} col {error.colno}: {error.msg}", field)
    except RecursionError:
        _refuse("malformed JSON: nested too deeply", field)


def is_blank(payload: bytes | str) -> bool:
    """True for an empty or whitespace-only body."""
    return not payload.strip()


def attribute_value(text: str) -> bool | int | float | str:
    """A free-form parameter as an attribute: true/false as booleans, plain numbers as
    numbers, anything else (hex ids, "00-14-22-01-23-45", "007") kept as the string."""
    if text in ("true", "false"):
        return text == "true"
    stripped = text.strip()
    if _INTEGER.fullmatch(stripped):
        digits = stripped.lstrip("+-")
        if (len(digits) > 1 and digits.startswith("0")) or abs(int(stripped)) > _LARGEST_EXACT_INT:
            return text
        return int(stripped)
    if _DECIMAL.fullmatch(stripped):
        number = float(stripped)
        return number if math.isfinite(number) else text
    return text


def _from_epoch(value: object, field: str, *, millis_from: int | None) -> datetime:
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        exact: int | float = int(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        exact = value
    else:
        exact = parse_number(value, field)
        if exact.is_integer():
            exact = int(exact)
    try:
        if millis_from is not None and exact >= millis_from:
            if isinstance(exact, int):
                return _EPOCH + timedelta(milliseconds=exact)
            return _EPOCH + timedelta(seconds=exact / 1000.0)
        return _EPOCH + timedelta(seconds=exact)
    except OverflowError:
        _refuse(f"cannot be a time: {show(value)} is out of range", field)


def _no_constants(field: str) -> Any:
    def refuse(constant: str) -> NoReturn:
        _refuse(f"malformed JSON: {constant} is not a JSON number", field)

    return refuse


def _refuse(reason: str, field: str) -> NoReturn:
    raise DecodeError(reason, field)
