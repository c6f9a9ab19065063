"""From a tracker's request to the pipeline: decode with the protocol's decoder, find
the registered device, and hand its fixes to the tracker. One function per transport,
so the HTTP routes, the dedicated OsmAnd port and the MQTT listener share them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from doorstep.domain.errors import NotFound
from doorstep.domain.ping import Ping
from doorstep.ingest import decode_batch, decode_owntracks
from doorstep.ingest.osmand import OsmAndDecoder
from doorstep.services import devices
from doorstep.services.tracking import DeviceRef, IngestResult, Tracker
from doorstep.storage.tables import Device

OSMAND = OsmAndDecoder()


def native(
    session: Session, tracker: Tracker, token: str, body: bytes, now: datetime
) -> IngestResult:
    device = devices.by_token(session, token)
    pings = decode_batch(body, device=device.identifier, received=now)
    return tracker.ingest(session, DeviceRef.of(device), _as(pings, "native"), now)


def osmand(session: Session, tracker: Tracker, payload: bytes, now: datetime) -> IngestResult:
    """A query string, form body or Traccar Client JSON. Every fix names its device by
    identifier; an identifier nobody registered is refused (404) and nothing stored."""
    pings = OSMAND.decode(payload, received=now)
    by_device: dict[str, list[Ping]] = defaultdict(list)
    for ping in pings:
        by_device[ping.device].append(ping)
    found: dict[str, Device] = {}
    for identifier in by_device:
        device = devices.by_identifier(session, identifier)
        if device is None:
            raise NotFound("device", identifier)
        found[identifier] = device
    total = IngestResult()
    for identifier, fixes in by_device.items():
        result = tracker.ingest(session, DeviceRef.of(found[identifier]), _as(fixes, "osmand"), now)
        _merge(total, result)
    return total


def owntracks(
    session: Session,
    tracker: Tracker,
    token: str,
    body: bytes,
    identity: str | None,
    now: datetime,
) -> IngestResult:
    device = devices.by_token(session, token)
    pings = decode_owntracks(body, received=now, device=identity or device.identifier)
    return tracker.ingest(session, DeviceRef.of(device), _as(pings, "owntracks"), now)


def owntracks_mqtt(
    session: Session, tracker: Tracker, identity: str, body: bytes, now: datetime
) -> IngestResult | None:
    """An MQTT message on ``owntracks/<user>/<device>``: the device registered with that
    ``user/device`` identifier, or None (ignored) when there is none."""
    device = devices.by_identifier(session, identity)
    if device is None:
        return None
    pings = decode_owntracks(body, received=now, device=identity)
    return tracker.ingest(session, DeviceRef.of(device), _as(pings, "owntracks"), now)


def _as(pings: Sequence[Ping], protocol: str) -> list[Ping]:
    from dataclasses import replace

    return [p if p.protocol == protocol else replace(p, protocol=protocol) for p in pings]


def _merge(total: IngestResult, part: IngestResult) -> None:
    offset = total.accepted + total.late + len(total.dropped)
    total.accepted += part.accepted
    total.late += part.late
    total.dropped.extend(type(d)(d.index + offset, d.rule, d.reason) for d in part.dropped)
    total.events.extend(part.events)
