"""Checks that ids named in a request point at rows of the same organisation."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.storage.repository import find_owned, owned
from doorstep.storage.tables.base import OrgMixin

M = TypeVar("M", bound=OrgMixin)


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


def load_listed(
    session: Session,
    org_id: uuid.UUID,
    model: type[M],
    ids: Sequence[uuid.UUID],
    *,
    field: str,
    kind: str,
    refuse: Callable[[M], str | None] = lambda _row: None,
    message: str = "the request is not valid",
) -> list[M]:
    """The rows a request lists by id, in its order (repeats dropped); 422 naming each
    position whose id is unknown here or whose row ``refuse`` gives a reason against."""
    wanted = list(dict.fromkeys(ids))
    found = {
        row.id: row for row in session.scalars(owned(model, org_id).where(model.id.in_(wanted)))
    }
    errors = []
    for index, ident in enumerate(wanted):
        row = found.get(ident)
        why = f"no {kind} with id {ident}" if row is None else refuse(row)
        if why:
            errors.append(FieldError(("body", field, index), why))
    if errors:
        raise InvalidInput(errors, message)
    return [found[ident] for ident in wanted]
