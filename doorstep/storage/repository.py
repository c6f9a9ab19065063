"""Query helpers that never forget the organisation.

Every function takes ``org_id`` and filters on it, so a row of another organisation
behaves exactly like a row that does not exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from doorstep.domain.errors import NotFound
from doorstep.storage.tables.base import OrgMixin

M = TypeVar("M", bound=OrgMixin)

MAX_PAGE = 500


def get_owned(session: Session, model: type[M], org_id: uuid.UUID, ident: Any, kind: str) -> M:
    row = session.get(model, ident) if isinstance(ident, uuid.UUID) else None
    if row is None or row.org_id != org_id:
        raise NotFound(kind, ident)
    return row


def find_owned(session: Session, model: type[M], org_id: uuid.UUID, ident: uuid.UUID) -> M | None:
    row = session.get(model, ident)
    return row if row is not None and row.org_id == org_id else None


def owned(model: type[M], org_id: uuid.UUID) -> Select[Any]:
    return select(model).where(model.org_id == org_id)


def page(
    session: Session, stmt: Select[Any], limit: int, offset: int, order_by: Sequence[Any]
) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = session.scalars(stmt.order_by(*order_by).limit(limit).offset(offset)).all()
    return list(rows), int(total or 0)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def text_search(columns: Sequence[Any], text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match over several columns, bound as a parameter."""
    pattern = f"%{escape_like(text.strip())}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
