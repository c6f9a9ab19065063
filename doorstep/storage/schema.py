"""Alembic, driven from code: apply migrations and tell whether a database is current."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from doorstep.storage.db import DatabaseUnavailable, describe

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@dataclass(frozen=True)
class SchemaState:
    current: str | None
    head: str
    known: bool

    @property
    def is_current(self) -> bool:
        return self.current == self.head

    def problem(self) -> str | None:
        """A sentence saying what is wrong and what to run, or None when current."""
        if self.is_current:
            return None
        if self.current is None:
            return "the database has no Doorstep schema yet: run `doorstep migrate`"
        if not self.known:
            return (
                f"the database schema ({self.current}) is newer than this Doorstep "
                f"({self.head}): upgrade Doorstep"
            )
        return (
            f"the database schema ({self.current}) is behind this Doorstep "
            f"({self.head}): run `doorstep migrate`"
        )


@functools.cache
def _scripts() -> ScriptDirectory:
    """The migration scripts shipped with this code; read once, they do not change."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def schema_state(engine: Engine) -> SchemaState:
    script = _scripts()
    head = script.get_current_head()
    assert head is not None
    try:
        with engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except OperationalError as exc:
        raise DatabaseUnavailable(
            f"cannot reach the database at {describe(engine.url)}: {_first_line(exc)}"
        ) from None
    known = current is None or _revision_known(script, current)
    return SchemaState(current=current, head=head, known=known)


def migrate(engine: Engine, revision: str = "head") -> SchemaState:
    state = schema_state(engine)
    if not state.known:
        raise DatabaseUnavailable(state.problem() or "unknown schema")
    try:
        command.upgrade(alembic_config(engine), revision)
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"migration failed: {_first_line(exc)}") from None
    return schema_state(engine)


def _revision_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
