"""Token buckets per key (a client's address, a tracking code): a burst, then a steady
rate. Pure: the caller passes the time, so tests need no sleeping.

Kept in the process's memory: each API process counts on its own, and a restart forgets.
That is enough to make guessing tracking codes hopeless (80 random bits); it is not a
quota system.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class KeyedBuckets:
    """One bucket per key, holding at most ``burst`` tokens, refilled at ``per_second``.

    At most ``max_keys`` buckets are remembered; the least recently used go first (a
    forgotten key starts full again, which costs an attacker nothing they could not get
    from a new address anyway). Safe to share between threads.
    """

    def __init__(self, burst: float, per_second: float, *, max_keys: int = 100_000) -> None:
        if burst < 1 or per_second <= 0:
            raise ValueError("a bucket needs a burst of at least 1 and a positive rate")
        self.burst = float(burst)
        self.per_second = float(per_second)
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def _refilled(self, key: str, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(self.burst, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        else:
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.per_second)
            bucket.at = now
            self._buckets.move_to_end(key)
        return bucket

    def take(self, key: str, now: float, cost: float = 1.0) -> float:
        """Spend ``cost`` tokens: 0.0 when allowed, else the seconds until it would be."""
        with self._lock:
            bucket = self._refilled(key, now)
            if bucket.tokens >= cost:
                bucket.tokens -= cost
                return 0.0
            return (cost - bucket.tokens) / self.per_second

    def wait(self, key: str, now: float, cost: float = 1.0) -> float:
        """Like ``take`` without spending: 0.0 when ``cost`` tokens are there."""
        with self._lock:
            bucket = self._refilled(key, now)
            return 0.0 if bucket.tokens >= cost else (cost - bucket.tokens) / self.per_second
