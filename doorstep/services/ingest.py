"""From trackers' requests to the pipeline: decode with the protocol's decoder, find
the registered devices, and hand their fixes to the tracker.

``ingest_requests`` takes any number of requests, of any protocol, and runs them in the
caller's one transaction with one device lookup per kind of credential: the group
commit of ``services.ingest_writer`` is built on it, and the one-request functions below
(``native``, ``osmand``, ...) are that same path with a single request. A request that
cannot be decoded or names no registered device gets its error back and nothing of it
is stored; it never spoils the other requests of the group.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.codes import hash_api_key
from doorstep.domain.errors import NotFound, Unauthorized
from doorstep.domain.ping import Ping
from doorstep.ingest import decode_batch, decode_owntracks
from doorstep.ingest.base import DecodeError
from doorstep.ingest.osmand import OsmAndDecoder
from doorstep.services.tracking import DeviceRef, IngestResult, Tracker
from doorstep.storage.tables import Device

OSMAND = OsmAndDecoder()
Protocol = Literal["native", "osmand", "owntracks", "owntracks_mqtt"]
Outcome = IngestResult | NotFound | Unauthorized | DecodeError | None


@dataclass(frozen=True, slots=True)
class TrackerRequest:
    """One request as a tracker sent it. ``token``: the device's token (native API,
    OwnTracks HTTP); ``identity``: OwnTracks' ``user/device`` (headers or topic)."""

    protocol: Protocol
    payload: bytes
    token: str | None = None
    identity: str | None = None


def ingest_requests(
    session: Session, tracker: Tracker, requests: Sequence[TrackerRequest], now: datetime
) -> list[Outcome]:
    """Each request's result, or the error that refused it (``None``: an OwnTracks MQTT
    message for a topic no device is registered under, which is ignored)."""
    outcomes: list[Outcome] = [None] * len(requests)
    by_token = _devices_by_token(session, {r.token for r in requests if r.token})
    decoded: dict[int, list[Ping]] = {}
    for index, request in enumerate(requests):
        owner = by_token.get(request.token) if request.token else None
        try:
            # A token's fixes are named after its device from the start.
            decoded[index] = _decode(request, now, owner.identifier if owner else "-")
        except DecodeError as error:
            outcomes[index] = error
    wanted = {
        requests[i].identity or "" for i in decoded if requests[i].protocol == "owntracks_mqtt"
    }
    wanted |= {
        p.device for i, pings in decoded.items() if requests[i].protocol == "osmand" for p in pings
    }
    by_identifier = _devices_by_identifier(session, wanted)
    batch: list[tuple[DeviceRef, list[Ping]]] = []
    owners: list[int] = []
    for index, pings in decoded.items():
        request = requests[index]
        if request.token is not None:
            device = by_token.get(request.token)
            if device is None:
                outcomes[index] = Unauthorized("the device token is not valid")
                continue
            batch.append((device, pings))
            owners.append(index)
            continue
        if request.protocol == "owntracks_mqtt":  # the topic names the device
            known = by_identifier.get(request.identity or "")
            if known is not None:
                batch.append((known, pings))
                owners.append(index)
            continue
        groups: dict[str, list[Ping]] = defaultdict(list)
        for ping in pings:
            groups[ping.device].append(ping)
        missing = [identifier for identifier in groups if identifier not in by_identifier]
        if missing:
            outcomes[index] = NotFound("device", missing[0])
            continue
        for identifier, fixes in groups.items():
            batch.append((by_identifier[identifier], fixes))
            owners.append(index)
    for index, result in zip(owners, tracker.ingest_group(session, batch, now), strict=True):
        total = outcomes[index]
        if isinstance(total, IngestResult):
            _merge(total, result)
        else:
            outcomes[index] = result
    for index in decoded:
        if outcomes[index] is None and requests[index].protocol != "owntracks_mqtt":
            outcomes[index] = IngestResult()  # e.g. an empty OwnTracks body
    return outcomes


def _decode(request: TrackerRequest, now: datetime, device: str) -> list[Ping]:
    protocol, payload = request.protocol, request.payload
    if protocol == "native":
        return decode_batch(payload, device=device, received=now)
    if protocol == "osmand":
        return OSMAND.decode(payload, received=now)
    return decode_owntracks(payload, received=now, device=request.identity or device)


def _devices_by_token(session: Session, tokens: set[str]) -> dict[str, DeviceRef]:
    if not tokens:
        return {}
    hashed = {hash_api_key(token): token for token in tokens}
    rows = session.scalars(
        select(Device).where(Device.token_hash.in_(hashed), Device.active.is_(True))
    )
    return {hashed[row.token_hash]: DeviceRef.of(row) for row in rows if row.token_hash}


def _devices_by_identifier(session: Session, identifiers: set[str]) -> dict[str, DeviceRef]:
    if not identifiers:
        return {}
    rows = session.scalars(
        select(Device).where(Device.identifier.in_(identifiers), Device.active.is_(True))
    )
    return {row.identifier: DeviceRef.of(row) for row in rows}


def _one(
    session: Session, tracker: Tracker, request: TrackerRequest, now: datetime
) -> IngestResult | None:
    (outcome,) = ingest_requests(session, tracker, [request], now)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def native(
    session: Session, tracker: Tracker, token: str, body: bytes, now: datetime
) -> IngestResult:
    result = _one(session, tracker, TrackerRequest("native", body, token=token), now)
    assert result is not None
    return result


def osmand(session: Session, tracker: Tracker, payload: bytes, now: datetime) -> IngestResult:
    """A query string, form body or Traccar Client JSON. Every fix names its device by
    identifier; an identifier nobody registered is refused (404) and nothing stored."""
    result = _one(session, tracker, TrackerRequest("osmand", payload), now)
    assert result is not None
    return result


def owntracks(
    session: Session,
    tracker: Tracker,
    token: str,
    body: bytes,
    identity: str | None,
    now: datetime,
) -> IngestResult:
    request = TrackerRequest("owntracks", body, token=token, identity=identity)
    result = _one(session, tracker, request, now)
    assert result is not None
    return result


def owntracks_mqtt(
    session: Session, tracker: Tracker, identity: str, body: bytes, now: datetime
) -> IngestResult | None:
    """An MQTT message on ``owntracks/<user>/<device>``: the device registered with that
    ``user/device`` identifier, or None (ignored) when there is none."""
    request = TrackerRequest("owntracks_mqtt", body, identity=identity)
    return _one(session, tracker, request, now)


def _merge(total: IngestResult, part: IngestResult) -> None:
    offset = total.accepted + len(total.dropped)
    total.accepted += part.accepted
    total.late += part.late
    total.dropped.extend(type(d)(d.index + offset, d.rule, d.reason) for d in part.dropped)
    total.events.extend(part.events)
