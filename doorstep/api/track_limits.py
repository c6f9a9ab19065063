"""Rate limits on public tracking lookups, shared by the JSON API and the pages.

Two token buckets, both in this process's memory (several API processes each count
their own; a restart forgets):

* per client address: every lookup, found or not, spends a token (burst
  ``DOORSTEP_TRACK_RATE_BURST``, then ``DOORSTEP_TRACK_RATE_PER_MINUTE``), so tracking
  codes cannot be enumerated;
* per tracking code: a wrong or missing postcode/phone check spends one of
  ``CHECK_BURST`` tokens, refilled at ``CHECK_PER_HOUR``, so four phone digits cannot
  be guessed from many addresses either.

The client address is the connection's peer. Behind a reverse proxy, run uvicorn with
``--proxy-headers --forwarded-allow-ips=<the proxy>`` so that is the real client.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from doorstep.domain.errors import TooManyRequests
from doorstep.domain.rate_limit import KeyedBuckets
from doorstep.domain.tracking_rules import parse_code
from doorstep.services.track import CheckFailed

CHECK_BURST = 10
CHECK_PER_HOUR = 10.0


class TrackGuard:
    def __init__(self, burst: int, per_minute: float) -> None:
        self.lookups = KeyedBuckets(burst, per_minute / 60.0)
        self.checks = KeyedBuckets(CHECK_BURST, CHECK_PER_HOUR / 3600.0)

    def admit(self, client: str, code: str | None = None) -> None:
        """Spend one lookup of ``client``; refuse a code whose checks keep failing."""
        now = time.monotonic()
        wait = self.lookups.take(client, now)
        if wait > 0:
            raise TooManyRequests(
                f"too many tracking lookups from your address; try again in {_seconds(wait)} s",
                wait,
            )
        parsed = parse_code(code) if code is not None else None
        if parsed is not None:
            locked = self.checks.wait(parsed, now)
            if locked > 0:
                raise TooManyRequests(
                    f"too many wrong checks for this tracking code; try again in "
                    f"{_seconds(locked)} s",
                    locked,
                )

    def wrong_check(self, code: str) -> None:
        """``code`` as ``open_code`` parsed it, so spellings of one code share a bucket."""
        self.checks.take(code, time.monotonic())


def _seconds(wait: float) -> int:
    return max(1, int(wait + 0.999))


def guard_of(app: FastAPI) -> TrackGuard:
    """The application's guard, made from its settings on first use."""
    guard: TrackGuard | None = getattr(app.state, "track_guard", None)
    if guard is None:
        settings = app.state.runtime.settings
        guard = TrackGuard(settings.track_rate_burst, settings.track_rate_per_minute)
        app.state.track_guard = guard
    return guard


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def admit_tracking(request: Request, code: str | None = None) -> TrackGuard:
    """For pages: count one lookup of this request's client (429 past the limit)."""
    guard = guard_of(request.app)
    guard.admit(client_address(request), code)
    return guard


def limit_tracking(request: Request) -> Iterator[None]:
    """Dependency of every ``/track/{tracking_code}`` operation: one lookup spent per
    request, and a failed check counted against its code."""
    code = request.path_params.get("tracking_code")
    guard = admit_tracking(request, code if isinstance(code, str) else None)
    try:
        yield
    except CheckFailed as failed:
        guard.wrong_check(failed.code)
        raise


TrackLimited = Annotated[None, Depends(limit_tracking, scope="function")]
