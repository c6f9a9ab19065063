"""The one way a fix travels, whatever protocol brought it: decoded ``Ping`` ->
pipeline stages -> stored -> live state -> detectors -> events on the bus.

Per device, fixes are handled in order under that device's lock; devices run in
parallel. The detectors run with the organisation's thresholds
(``organisations.telemetry_settings``) and, for a device in a vehicle, that vehicle's
allowed hours and designated zone (the off-hours detector); both are re-read at most
every ``RULES_TTL_S`` (30 s), so a change reaches the live pipeline within that time
without a query per fix. Phones without ignition are not "stationary" at a known
place: the organisation's depot, parking and customer zones, its depots
(``DEPOT_RADIUS_M``) and the vehicle's stops of the day (``STOP_RADIUS_M``). Speeding
uses the road's legal limit when the runtime has bound ``limits`` (the embedded road
network, once built); else the organisation's default limit.

The pipeline's memory, the live state and the detectors' states are kept in this
process (a restart picks the memory and live state up from ``live_states``;
detector episodes in flight start afresh). Dropped fixes are counted by rule
(``doorstep_pings_dropped_total``) and logged with their reason; a failing stage is
logged with its name and never loses the fix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from time import monotonic
from typing import Any, cast
from zoneinfo import ZoneInfo

from prometheus_client import Counter
from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain.detectors import (
    device_health,
    geofence,
    harsh,
    idling,
    motion,
    off_hours,
    speeding,
)
from doorstep.domain.detectors.events import DetectorEvent
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping
from doorstep.pipeline import live_state
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import LiveParams, PipelineParams
from doorstep.pipeline.stages import build_stages, run
from doorstep.pipeline.verdict import Dropped
from doorstep.schemas.fleet import weekly_schedule
from doorstep.schemas.telemetry import detector_params
from doorstep.services import closed_days
from doorstep.services.events import emit
from doorstep.storage.tables import (
    Depot,
    Device,
    LiveState,
    Organisation,
    PingRow,
    Route,
    Stop,
    TelemetryEvent,
    Vehicle,
)
from doorstep.storage.tables import Zone as ZoneRow

log = logging.getLogger("doorstep.tracking")
ACCEPTED = Counter("doorstep_pings_accepted_total", "Fixes stored.", ["protocol"])
DROPPED = Counter("doorstep_pings_dropped_total", "Fixes refused, by rule.", ["rule"])
STAGE_ERRORS = Counter("doorstep_pipeline_stage_errors_total", "Stages that raised.", ["stage"])

RULES_TTL_S = 30.0
KNOWN_PLACE_KINDS = ("depot", "parking", "customer")
DEPOT_RADIUS_M = 150.0  # a depot's yard and the parking around it
STOP_RADIUS_M = 100.0  # where a van parks to serve a stop
Update = Callable[[Any, Ping, Any], tuple[Any, list[DetectorEvent]]]
Detector = tuple[str, Update, Any]  # name, update function, its parameters
SpeedLimits = Callable[[float, float], float | None]  # (lat, lon) -> legal limit, km/h
WarmLimits = Callable[[Iterable[tuple[float, float]]], None]  # look a batch's points up
UPDATES: tuple[tuple[str, Update], ...] = (
    ("motion", motion.update),
    ("speeding", speeding.update),
    ("harsh", harsh.update),
    ("idling", idling.update),
    ("device_health", device_health.update),
)
# The detectors every fix runs through, in order, with the default parameters: what an
# organisation that overrides nothing gets (before its zones and road limits are bound).
_DEFAULTS = detector_params(None)
DETECTORS: tuple[Detector, ...] = tuple((name, update, _DEFAULTS[name]) for name, update in UPDATES)
# A vehicle with a designated zone but no allowed hours may be used at any time.
ANY_TIME = off_hours.WeeklySchedule.every(range(7), time(0), time(0))


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


@dataclass(frozen=True, slots=True)
class Rules:
    """What one device's fixes run through: the detectors, in order, with their
    parameters, and the geofences."""

    detectors: tuple[Detector, ...]
    zones: geofence.Params


@dataclass(frozen=True, slots=True)
class OrgRules:
    """One organisation's detector settings as last read (at ``loaded``, monotonic)."""

    loaded: float
    rules: Rules  # for a device in no vehicle
    time_zone: str
    zones_by_id: dict[str, geofence.Zone]
    known_places: tuple[geofence.Zone, ...]


@dataclass(frozen=True, slots=True)
class VehicleFacts:
    """What the off-hours detector and the known places need of one vehicle."""

    loaded: float
    schedule: off_hours.WeeklySchedule | None
    designated_zone_id: str | None
    stops: tuple[geofence.Zone, ...]  # today's stops, as circles


@dataclass(frozen=True, slots=True)
class _VehicleEntry:
    facts: VehicleFacts
    org: OrgRules  # the organisation's rules ``rules`` was built from
    rules: Rules


class Tracker:
    def __init__(
        self,
        params: PipelineParams | None = None,
        live: LiveParams | None = None,
        limits: SpeedLimits | None = None,
        warm_limits: WarmLimits | None = None,
        clock: Callable[[], float] = monotonic,
    ) -> None:
        self.params = params or PipelineParams()
        self.stages = build_stages(self.params)  # built once, not per fix
        self.live = live or LiveParams()
        self.limits = limits
        self.warm_limits = warm_limits
        self.clock = clock  # when cached rules expire (monotonic seconds)
        self._tracks: dict[uuid.UUID, Track] = {}
        self._orgs: dict[uuid.UUID, OrgRules] = {}
        self._vehicles: dict[uuid.UUID, _VehicleEntry] = {}
        self._guard = threading.Lock()

    def use_speed_limits(self, limits: SpeedLimits | None, warm: WarmLimits | None = None) -> None:
        """Bind (or unbind) the road network's legal limits to the speeding detector;
        the organisations' rules are rebuilt on their next fix. ``warm``, if given,
        looks up each batch's points at once before the detectors ask one by one."""
        self.limits, self.warm_limits = limits, warm
        self.forget_rules()

    def forget_rules(self) -> None:
        """Re-read every organisation's and vehicle's rules on their next fix."""
        with self._guard:
            self._orgs.clear()
            self._vehicles.clear()

    def ingest(
        self, session: Session, device: DeviceRef, pings: Sequence[Ping], now: datetime
    ) -> IngestResult:
        """Run a device's fixes through the pipeline inside the caller's transaction."""
        return self.ingest_group(session, [(device, pings)], now)[0]

    def ingest_group(
        self,
        session: Session,
        batch: Sequence[tuple[DeviceRef, Sequence[Ping]]],
        now: datetime,
    ) -> list[IngestResult]:
        """Several requests' fixes, possibly of many devices, in one transaction: one
        insert for all the fixes, one upsert for all the live states. This is what lets
        a server take thousands of single-fix requests a second (group commit).

        The devices' locks are held until the batch is in the transaction, so two
        batches of one device never interleave; locks are taken in id order."""
        by_device: dict[uuid.UUID, list[int]] = {}
        for position, (device, _) in enumerate(batch):
            by_device.setdefault(device.id, []).append(position)
        tracks = {device.id: self._track(session, device, now) for device, _ in batch}
        results = [IngestResult() for _ in batch]
        if self.limits is not None and self.warm_limits is not None:
            self.warm_limits((p.lat, p.lon) for _, pings in batch for p in pings)
        staged: list[tuple[Track, _Staged]] = []
        with contextlib.ExitStack() as held:
            for device_id in sorted(tracks):
                held.enter_context(tracks[device_id].lock)
            rows: list[Stored] = []
            for device_id, positions in by_device.items():
                device = batch[positions[0]][0]
                track = tracks[device_id]
                pings = [p for position in positions for p in batch[position][1]]
                parts = [results[position] for position in positions]
                sizes = [len(batch[position][1]) for position in positions]
                done = self._run(session, device, track, pings, now, rows, parts, sizes)
                staged.append((track, done))
            self._store(session, rows, staged, now)
            session.flush()
            # Only now is the batch safely in the transaction: remember it.
            for track, done in staged:
                track.memory, track.state, track.detectors = done.memory, done.state, done.detectors
        return results

    def forget(self, device_id: uuid.UUID) -> None:
        with self._guard:
            self._tracks.pop(device_id, None)

    def forget_all(self) -> None:
        """After a failed transaction: what was remembered may be ahead of what was
        committed, so every device starts again from its stored live state."""
        with self._guard:
            self._tracks.clear()

    def rules_for(self, session: Session, device: DeviceRef, now: datetime) -> Rules:
        """The detectors and zones a device's fixes run through now: its organisation's
        and its vehicle's, each re-read at most every ``RULES_TTL_S``."""
        clock = self.clock()
        org = self._org_rules(session, device.org_id, clock)
        vehicle_id = device.vehicle_id
        if vehicle_id is None:
            return org.rules
        entry = self._vehicles.get(vehicle_id)
        if entry is not None and _fresh(entry.facts.loaded, clock):
            if entry.org is org:
                return entry.rules
            facts = entry.facts  # the organisation's rules changed, the vehicle's did not
        else:
            facts = _vehicle_facts(session, device.org_id, vehicle_id, org, now, clock)
        rules = _vehicle_rules(org, facts)
        self._vehicles[vehicle_id] = _VehicleEntry(facts, org, rules)
        return rules

    def _org_rules(self, session: Session, org_id: uuid.UUID, clock: float) -> OrgRules:
        cached = self._orgs.get(org_id)
        if cached is not None and _fresh(cached.loaded, clock):
            return cached
        rules = self._orgs[org_id] = _org_rules(session, org_id, clock, self.limits)
        return rules

    def _track(self, session: Session, device: DeviceRef, now: datetime) -> Track:
        with self._guard:
            track = self._tracks.get(device.id)
            if track is None:
                health = _params(self.rules_for(session, device, now), "device_health")
                track = self._tracks[device.id] = _load(session, device, now, health)
            return track

    def _run(
        self,
        session: Session,
        device: DeviceRef,
        track: Track,
        pings: Sequence[Ping],
        now: datetime,
        rows: list[Stored],
        results: list[IngestResult],
        sizes: list[int],
    ) -> _Staged:
        """One device's fixes down the stages and detectors; stored rows are appended
        to ``rows``. Each fix's outcome is counted in the result of the request that
        brought it (``sizes``: how many fixes each request sent, in order)."""
        owner: list[tuple[IngestResult, int]] = [
            (result, index)
            for result, size in zip(results, sizes, strict=True)
            for index in range(size)
        ]
        memory, state, detectors = track.memory, track.state, dict(track.detectors)
        rules = self.rules_for(session, device, now)
        zones, active = rules.zones, rules.detectors
        events: list[DetectorEvent] = []
        accepted = 0
        protocol = pings[0].protocol if pings else "native"
        stages, pipeline, live, emitted = self.stages, self.params, self.live, rows
        for position in sorted(range(len(pings)), key=lambda i: pings[i].time):
            result, index = owner[position]
            outcome = run(pings[position], memory, pipeline, now, stages)
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
            emitted.append((device, ping, not outcome.live))
            accepted += 1
            result.accepted += 1
            if not outcome.live:
                result.late += 1
                continue
            state = live_state.apply(state, ping, live)
            fired_here = len(events)
            for name, detect, params in active:
                detectors[name], fired = detect(detectors.get(name), ping, params)
                if fired:
                    events.extend(fired)
            if zones.zones:
                detectors["geofence"], fired = geofence.update(
                    detectors.get("geofence"), ping, zones
                )
                events.extend(fired)
            result.events.extend(events[fired_here:])
        if accepted:
            ACCEPTED.labels(protocol).inc(accepted)
        moved = state.last_fix is not None and state is not track.state
        return _Staged(device, memory, state, detectors, events, moved)

    def _store(
        self,
        session: Session,
        rows: list[Stored],
        staged: list[tuple[Track, _Staged]],
        now: datetime,
    ) -> None:
        if rows:
            _store_pings(session, rows, now)
            closed_days.reopen_for(
                session, ((device.org_id, ping.time) for device, ping, _ in rows), now
            )
        moved = [done for _, done in staged if done.moved]
        if moved:
            _store_live(session, moved)
        for _, done in staged:
            device = done.device
            if done.moved:
                _publish_position(session, device, done.state)
            store_events(session, device, done.events)

    def mark_offline(self, device_id: uuid.UUID) -> None:
        """The offline sweep raised ``device_offline``: the next fix says it is back."""
        with self._guard:
            track = self._tracks.get(device_id)
        if track is None:
            return
        with track.lock:
            health = track.detectors.get("device_health")
            if isinstance(health, device_health.State):
                track.detectors = {
                    **track.detectors,
                    "device_health": device_health.State(
                        health.device, health.last_fix, False, health.battery_low
                    ),
                }


def store_events(session: Session, device: DeviceRef, events: Sequence[DetectorEvent]) -> None:
    """Keep each event (with the fixes and thresholds in its data) and announce it on
    the bus as ``telemetry.<kind>`` once the transaction commits."""
    for event in events:
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


@dataclass
class _Staged:
    """One device's outcome of a batch, waiting for the batch's statements."""

    device: DeviceRef
    memory: DeviceMemory
    state: live_state.VehicleState
    detectors: dict[str, Any]
    events: list[DetectorEvent]
    moved: bool


def zone_shape(row: ZoneRow) -> geofence.Zone:
    """A stored zone as the geofence detector (and the logbook) test points against."""
    shape: geofence.Shape
    if row.polygon:
        shape = geofence.Polygon(tuple(LatLon(p["lat"], p["lon"]) for p in row.polygon))
    else:
        assert row.lat is not None and row.lon is not None and row.radius_m is not None
        shape = geofence.Circle(LatLon(row.lat, row.lon), row.radius_m)
    dwell = None if row.dwell_minutes is None else timedelta(minutes=row.dwell_minutes)
    return geofence.Zone(str(row.id), row.name, shape, row.restricted, dwell)


def _fresh(loaded: float, clock: float) -> bool:
    return 0.0 <= clock - loaded < RULES_TTL_S


def _params(rules: Rules, name: str) -> Any:
    return next(params for detector, _, params in rules.detectors if detector == name)


def organisation_params(
    org_id: uuid.UUID, settings: Mapping[str, Any] | None, limits: SpeedLimits | None = None
) -> dict[str, Any]:
    """Each detector's parameters, by name, with the organisation's stored overrides
    and, given ``limits``, the road's legal limit bound to speeding: what the live
    tracker runs and the logbook replays with. A stored row that no longer validates
    (edited by hand) is logged and the defaults apply: tracking must not stop."""
    try:
        params: dict[str, Any] = dict(detector_params(settings))
    except ValueError as exc:
        log.error("organisation %s has unusable telemetry settings: %s", org_id, exc)
        params = dict(detector_params(None))
    if limits is not None:
        params["speeding"] = dataclasses.replace(
            params["speeding"], limit_kmh_for=_road_limit(limits)
        )
    return params


def _org_rules(
    session: Session, org_id: uuid.UUID, clock: float, limits: SpeedLimits | None
) -> OrgRules:
    """Read one organisation's thresholds, zones and known places and bind them."""
    row = session.execute(
        select(Organisation.timezone, Organisation.telemetry_settings).where(
            Organisation.id == org_id
        )
    ).one_or_none()
    time_zone, settings = (row.timezone, row.telemetry_settings) if row else ("UTC", {})
    try:
        ZoneInfo(time_zone)
    except (ValueError, KeyError) as exc:  # not an IANA name: allowed hours read in UTC
        log.error("organisation %s has an unknown time zone %r: %s", org_id, time_zone, exc)
        time_zone = "UTC"
    params = organisation_params(org_id, settings, limits)
    zone_rows = list(
        session.scalars(select(ZoneRow).where(ZoneRow.org_id == org_id, ZoneRow.active.is_(True)))
    )
    zones = tuple(zone_shape(zone) for zone in zone_rows)
    depots = session.execute(
        select(Depot.id, Depot.name, Depot.lat, Depot.lon).where(Depot.org_id == org_id)
    )
    known = tuple(
        zone for zone, row in zip(zones, zone_rows, strict=True) if row.kind in KNOWN_PLACE_KINDS
    ) + tuple(
        geofence.Zone(
            f"depot:{d.id}", d.name, geofence.Circle(LatLon(d.lat, d.lon), DEPOT_RADIUS_M)
        )
        for d in depots
    )
    if known:
        params["idling"] = dataclasses.replace(params["idling"], in_known_place=_inside(known))
    rules = Rules(
        tuple((name, update, params[name]) for name, update in UPDATES),
        geofence.Params(zones=zones),
    )
    return OrgRules(clock, rules, time_zone, {zone.id: zone for zone in zones}, known)


def _vehicle_facts(
    session: Session,
    org_id: uuid.UUID,
    vehicle_id: uuid.UUID,
    org: OrgRules,
    now: datetime,
    clock: float,
) -> VehicleFacts:
    """Read a vehicle's allowed hours, designated zone and today's stops."""
    row = session.execute(
        select(Vehicle.allowed_hours, Vehicle.designated_zone_id).where(
            Vehicle.org_id == org_id, Vehicle.id == vehicle_id
        )
    ).one_or_none()
    schedule = None
    if row is not None and row.allowed_hours is not None:
        try:
            schedule = weekly_schedule(row.allowed_hours)
        except ValueError as exc:  # a hand-edited row: no off-hours alerts, say why
            log.error("vehicle %s has unusable allowed hours: %s", vehicle_id, exc)
    zone_id = None if row is None or row.designated_zone_id is None else str(row.designated_zone_id)
    today = now.astimezone(ZoneInfo(org.time_zone)).date()
    stops = session.execute(
        select(Stop.id, Stop.lat, Stop.lon)
        .join(Route, Route.id == Stop.route_id)
        .where(Route.org_id == org_id, Route.date == today, Route.vehicle_id == vehicle_id)
    )
    circles = tuple(
        geofence.Zone(
            f"stop:{stop.id}", "stop", geofence.Circle(LatLon(stop.lat, stop.lon), STOP_RADIUS_M)
        )
        for stop in stops
    )
    return VehicleFacts(clock, schedule, zone_id, circles)


def _vehicle_rules(org: OrgRules, facts: VehicleFacts) -> Rules:
    """The organisation's rules plus the vehicle's: its stops as known places, and the
    off-hours detector when it has allowed hours or a designated zone (an inactive or
    deleted zone counts as none)."""
    detectors = list(org.rules.detectors)
    if facts.stops:
        places = org.known_places + facts.stops
        detectors = [
            (name, update, dataclasses.replace(params, in_known_place=_inside(places)))
            if name == "idling"
            else (name, update, params)
            for name, update, params in detectors
        ]
    area = (
        None if facts.designated_zone_id is None else org.zones_by_id.get(facts.designated_zone_id)
    )
    if facts.schedule is not None or area is not None:
        schedule = ANY_TIME if facts.schedule is None else facts.schedule
        params = off_hours.Params(schedule, org.time_zone, designated_area=area)
        detectors.append(("off_hours", off_hours.update, params))
    return Rules(tuple(detectors), org.rules.zones)


def _road_limit(limits: SpeedLimits) -> Callable[[Ping], float | None]:
    def limit_kmh_for(ping: Ping) -> float | None:
        return limits(ping.lat, ping.lon)

    return limit_kmh_for


def _inside(places: tuple[geofence.Zone, ...]) -> Callable[[Ping], bool]:
    def in_known_place(ping: Ping) -> bool:
        point = LatLon(ping.lat, ping.lon)
        return any(place.contains(point) for place in places)

    return in_known_place


def _load(
    session: Session, device: DeviceRef, now: datetime, health: device_health.Params
) -> Track:
    """A device's memory from its stored live state. Detector episodes in flight are
    not stored and start afresh, except device health: a device quiet for longer than
    the organisation's offline threshold is known to be offline, so its next fix says
    it is back."""
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
    online = now - row.time < health.offline_after
    return Track(
        DeviceMemory(last_live=last, recent_times=(row.time,)),
        state,
        {"device_health": device_health.State(device.identifier, last, online=online)},
    )


PING_COLUMNS = (
    "org_id",
    "device_id",
    "vehicle_id",
    "time",
    "received",
    "lat",
    "lon",
    "speed",
    "heading",
    "accuracy",
    "altitude",
    "late",
    "protocol",
    "attributes",
)
PingValues = tuple[Any, ...]  # in PING_COLUMNS order
Stored = tuple["DeviceRef", Ping, bool]  # a fix to store, and whether it is late


def _attributes(ping: Ping) -> dict[str, Any]:
    """What is kept beside the columns: the device's extras and the Ping fields that
    have no column of their own."""
    attributes = dict(ping.attributes) if ping.attributes else {}
    for key in ("battery", "charging", "ignition", "odometer", "driver"):
        value = getattr(ping, key)
        if value is not None:
            attributes[key] = value
    return _jsonable(attributes) if attributes else {}


def _row(device: DeviceRef, ping: Ping, now: datetime, late: bool) -> dict[str, Any]:
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
        "attributes": _attributes(ping),
    }


def _insert(session: Session, table: Any) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


_SQLITE_PING_INSERT = (
    f"INSERT INTO pings ({', '.join(PING_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in PING_COLUMNS)}) "
    "ON CONFLICT (device_id, time) DO NOTHING"
)


def _store_pings(session: Session, rows: list[Stored], now: datetime) -> None:
    """One statement for the batch; a fix already stored (same device and time) is
    kept as it was, the repeat ignored.

    On SQLite, the embedded default, the rows go to the driver as they are stored
    (hex UUIDs, UTC text times, JSON text: exactly what the column types write, checked
    by a test that reads them back through the ORM), skipping SQLAlchemy's per-value
    processing, which is a third of the cost of a fix there."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection().exec_driver_sql(_SQLITE_PING_INSERT, _sqlite_rows(rows, now))
        return
    stmt = _insert(session, cast(Table, PingRow.__table__)).on_conflict_do_nothing(
        index_elements=["device_id", "time"]
    )
    session.execute(stmt, [_row(device, ping, now, late) for device, ping, late in rows])


def _sqlite_rows(rows: list[Stored], now: datetime) -> list[PingValues]:
    ids: dict[uuid.UUID, tuple[str, str, str | None]] = {}
    received_now = _sqlite_time(now)
    values = []
    for device, ping, late in rows:
        known = ids.get(device.id)
        if known is None:
            vehicle = device.vehicle_id
            known = ids[device.id] = (
                device.org_id.hex,
                device.id.hex,
                None if vehicle is None else vehicle.hex,
            )
        attributes = _attributes(ping)
        values.append(
            (
                *known,
                _sqlite_time(ping.time),
                received_now if ping.received is None else _sqlite_time(ping.received),
                ping.lat,
                ping.lon,
                ping.speed,
                ping.heading,
                ping.accuracy,
                ping.altitude,
                int(late),
                ping.protocol,
                json.dumps(attributes, separators=(",", ":")) if attributes else "{}",
            )
        )
    return values


def _sqlite_time(value: datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text of the UTC instant (see ``UTCDateTime``)."""
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


@functools.cache
def _live_upsert(dialect: str) -> Any:
    """The live-state upsert, built once per dialect (building ``excluded`` is slow)."""
    stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(
        cast(Table, LiveState.__table__)
    )
    updated = {
        column.name: stmt.excluded[column.name]
        for column in LiveState.__table__.columns
        if column.name != "device_id"
    }
    return stmt.on_conflict_do_update(index_elements=["device_id"], set_=updated)


def _store_live(session: Session, moved: list[_Staged]) -> None:
    """Upsert every moved device's live state, and its ``last_seen_at``, in two
    statements whatever the number of devices."""
    values = []
    for done in moved:
        fix, state = done.state.last_fix, done.state
        assert fix is not None
        values.append(
            {
                "device_id": done.device.id,
                "org_id": done.device.org_id,
                "vehicle_id": done.device.vehicle_id,
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
        )
    session.execute(_live_upsert(session.get_bind().dialect.name), values)
    devices = cast(Table, Device.__table__)
    session.execute(
        update(devices)
        .where(devices.c.id == bindparam("b_id"))
        .values(last_seen_at=bindparam("b_seen")),
        [{"b_id": v["device_id"], "b_seen": v["time"]} for v in values],
    )


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
