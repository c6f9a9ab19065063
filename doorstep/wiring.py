"""The composition root: picks the database and the bus from the settings and hands
the running parts to the API, the CLI and the workers."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from doorstep.bus import Bus, InProcessBus, RedisBus
from doorstep.config import Settings
from doorstep.roads.base import TravelTimeProvider
from doorstep.services import notifications, outbox, webhooks
from doorstep.services.events import PENDING
from doorstep.services.ingest_writer import IngestWriter
from doorstep.services.tracking import Tracker
from doorstep.storage.blobs import BlobStore, blob_store
from doorstep.storage.db import make_engine, make_session_factory

log = logging.getLogger("doorstep.wiring")


class BusUnavailable(Exception):
    """Redis was configured but does not answer."""


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    bus: Bus
    tracker: Tracker = field(default_factory=Tracker)
    _roads: TravelTimeProvider | None = field(default=None, repr=False)
    _writer: IngestWriter | None = field(default=None, repr=False)
    _roads_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _blobs: BlobStore | None = field(default=None, repr=False)
    # Set after a commit that wrote to the outbox: the sender looks at once.
    outbox_wake: threading.Event = field(default_factory=threading.Event, repr=False)

    @property
    def roads(self) -> TravelTimeProvider:
        """The travel-time provider, built on first use (parsing a network takes time)."""
        if self._roads is None:
            with self._roads_lock:
                if self._roads is None:
                    from doorstep.roads.factory import build_provider

                    provider = build_provider(self.settings)
                    self._bind_speed_limits(provider)
                    self._roads = provider
        return self._roads

    def use_roads(self, provider: TravelTimeProvider) -> None:
        self._bind_speed_limits(provider)
        self._roads = provider

    def _bind_speed_limits(self, provider: TravelTimeProvider) -> None:
        """An embedded network knows each road's legal limit: the live speeding
        detector uses it from now on. Bound here, once the network is built, never on
        a fix (building it takes seconds); its look-up arrays are built here too."""
        from doorstep.roads.embedded import EmbeddedProvider

        if isinstance(provider, EmbeddedProvider):
            provider.prepare_speed_limits()
            self.tracker.use_speed_limits(provider.speed_limit_kmh, provider.warm_speed_limits)
        else:
            self.tracker.use_speed_limits(None)

    @property
    def blobs(self) -> BlobStore:
        """Where proof files go: DOORSTEP_BLOB_URL (S3-compatible), else the data dir."""
        if self._blobs is None:
            self._blobs = blob_store(self.settings.blob_url, self.settings.data_dir)
        return self._blobs

    def use_blobs(self, store: BlobStore | None) -> None:
        self._blobs = store

    @property
    def writer(self) -> IngestWriter:
        """The one writer every tracker request goes through (group commit)."""
        if self._writer is None:
            with self._roads_lock:
                if self._writer is None:
                    self._writer = IngestWriter(self.sessions, self.tracker)
        return self._writer

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.bus.close()
        if self._roads is not None:
            self._roads.close()
        self.engine.dispose()


def build_bus(settings: Settings) -> Bus:
    if not settings.redis_url:
        return InProcessBus()
    bus = RedisBus(settings.redis_url)
    try:
        bus.ping()
    except RedisError as exc:
        bus.close()
        raise BusUnavailable(f"cannot reach Redis at {settings.redis_url}: {exc}") from None
    return bus


def build_runtime(settings: Settings) -> Runtime:
    engine = make_engine(settings.database)
    bus = build_bus(settings)
    sessions = make_session_factory(engine)
    connect_bus(sessions, bus)
    webhooks.connect(sessions)
    notifications.set_public_url(settings.public_url)
    runtime = Runtime(settings=settings, engine=engine, sessions=sessions, bus=bus)

    def wake_sender(session: Session) -> None:
        if session.info.pop(outbox.WAKE, False):
            runtime.outbox_wake.set()

    event.listen(sessions, "after_commit", wake_sender)
    return runtime


def connect_bus(sessions: sessionmaker[Session], bus: Bus) -> None:
    """Publish what a transaction queued once it has committed; forget it on rollback."""

    def after_commit(session: Session) -> None:
        for pending in session.info.pop(PENDING, []):
            try:
                bus.publish(pending)
            except Exception:  # the change is committed; a lost live update is not fatal
                log.exception("could not publish %s", pending.topic)

    def after_rollback(session: Session) -> None:
        session.info.pop(PENDING, None)

    event.listen(sessions, "after_commit", after_commit)
    event.listen(sessions, "after_rollback", after_rollback)
