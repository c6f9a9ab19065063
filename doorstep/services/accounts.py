"""Organisations, users, passwords, API keys: who may act, and as whom."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from doorstep.domain.codes import hash_api_key, new_api_key
from doorstep.domain.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthorized
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Role, capped
from doorstep.schemas.accounts import (
    ApiKeyCreate,
    OrganisationUpdate,
    UserCreate,
    UserUpdate,
)
from doorstep.schemas.telemetry import TelemetrySettings, effective_settings
from doorstep.schemas.track import TrackingSettings
from doorstep.storage import repository as repo
from doorstep.storage.tables import ApiKey, Driver, LoginSession, Organisation, User
from doorstep.storage.tables.base import utcnow

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
# Verifying against this keeps a login for an unknown email as slow as a wrong password.
_dummy_hash = _hasher.hash("doorstep-timing-equaliser")


def use_password_hasher(hasher: PasswordHasher) -> None:
    """Swap the hashing cost (the test suite uses argon2's cheapest profile)."""
    global _hasher, _dummy_hash
    _hasher = hasher
    _dummy_hash = hasher.hash("doorstep-timing-equaliser")


LAST_USED_RESOLUTION = timedelta(minutes=5)


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:60] or "org"


def create_organisation(
    session: Session,
    name: str,
    admin_email: str,
    *,
    admin_password: str | None = None,
    timezone: str = "UTC",
) -> tuple[Organisation, User, str]:
    """A new organisation, its first admin, and an admin API key (shown once)."""
    name = name.strip()
    if not name:
        raise InvalidInput([FieldError(("name",), "an organisation needs a name")])
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    org = Organisation(name=name, slug=slug, timezone=timezone, settings={})
    session.add(org)
    session.flush()
    system = Principal(org.id, Role.ADMIN, "system", None, "doorstep")
    user = create_user(
        session,
        system,
        UserCreate(
            email=admin_email, name="Administrator", role=Role.ADMIN, password=admin_password
        ),
    )
    _, key = create_api_key(
        session,
        system,
        ApiKeyCreate(name="admin (created with the org)", role=Role.ADMIN, user_id=user.id),
    )
    return org, user, key


def get_organisation(session: Session, principal: Principal) -> Organisation:
    org = session.get(Organisation, principal.org_id)
    if org is None:  # deleted while a key was still in use
        raise Unauthorized("the organisation no longer exists")
    return org


def update_organisation(
    session: Session, principal: Principal, data: OrganisationUpdate
) -> Organisation:
    org = get_organisation(session, principal)
    for key, value in data.model_dump(exclude_unset=True).items():
        setattr(org, key, value)
    session.flush()
    return org


def telemetry_settings(session: Session, principal: Principal) -> dict[str, Any]:
    """The organisation's detector thresholds: what it overrode and what is in force."""
    return _telemetry(get_organisation(session, principal))


def set_telemetry_settings(
    session: Session, principal: Principal, data: TelemetrySettings
) -> dict[str, Any]:
    """Replace every override at once (PUT): a threshold left out is the default again."""
    org = get_organisation(session, principal)
    org.telemetry_settings = data.stored()
    session.flush()
    return _telemetry(org)


def _telemetry(org: Organisation) -> dict[str, Any]:
    overrides = TelemetrySettings.model_validate(org.telemetry_settings or {})
    return {
        "org_id": org.id,
        "overrides": overrides,
        "effective": effective_settings(overrides),
    }


# Where the tracking settings live inside ``organisations.settings``.
TRACKING_KEY = "tracking"


def tracking_settings(session: Session, principal: Principal) -> dict[str, Any]:
    """What the public tracking view shows and offers (defaults where unset)."""
    org = get_organisation(session, principal)
    return {"org_id": org.id, **organisation_tracking(org).model_dump()}


def set_tracking_settings(
    session: Session, principal: Principal, data: TrackingSettings
) -> dict[str, Any]:
    """Replace them all at once (PUT); the rest of ``settings`` is left alone."""
    org = get_organisation(session, principal)
    # A new dict: the JSON column does not notice changes made inside the old one.
    org.settings = {**(org.settings or {}), TRACKING_KEY: data.model_dump(mode="json")}
    session.flush()
    return {"org_id": org.id, **data.model_dump()}


def organisation_tracking(org: Organisation) -> TrackingSettings:
    """The organisation's tracking settings, validated again on the way out."""
    return TrackingSettings.model_validate((org.settings or {}).get(TRACKING_KEY) or {})


# -- users -------------------------------------------------------------------------


def create_user(session: Session, principal: Principal, data: UserCreate) -> User:
    email = str(data.email).lower()
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise Conflict(f"a user with email {email} already exists")
    user = User(
        org_id=principal.org_id,
        email=email,
        name=data.name,
        role=data.role.value,
        password_hash=_hasher.hash(data.password) if data.password else None,
    )
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, principal: Principal, user_id: uuid.UUID) -> User:
    return repo.get_owned(session, User, principal.org_id, user_id, "user")


def list_users(
    session: Session,
    principal: Principal,
    *,
    q: str | None,
    role: Role | None,
    limit: int,
    offset: int,
) -> tuple[list[User], int]:
    stmt = repo.owned(User, principal.org_id)
    if role is not None:
        stmt = stmt.where(User.role == role.value)
    if q:
        stmt = stmt.where(repo.text_search([User.email, User.name], q))
    return repo.page(session, stmt, limit, offset, (User.created_at, User.id))


def update_user(
    session: Session, principal: Principal, user_id: uuid.UUID, data: UserUpdate
) -> User:
    user = get_user(session, principal, user_id)
    changes = data.model_dump(exclude_unset=True)
    if user.id == principal.user_id and (
        changes.get("is_active") is False or changes.get("role", Role.ADMIN) != Role.ADMIN
    ):
        raise Conflict("you cannot demote or deactivate yourself; ask another admin")
    if "password" in changes:
        user.password_hash = _hasher.hash(changes.pop("password")) if data.password else None
        end_all_sessions(session, user.id)
    for key, value in changes.items():
        setattr(user, key, value.value if isinstance(value, Role) else value)
    if changes.get("is_active") is False:
        end_all_sessions(session, user.id)
        for api_key in session.scalars(
            select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
        ):
            api_key.revoked_at = utcnow()
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, now: datetime) -> User:
    user = session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    candidate = user.password_hash if user and user.password_hash else _dummy_hash
    try:
        _hasher.verify(candidate, password)
        ok = user is not None and user.password_hash is not None and user.is_active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        raise Unauthorized("wrong email or password")
    if _hasher.check_needs_rehash(candidate):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = now
    return user


def start_session(
    session: Session, user: User, now: datetime, max_age: timedelta, user_agent: str = ""
) -> LoginSession:
    session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at < now)
    )
    login = LoginSession(
        org_id=user.org_id,
        user_id=user.id,
        created_at=now,
        expires_at=now + max_age,
        user_agent=user_agent[:300],
    )
    session.add(login)
    session.flush()
    return login


def principal_for_session(session: Session, session_id: uuid.UUID, now: datetime) -> Principal:
    login = session.get(LoginSession, session_id)
    if login is None or login.expires_at <= now:
        raise Unauthorized("your session has ended; log in again")
    return principal_for_user(session, login.user_id)


def end_session(session: Session, session_id: uuid.UUID) -> None:
    session.execute(delete(LoginSession).where(LoginSession.id == session_id))


def end_all_sessions(session: Session, user_id: uuid.UUID) -> None:
    session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def principal_for_user(session: Session, user_id: uuid.UUID) -> Principal:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("your session has ended; log in again")
    return Principal(
        org_id=user.org_id,
        role=Role(user.role),
        actor_type="user",
        actor_id=str(user.id),
        name=user.name or user.email,
        user_id=user.id,
        driver_id=_driver_of(session, user.id),
    )


# -- API keys ------------------------------------------------------------------------


def create_api_key(
    session: Session, principal: Principal, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    if data.user_id is not None:
        user = repo.find_owned(session, User, principal.org_id, data.user_id)
        if user is None:  # a bad reference in the body, as in every other create: 422
            raise InvalidInput([FieldError(("body", "user_id"), f"no user with id {data.user_id}")])
        if data.role == Role.DRIVER and user.role != Role.DRIVER:
            raise InvalidInput(
                [FieldError(("body", "user_id"), "a driver key needs a driver user")]
            )
        if capped(data.role, Role(user.role)) != data.role:
            raise InvalidInput(
                [
                    FieldError(
                        ("body", "role"),
                        f"a key cannot have more rights than its user, who is {user.role}",
                    )
                ]
            )
    elif data.role == Role.DRIVER:
        raise InvalidInput(
            [FieldError(("body", "user_id"), "a driver key must name its driver user")]
        )
    key, prefix = new_api_key()
    row = ApiKey(
        org_id=principal.org_id,
        name=data.name,
        role=data.role.value,
        user_id=data.user_id,
        prefix=prefix,
        key_hash=hash_api_key(key),
    )
    session.add(row)
    session.flush()
    return row, key


def list_api_keys(
    session: Session, principal: Principal, *, limit: int, offset: int
) -> tuple[list[ApiKey], int]:
    stmt = repo.owned(ApiKey, principal.org_id)
    return repo.page(session, stmt, limit, offset, (ApiKey.created_at.desc(), ApiKey.id))


def revoke_api_key(session: Session, principal: Principal, key_id: uuid.UUID) -> ApiKey:
    row = repo.get_owned(session, ApiKey, principal.org_id, key_id, "API key")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    session.flush()
    return row


def principal_for_key(session: Session, key: str, now: datetime) -> tuple[Principal, bool]:
    """The key's principal, and whether its ``last_used_at`` is due for a refresh."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(key)))
    if row is None:
        raise Unauthorized("the API key is not valid")
    if row.revoked_at is not None:
        raise Unauthorized("the API key has been revoked")
    user = session.get(User, row.user_id) if row.user_id else None
    if row.user_id is not None and (user is None or not user.is_active):
        raise Unauthorized("the API key's user is no longer active")
    stale = row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION
    role = Role(row.role) if user is None else capped(Role(row.role), Role(user.role))
    principal = Principal(
        org_id=row.org_id,
        role=role,
        actor_type="api_key",
        actor_id=str(row.id),
        name=row.name,
        user_id=row.user_id,
        driver_id=_driver_of(session, row.user_id) if row.user_id else None,
    )
    return principal, stale


def touch_api_key(session: Session, key_id: uuid.UUID, now: datetime) -> None:
    session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))


def _driver_of(session: Session, user_id: uuid.UUID) -> uuid.UUID | None:
    return session.scalar(select(Driver.id).where(Driver.user_id == user_id))


def require_driver(principal: Principal) -> uuid.UUID:
    if principal.driver_id is None:
        raise NotFound("driver", principal.user_id)
    return principal.driver_id
