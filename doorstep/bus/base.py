"""The bus interface and its event type."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened in one organisation. ``topic`` is dotted:
    ``order.created``, ``order.status_changed``."""

    org_id: str
    topic: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), default=str)

    @classmethod
    def from_json(cls, text: str | bytes) -> Event:
        raw = json.loads(text)
        return cls(org_id=raw["org_id"], topic=raw["topic"], data=raw.get("data", {}))


class Subscription(ABC):
    """Events of one organisation, in the order they were published."""

    @abstractmethod
    def __aiter__(self) -> AsyncIterator[Event]: ...

    @abstractmethod
    async def close(self) -> None: ...


class Bus(ABC):
    @abstractmethod
    def publish(self, event: Event) -> None:
        """Hand an event to every subscriber of its organisation. Safe from any thread;
        never blocks on a slow subscriber."""

    @abstractmethod
    async def subscribe(
        self, org_id: str, topics: tuple[str, ...] = (), *, backlog: int = 1000
    ) -> Subscription:
        """Listen to one organisation's events (``ALL_ORGS``: every organisation's, for
        workers), optionally only some topic prefixes. ``backlog``: how many unread
        events a slow in-process subscriber may fall behind before the oldest go (a live
        view wants the latest state; a worker asks for more)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


ALL_ORGS = "*"


def matches(topic: str, prefixes: tuple[str, ...]) -> bool:
    return not prefixes or any(topic == p or topic.startswith(p + ".") for p in prefixes)
