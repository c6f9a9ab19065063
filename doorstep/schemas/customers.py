"""Recipients and how they want to hear from us."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import StringConstraints

from doorstep.schemas.common import Email, Input, Name, Output, Phone, Timestamp, not_null

Language = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
]
ExternalRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class CustomerCreate(Input):
    name: Name
    phone: Phone | None = None
    email: Email | None = None
    language: Language = "en"
    notify_sms: bool = True
    notify_email: bool = True
    external_ref: ExternalRef | None = None


class CustomerUpdate(Input):
    name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    language: Language | None = None
    notify_sms: bool | None = None
    notify_email: bool | None = None
    external_ref: ExternalRef | None = None

    _kept = not_null("name", "language", "notify_sms", "notify_email")


class CustomerPublic(Output):
    id: uuid.UUID
    name: str
    phone: str | None
    email: str | None
    language: str
    notify_sms: bool
    notify_email: bool
    external_ref: str | None
    created_at: Timestamp
    updated_at: Timestamp
