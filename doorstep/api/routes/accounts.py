"""Log in and out, the organisation's settings, users and API keys."""

from __future__ import annotations

import contextlib
import uuid
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response, status

from doorstep.api.deps import (
    SESSION_ID,
    AnyUser,
    Limit,
    Manager,
    Offset,
    Reader,
    Search,
    SessionDep,
)
from doorstep.domain.roles import Role
from doorstep.schemas.accounts import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    Login,
    Me,
    OrganisationPublic,
    OrganisationUpdate,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from doorstep.schemas.common import Page
from doorstep.schemas.telemetry import TelemetrySettings, TelemetrySettingsPublic
from doorstep.schemas.track import TrackingSettings, TrackingSettingsPublic
from doorstep.services import accounts as svc
from doorstep.storage.tables.base import utcnow

auth = APIRouter(prefix="/auth", tags=["auth"])
organisation = APIRouter(prefix="/organisation", tags=["organisation"])
users = APIRouter(prefix="/users", tags=["users"])
api_keys = APIRouter(prefix="/api-keys", tags=["api-keys"])


@auth.post("/login", response_model=Me)
def login(body: Login, request: Request, session: SessionDep) -> Any:
    """Email and password in; a signed session cookie out."""
    now = utcnow()
    user = svc.authenticate(session, str(body.email), body.password, now)
    settings = request.app.state.runtime.settings
    login = svc.start_session(
        session,
        user,
        now,
        timedelta(hours=settings.session_max_age_hours),
        request.headers.get("user-agent", ""),
    )
    request.session.clear()
    request.session[SESSION_ID] = str(login.id)
    return _me(session, svc.principal_for_user(session, user.id))


@auth.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout(request: Request, session: SessionDep) -> Response:
    """End this login on the server; the cookie is worthless afterwards."""
    session_id = request.session.get(SESSION_ID)
    if session_id:
        with contextlib.suppress(ValueError):
            svc.end_session(session, uuid.UUID(session_id))
    request.session.clear()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@auth.get("/me", response_model=Me)
def me(session: SessionDep, who: AnyUser) -> Any:
    """Who the request acts as, in which organisation."""
    return _me(session, who)


def _me(session: Any, who: Any) -> dict[str, Any]:
    return {
        "organisation": svc.get_organisation(session, who),
        "role": who.role,
        "actor_type": who.actor_type,
        "name": who.name,
        "user_id": who.user_id,
        "driver_id": who.driver_id,
    }


@organisation.get("", response_model=OrganisationPublic)
def get_organisation(session: SessionDep, who: AnyUser) -> Any:
    return svc.get_organisation(session, who)


@organisation.patch("", response_model=OrganisationPublic)
def update_organisation(body: OrganisationUpdate, session: SessionDep, who: Manager) -> Any:
    return svc.update_organisation(session, who, body)


@organisation.get("/telemetry-settings", response_model=TelemetrySettingsPublic)
def get_telemetry_settings(session: SessionDep, who: Reader) -> Any:
    """The detectors' thresholds: the organisation's overrides and what is in force."""
    return svc.telemetry_settings(session, who)


@organisation.put("/telemetry-settings", response_model=TelemetrySettingsPublic)
def put_telemetry_settings(body: TelemetrySettings, session: SessionDep, who: Manager) -> Any:
    """Replace the overrides; a threshold left out goes back to its default. `{}`
    resets them all. Unknown detectors or fields are refused."""
    return svc.set_telemetry_settings(session, who, body)


@organisation.get("/tracking-settings", response_model=TrackingSettingsPublic)
def get_tracking_settings(session: SessionDep, who: Reader) -> Any:
    """What the public tracking view shows recipients and offers them."""
    return svc.tracking_settings(session, who)


@organisation.put("/tracking-settings", response_model=TrackingSettingsPublic)
def put_tracking_settings(body: TrackingSettings, session: SessionDep, who: Manager) -> Any:
    """Replace them all; a field left out is its default again. Unknown fields are
    refused."""
    return svc.set_tracking_settings(session, who, body)


@users.post("", status_code=status.HTTP_201_CREATED, response_model=UserPublic)
def create_user(body: UserCreate, session: SessionDep, who: Manager) -> Any:
    return svc.create_user(session, who, body)


@users.get("", response_model=Page[UserPublic])
def list_users(
    session: SessionDep,
    who: Manager,
    role: Role | None = None,
    q: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    rows, total = svc.list_users(session, who, q=q, role=role, limit=limit, offset=offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@users.get("/{user_id}", response_model=UserPublic)
def get_user(user_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    return svc.get_user(session, who, user_id)


@users.patch("/{user_id}", response_model=UserPublic)
def update_user(user_id: uuid.UUID, body: UserUpdate, session: SessionDep, who: Manager) -> Any:
    """Change a user; deactivating one also revokes their API keys."""
    return svc.update_user(session, who, user_id, body)


@api_keys.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, session: SessionDep, who: Manager) -> Any:
    """A new key, shown once in `key`; only its hash is kept."""
    row, key = svc.create_api_key(session, who, body)
    return {**ApiKeyPublic.model_validate(row).model_dump(), "key": key}


@api_keys.get("", response_model=Page[ApiKeyPublic])
def list_api_keys(session: SessionDep, who: Manager, limit: Limit = 50, offset: Offset = 0) -> Any:
    rows, total = svc.list_api_keys(session, who, limit=limit, offset=offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@api_keys.delete("/{key_id}", response_model=ApiKeyPublic)
def revoke_api_key(key_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    """Revoke a key at once; it answers 401 from then on."""
    return svc.revoke_api_key(session, who, key_id)
