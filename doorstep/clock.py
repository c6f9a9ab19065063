"""The operations clock: what time it is for fixes, ETAs, order events and sweeps.

Real UTC time, except while ``doorstep demo`` (or a test) runs a simulated day faster
than real time: then the whole process must agree on the simulated time, or every fix
would be "from the future" and every ETA wrong. Security clocks (login sessions, API
key expiry) never use this; they read real time.

Pure code (domain, pipeline, eta, planning) never reads a clock: time is a parameter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

Clock = Callable[[], datetime]


def real_now() -> datetime:
    return datetime.now(UTC)


_clock: Clock = real_now


def now() -> datetime:
    """The operations time, aware UTC."""
    return _clock()


def use(clock: Clock | None) -> None:
    """Make ``clock`` the operations clock of this process (None: real time again)."""
    global _clock
    _clock = clock or real_now


class ScaledClock:
    """Time that starts at ``start`` and runs ``speed`` times faster than real time."""

    def __init__(self, start: datetime, speed: float) -> None:
        if start.tzinfo is None:
            raise ValueError("the clock's start must be timezone-aware")
        if speed <= 0:
            raise ValueError("the clock's speed must be positive")
        self.start = start.astimezone(UTC)
        self.speed = speed
        self._origin = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)

    def wall_seconds_until(self, moment: datetime) -> float:
        """Real seconds to wait until the clock shows ``moment`` (0 if past)."""
        return max(0.0, (moment - self()).total_seconds() / self.speed)
