"""The scale-out bus: Redis pub/sub, one channel per organisation, so several API and
worker processes hear the same events."""

from __future__ import annotations

from collections.abc import AsyncIterator

import redis
import redis.asyncio as aioredis

from doorstep.bus.base import ALL_ORGS, Bus, Event, Subscription, matches

PREFIX = "doorstep:events:"


def channel(org_id: str) -> str:
    return f"{PREFIX}{org_id}"


class _RedisSubscription(Subscription):
    def __init__(self, client: aioredis.Redis, org_id: str, topics: tuple[str, ...]) -> None:
        self.client = client
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        self.org_id = org_id
        self.topics = topics

    async def start(self) -> None:
        if self.org_id == ALL_ORGS:
            await self.pubsub.psubscribe(f"{PREFIX}*")
        else:
            await self.pubsub.subscribe(channel(self.org_id))

    async def __aiter__(self) -> AsyncIterator[Event]:
        async for message in self.pubsub.listen():
            if message.get("type") not in ("message", "pmessage"):
                continue
            event = Event.from_json(message["data"])
            if matches(event.topic, self.topics):
                yield event

    async def close(self) -> None:
        await self.pubsub.aclose()
        await self.client.aclose()


class RedisBus(Bus):
    def __init__(self, url: str) -> None:
        self.url = url
        self._client = redis.Redis.from_url(url)

    def ping(self) -> None:
        self._client.ping()

    def publish(self, event: Event) -> None:
        self._client.publish(channel(event.org_id), event.to_json())

    async def subscribe(
        self, org_id: str, topics: tuple[str, ...] = (), *, backlog: int = 1000
    ) -> Subscription:
        """``backlog`` is the in-process bus's; Redis buffers for a slow reader itself."""
        sub = _RedisSubscription(aioredis.Redis.from_url(self.url), org_id, topics)
        await sub.start()
        return sub

    def close(self) -> None:
        self._client.close()
