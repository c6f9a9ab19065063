"""Checks that ids named in a request point at rows of the same organisation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.storage.repository import find_owned
from doorstep.storage.tables.base import OrgMixin


def check_references(
    session: Session,
    org_id: uuid.UUID,
    values: Mapping[str, Any],
    references: Mapping[str, tuple[type[OrgMixin], str]],
) -> None:
    """Refuse with 422 naming each field whose id is unknown in this organisation.

    Another organisation's id gets the same answer as a made-up one.
    """
    errors = []
    for field, (model, kind) in references.items():
        ident = values.get(field)
        if ident is not None and find_owned(session, model, org_id, ident) is None:
            errors.append(FieldError(("body", field), f"no {kind} with id {ident}"))
    if errors:
        raise InvalidInput(errors)
