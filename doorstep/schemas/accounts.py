"""Organisations, users, API keys and logins."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from doorstep.domain.roles import Role
from doorstep.schemas.common import Email, Input, Name, Output, Timestamp, not_null


def _zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Helsinki)") from None
    return value


TimeZone = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_zone)]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class OrganisationPublic(Output):
    id: uuid.UUID
    name: str
    slug: str
    timezone: str
    country: str | None
    currency: str
    created_at: Timestamp


class OrganisationUpdate(Input):
    name: Name | None = None
    timezone: TimeZone | None = None
    country: Country | None = None
    currency: Currency | None = None

    _kept = not_null("name", "timezone", "country", "currency")


class UserCreate(Input):
    email: Email
    name: Name
    role: Role
    password: Password | None = Field(None, description="At least 10 characters.")


class UserUpdate(Input):
    name: Name | None = None
    role: Role | None = None
    password: Password | None = Field(None, description="null: sign-in by link only.")
    is_active: bool | None = None

    _kept = not_null("name", "role", "is_active")


class UserPublic(Output):
    id: uuid.UUID
    email: str
    name: str
    role: Role
    is_active: bool
    last_login_at: Timestamp | None
    created_at: Timestamp


class ApiKeyCreate(Input):
    name: Name
    role: Role = Role.DISPATCHER
    user_id: uuid.UUID | None = Field(
        None, description="Act as this user (required for driver keys)."
    )


class ApiKeyPublic(Output):
    id: uuid.UUID
    name: str
    role: Role
    prefix: str
    user_id: uuid.UUID | None
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="Shown once; only its hash is kept.")


class Login(Input):
    email: Email
    password: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class Me(Output):
    organisation: OrganisationPublic
    role: Role
    actor_type: str
    name: str
    user_id: uuid.UUID | None
    driver_id: uuid.UUID | None
