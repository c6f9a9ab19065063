"""Accounts at the service level: passwords, keys, organisations."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from doorstep.domain.errors import Unauthorized
from doorstep.domain.roles import Role
from doorstep.services import accounts
from doorstep.storage.tables import ApiKey, User
from doorstep.storage.tables.base import utcnow


def test_passwords_are_stored_as_argon2id_hashes(db, org_a):
    with db.sessions.begin() as session:
        user = session.scalar(select(User).where(User.email == org_a.admin_email))
        assert user.password_hash.startswith("$argon2id$")
        assert org_a.admin_password not in user.password_hash


def test_api_keys_are_stored_only_as_hashes(db, org_a):
    with db.sessions.begin() as session:
        stored = [(k.key_hash, k.prefix) for k in session.scalars(select(ApiKey))]
    assert all(org_a.admin != h and org_a.admin != p for h, p in stored)
    assert any(org_a.admin.startswith(p) for _, p in stored)


def test_authenticate_accepts_the_right_password_only(db, org_a):
    with db.sessions.begin() as session:
        assert (
            accounts.authenticate(
                session, org_a.admin_email.upper(), org_a.admin_password, utcnow()
            ).role
            == "admin"
        )
        with pytest.raises(Unauthorized, match="wrong email or password"):
            accounts.authenticate(session, org_a.admin_email, "wrong", utcnow())
        with pytest.raises(Unauthorized, match="wrong email or password"):
            accounts.authenticate(session, "nobody@nowhere.test", "wrong", utcnow())


def test_key_use_is_recorded_at_most_every_few_minutes(db, org_a):
    now = utcnow()
    with db.sessions.begin() as session:
        principal, stale = accounts.principal_for_key(session, org_a.viewer, now)
        assert stale and principal.role is Role.VIEWER
        accounts.touch_api_key(session, uuid.UUID(principal.actor_id), now)
    with db.sessions.begin() as session:
        assert (
            accounts.principal_for_key(session, org_a.viewer, now + timedelta(minutes=1))[1]
            is False
        )
        assert (
            accounts.principal_for_key(session, org_a.viewer, now + timedelta(minutes=6))[1] is True
        )


def test_organisation_slugs_stay_unique(db):
    with db.sessions.begin() as session:
        first, _, _ = accounts.create_organisation(session, "Same Name", "a@same.test")
        second, _, _ = accounts.create_organisation(session, "Same Name", "b@same.test")
    assert first.slug == "same-name" and second.slug == "same-name-2"
