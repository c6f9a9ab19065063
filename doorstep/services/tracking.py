"""The one way a fix travels, whatever protocol brought it: decoded ``Ping`` ->
pipeline stages -> stored -> live state -> detectors -> events on the bus.

Per device, fixes are handled in order under that device's lock; devices run in
parallel. The pipeline's memory, the live state and the detectors' states are kept in
this process (a restart picks the memory and live state up from ``live_states``;
detector episodes in flight start afresh). Dropped fixes are counted by rule
(``doorstep_pings_dropped_total``) and logged with their reason; a failing stage is
logged with its name and never loses the fix.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from prometheus_client import Counter
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain.detectors import device_health, geofence, harsh, idling, motion, speeding
from doorstep.domain.detectors.events import DetectorEvent
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping
from doorstep.pipeline import live_state
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import LiveParams, PipelineParams
from doorstep.pipeline.stages import build_stages, run
from doorstep.pipeline.verdict import Dropped
from doorstep.services.events import emit
from doorstep.storage.tables import Device, LiveState, PingRow, TelemetryEvent
from doorstep.storage.tables import Zone as ZoneRow

log = logging.getLogger("doorstep.tracking")
ACCEPTED = Counter("doorstep_pings_accepted_total", "Fixes stored.", ["protocol"])
DROPPED = Counter("doorstep_pings_dropped_total", "Fixes refused, by rule.", ["rule"])
STAGE_ERRORS = Counter("doorstep_pipeline_stage_errors_total", "Stages that raised.", ["stage"])

ZONES_TTL_S = 30.0
Update = Callable[[Any, Ping, Any], tuple[Any, list[DetectorEvent]]]
# The detectors every fix of a vehicle runs through, in order, with their parameters.
DETECTORS: tuple[tuple[str, Update, Any], ...] = (
    ("motion", motion.update, motion.Params()),
    ("speeding", speeding.update, speeding.Params()),
    ("harsh", harsh.update, harsh.Params()),
    ("idling", idling.update, idling.Params()),
    ("device_health", device_health.update, device_health.Params()),
)


@dataclass(frozen=True)
class DeviceRef:
    id: uuid.UUID
    org_id: uuid.UUID
    vehicle_id: uuid.UUID | None
    identifier: str

    @classmethod
    def of(cls, device: Device) -> DeviceRef:
        return cls(device.id, device.org_id, device.vehicle_id, device.identifier)


@dataclass
class Track:
    """Everything the pipeline remembers about one device between fixes."""

    memory: DeviceMemory
    state: live_state.VehicleState
    detectors: dict[str, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(frozen=True)
class DroppedFix:
    index: int
    rule: str
    reason: str


@dataclass
class IngestResult:
    accepted: int = 0
    late: int = 0
    dropped: list[DroppedFix] = field(default_factory=list)
    events: list[DetectorEvent] = field(default_factory=list)


class Tracker:
    def __init__(
        self, params: PipelineParams | None = None, live: LiveParams | None = None
    ) -> None:
        self.params = params or PipelineParams()
        self.stages = build_stages(self.params)  # built once, not per fix
        self.live = live or LiveParams()
        self._tracks: dict[uuid.UUID, Track] = {}
        self._zones: dict[uuid.UUID, tuple[float, geofence.Params]] = {}
        self._guard = threading.Lock()

    def ingest(
        self, session: Session, device: DeviceRef, pings: Sequence[Ping], now: datetime
    ) -> IngestResult:
        """Run a device's fixes through the pipeline inside the caller's transaction."""
        track = self._track(session, device)
        with track.lock:
            return self._ingest(session, device, track, pings, now)

    def forget(self, device_id: uuid.UUID) -> None:
        with self._guard:
            self._tracks.pop(device_id, None)

    def _zones_of(self, session: Session, org_id: uuid.UUID) -> geofence.Params:
        """The organisation's active zones, re-read at most every ``ZONES_TTL_S``: a
        zone drawn or changed reaches the live detector within that time."""
        now = time.monotonic()
        cached = self._zones.get(org_id)
        if cached is not None and now - cached[0] < ZONES_TTL_S:
            return cached[1]
        rows = session.scalars(
            select(ZoneRow).where(ZoneRow.org_id == org_id, ZoneRow.active.is_(True))
        )
        params = geofence.Params(zones=tuple(_zone(row) for row in rows))
        self._zones[org_id] = (now, params)
        return params

    def _track(self, session: Session, device: DeviceRef) -> Track:
        with self._guard:
            track = self._tracks.get(device.id)
            if track is None:
                track = self._tracks[device.id] = _load(session, device)
            return track

    def _ingest(
        self,
        session: Session,
        device: DeviceRef,
        track: Track,
        pings: Sequence[Ping],
        now: datetime,
    ) -> IngestResult:
        result = IngestResult()
        rows: list[dict[str, Any]] = []
        memory, state, detectors = track.memory, track.state, dict(track.detectors)
        order = sorted(range(len(pings)), key=lambda i: pings[i].time)  # buffered batches
        zones = self._zones_of(session, device.org_id)
        for index in order:
            outcome = run(pings[index], memory, self.params, now, self.stages)
            memory = outcome.memory
            for error in outcome.errors:
                STAGE_ERRORS.labels(error.stage).inc()
                log.error(
                    "pipeline stage %s failed: %s",
                    error.stage,
                    error.error,
                    extra={"device": device.identifier},
                )
            if isinstance(outcome.verdict, Dropped):
                verdict = outcome.verdict
                DROPPED.labels(verdict.rule).inc()
                log.info(
                    "fix dropped by %s: %s",
                    verdict.rule,
                    verdict.reason,
                    extra={"device": device.identifier, "rule": verdict.rule},
                )
                result.dropped.append(DroppedFix(index, verdict.rule, verdict.reason))
                continue
            ping = outcome.ping
            rows.append(_row(device, ping, now, late=not outcome.live))
            ACCEPTED.labels(ping.protocol).inc()
            result.accepted += 1
            if not outcome.live:
                result.late += 1
                continue
            state = live_state.apply(state, ping, self.live)
            for name, detect, params in DETECTORS:
                detectors[name], fired = detect(detectors.get(name), ping, params)
                result.events.extend(fired)
            if zones.zones:
                detectors["geofence"], fired = geofence.update(
                    detectors.get("geofence"), ping, zones
                )
                result.events.extend(fired)
        if rows:
            _store_pings(session, rows)
        if state.last_fix is not None and state is not track.state:
            _store_live(session, device, state)
            _publish_position(session, device, state)
        for event in result.events:
            session.add(
                TelemetryEvent(
                    org_id=device.org_id,
                    device_id=device.id,
                    vehicle_id=device.vehicle_id,
                    kind=event.kind,
                    time=event.time,
                    data=_jsonable(event.data),
                )
            )
            emit(
                session,
                Event(
                    str(device.org_id),
                    f"telemetry.{event.kind}",
                    {
                        "device_id": str(device.id),
                        "vehicle_id": str(device.vehicle_id) if device.vehicle_id else None,
                        "time": event.time.isoformat(),
                        **_jsonable(event.data),
                    },
                ),
            )
        session.flush()
        # Only now is the batch safely in the transaction: remember it.
        track.memory, track.state, track.detectors = memory, state, detectors
        return result


def _zone(row: ZoneRow) -> geofence.Zone:
    shape: geofence.Shape
    if row.polygon:
        shape = geofence.Polygon(tuple(LatLon(p["lat"], p["lon"]) for p in row.polygon))
    else:
        assert row.lat is not None and row.lon is not None and row.radius_m is not None
        shape = geofence.Circle(LatLon(row.lat, row.lon), row.radius_m)
    dwell = None if row.dwell_minutes is None else timedelta(minutes=row.dwell_minutes)
    return geofence.Zone(str(row.id), row.name, shape, row.restricted, dwell)


def _load(session: Session, device: DeviceRef) -> Track:
    row = session.get(LiveState, device.id)
    if row is None:
        return Track(DeviceMemory(), live_state.VehicleState(device.identifier))
    last = Ping(
        device=device.identifier,
        time=row.time,
        lat=row.lat,
        lon=row.lon,
        speed=row.speed,
        heading=row.heading,
        accuracy=row.accuracy,
    )
    state = live_state.VehicleState(
        device=device.identifier,
        position=LatLon(row.lat, row.lon),
        last_seen=row.time,
        speed=row.speed,
        heading=row.heading,
        odometer_m=row.odometer_m,
        motion=row.motion,  # type: ignore[arg-type]
        ignition=row.ignition,
        battery=row.battery,
        online=True,
        last_fix=last,
    )
    return Track(DeviceMemory(last_live=last, recent_times=(row.time,)), state)


def _row(device: DeviceRef, ping: Ping, now: datetime, *, late: bool) -> dict[str, Any]:
    attributes = dict(ping.attributes)
    for key in ("battery", "charging", "ignition", "odometer", "driver"):
        value = getattr(ping, key)
        if value is not None:
            attributes[key] = value
    return {
        "org_id": device.org_id,
        "device_id": device.id,
        "vehicle_id": device.vehicle_id,
        "time": ping.time,
        "received": ping.received or now,
        "lat": ping.lat,
        "lon": ping.lon,
        "speed": ping.speed,
        "heading": ping.heading,
        "accuracy": ping.accuracy,
        "altitude": ping.altitude,
        "late": late,
        "protocol": ping.protocol,
        "attributes": _jsonable(attributes),
    }


def _store_pings(session: Session, rows: list[dict[str, Any]]) -> None:
    """One statement for the batch; a fix already stored (same device and time) is kept
    as it was, the repeat ignored."""
    dialect = session.get_bind().dialect.name
    maker = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = maker(PingRow).on_conflict_do_nothing(index_elements=["device_id", "time"])
    session.execute(stmt, rows)


def _store_live(session: Session, device: DeviceRef, state: live_state.VehicleState) -> None:
    fix = state.last_fix
    assert fix is not None
    values = {
        "org_id": device.org_id,
        "vehicle_id": device.vehicle_id,
        "time": fix.time,
        "lat": fix.lat,
        "lon": fix.lon,
        "speed": state.speed,
        "heading": state.heading,
        "accuracy": fix.accuracy,
        "odometer_m": state.odometer_m,
        "motion": state.motion,
        "ignition": state.ignition,
        "battery": state.battery,
    }
    row = session.get(LiveState, device.id)
    if row is None:
        session.add(LiveState(device_id=device.id, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
    session.execute(update(Device).where(Device.id == device.id).values(last_seen_at=fix.time))


def _publish_position(session: Session, device: DeviceRef, state: live_state.VehicleState) -> None:
    fix = state.last_fix
    assert fix is not None
    emit(
        session,
        Event(
            str(device.org_id),
            "vehicle.position",
            {
                "device_id": str(device.id),
                "vehicle_id": str(device.vehicle_id) if device.vehicle_id else None,
                "time": fix.time.isoformat(),
                "lat": fix.lat,
                "lon": fix.lon,
                "speed_kmh": None if state.speed is None else round(state.speed * 3.6, 1),
                "heading": state.heading,
                "motion": state.motion,
                "odometer_m": round(state.odometer_m),
            },
        ),
    )


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    return str(value)
