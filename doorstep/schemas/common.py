"""Types every schema uses: coordinates, UTC timestamps and days, pages, short texts."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Generic, TypeVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from doorstep.domain.utc import in_utc

T = TypeVar("T")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


class Location(BaseModel):
    """A point on Earth as ``{"lat": …, "lon": …}`` in WGS84 degrees."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    lat: Annotated[float, Field(ge=-90, le=90), AfterValidator(_finite)]
    lon: Annotated[float, Field(ge=-180, le=180), AfterValidator(_finite)]


# The days a delivery platform can mean. Year 1 or 9999 is a typo, and at those ends
# a day turned into a time in the organisation's zone overflows.
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2199, 12, 31)


def _in_range(day: date) -> bool:
    return EARLIEST_DAY <= day <= LATEST_DAY


def _plausible_day(value: date) -> date:
    if not _in_range(value):
        raise ValueError(f"must be a day from {EARLIEST_DAY} to {LATEST_DAY}, got {value}")
    return value


# In: YYYY-MM-DD, from 1970 to 2199. The document says so in words: a pattern for the
# years on top of `format: date` left fuzzers (schemathesis) unable to generate a day
# at all where two were required (from, to), so those operations went untested.
DAY_RANGE = f"A day from {EARLIEST_DAY} to {LATEST_DAY}."
Day = Annotated[
    date,
    AfterValidator(_plausible_day),
    WithJsonSchema({"type": "string", "format": "date", "description": DAY_RANGE}),
]

# In: ISO 8601 with an offset (naive times are refused: their meaning is a guess); in a
# request body (Input), from 1970 to 2199 in UTC. Out: ISO 8601 in UTC with an explicit
# +00:00. The range is the body's, not the type's: a response carries times stored
# before the range was checked, and must still read.
Timestamp = Annotated[
    AwareDatetime,
    AfterValidator(in_utc),
    PlainSerializer(lambda v: v.astimezone(UTC).isoformat(), return_type=str, when_used="json"),
]


def _refuse_null(cls: Any, value: Any) -> Any:
    if value is None:
        raise ValueError("may not be null: leave the field out to keep its value")
    return value


def _kept_fields(model: type[BaseModel]) -> set[str]:
    validators = model.__pydantic_decorators__.field_validators.values()
    return {
        name
        for validator in validators
        if getattr(validator.func, "__func__", None) is _refuse_null
        for name in validator.info.fields
    }


# A decimal sent as text ("129.90"), which keeps every digit a JSON number might not.
DECIMAL_PATTERN = r"^[+-]?[0-9]+(\.[0-9]+)?$"


def _document_decimal_text(field: dict[str, Any]) -> None:
    """Pydantic documents a Decimal as a number or any string; the string is a decimal."""
    kinds = field.get("anyOf", [])
    if any(k.get("type") == "number" for k in kinds):
        for kind in kinds:
            if kind == {"type": "string"}:
                kind["pattern"] = DECIMAL_PATTERN


def not_null(*fields: str) -> Any:
    """For a partial update (PATCH), where a field left out keeps its value: the named
    fields cannot be emptied, so an explicit null is a 422 naming the field rather than
    a NOT NULL failure in the database or a value no reader expects. The others clear."""
    return field_validator(*fields)(_refuse_null)


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)]
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9 ()\-.]{3,31}$")]
# A link pages show as <img src> or <a href>: http(s) only, never javascript: or data:;
# kept as the text given (a URL object would not reach the database).
WebUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=1000, pattern=r"^https?://[^\s\"'<>]+$"),
]


def _email(value: str) -> str:
    try:
        checked = validate_email(
            value, check_deliverability=False, globally_deliverable=False, test_environment=True
        )
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from None
    return checked.normalized.lower()


# Self-hosted fleets use internal domains (acme.local), so only the syntax is checked.
EMAIL_MAX_CHARS = 320
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=EMAIL_MAX_CHARS),
    AfterValidator(_email),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": EMAIL_MAX_CHARS}),
]


Skill = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[a-z0-9_\-]{1,40}$")
]
Skills = Annotated[list[Skill], Field(max_length=20)]


def _refused(value: Any) -> str | None:
    """Why a request body may not hold ``value``, or None."""
    if isinstance(value, str):
        return "may not contain the NUL character (\\u0000)" if "\x00" in value else None
    if isinstance(value, date):  # a datetime too, in UTC by now (Timestamp)
        day = value.date() if isinstance(value, datetime) else value
        if not _in_range(day):
            return f"must be from {EARLIEST_DAY} to {LATEST_DAY} in UTC, got {value.isoformat()}"
        return None
    if isinstance(value, time):  # a shift's start, a break window: a wall clock
        if value.tzinfo is not None:
            return "a local time without an offset (the organisation's zone), e.g. 08:00"
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return next((why for item in value if (why := _refused(item))), None)
    if isinstance(value, dict):
        items = (why for pair in value.items() for part in pair if (why := _refused(part)))
        return next(items, None)
    return None  # a nested Input checks its own fields


class Input(BaseModel):
    """Base of request bodies: unknown fields are refused so typos do not pass silently.
    So is text holding the NUL character, which PostgreSQL cannot store (SQLite would:
    the same request worked on one backend and crashed on the other), a time outside
    1970 to 2199, which later turns into a day in some zone and overflows, and a time
    of day with an offset (a shift's start is the organisation's wall clock; PostgreSQL
    refused an offset beyond ±15:59 with a 500)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        why = _refused(value)
        if why is not None:
            raise ValueError(why)
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The OpenAPI document shows a ``not_null`` field as never null, as it is read."""
        schema = handler(core_schema)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for field in properties.values():
            _document_decimal_text(field)
        for name in _kept_fields(cls):
            field = properties.get(name, {})
            field.pop("default", None)  # left out, it keeps its value; it is not null
            kinds = [kind for kind in field.get("anyOf", []) if kind != {"type": "null"}]
            if len(kinds) == 1:
                del field["anyOf"]
                field.update(kinds[0])
            elif kinds:
                field["anyOf"] = kinds
        return schema


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
