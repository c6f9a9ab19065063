"""Work that is due because time passed, not because something arrived: devices gone
quiet, maintenance coming due, finished days added up for reports. Each job runs in its
own transaction on a worker thread at its interval, as an asyncio task of the server; a
failing run is logged and counted and the job runs again at its next turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool

from doorstep import clock
from doorstep.wiring import Runtime

log = logging.getLogger("doorstep.periodic")
RUNS = Counter("doorstep_periodic_runs_total", "Periodic job runs.", ["job", "outcome"])


@dataclass(frozen=True)
class Job:
    name: str
    every_s: float
    run: Callable[[Runtime, datetime], object]


def _offline_sweep(runtime: Runtime, now: datetime) -> object:
    from doorstep.services.device_sweep import sweep_offline

    with runtime.sessions.begin() as session:
        return sweep_offline(session, runtime.tracker, now)


def _maintenance(runtime: Runtime, now: datetime) -> object:
    from doorstep.services.maintenance import assess_all

    with runtime.sessions.begin() as session:
        return assess_all(session, now)


def _close_days(runtime: Runtime, now: datetime) -> object:
    from doorstep.services.rollups import close_days

    return close_days(runtime.sessions, now, limits=runtime.tracker.limits)


JOBS: tuple[Job, ...] = (
    Job("offline_sweep", 30.0, _offline_sweep),
    Job("maintenance", 3600.0, _maintenance),
    Job("close_days", 600.0, _close_days),
)


async def run_jobs(runtime: Runtime, jobs: tuple[Job, ...] = JOBS) -> None:
    """Every job at its interval, until cancelled; the first runs start at once."""
    await asyncio.gather(*(_every(runtime, job) for job in jobs))


async def run_once(runtime: Runtime, job: Job, now: datetime | None = None) -> bool:
    """One run of one job; False (logged, counted) if it failed."""
    moment = now or clock.now()
    try:
        await run_in_threadpool(job.run, runtime, moment)
    except Exception:
        RUNS.labels(job.name, "error").inc()
        log.exception("periodic job %s failed", job.name)
        return False
    RUNS.labels(job.name, "ok").inc()
    return True


async def _every(runtime: Runtime, job: Job) -> None:
    while True:
        await run_once(runtime, job)
        await asyncio.sleep(job.every_s)
