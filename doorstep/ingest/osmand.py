"""The OsmAnd protocol, as Traccar defines it and Traccar Client, OsmAnd and many OBD
boxes send it: one fix per HTTP request (GET or POST), in either of two forms.

* Query or form parameters (OsmAnd, Traccar Client before 9, hardware):
  ``id``/``deviceid`` (required), ``lat`` + ``lon`` or ``location=lat,lon``,
  ``timestamp`` (epoch seconds below 2147483647, else epoch milliseconds, else ISO 8601,
  else ``yyyy-MM-dd HH:mm:ss`` read as UTC; absent means the fix is as old as the
  request, Traccar's rule), ``speed`` in **knots**, ``bearing``/``heading``,
  ``altitude``, ``accuracy``, ``batt`` (%), ``charge``, ``ignition``, ``odometer`` (m),
  ``driverUniqueId``; every other parameter is kept in ``attributes``, numbers as
  numbers, true/false as booleans, anything else as the string sent (``hdop``,
  ``cell``, ``wifi``, ``valid``, ``rpm`` ...). A parameter sent twice keeps its last
  value, or, for an attribute, all of them as a list (``cell=...&cell=...``).
* JSON (Traccar Client 9+, the transistorsoft background-geolocation SDK's shape):
  ``{"location": {"timestamp", "coords": {...}, "battery": {...}, ...},
  "device_id"}``, with speed in m/s and battery level 0..1. Traccar Client posts one
  location per request; the SDK's batch forms (``"location": [...]``, or a top-level
  list of such objects) are read too, each fix numbered in errors.

Negative speeds, courses, accuracies and battery levels mean "unknown" (None).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from doorstep.domain.ping import KNOT_MS, Ping
from doorstep.ingest.base import DecodeError, Decoder
from doorstep.ingest.parsing import (
    arrival,
    attribute_value,
    heading_degrees,
    optional_bool,
    optional_number,
    parse_json,
    parse_number,
    show,
    time_from_any,
    unknown_if_negative,
)

NAME = "osmand"
MAX_PARAMETERS = 200  # a real request has about 15; more is not a tracker

# Parameters that become Ping fields; every other parameter is an attribute.
_FIELDS = frozenset(
    {
        "id",
        "deviceid",
        "timestamp",
        "lat",
        "lon",
        "location",
        "speed",
        "bearing",
        "heading",
        "altitude",
        "accuracy",
        "batt",
        "charge",
        "ignition",
        "odometer",
        "driverUniqueId",
    }
)

# Keys of the JSON ``location`` object read into Ping fields or reshaped; "_" is the
# query-string copy Traccar Client appends for servers older than Traccar 6.7.
_JSON_HANDLED = frozenset(
    {"timestamp", "coords", "battery", "odometer", "is_moving", "activity", "extras", "_"}
)
_COORDS_HANDLED = frozenset({"latitude", "longitude", "speed", "heading", "accuracy", "altitude"})


class OsmAndDecoder(Decoder):
    """Either form, told apart by the payload: JSON starts with ``{`` or ``[``."""

    name = NAME

    def decode(
        self, payload: bytes | str, *, received: datetime, device: str | None = None
    ) -> list[Ping]:
        """``payload`` is a JSON body, a form body, a query string or a whole request
        target (``/?id=...``). ``device`` is unused: the protocol names its device."""
        if _looks_like_json(payload):
            return decode_json(payload, received=received)
        return decode_query(payload, received=received)


def decode_params(params: Mapping[str, str], *, received: datetime) -> list[Ping]:
    """One fix from parameters already parsed (a framework's query or form mapping)."""
    return [_fix_from_pairs(params.items(), arrival(received))]


def decode_query(query: bytes | str, *, received: datetime) -> list[Ping]:
    """One fix from a raw query string, form body or request target (``/?id=1&...``)."""
    if isinstance(query, bytes):
        try:
            text = query.decode("utf-8")
        except UnicodeDecodeError as error:
            raise DecodeError(f"not UTF-8 text (byte {error.start})", "body") from None
    else:
        text = query
    text = text.strip()
    if "?" in text:
        text = text.split("?", 1)[1]
    text = text.split("#", 1)[0]
    try:
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_PARAMETERS)
    except ValueError:
        raise DecodeError(f"more than {MAX_PARAMETERS} parameters", "body") from None
    return [_fix_from_pairs(pairs, arrival(received))]


def decode_json(body: bytes | str, *, received: datetime) -> list[Ping]:
    """The fixes of a Traccar Client 9+ JSON body (one, or the SDK's batch forms)."""
    received = arrival(received)
    root = parse_json(body)
    if isinstance(root, list):
        pings: list[Ping] = []
        for index, envelope in enumerate(root):
            try:
                pings.extend(_fixes_from_envelope(envelope, received, batch=False))
            except DecodeError as error:
                raise error.at(index) from None
        return pings
    return _fixes_from_envelope(root, received, batch=True)


def _fixes_from_envelope(envelope: object, received: datetime, *, batch: bool) -> list[Ping]:
    if not isinstance(envelope, dict):
        raise DecodeError(
            f'expected an object {{"location": ..., "device_id": ...}}, got {show(envelope)}',
            "body",
        )
    device = _json_device(envelope.get("device_id"))
    location = envelope.get("location")
    if isinstance(location, list) and batch:
        pings = []
        for index, item in enumerate(location):
            try:
                pings.append(_fix_from_location(item, device, received))
            except DecodeError as error:
                raise error.at(index) from None
        return pings
    return [_fix_from_location(location, device, received)]


def _json_device(value: object) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str) or not value.strip():
        raise DecodeError("missing: the device identifier is required", "device_id")
    return value.strip()


def _fix_from_location(location: object, device: str, received: datetime) -> Ping:
    if not isinstance(location, dict):
        raise DecodeError(f"expected an object, got {show(location)}", "location")
    coords = location.get("coords")
    if not isinstance(coords, dict):
        raise DecodeError(
            "missing: expected an object with latitude and longitude", "location.coords"
        )
    stamp = location.get("timestamp")
    time = received if stamp is None else time_from_any(stamp, "location.timestamp")
    battery = location.get("battery")
    level: float | None = None
    charging: bool | None = None
    if isinstance(battery, dict):
        fraction = unknown_if_negative(
            optional_number(battery.get("level"), "location.battery.level")
        )
        level = None if fraction is None else round(fraction * 100.0, 6)
        charging = optional_bool(battery.get("is_charging"), "location.battery.is_charging")
    elif battery is not None:
        raise DecodeError(f"expected an object, got {show(battery)}", "location.battery")

    attributes: dict[str, Any] = {}
    extras = location.get("extras")
    if isinstance(extras, dict):
        attributes.update(extras)
    moving = optional_bool(location.get("is_moving"), "location.is_moving")
    if moving is not None:
        attributes["is_moving"] = moving
    activity = location.get("activity")
    if isinstance(activity, dict):
        if activity.get("type") is not None:
            attributes["activity"] = activity["type"]
        if activity.get("confidence") is not None:
            attributes["activity_confidence"] = activity["confidence"]
    elif activity is not None:
        attributes["activity"] = activity
    for key, value in location.items():
        if key not in _JSON_HANDLED and value is not None:
            attributes[key] = value
    for key, value in coords.items():
        if key not in _COORDS_HANDLED and value is not None:
            attributes[key] = value

    return Ping(
        device=device,
        time=time,
        lat=parse_number(coords.get("latitude"), "location.coords.latitude"),
        lon=parse_number(coords.get("longitude"), "location.coords.longitude"),
        speed=unknown_if_negative(optional_number(coords.get("speed"), "location.coords.speed")),
        heading=heading_degrees(optional_number(coords.get("heading"), "location.coords.heading")),
        accuracy=unknown_if_negative(
            optional_number(coords.get("accuracy"), "location.coords.accuracy")
        ),
        altitude=optional_number(coords.get("altitude"), "location.coords.altitude"),
        battery=level,
        charging=charging,
        odometer=optional_number(location.get("odometer"), "location.odometer"),
        protocol=NAME,
        received=received,
        attributes=attributes,
    )


def _fix_from_pairs(pairs: Iterable[tuple[str, str]], received: datetime) -> Ping:
    fields: dict[str, str] = {}
    attributes: dict[str, Any] = {}
    for key, value in pairs:
        if key in _FIELDS:
            fields[key] = value
        elif key in attributes:
            previous = attributes[key]
            values = previous if isinstance(previous, list) else [previous]
            attributes[key] = [*values, attribute_value(value)]
        else:
            attributes[key] = attribute_value(value)

    device = (fields.get("id") or fields.get("deviceid") or "").strip()
    if not device:
        raise DecodeError("missing: the device identifier is required (id or deviceid)", "id")
    lat, lon = _position(fields)
    stamp = fields.get("timestamp", "")
    heading_key = "bearing" if fields.get("bearing", "").strip() else "heading"
    knots = unknown_if_negative(optional_number(fields.get("speed"), "speed"))
    driver = fields.get("driverUniqueId", "").strip()
    return Ping(
        device=device,
        time=time_from_any(stamp, "timestamp") if stamp.strip() else received,
        lat=lat,
        lon=lon,
        speed=None if knots is None else knots * KNOT_MS,
        heading=heading_degrees(optional_number(fields.get(heading_key), heading_key)),
        accuracy=unknown_if_negative(optional_number(fields.get("accuracy"), "accuracy")),
        altitude=optional_number(fields.get("altitude"), "altitude"),
        battery=unknown_if_negative(optional_number(fields.get("batt"), "batt")),
        charging=optional_bool(fields.get("charge"), "charge"),
        ignition=optional_bool(fields.get("ignition"), "ignition"),
        odometer=optional_number(fields.get("odometer"), "odometer"),
        driver=driver or None,
        protocol=NAME,
        received=received,
        attributes=attributes,
    )


def _position(fields: Mapping[str, str]) -> tuple[float, float]:
    """lat and lon, or else location=lat,lon. A request without either (cell towers
    only, a heartbeat) is refused: Doorstep does not locate by cell."""
    if fields.get("lat", "").strip() or fields.get("lon", "").strip():
        return parse_number(fields.get("lat"), "lat"), parse_number(fields.get("lon"), "lon")
    location = fields.get("location", "").strip()
    if location:
        parts = location.split(",")
        if len(parts) != 2:
            raise DecodeError(f"expected lat,lon, got {show(location)}", "location")
        return parse_number(parts[0], "location"), parse_number(parts[1], "location")
    raise DecodeError("missing: no position (lat and lon, or location=lat,lon)", "lat")


def _looks_like_json(payload: bytes | str) -> bool:
    head = payload.lstrip()[:1]
    return head in (b"{", b"[") if isinstance(head, bytes) else head in ("{", "[")
