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


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=is_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()


run_migrations_online()
