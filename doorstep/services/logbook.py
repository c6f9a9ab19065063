"""The logbook: what each vehicle (and its driver) did on one local day, replayed from
the stored fixes through the very detector functions the live pipeline runs.

Why replay rather than read the stored ``TelemetryEvent`` rows: only *live* fixes reach
the live detectors. A tracker that buffered its fixes while offline uploads them
``late``; they are stored but never detected live, and a restart forgets episodes in
flight. Replaying every stored fix of the day (late ones included: they are real
history) through ``motion``, ``idling``, ``speeding`` and ``harsh`` with the live
pipeline's own parameters (the organisation's thresholds, ``detector_params`` of its
``telemetry_settings``, and the road network's legal limits when the caller passes
``limits``, as the live tracker binds them) gives the same events the live pipeline
would have given had every fix arrived on time, whenever it was uploaded.

Rules, each for one vehicle on one day:

- The day is the organisation's local calendar day (``Organisation.timezone``), so a
  DST day has 23 or 25 hours. Its fixes are replayed from a fresh state: a trip that
  crosses midnight counts on both days, each up to its last or from its first fix.
- One tracker per vehicle-day: the device with the most fixes that day. Two trackers in
  one van (a phone and a box) would otherwise zigzag between their positions and count
  the distance twice.
- Trips (``motion``): every ``trip_ended`` plus a trip still running at the day's last
  fix. ``driving_seconds`` and ``distance_m`` are the sums of the trips' durations and
  distances as ``motion`` measures them (haversine legs from departure to arrival), so
  drift while parked is never distance.
- Stops: standings of at least ``motion``'s ``stop_after`` between two trips (a
  ``stop_started`` right after a ``trip_ended`` that is later left with ``stop_ended``).
  The parking before the day's first trip and after its last one is where the van
  spends the night, not a stop.
- Idle time (``idling``): the duration of every idling episode (ignition on, standing,
  at least ``idle_after``), one still running at the day's last fix up to that fix.
  Trackers without ignition cannot tell idling from parking and give no idle time.
- Fuel and CO2: ``domain.fuel`` from distance, idle time and the vehicle's fuel type
  and consumption; unknown consumption gives unknown fuel, never a guess.
- Safety events: speeding episodes (``speeding_started``, once per episode) and harsh
  braking, acceleration and cornering (one event per manoeuvre), per 100 km driven.
- The driver: the driver of the vehicle's route that day (``Route.date``, the earliest
  planned start first) because a route is the only dated record of who drove; else the
  driver bound to the tracker (``Device.driver_id``); else the one driver whose own
  vehicle it is (``Driver.vehicle_id``). Two drivers sharing a van with no route leave
  the driver blank rather than guessed.

- Distance per jurisdiction (fuel-tax reports): the trips' distance split by the
  organisation's active ``jurisdiction`` zones (``domain.jurisdictions``); empty when it
  has none. In CSV, ``name=metres`` pairs separated by ``; ``.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain import fuel
from doorstep.domain.detectors import geofence, harsh, idling, motion, speeding
from doorstep.domain.detectors.events import DetectorEvent
from doorstep.domain.detectors.replay import replay, replay_with_state
from doorstep.domain.jurisdictions import distance_by_jurisdiction
from doorstep.domain.ping import Ping
from doorstep.domain.principal import Principal
from doorstep.services import accounts, timing, tracking
from doorstep.storage import repository as repo
from doorstep.storage.tables import Device, Driver, PingRow, Route, Vehicle, Zone

# The live pipeline's default parameters (an organisation that overrides nothing).
_LIVE_PARAMS: dict[str, Any] = {name: params for name, _, params in tracking.DETECTORS}
SAFETY_KINDS = frozenset(
    {"speeding_started", "harsh_braking", "harsh_acceleration", "harsh_cornering"}
)


@dataclass(frozen=True, slots=True)
class LogbookRow:
    """One vehicle on one local day. Seconds, metres; times in UTC."""

    date: date
    vehicle_id: uuid.UUID
    vehicle_name: str
    plate: str | None
    driver_id: uuid.UUID | None
    driver_name: str | None
    driver_from: str | None  # "route" | "device" | "vehicle": how the driver was found
    device_id: uuid.UUID
    fixes: int
    first_fix: datetime
    last_fix: datetime
    trips: int
    driving_seconds: float
    distance_m: float
    stops: int
    stop_seconds: float
    stop_mean_seconds: float | None
    idle_seconds: float
    fuel_type: str
    consumption_per_100km: float | None
    fuel_used: float | None
    idle_fuel: float | None
    fuel_unit: str | None
    co2_kg: float | None
    speeding_episodes: int
    harsh_events: int
    harsh_braking: int
    harsh_acceleration: int
    harsh_cornering: int
    safety_events: int
    safety_events_per_100km: float | None
    distance_by_jurisdiction_m: dict[str, float]


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(LogbookRow))


@dataclass(frozen=True, slots=True)
class DaySummary:
    """What the detectors say about one tracker's fixes of one day."""

    trips: int = 0
    driving_seconds: float = 0.0
    distance_m: float = 0.0
    stop_durations: tuple[float, ...] = ()
    idle_seconds: float = 0.0
    speeding_episodes: int = 0
    harsh_events: int = 0
    harsh_by_kind: tuple[tuple[str, int], ...] = ()
    trip_spans: tuple[tuple[datetime, datetime], ...] = ()


def day_logbook(
    session: Session,
    principal: Principal,
    day: date,
    vehicle_id: uuid.UUID | None = None,
    driver_id: uuid.UUID | None = None,
    limits: tracking.SpeedLimits | None = None,
) -> list[LogbookRow]:
    """One row per vehicle with fixes on ``day``, ordered by vehicle name; only the
    asked vehicle's or driver's rows when one is named (another organisation's id is
    a 404, like one that does not exist). ``limits``: the road network's legal limits
    (``Tracker.limits``), so speeding counts as it does live."""
    org = accounts.get_organisation(session, principal)
    params = tracking.organisation_params(org.id, org.telemetry_settings, limits)
    since = timing.day_epoch(day, org.timezone)
    until = timing.day_epoch(day + timedelta(days=1), org.timezone)
    if driver_id is not None:
        repo.get_owned(session, Driver, principal.org_id, driver_id, "driver")
    if vehicle_id is not None:
        vehicles = [repo.get_owned(session, Vehicle, principal.org_id, vehicle_id, "vehicle")]
    else:
        vehicles = _vehicles_with_fixes(session, principal.org_id, since, until)
    rows = []
    zones = jurisdiction_zones(session, principal.org_id)
    for vehicle in sorted(vehicles, key=lambda v: (v.name, str(v.id))):
        row = _vehicle_day(session, vehicle, day, since, until, zones, params)
        if row is not None and (driver_id is None or row.driver_id == driver_id):
            rows.append(row)
    return rows


def summarise(pings: Sequence[Ping], params: Mapping[str, Any] | None = None) -> DaySummary:
    """Replay one tracker's fixes of a day through the live detectors and add up;
    ``params`` by detector name (``tracking.organisation_params``; idling's known
    places stay unbound: they only tell "stationary" phones, which a logbook does not
    count), the defaults without."""
    p = _LIVE_PARAMS if params is None else params
    motion_state, motion_events = replay_with_state(motion.update, p["motion"], pings)
    idle_state, idle_events = replay_with_state(idling.update, p["idling"], pings)
    safety = [
        e.kind
        for e in (
            *replay(speeding.update, p["speeding"], pings),
            *replay(harsh.update, p["harsh"], pings),
        )
        if e.kind in SAFETY_KINDS
    ]
    trips = _trips(motion_events, motion_state)
    return DaySummary(
        trips=len(trips),
        driving_seconds=sum(duration for duration, _ in trips),
        distance_m=sum(distance for _, distance in trips),
        stop_durations=_stops(motion_events),
        idle_seconds=_idle_seconds(idle_events, idle_state),
        speeding_episodes=sum(1 for kind in safety if kind == "speeding_started"),
        harsh_events=sum(1 for kind in safety if kind.startswith("harsh_")),
        harsh_by_kind=tuple(sorted(Counter(k for k in safety if k.startswith("harsh_")).items())),
        trip_spans=_trip_spans(motion_events, motion_state),
    )


def _trip_spans(
    events: Sequence[DetectorEvent], final: motion.State | None
) -> tuple[tuple[datetime, datetime], ...]:
    """(departure, arrival) of every trip, a running one up to the last fix."""
    spans = [
        (
            datetime.fromisoformat(e.data["start"]["time"]),
            datetime.fromisoformat(e.data["end"]["time"]),
        )
        for e in events
        if e.kind == "trip_ended"
    ]
    if final is not None and final.mode == "moving" and final.trip is not None:
        spans.append((final.trip.start.time, final.last.time))
    return tuple(spans)


def jurisdiction_zones(session: Session, org_id: uuid.UUID) -> list[geofence.Zone]:
    rows = session.scalars(
        repo.owned(Zone, org_id)
        .where(Zone.kind == "jurisdiction", Zone.active.is_(True))
        .order_by(Zone.name, Zone.id)
    )
    return [tracking.zone_shape(row) for row in rows]


def _trips(
    events: Sequence[DetectorEvent], final: motion.State | None
) -> list[tuple[float, float]]:
    """(duration s, distance m) of every trip, a running one up to the last fix."""
    trips = [
        (float(e.data["duration_s"]), float(e.data["distance_m"]))
        for e in events
        if e.kind == "trip_ended"
    ]
    if final is not None and final.mode == "moving" and final.trip is not None:
        running = (final.last.time - final.trip.start.time).total_seconds()
        trips.append((running, final.trip.distance_m))
    return trips


def _stops(events: Sequence[DetectorEvent]) -> tuple[float, ...]:
    """Durations of the stops between two trips (see the module's rules)."""
    durations: list[float] = []
    after_trip = between_trips = False
    for event in events:
        if event.kind == "trip_ended":
            after_trip = event.data.get("reason") == "stopped"
        elif event.kind == "stop_started":
            between_trips, after_trip = after_trip, False
        elif event.kind == "stop_ended":
            if between_trips:
                durations.append(float(event.data["duration_s"]))
            between_trips = False
    return tuple(durations)


def _idle_seconds(events: Sequence[DetectorEvent], final: idling.State | None) -> float:
    total = sum(float(e.data["duration_s"]) for e in events if e.kind == "idling_ended")
    if final is not None and final.active and final.kind == "idling" and final.since:
        total += (final.last.time - final.since.time).total_seconds()
    return total


def _vehicles_with_fixes(
    session: Session, org_id: uuid.UUID, since: datetime, until: datetime
) -> list[Vehicle]:
    # Per vehicle, on the (vehicle, time) index: pings have no index by organisation.
    fixed = (
        select(PingRow.id)
        .where(PingRow.vehicle_id == Vehicle.id, PingRow.time >= since, PingRow.time < until)
        .exists()
    )
    return list(session.scalars(repo.owned(Vehicle, org_id).where(fixed)))


def _vehicle_day(
    session: Session,
    vehicle: Vehicle,
    day: date,
    since: datetime,
    until: datetime,
    zones: Sequence[geofence.Zone] = (),
    params: Mapping[str, Any] | None = None,
) -> LogbookRow | None:
    fixes = _fixes(session, vehicle, since, until)
    if not fixes:
        return None
    device_id, pings = fixes
    summary = summarise(pings, params)
    driver, driver_from = _driver(session, vehicle, device_id, day)
    use = fuel.fuel_use(
        vehicle.fuel_type, summary.distance_m, summary.idle_seconds, vehicle.consumption_per_100km
    )
    safety = summary.speeding_episodes + summary.harsh_events
    harsh = dict(summary.harsh_by_kind)
    stops = summary.stop_durations
    km = summary.distance_m / 1000.0
    return LogbookRow(
        date=day,
        vehicle_id=vehicle.id,
        vehicle_name=vehicle.name,
        plate=vehicle.plate,
        driver_id=driver.id if driver else None,
        driver_name=driver.name if driver else None,
        driver_from=driver_from,
        device_id=device_id,
        fixes=len(pings),
        first_fix=pings[0].time,
        last_fix=pings[-1].time,
        trips=summary.trips,
        driving_seconds=round(summary.driving_seconds, 1),
        distance_m=round(summary.distance_m, 1),
        stops=len(stops),
        stop_seconds=round(sum(stops), 1),
        stop_mean_seconds=round(sum(stops) / len(stops), 1) if stops else None,
        idle_seconds=round(summary.idle_seconds, 1),
        fuel_type=vehicle.fuel_type,
        consumption_per_100km=vehicle.consumption_per_100km,
        fuel_used=_round(use.total, 3),
        idle_fuel=_round(use.idling, 3),
        fuel_unit=use.unit,
        co2_kg=_round(use.co2_kg, 3),
        speeding_episodes=summary.speeding_episodes,
        harsh_events=summary.harsh_events,
        harsh_braking=harsh.get("harsh_braking", 0),
        harsh_acceleration=harsh.get("harsh_acceleration", 0),
        harsh_cornering=harsh.get("harsh_cornering", 0),
        safety_events=safety,
        safety_events_per_100km=round(safety / km * 100.0, 2) if km > 0 else None,
        distance_by_jurisdiction_m={
            name: round(metres, 1)
            for name, metres in distance_by_jurisdiction(pings, summary.trip_spans, zones).items()
        },
    )


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _fixes(
    session: Session, vehicle: Vehicle, since: datetime, until: datetime
) -> tuple[uuid.UUID, list[Ping]] | None:
    """The day's fixes of the vehicle's main tracker, late ones included, oldest first."""
    stmt = (
        select(
            PingRow.device_id,
            PingRow.time,
            PingRow.lat,
            PingRow.lon,
            PingRow.speed,
            PingRow.heading,
            PingRow.accuracy,
            PingRow.altitude,
            PingRow.attributes,
        )
        .where(
            PingRow.org_id == vehicle.org_id,
            PingRow.vehicle_id == vehicle.id,
            PingRow.time >= since,
            PingRow.time < until,
        )
        .order_by(PingRow.time, PingRow.id)
    )
    rows = session.execute(stmt).all()
    if not rows:
        return None
    counts = Counter(row.device_id for row in rows)
    main = max(counts, key=lambda device: counts[device])  # first seen wins a tie
    return main, [_ping(row) for row in rows if row.device_id == main]


def _ping(row: Any) -> Ping:
    attributes = dict(row.attributes or {})
    ignition = attributes.get("ignition")
    odometer = attributes.get("odometer")
    return Ping(
        device=str(row.device_id),
        time=row.time,
        lat=row.lat,
        lon=row.lon,
        speed=row.speed,
        heading=row.heading,
        accuracy=row.accuracy,
        altitude=row.altitude,
        ignition=ignition if isinstance(ignition, bool) else None,
        odometer=float(odometer) if isinstance(odometer, int | float) else None,
        attributes=attributes,
    )


def _driver(
    session: Session, vehicle: Vehicle, device_id: uuid.UUID, day: date
) -> tuple[Driver | None, str | None]:
    org_id = vehicle.org_id
    route_driver = session.scalar(
        select(Route.driver_id)
        .where(
            Route.org_id == org_id,
            Route.vehicle_id == vehicle.id,
            Route.date == day,
            Route.driver_id.is_not(None),
        )
        .order_by(Route.planned_start.is_(None), Route.planned_start, Route.id)
        .limit(1)
    )
    if route_driver is not None:
        return repo.find_owned(session, Driver, org_id, route_driver), "route"
    device = repo.find_owned(session, Device, org_id, device_id)
    if device is not None and device.driver_id is not None:
        return repo.find_owned(session, Driver, org_id, device.driver_id), "device"
    own = list(session.scalars(repo.owned(Driver, org_id).where(Driver.vehicle_id == vehicle.id)))
    if len(own) == 1:
        return own[0], "vehicle"
    return None, None


def as_csv(rows: Sequence[LogbookRow]) -> str:
    """The rows as CSV with a header; times in ISO 8601 UTC, unknown values empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow(_cell(v) for v in asdict(row).values())
    return out.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return str(value)
