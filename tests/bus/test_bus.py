"""The event bus, in-process and on a real Redis, and its link to committed changes."""

from __future__ import annotations

import asyncio
import os
import threading
import uuid

import pytest
import redis

from doorstep.bus import Event, InProcessBus, RedisBus
from tests.conftest import auth, order_body

REDIS_URL = os.environ.get("DOORSTEP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> None:
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as exc:
        if os.environ.get("DOORSTEP_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {exc}")


async def _collect(sub, n: int, timeout: float = 5.0) -> list[Event]:
    got: list[Event] = []

    async def take() -> None:
        async for event in sub:
            got.append(event)
            if len(got) == n:
                return

    await asyncio.wait_for(take(), timeout)
    return got


def test_in_process_subscribers_hear_only_their_organisation():
    async def scenario() -> list[Event]:
        bus = InProcessBus()
        mine = await bus.subscribe("org-a")
        bus.publish(Event("org-b", "order.created", {"n": 0}))
        bus.publish(Event("org-a", "order.created", {"n": 1}))
        events = await _collect(mine, 1)
        await mine.close()
        return events

    events = asyncio.run(scenario())
    assert [e.data["n"] for e in events] == [1]


def test_in_process_publish_is_safe_from_other_threads_and_keeps_order():
    async def scenario() -> list[Event]:
        bus = InProcessBus()
        sub = await bus.subscribe("org", topics=("order",))

        def worker() -> None:
            for i in range(100):
                bus.publish(Event("org", "order.status_changed", {"n": i}))
                bus.publish(Event("org", "vehicle.moved", {"n": -1}))

        thread = threading.Thread(target=worker)
        thread.start()
        events = await _collect(sub, 100)
        thread.join()
        return events

    assert [e.data["n"] for e in asyncio.run(scenario())] == list(range(100))


def test_redis_bus_carries_events_between_processes():
    _redis_or_skip()
    org = str(uuid.uuid4())

    async def scenario() -> list[Event]:
        listener, publisher = RedisBus(REDIS_URL), RedisBus(REDIS_URL)
        sub = await listener.subscribe(org, topics=("order",))
        publisher.publish(Event(str(uuid.uuid4()), "order.created", {"n": 0}))
        publisher.publish(Event(org, "vehicle.moved", {"n": -1}))
        publisher.publish(Event(org, "order.created", {"n": 1}))
        events = await _collect(sub, 1)
        await sub.close()
        listener.close()
        publisher.close()
        return events

    assert [e.data["n"] for e in asyncio.run(scenario())] == [1]


def test_unreachable_redis_is_one_clear_error(tmp_path):
    from doorstep.config import load_settings
    from doorstep.wiring import BusUnavailable, build_runtime

    settings = load_settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(BusUnavailable, match="cannot reach Redis"):
        build_runtime(settings)


def _listen(runtime, org_id):
    """Subscribe on a private loop in a thread; return (events, stop)."""
    events: list[Event] = []
    ready = threading.Event()
    loop = asyncio.new_event_loop()

    async def run() -> None:
        sub = await runtime.bus.subscribe(str(org_id))
        ready.set()
        async for event in sub:
            events.append(event)

    thread = threading.Thread(target=lambda: loop.run_until_complete(run()), daemon=True)
    thread.start()
    ready.wait(5)

    def settle() -> list[Event]:
        # let call_soon_threadsafe callbacks run
        asyncio.run_coroutine_threadsafe(asyncio.sleep(0.05), loop).result(5)
        return events

    return settle


def test_committed_order_changes_are_published(client, db, org_a):
    settle = _listen(db, org_a.id)
    created = client.post("/api/v1/orders", json=order_body(), headers=auth(org_a.admin)).json()
    client.post(
        f"/api/v1/orders/{created['id']}/status",
        json={"status": "cancelled", "reason": "x"},
        headers=auth(org_a.admin),
    )
    events = settle()
    assert [e.topic for e in events] == ["order.created", "order.status_changed"]
    assert events[1].data["to_status"] == "cancelled"
    assert events[1].data["tracking_code"] == created["tracking_code"]


def test_refused_changes_publish_nothing(client, db, org_a):
    settle = _listen(db, org_a.id)
    created = client.post("/api/v1/orders", json=order_body(), headers=auth(org_a.admin)).json()
    bad = client.post(
        f"/api/v1/orders/{created['id']}/status",
        json={"status": "delivered"},
        headers=auth(org_a.admin),
    )
    assert bad.status_code == 409
    route = client.post(
        "/api/v1/routes",
        json={
            "date": "2026-11-27",
            "stops": [{"order_id": created["id"]}, {"order_id": str(uuid.uuid4())}],
        },
        headers=auth(org_a.admin),
    )
    assert route.status_code == 422
    assert [e.topic for e in settle()] == ["order.created"]
