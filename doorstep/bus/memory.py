"""The embedded bus: subscribers are asyncio queues in this process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

from doorstep.bus.base import ALL_ORGS, Bus, Event, Subscription, matches

QUEUE_SIZE = 1000


class _MemorySubscription(Subscription):
    def __init__(
        self, bus: InProcessBus, org_id: str, topics: tuple[str, ...], backlog: int
    ) -> None:
        self.bus = bus
        self.org_id = org_id
        self.topics = topics
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Event] = asyncio.Queue(backlog)
        self.dropped = 0

    def offer(self, event: Event) -> None:
        """Runs on the subscriber's loop. A full queue drops its oldest event: a live
        view wants the latest state, not a backlog."""
        if self.queue.full():
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            yield await self.queue.get()

    async def close(self) -> None:
        self.bus._remove(self)


class InProcessBus(Bus):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[_MemorySubscription] = []

    def publish(self, event: Event) -> None:
        with self._lock:
            targets = [
                s
                for s in self._subscribers
                if s.org_id in (event.org_id, ALL_ORGS) and matches(event.topic, s.topics)
            ]
        for sub in targets:
            if sub.loop.is_closed():
                continue
            sub.loop.call_soon_threadsafe(sub.offer, event)

    async def subscribe(
        self, org_id: str, topics: tuple[str, ...] = (), *, backlog: int = QUEUE_SIZE
    ) -> Subscription:
        sub = _MemorySubscription(self, org_id, topics, backlog)
        with self._lock:
            self._subscribers.append(sub)
        return sub

    def _remove(self, sub: _MemorySubscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)
