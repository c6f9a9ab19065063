"""Group commit for tracker requests: one writer thread, one transaction for whatever
arrived while the previous one was being written.

A phone sends one fix per request; a transaction per request would spend most of the
server's time beginning and committing (and, on SQLite, waiting for the one writer
lock). Here each request waits on a future while the writer takes everything queued
(up to ``max_fixes`` bytes-worth of requests), decodes it, looks the devices up in one
query and stores it in one transaction; each request then gets its own result or
error. Under light load a group is a single request and nothing waits; under heavy load
the groups grow and the cost per request falls.

Nothing is acknowledged before its transaction commits. If a group's transaction fails,
the devices it touched are forgotten by the tracker (their pipeline memory is reloaded
from the store) and the requests are written again one by one, so one bad request
cannot lose another's fixes.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field

from prometheus_client import Histogram
from sqlalchemy.orm import Session, sessionmaker

from doorstep import clock
from doorstep.services.ingest import Outcome, TrackerRequest, ingest_requests
from doorstep.services.tracking import Tracker

log = logging.getLogger("doorstep.ingest_writer")
GROUP_SIZE = Histogram(
    "doorstep_ingest_group_requests",
    "Tracker requests written in one transaction.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
MAX_GROUP_BYTES = 4 * 2**20  # payload bytes per transaction


@dataclass
class _Job:
    request: TrackerRequest
    future: Future[Outcome] = field(default_factory=Future)


class IngestWriter:
    """Started on first use; ``close`` writes what is queued and stops the thread."""

    def __init__(self, sessions: sessionmaker[Session], tracker: Tracker) -> None:
        self._sessions = sessions
        self._tracker = tracker
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()
        self._closed = False

    def submit(self, request: TrackerRequest) -> Future[Outcome]:
        if self._closed:
            raise RuntimeError("the ingest writer is closed")
        if self._thread is None:
            with self._start:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._loop, name="doorstep-ingest-writer", daemon=True
                    )
                    self._thread.start()
        job = _Job(request)
        self._queue.put(job)
        return job.future

    async def send(self, request: TrackerRequest) -> Outcome:
        """The request's outcome once its transaction has committed (errors returned,
        not raised: the caller maps them to its protocol's answer)."""
        return await asyncio.wrap_future(self.submit(request))

    def close(self, timeout: float = 10.0) -> None:
        self._closed = True
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs, size, stop = [first], len(first.request.payload), False
            while size < MAX_GROUP_BYTES:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                jobs.append(job)
                size += len(job.request.payload)
            GROUP_SIZE.observe(len(jobs))
            self._write(jobs)
            if stop:
                return

    def _write(self, jobs: list[_Job]) -> None:
        try:
            with self._sessions.begin() as session:
                outcomes = ingest_requests(
                    session, self._tracker, [job.request for job in jobs], clock.now()
                )
        except Exception as exc:
            self._tracker.forget_all()  # memory may be ahead of what was committed
            if len(jobs) > 1:
                log.warning(
                    "a group of %d tracker requests failed (%s); one by one", len(jobs), exc
                )
                for job in jobs:
                    self._write([job])
                return
            log.exception("tracker request failed")
            jobs[0].future.set_exception(exc)
            return
        for job, outcome in zip(jobs, outcomes, strict=True):
            job.future.set_result(outcome)
