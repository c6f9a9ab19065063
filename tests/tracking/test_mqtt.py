"""OwnTracks over MQTT, through a real Mosquitto broker."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
import uuid

import aiomqtt
import pytest

from doorstep.workers.mqtt_owntracks import handle, listen
from tests.conftest import auth

MQTT_URL = os.environ.get("DOORSTEP_TEST_MQTT_URL", "mqtt://127.0.0.1:1883")
MESSAGE = {
    "_type": "location",
    "lat": 48.85833,
    "lon": 2.29513,
    "tst": 1497349316,
    "vel": 61,
    "cog": 271,
    "acc": 5,
    "batt": 67,
    "tid": "JJ",
    "t": "u",
}


def _broker_or_skip() -> None:
    try:
        socket.create_connection(("127.0.0.1", 1883), timeout=1).close()
    except OSError as exc:
        if os.environ.get("DOORSTEP_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"no MQTT broker on 127.0.0.1:1883: {exc}")
        pytest.skip(f"no MQTT broker on 127.0.0.1:1883: {exc}")


def _device(client, org, identifier):
    vehicle = client.post("/api/v1/vehicles", json={"name": "Van"}, headers=auth(org.admin)).json()
    response = client.post(
        "/api/v1/devices",
        json={"identifier": identifier, "vehicle_id": vehicle["id"]},
        headers=auth(org.admin),
    )
    assert response.status_code == 201, response.text
    return vehicle


def _fixes(client, org, vehicle):
    return client.get(
        f"/api/v1/vehicles/{vehicle['id']}/positions",
        params={"since": "2017-01-01T00:00:00Z", "until": "2018-01-01T00:00:00Z"},
        headers=auth(org.admin),
    ).json()


def test_a_message_on_a_devices_topic_is_stored_through_the_pipeline(client, org_a, db):
    _broker_or_skip()
    user = f"u{uuid.uuid4().hex[:8]}"
    vehicle = _device(client, org_a, f"{user}/phone")

    async def scenario() -> None:
        ready = asyncio.Event()
        listener = asyncio.create_task(listen(db, MQTT_URL, f"owntracks/{user}/+", ready))
        await asyncio.wait_for(ready.wait(), 10)
        async with aiomqtt.Client("127.0.0.1", 1883) as publisher:
            await publisher.publish(f"owntracks/{user}/phone", json.dumps(MESSAGE), qos=1)
            await publisher.publish(f"owntracks/{user}/stranger", json.dumps(MESSAGE), qos=1)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not await asyncio.to_thread(
            _fixes, client, org_a, vehicle
        ):
            await asyncio.sleep(0.1)
        listener.cancel()
        with pytest.raises(asyncio.CancelledError):
            await listener

    asyncio.run(scenario())
    fixes = _fixes(client, org_a, vehicle)
    assert len(fixes) == 1 and fixes[0]["speed_kmh"] == 61.0 and fixes[0]["heading"] == 271


def test_unknown_devices_bad_topics_and_bad_payloads_are_counted_not_fatal(client, org_a, db):
    _device(client, org_a, "known/phone")

    async def outcomes() -> list[str]:
        return [
            await handle(db, "owntracks/nobody/phone", json.dumps(MESSAGE).encode()),
            await handle(db, "owntracks/only-two", json.dumps(MESSAGE).encode()),
            await handle(db, "owntracks/known/phone", b"{not json"),
            await handle(db, "owntracks/known/phone", json.dumps({"_type": "lwt"}).encode()),
        ]

    assert asyncio.run(outcomes()) == ["unknown_device", "bad_topic", "refused", "stored"]
