"""Alembic environment: the engine comes from Doorstep's settings or the caller."""

from __future__ import annotations

from alembic import context

from doorstep.storage.tables import Base

config = context.config


def _engine():  # type: ignore[no-untyped-def]
    engine = config.attributes.get("engine")
    if engine is None:
        from doorstep.config import load_settings
        from doorstep.storage.db import make_engine

        engine = make_engine(load_settings().database)
    return engine


def _sqlite_foreign_keys(connection, on: bool) -> None:  # type: ignore[no-untyped-def]
    # Batch mode rebuilds a SQLite table by copying it and dropping the original; with
    # foreign keys enforced, that DROP deletes (ON DELETE CASCADE) or unlinks (SET NULL)
    # every row that references it. The pragma only works outside a transaction, so it
    # goes to the driver connection, which runs in autocommit (storage.db).
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        if is_sqlite:
            _sqlite_foreign_keys(connection, on=False)
        try:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=is_sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                if is_sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            if connection.in_transaction():
                connection.commit()
        finally:
            if is_sqlite:
                if connection.in_transaction():
                    connection.rollback()
                _sqlite_foreign_keys(connection, on=True)


run_migrations_online()
