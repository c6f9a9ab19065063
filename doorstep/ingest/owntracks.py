"""OwnTracks JSON, as the iOS and Android apps publish it over MQTT (topic
``owntracks/<user>/<device>``) or POST it over HTTP (the same payload; identity from
the ``X-Limit-U``/``X-Limit-D`` headers or the payload's ``topic`` element).

Doorstep names an OwnTracks device ``<user>/<device>`` (``jane/phone``): the pair the
topic carries, unique per broker, and what an operator registers as the device
identifier. ``tid`` is only a two-letter label and is kept as an attribute.

Only ``_type: location`` is a fix; every other type (lwt, transition, waypoint, card,
status, encrypted, ...) is accepted and ignored, and so is an empty body, which the
apps send. Units: ``tst`` epoch seconds, ``vel`` km/h, ``acc``/``alt`` metres, ``cog``
degrees, ``batt`` %, ``bs`` battery status (0 unknown, 1 unplugged, 2 charging,
3 full: 2 and 3 mean on external power).

Absent elements. The booklet says the apps add ``acc``, ``alt``, ``cog``, ``vac`` and
``vel`` only when they are not zero, so an absent ``vel``, ``cog`` or ``alt`` is read as
0 (stopped, north, sea level: all things a receiver can measure). An absent ``acc`` is
read as unknown (None), not 0: no receiver measures a position to 0 m, Android reports
0 exactly when it has no accuracy, and a 0 would make the fix look perfect to the
pipeline's accuracy rule. Negative values (older iOS apps send -1 for an unknown
``vel``, ``cog``, ``acc``, ``batt``) are unknown. Old apps sent numbers as strings
(``"batt":"79"``); those are read as numbers.

Queclink trackers bridged by qtripp add ``ign`` (ignition) and ``odometer`` (km), read
into the Ping's ignition and odometer (m). Every other element is kept in
``attributes`` under its own name (``t``, ``tid``, ``vac``, ``conn``, ``p``, ...).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from doorstep.domain.ping import KMH_MS, Ping
from doorstep.ingest.base import DecodeError, Decoder
from doorstep.ingest.parsing import (
    arrival,
    heading_degrees,
    is_blank,
    optional_bool,
    optional_number,
    parse_json,
    parse_number,
    show,
    time_from_epoch_seconds,
    unknown_if_negative,
)

NAME = "owntracks"
TOPIC_PREFIX = "owntracks"

# Elements read into Ping fields, or dropped because the identity says it already.
_HANDLED = frozenset(
    {
        "_type",
        "topic",
        "lat",
        "lon",
        "tst",
        "vel",
        "cog",
        "acc",
        "alt",
        "batt",
        "bs",
        "ign",
        "odometer",
    }
)
_ON_EXTERNAL_POWER = {0: None, 1: False, 2: True, 3: True}


class OwnTracksDecoder(Decoder):
    """``device`` is ``<user>/<device>`` from the HTTP headers or the MQTT topic; when
    None, the payload's ``topic`` element names it."""

    name = NAME

    def decode(
        self, payload: bytes | str, *, received: datetime, device: str | None = None
    ) -> list[Ping]:
        return decode_owntracks(payload, received=received, device=device)


def decode_owntracks(
    payload: bytes | str, *, received: datetime, device: str | None = None
) -> list[Ping]:
    """The fixes in one OwnTracks publish or POST body: [] for an empty body or a
    message that is not a location; a JSON list of messages is read message by message.
    """
    received = arrival(received)
    if is_blank(payload):
        return []
    root = parse_json(payload)
    if isinstance(root, list):
        pings: list[Ping] = []
        for index, message in enumerate(root):
            try:
                pings.extend(_fixes_from_message(message, device, received))
            except DecodeError as error:
                raise error.at(index) from None
        return pings
    return _fixes_from_message(root, device, received)


def parse_topic(topic: str, prefix: str = TOPIC_PREFIX) -> tuple[str, str]:
    """(user, device) from a location topic ``owntracks/<user>/<device>``. Sub-topics
    (``.../event``, ``.../cmd``, ``.../step``) and other prefixes are refused with the
    reason: they carry no location of that device."""
    parts = topic.split("/")
    if len(parts) != 3 or parts[0] != prefix:
        raise DecodeError(
            f"not an OwnTracks location topic: {show(topic)} (expected {prefix}/<user>/<device>)",
            "topic",
        )
    return _part(parts[1], "topic", topic), _part(parts[2], "topic", topic)


def device_identity(user: str, device: str) -> str:
    """Doorstep's identifier of an OwnTracks device: ``<user>/<device>``. Used with the
    HTTP headers (X-Limit-U, X-Limit-D) and, through ``identity_from_topic``, MQTT."""
    return f"{_part(user, 'user', user)}/{_part(device, 'device', device)}"


def identity_from_topic(topic: str, prefix: str = TOPIC_PREFIX) -> str:
    """``<user>/<device>`` of the device publishing on ``topic``."""
    return device_identity(*parse_topic(topic, prefix))


def _part(value: str, field: str, whole: str) -> str:
    if not value or value != value.strip() or any(c in value for c in "/+#"):
        raise DecodeError(
            f"{show(whole)}: a user or device name must be non-empty, without spaces at "
            "either end, '/', '+' or '#'",
            field,
        )
    return value


def _fixes_from_message(message: object, device: str | None, received: datetime) -> list[Ping]:
    if not isinstance(message, dict):
        raise DecodeError(f"expected a JSON object, got {show(message)}", "body")
    kind = message.get("_type")
    if kind is None:
        raise DecodeError("missing: every OwnTracks message has a _type", "_type")
    if kind != "location":
        return []
    return [_fix(message, device, received)]


def _fix(message: dict[str, Any], device: str | None, received: datetime) -> Ping:
    identity = device if device is not None else _identity_in_payload(message)
    velocity = _zero_if_absent(message, "vel")
    odometer_km = optional_number(message.get("odometer"), "odometer")
    return Ping(
        device=identity,
        time=time_from_epoch_seconds(message.get("tst"), "tst"),
        lat=parse_number(message.get("lat"), "lat"),
        lon=parse_number(message.get("lon"), "lon"),
        speed=None if velocity is None else velocity * KMH_MS,
        heading=heading_degrees(_zero_if_absent(message, "cog")),
        accuracy=unknown_if_negative(optional_number(message.get("acc"), "acc")),
        altitude=optional_number(message.get("alt", 0), "alt"),
        battery=unknown_if_negative(optional_number(message.get("batt"), "batt")),
        charging=_charging(message.get("bs")),
        ignition=optional_bool(message.get("ign"), "ign"),
        odometer=None if odometer_km is None else odometer_km * 1000.0,
        protocol=NAME,
        received=received,
        attributes={k: v for k, v in message.items() if k not in _HANDLED and v is not None},
    )


def _identity_in_payload(message: dict[str, Any]) -> str:
    topic = message.get("topic")
    if not isinstance(topic, str) or not topic:
        raise DecodeError(
            "missing: no device identity (X-Limit-U/X-Limit-D headers, the MQTT topic, "
            "or the payload's topic element)",
            "topic",
        )
    return identity_from_topic(topic)


def _zero_if_absent(message: dict[str, Any], key: str) -> float | None:
    """The apps leave out a zero vel/cog/alt; a negative one means unknown."""
    return unknown_if_negative(optional_number(message.get(key, 0), key))


def _charging(value: object) -> bool | None:
    status = optional_number(value, "bs")
    if status is None:
        return None
    return _ON_EXTERNAL_POWER.get(int(status)) if status.is_integer() else None
