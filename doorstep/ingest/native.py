"""Doorstep's own batch API body (``POST /api/v1/pings``): a JSON list of fixes, or
``{"fixes": [...]}``, from a device that authenticated with its token.

Each fix: ``time`` (ISO 8601 with an offset), ``lat``, ``lon``, and optionally
``speed`` (m/s), ``heading`` (degrees), ``accuracy`` (m), ``altitude`` (m) and
``attributes``: ``ignition``, ``odometer`` (m), ``battery`` (%), ``charging``,
``driver``, plus anything else, kept as sent. Unknown top-level keys are refused, so a
typo (``latitude``) is an error rather than a silently missing value. Numbers may be
JSON numbers or decimal strings; booleans true/false, 1/0, "yes"/"no", "on"/"off".

The whole batch is refused if one fix is unreadable, with every error's fix index and
field (up to a few), so a client can fix its encoder; a batch larger than
``MAX_FIXES`` is refused before any fix is read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import ErrorDetails

from doorstep.domain.ping import Ping
from doorstep.domain.utc import in_utc
from doorstep.ingest.base import DecodeError, Decoder
from doorstep.ingest.parsing import (
    arrival,
    heading_degrees,
    is_blank,
    parse_json,
    show,
    unknown_if_negative,
)

NAME = "native"
MAX_FIXES = 10_000
ERRORS_SHOWN = 5


def _not_a_boolean(value: object) -> object:
    """Pydantic would read true as 1.0; a boolean is not a measurement."""
    if isinstance(value, bool):
        raise ValueError("expected a number, not a boolean")
    return value


def _iso_text_only(value: object) -> object:
    """Pydantic would also read an integer as epoch seconds; the API says ISO 8601."""
    if not isinstance(value, str):
        raise ValueError("expected an ISO 8601 time with an offset, as a string")
    return value


Number = Annotated[float, BeforeValidator(_not_a_boolean)]


class FixAttributes(BaseModel):
    """The attributes Doorstep reads into Ping fields; any others are kept as sent."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    ignition: bool | None = None
    odometer: Number | None = None  # metres
    battery: Number | None = None  # %
    charging: bool | None = None
    driver: str | None = None


class Fix(BaseModel):
    """One fix of the batch, as the API documents it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    time: Annotated[AwareDatetime, BeforeValidator(_iso_text_only), AfterValidator(in_utc)]
    lat: Number
    lon: Number
    speed: Number | None = None  # m/s
    heading: Number | None = None  # degrees
    accuracy: Number | None = None  # metres
    altitude: Number | None = None  # metres
    attributes: FixAttributes = Field(default_factory=FixAttributes)


_BATCH = TypeAdapter(list[Fix])


class NativeDecoder(Decoder):
    """``device`` is required: the identifier the API token belongs to."""

    name = NAME

    def decode(
        self, payload: bytes | str, *, received: datetime, device: str | None = None
    ) -> list[Ping]:
        if not device:
            raise ValueError("the native API names the device by its token: pass device")
        return decode_batch(payload, device=device, received=received)


def decode_batch(payload: bytes | str, *, device: str, received: datetime) -> list[Ping]:
    """The fixes of one batch body, in the order sent."""
    received = arrival(received)
    if is_blank(payload):
        raise DecodeError('empty body: expected a JSON list of fixes or {"fixes": [...]}', "body")
    if isinstance(payload, bytes) and payload.lstrip()[:1] == b"[" and len(payload) < 2**20:
        # The common shape, read straight from the bytes (pydantic's JSON parser); any
        # problem, even malformed JSON, takes the general path below for its message.
        try:
            return [_ping(fix, device, received) for fix in _BATCH.validate_json(payload)]
        except ValidationError:
            pass
    root = parse_json(payload)
    items = root.get("fixes") if isinstance(root, dict) else root
    if not isinstance(items, list):
        raise DecodeError(
            f'expected a JSON list of fixes or {{"fixes": [...]}}, got {show(root)}', "fixes"
        )
    if len(items) > MAX_FIXES:
        raise DecodeError(
            f"{len(items)} fixes in one batch; at most {MAX_FIXES} are accepted, "
            "send the rest in further requests",
            "fixes",
        )
    try:
        fixes = _BATCH.validate_python(items)
    except ValidationError as error:
        raise _decode_error(error.errors()) from None
    return [_ping(fix, device, received) for fix in fixes]


def _ping(fix: Fix, device: str, received: datetime) -> Ping:
    extra: dict[str, Any] = dict(fix.attributes.model_extra) if fix.attributes.model_extra else {}
    return Ping(
        device=device,
        time=fix.time,
        lat=fix.lat,
        lon=fix.lon,
        speed=unknown_if_negative(fix.speed),
        heading=heading_degrees(fix.heading),
        accuracy=unknown_if_negative(fix.accuracy),
        altitude=fix.altitude,
        battery=unknown_if_negative(fix.attributes.battery),
        charging=fix.attributes.charging,
        ignition=fix.attributes.ignition,
        odometer=fix.attributes.odometer,
        driver=fix.attributes.driver,
        protocol=NAME,
        received=received,
        attributes=extra,
    )


def _decode_error(errors: list[ErrorDetails]) -> DecodeError:
    """Pydantic's errors as one DecodeError: the first names its fix and field; the
    message lists the first few."""
    described = [_describe(error) for error in errors]
    index, field, reason = described[0]
    others = [f"fix {i}: {f}: {r}" for i, f, r in described[1:ERRORS_SHOWN]]
    if others:
        more = len(described) - 1 - len(others)
        reason += "; also " + "; ".join(others) + (f"; and {more} more" if more else "")
    return DecodeError(reason, field, index=index)


def _describe(error: ErrorDetails) -> tuple[int | None, str, str]:
    loc = list(error["loc"])
    index = loc.pop(0) if loc and isinstance(loc[0], int) else None
    field = ".".join(str(part) for part in loc) or "fix"
    reason = error["msg"].removeprefix("Value error, ")
    if error["type"] == "missing":
        reason = "missing: a value is required"
    elif error["type"] == "extra_forbidden":
        reason = "unknown field (see the batch API's fix fields)"
    else:
        reason += f", got {show(error['input'])}"
    return (index if isinstance(index, int) else None), field, reason
