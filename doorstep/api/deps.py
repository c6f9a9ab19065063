"""Typed dependencies so a route's signature says what it needs: a session, the acting
principal, and the permission it must hold."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from doorstep.domain.errors import FieldError, Forbidden, InvalidInput, Unauthorized
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.services import accounts
from doorstep.storage.db import READ_ONLY
from doorstep.storage.repository import MAX_PAGE
from doorstep.storage.tables.base import utcnow
from doorstep.wiring import Runtime

SESSION_ID = "sid"


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response leaves."""
    with get_runtime(request).sessions.begin() as session:
        if request.method in READ_METHODS:
            session.connection(execution_options={READ_ONLY: True})
        yield session


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_principal(request: Request, session: SessionDep) -> Principal:
    header = request.headers.get("authorization")
    if header:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("use the header `Authorization: Bearer <API key>`")
        now = utcnow()
        principal, stale = accounts.principal_for_key(session, key.strip(), now)
        if stale and principal.actor_id:
            key_id = uuid.UUID(principal.actor_id)
            if request.method in READ_METHODS:
                # A reader holds no write lock; record the use in a transaction of its own.
                with get_runtime(request).sessions.begin() as writer:
                    accounts.touch_api_key(writer, key_id, now)
            else:
                accounts.touch_api_key(session, key_id, now)
    elif session_id := request.session.get(SESSION_ID):
        try:
            principal = accounts.principal_for_session(session, uuid.UUID(session_id), utcnow())
        except (ValueError, Unauthorized):
            request.session.clear()
            raise Unauthorized("your session has ended; log in again") from None
    else:
        raise Unauthorized(
            "authentication required: send `Authorization: Bearer <API key>` or log in"
        )
    request.state.principal = principal
    return principal


def require(permission: Permission) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not principal.can(permission):
            raise Forbidden(f"your role ({principal.role.value}) may not {_verb(permission)}")
        return principal

    return check


def require_any(
    *permissions: Permission, doing: str = "see this"
) -> Callable[[Principal], Principal]:
    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        if not any(principal.can(p) for p in permissions):
            raise Forbidden(f"your role ({principal.role.value}) may not {doing}")
        return principal

    return check


def _verb(permission: Permission) -> str:
    return {
        Permission.READ: "read the organisation's data",
        Permission.WRITE: "create or change data",
        Permission.MANAGE: "manage users, keys, organisation settings or drivers' pay",
        Permission.OWN_ROUTES: "see driver routes",
    }[permission]


AnyUser = Annotated[Principal, Depends(get_principal)]
Reader = Annotated[Principal, Depends(require(Permission.READ))]
Writer = Annotated[Principal, Depends(require(Permission.WRITE))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE))]
RouteReader = Annotated[Principal, Depends(require_any(Permission.READ, Permission.OWN_ROUTES))]
RouteDriver = Annotated[
    Principal,
    Depends(require_any(Permission.WRITE, Permission.OWN_ROUTES, doing="drive routes")),
]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=10_000_000, description="Rows to skip.")]
Search = Annotated[str | None, Query(max_length=200, description="Case-insensitive text search.")]


IF_MATCH_PATTERN = r'^\s*(\*|(W/)?"?[0-9]{1,9}"?)?\s*$'


def _if_match(
    if_match: Annotated[
        str | None,
        Header(
            description="The route's `revision` as you last read it: the change is refused "
            "(409, with what changed since) if someone else changed the route meanwhile.",
            # Documented, not enforced here: the check below names the header in words.
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> int | None:
    if if_match is None or if_match.strip() in ("", "*"):
        return None
    text = if_match.strip().removeprefix("W/").strip('"')
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput(
            [FieldError(("header", "If-Match"), "expected the route's revision, e.g. 3")],
            f"If-Match must be the route's revision number, not {if_match[:40]!r}",
        )
    return int(text)


IfMatch = Annotated[int | None, Depends(_if_match)]
