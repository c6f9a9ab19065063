"""OwnTracks over MQTT: subscribe to ``owntracks/+/+`` and hand each message to the
same ingest path the HTTP endpoint uses. The topic names the device
(``owntracks/<user>/<device>`` -> identifier ``user/device``); a message from a
device nobody registered is ignored and counted, as is one that does not decode.

The loop reconnects with a growing pause when the broker goes away, and never lets
one bad message stop it.
"""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import aiomqtt
from prometheus_client import Counter

from doorstep.domain.errors import DoorstepError
from doorstep.ingest import identity_from_topic
from doorstep.services.ingest import TrackerRequest
from doorstep.wiring import Runtime

log = logging.getLogger("doorstep.mqtt")
MESSAGES = Counter("doorstep_mqtt_messages_total", "MQTT messages by outcome.", ["outcome"])
MAX_PAUSE_S = 30.0


def client_for(url: str) -> aiomqtt.Client:
    parts = urlsplit(url)
    tls = parts.scheme == "mqtts"
    return aiomqtt.Client(
        parts.hostname or "127.0.0.1",
        parts.port or (8883 if tls else 1883),
        username=parts.username,
        password=parts.password,
        tls_params=aiomqtt.TLSParameters() if tls else None,
    )


async def listen(
    runtime: Runtime, url: str, topic: str, ready: asyncio.Event | None = None
) -> None:
    pause = 1.0
    while True:
        try:
            async with client_for(url) as client:
                await client.subscribe(topic, qos=1)
                log.info("listening for OwnTracks on %s topic %s", urlsplit(url).hostname, topic)
                pause = 1.0
                if ready is not None:
                    ready.set()
                async for message in client.messages:
                    await handle(runtime, str(message.topic), bytes(message.payload or b""))
        except aiomqtt.MqttError as exc:
            log.warning("MQTT broker unavailable (%s); retrying in %.0f s", exc, pause)
            await asyncio.sleep(pause)
            pause = min(MAX_PAUSE_S, pause * 2)


async def handle(runtime: Runtime, topic: str, payload: bytes) -> str:
    """Process one message; returns its outcome (also counted)."""
    try:
        identity = identity_from_topic(topic)
    except DoorstepError as exc:
        outcome = "bad_topic"
        log.info("ignored MQTT message on %s: %s", topic, exc)
    else:
        request = TrackerRequest("owntracks_mqtt", payload, identity=identity)
        try:
            result = await runtime.writer.send(request)
        except Exception:
            result = None
            outcome = "error"
            log.exception("MQTT message from %s failed", identity)
        else:
            if isinstance(result, DoorstepError):
                outcome = "refused"
                log.info("refused MQTT message from %s: %s", identity, result)
            else:
                outcome = "unknown_device" if result is None else "stored"
    MESSAGES.labels(outcome).inc()
    return outcome
