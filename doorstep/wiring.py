"""The composition root: picks the database and the bus from the settings and hands
the running parts to the API, the CLI and the workers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from doorstep.config import Settings
from doorstep.storage.db import make_engine, make_session_factory


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database)
    return Runtime(settings=settings, engine=engine, sessions=make_session_factory(engine))
