"""Migrations and column types behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    String,
    Uuid,
    column,
    create_engine,
    select,
    table,
    text,
)

from doorstep.storage.db import DatabaseUnavailable, make_engine, make_session_factory
from doorstep.storage.schema import migrate, schema_state
from doorstep.storage.tables import Organisation


def test_a_migrated_database_is_current(db):
    state = schema_state(db.engine)
    assert state.is_current and state.problem() is None


def test_an_empty_database_says_to_run_migrate(tmp_path):
    engine = make_engine(create_engine(f"sqlite:///{tmp_path / 'empty.db'}").url)
    problem = schema_state(engine).problem()
    assert problem is not None and "doorstep migrate" in problem


def test_migrating_twice_is_harmless(tmp_path):
    engine = make_engine(create_engine(f"sqlite:///{tmp_path / 'twice.db'}").url)
    assert migrate(engine).is_current
    assert migrate(engine).is_current


def test_a_newer_schema_is_refused_with_a_clear_message(tmp_path):
    engine = make_engine(create_engine(f"sqlite:///{tmp_path / 'newer.db'}").url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    state = schema_state(engine)
    assert not state.known
    assert "newer" in (state.problem() or "")
    with pytest.raises(DatabaseUnavailable, match="newer"):
        migrate(engine)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(create_engine(f"sqlite:///{tmp_path / 'wal.db'}").url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_an_unreachable_database_is_one_readable_error():
    engine = make_engine(create_engine("postgresql+psycopg://nobody@127.0.0.1:1/nothing").url)
    with pytest.raises(DatabaseUnavailable, match="cannot reach the database"):
        schema_state(engine)


def test_times_are_stored_in_utc_and_come_back_aware(db):
    helsinki = timezone(timedelta(hours=2))
    moment = datetime(2026, 11, 27, 10, 0, tzinfo=helsinki)
    with db.sessions.begin() as session:
        org = Organisation(name="T", slug="t-utc", settings={}, created_at=moment)
        session.add(org)
    with db.sessions.begin() as session:
        stored = session.scalar(select(Organisation.created_at).where(Organisation.slug == "t-utc"))
    assert stored == moment
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.hour == 8


def test_naive_times_are_refused_by_the_storage_layer(db):
    with pytest.raises(Exception, match="naive"), db.sessions.begin() as session:
        session.add(
            Organisation(name="N", slug="n-naive", settings={}, created_at=datetime(2026, 1, 1))
        )
        session.flush()


def test_utc_now_is_aware():
    from doorstep.storage.tables.base import utcnow

    assert utcnow().tzinfo is UTC


def test_the_migrations_build_exactly_the_tables_the_code_declares(db):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from doorstep.storage.tables import Base

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrading_keeps_rows_written_by_an_older_schema(fresh_database_url):
    from doorstep.config import parse_database_url

    engine = make_engine(parse_database_url(fresh_database_url))
    migrate(engine, "0001")
    # The tables as revision 0001 had them: written with plain SQL, since today's models
    # name columns that did not exist yet (vehicles.skills, organisations.telemetry_settings).
    old_organisations = table(
        "organisations",
        column("id", Uuid),
        column("name", String),
        column("slug", String),
        column("timezone", String),
        column("currency", String),
        column("settings", JSON),
        column("created_at", DateTime(timezone=True)),
    )
    old_vehicles = table(
        "vehicles",
        column("id", Uuid),
        column("org_id", Uuid),
        column("name", String),
        column("vehicle_type", String),
        column("fuel_type", String),
        column("active", Boolean),
        column("created_at", DateTime(timezone=True)),
        column("updated_at", DateTime(timezone=True)),
    )
    old_drivers = table(
        "drivers",
        column("id", Uuid),
        column("org_id", Uuid),
        column("name", String),
        column("vehicle_id", Uuid),
        column("active", Boolean),
        column("created_at", DateTime(timezone=True)),
        column("updated_at", DateTime(timezone=True)),
    )
    now = datetime(2026, 1, 1, tzinfo=UTC)
    org_id, vehicle_id = uuid.uuid4(), uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(
            old_organisations.insert().values(
                id=org_id,
                name="Old",
                slug=f"old-{org_id.hex[:8]}",
                timezone="UTC",
                currency="EUR",
                settings={},
                created_at=now,
            )
        )
        conn.execute(
            old_vehicles.insert().values(
                id=vehicle_id,
                org_id=org_id,
                name="v",
                vehicle_type="van",
                fuel_type="diesel",
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
        conn.execute(
            old_drivers.insert().values(
                id=uuid.uuid4(),
                org_id=org_id,
                name="d",
                vehicle_id=vehicle_id,
                active=True,
                created_at=now,
                updated_at=now,
            )
        )
    assert migrate(engine).is_current
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM vehicles")).scalar() == 1
        # SQLite rebuilds tables to alter them; the rebuild must not unlink what refers
        # to them (ON DELETE SET NULL) or delete it (CASCADE).
        linked = conn.execute(select(old_drivers.c.vehicle_id)).scalar_one()
        assert linked == vehicle_id
        vehicle = conn.execute(text("SELECT allowed_hours, designated_zone_id FROM vehicles"))
        assert tuple(vehicle.one()) == (None, None)
    with make_session_factory(engine)() as session:
        org = session.get(Organisation, org_id)
        assert org is not None and org.telemetry_settings == {}
    engine.dispose()
