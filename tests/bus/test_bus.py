"""The event bus, in-process and on a real Redis, and its link to committed changes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import uuid

import pytest
import redis

from doorstep.bus import ALL_ORGS, Event, InProcessBus, RedisBus
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


def test_a_worker_hears_every_organisation_on_both_buses():
    async def scenario(bus) -> list[str]:
        everyone = await bus.subscribe(ALL_ORGS, topics=("stop",), backlog=10_000)
        a, b = str(uuid.uuid4()), str(uuid.uuid4())
        bus.publish(Event(a, "stop.arrived", {}))
        bus.publish(Event(b, "order.created", {}))
        bus.publish(Event(b, "stop.completed", {}))
        events = await _collect(everyone, 2)
        await everyone.close()
        return [f"{e.org_id == a}:{e.topic}" for e in events]

    expected = ["True:stop.arrived", "False:stop.completed"]
    assert asyncio.run(scenario(InProcessBus())) == expected
    _redis_or_skip()
    redis_bus = RedisBus(REDIS_URL)
    try:
        assert asyncio.run(scenario(redis_bus)) == expected
    finally:
        redis_bus.close()


def test_unreachable_redis_is_one_clear_error(tmp_path):
    from doorstep.config import load_settings
    from doorstep.wiring import BusUnavailable, build_runtime

    settings = load_settings(data_dir=tmp_path, redis_url="redis://127.0.0.1:1/0")
    with pytest.raises(BusUnavailable, match="cannot reach Redis"):
        build_runtime(settings)


@pytest.fixture
def listen(db):
    """Subscribe to an organisation on a private event loop; unsubscribed after the test."""
    loops: list[tuple[asyncio.AbstractEventLoop, threading.Thread, list]] = []

    def start(org_id) -> list[Event]:
        events: list[Event] = []
        subs: list = []
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        async def run() -> None:
            sub = await db.bus.subscribe(str(org_id))
            subs.append(sub)
            ready.set()
            async for event in sub:
                events.append(event)

        def runner() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                loop.run_until_complete(run())
            loop.close()

        thread = threading.Thread(target=runner, daemon=True)
        thread.start()
        ready.wait(5)
        loops.append((loop, thread, subs))
        return events

    yield start
    for loop, thread, subs in loops:
        for sub in subs:
            asyncio.run_coroutine_threadsafe(sub.close(), loop).result(5)
        for task in asyncio.all_tasks(loop):
            loop.call_soon_threadsafe(task.cancel)
        thread.join(5)


def settle(events: list[Event], n: int) -> list[Event]:
    """Wait briefly for n events (publishing hops threads), then a little for extras."""
    import time

    deadline = time.monotonic() + 5
    while len(events) < n and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)
    return list(events)


def test_committed_order_changes_are_published(client, listen, org_a):
    heard = listen(org_a.id)
    created = client.post("/api/v1/orders", json=order_body(), headers=auth(org_a.admin)).json()
    client.post(
        f"/api/v1/orders/{created['id']}/status",
        json={"status": "cancelled", "reason": "x"},
        headers=auth(org_a.admin),
    )
    events = settle(heard, 2)
    assert [e.topic for e in events] == ["order.created", "order.status_changed"]
    assert events[1].data["to_status"] == "cancelled"
    assert events[1].data["tracking_code"] == created["tracking_code"]


def test_refused_changes_publish_nothing(client, listen, org_a):
    heard = listen(org_a.id)
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
    assert [e.topic for e in settle(heard, 1)] == ["order.created"]
