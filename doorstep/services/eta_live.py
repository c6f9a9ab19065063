"""The Predict flow: events from the bus -> the ETA engine -> ETAs on the stops and
``eta.updated`` on the bus.

One ``EtaEngine`` per organisation (what it learns is that organisation's), fed by
``vehicle.position`` (every accepted live fix), ``route.started`` / ``route.changed``
(load the route's plan), ``stop.arrived`` / ``stop.completed`` and ``route.completed``,
and ``tick`` on a timer (so a vehicle that went quiet is reported stale). Only what the
``ChangeGate`` passes is written and published: an ETA that moved by more than a
minute, crossed the promised window, or changed its stops-away.

An organisation's engine starts from its history: the stops its drivers served in the
last ``HISTORY_DAYS`` days (``learn_history``: service times, hourly traffic, drivers'
paces, whether they wait for windows and, from the routes that are over, when they
take their breaks), so a restart does not forget what the organisation's days have
taught.

A route is loaded from the store the first time one of its events arrives (so a
restart picks up routes in progress), and a fix of a vehicle with no route in progress
is ignored, with the vehicle looked up again at most once a minute.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from doorstep import clock
from doorstep.bus import Event
from doorstep.domain import eta_accuracy
from doorstep.domain.route_status import RouteStatus
from doorstep.eta import (
    ChangeGate,
    EtaEngine,
    Fix,
    PlannedStop,
    RouteEta,
    RoutePlan,
    ServedRoute,
    ServedStop,
)
from doorstep.eta.model import StopEta
from doorstep.services import notifications
from doorstep.services.events import emit
from doorstep.storage.tables import Order, Organisation, Route, Stop

log = logging.getLogger("doorstep.eta")
RECHECK_S = 60.0
NEAR_DEG2 = 0.0005**2  # about 50 m, in squared degrees of latitude
TOPICS = ("vehicle.position", "route", "stop")
HISTORY_DAYS = 28
HISTORY_STOPS = 20_000  # the most recent, at most


class LiveEta:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions
        self._engines: dict[str, EtaEngine] = {}
        self._gates: dict[str, ChangeGate] = {}
        self._loaded: dict[str, str] = {}  # route id -> org id
        self._checked: dict[str, float] = {}  # vehicle id -> when last looked up
        # The "arriving" notification threshold per organisation, and when it was read.
        self._near: dict[str, tuple[float | None, float]] = {}
        self._announced: dict[str, set[str]] = {}  # route id -> stops found near

    def handle(self, event: Event, now: datetime) -> RouteEta | None:
        """One bus event; returns the route's refreshed ETAs (published if they moved)."""
        org, data, topic = event.org_id, event.data, event.topic
        result: RouteEta | None = None
        if topic == "vehicle.position":
            vehicle = data.get("vehicle_id")
            if not vehicle:
                return None
            engine = self._engine(org)
            if engine.route_of(vehicle) is None and not self._load_for_vehicle(org, vehicle, now):
                return None
            speed = data.get("speed_kmh")
            fix = Fix(
                datetime.fromisoformat(data["time"]),
                float(data["lat"]),
                float(data["lon"]),
                None if speed is None else float(speed) / 3.6,
            )
            result = engine.on_fix(vehicle, fix, now)
        elif topic in ("route.started", "route.changed"):
            result = self.load_route(org, data["route_id"], now)
        elif topic in ("route.completed", "route.cancelled"):
            self._drop(org, data["route_id"])
            return None
        elif topic in ("stop.arrived", "stop.completed"):
            route_id = data["route_id"]
            if route_id not in self._loaded and self.load_route(org, route_id, now) is None:
                return None
            engine = self._engine(org)
            arrived = _time(data.get("arrived_at"))
            if topic == "stop.arrived" and arrived is not None:
                result = engine.on_stop_arrived(route_id, data["stop_id"], arrived, now)
            else:
                result = engine.on_stop_done(
                    route_id,
                    data["stop_id"],
                    arrived_at=arrived,
                    departed_at=_time(data.get("departed_at")),
                    now=now,
                )
        if result is not None:
            self._publish(org, result)
        return result

    def tick(self, now: datetime) -> None:
        """Refresh every loaded route: silence turns into stale positions."""
        for route_id, org in list(self._loaded.items()):
            result = self._engine(org).refresh(route_id, now)
            if result is not None:
                self._publish(org, result)

    def load_route(self, org: str, route_id: str, now: datetime) -> RouteEta | None:
        """(Re)load a route in progress from the store; a route that is not in
        progress is dropped."""
        with self._sessions() as session:
            route = session.get(Route, uuid.UUID(route_id))
            if route is None or str(route.org_id) != org or route.status != "in_progress":
                plan = None
            else:
                plan = _plan(session, route)
        if plan is None:
            self._drop(org, route_id)
            return None
        self._loaded[route_id] = org
        gate = self._gate(org)
        gate.promise_plan(plan)
        return self._engine(org).set_route(plan, now)

    def _load_for_vehicle(self, org: str, vehicle: str, now: datetime) -> bool:
        seen = self._checked.get(vehicle)
        if seen is not None and time.monotonic() - seen < RECHECK_S:
            return False
        self._checked[vehicle] = time.monotonic()
        with self._sessions() as session:
            route_id = session.scalar(
                select(Route.id)
                .where(
                    Route.org_id == uuid.UUID(org),
                    Route.vehicle_id == uuid.UUID(vehicle),
                    Route.status == "in_progress",
                )
                .order_by(Route.planned_start.desc())
                .limit(1)
            )
        return route_id is not None and self.load_route(org, str(route_id), now) is not None

    def _newly_near(self, org: str, result: RouteEta) -> list[str]:
        """Stops that just came within the organisation's "arriving" notice: the ETA
        may not move, but the clock does."""
        minutes, read = self._near.get(org, (None, -1e9))
        if time.monotonic() - read > RECHECK_S:
            with self._sessions() as session:
                row = session.get(Organisation, uuid.UUID(org))
                rules = notifications.organisation_settings(row).rules if row else None
                minutes = rules.arriving.minutes if rules and rules.arriving.enabled else None
            self._near[org] = (minutes, time.monotonic())
        if minutes is None:
            return []
        seen = self._announced.setdefault(result.route_id, set())
        near = [
            s.stop_id
            for s in result.stops
            if s.stop_id not in seen and s.eta_s - result.computed_at_s <= minutes * 60
        ]
        seen.update(near)
        return near

    def _drop(self, org: str, route_id: str) -> None:
        self._announced.pop(route_id, None)
        if self._loaded.pop(route_id, None) is not None:
            self._engine(org).drop_route(route_id)
            self._gate(org).forget(route_id)

    def _engine(self, org: str) -> EtaEngine:
        engine = self._engines.get(org)
        if engine is None:
            with self._sessions() as session:
                row = session.get(Organisation, uuid.UUID(org))
                zone = ZoneInfo(row.timezone) if row is not None else ZoneInfo("UTC")
                engine = EtaEngine(timezone=zone)
                learned = engine.learn_history(served_history(session, uuid.UUID(org)))
            log.info("ETA engine for organisation %s learned from %d served stops", org, learned)
            self._engines[org] = engine
        return engine

    def _gate(self, org: str) -> ChangeGate:
        gate = self._gates.get(org)
        if gate is None:
            gate = self._gates[org] = ChangeGate()
        return gate

    def _publish(self, org: str, result: RouteEta) -> None:
        publication = self._gate(org).review(result)
        near = self._newly_near(org, result)
        if not publication and not near:
            return
        with self._sessions.begin() as session:
            if publication:
                store(session, result, publication.changed, publication.withdrawn)
            changed = [s.stop_id for s in publication.changed] if publication else []
            notify(session, result, [*changed, *near])
            if not publication:
                return
            emit(
                session,
                Event(
                    org,
                    "eta.updated",
                    {
                        "route_id": result.route_id,
                        "position_stale": result.position_stale,
                        "computed_at": result.computed_at.isoformat(),
                        "stops": [_stop_json(s) for s in publication.changed],
                        "withdrawn": list(publication.withdrawn),
                    },
                ),
            )


def store(
    session: Session,
    result: RouteEta,
    changed: Sequence[StopEta],
    withdrawn: Sequence[str],
) -> None:
    """The published ETAs on their stops; a withdrawn stop keeps no ETA."""
    ids = [uuid.UUID(s.stop_id) for s in changed] + [uuid.UUID(s) for s in withdrawn]
    stops = {str(s.id): s for s in session.scalars(select(Stop).where(Stop.id.in_(ids)))}
    for eta in changed:
        stop = stops.get(eta.stop_id)
        if stop is None:
            continue
        stop.eta = eta.eta
        stop.eta_earliest = eta.earliest
        stop.eta_latest = eta.latest
        stop.late_risk = eta.late_risk
        stop.stops_away = eta.stops_away
        stop.eta_stale = result.position_stale
        stop.eta_computed_at = result.computed_at
        sampled = eta_accuracy.sample(
            stop.eta_samples, result.computed_at, eta.eta, eta.earliest, eta.latest
        )
        if sampled is not None:
            stop.eta_samples = sampled
    for stop_id in withdrawn:
        stop = stops.get(stop_id)
        if stop is not None:
            stop.stops_away = None
            stop.late_risk = None


def notify(session: Session, result: RouteEta, stop_ids: Sequence[str]) -> None:
    """The notification rules that look at ETAs, for these stops as stored."""
    if not stop_ids:
        return
    ids = {uuid.UUID(s) for s in stop_ids}
    rows = session.execute(
        select(Stop, Order).join(Order, Order.id == Stop.order_id).where(Stop.id.in_(ids))
    ).all()
    for stop, order in rows:
        notifications.on_eta(session, order, stop, result.computed_at)


def served_history(
    session: Session, org_id: uuid.UUID, now: datetime | None = None
) -> list[ServedRoute]:
    """The organisation's served stops of the last ``HISTORY_DAYS`` days, by route, as
    ``EtaEngine.learn_history`` takes them. A route is over once completed; the oldest,
    whose first stops the ``HISTORY_STOPS`` limit may have cut, is not taken for one."""
    since = (now or clock.now()) - timedelta(days=HISTORY_DAYS)
    rows = session.execute(
        select(Stop, Route.driver_id, Route.planned_start, Route.status, Route.started_at, Order)
        .join(Route, Route.id == Stop.route_id)
        .outerjoin(Order, Order.id == Stop.order_id)
        .where(
            Stop.org_id == org_id,
            Route.org_id == org_id,
            Stop.status.in_(("completed", "failed")),
            Stop.arrived_at.is_not(None),
            Stop.departed_at.is_not(None),
            Stop.arrived_at >= since,
        )
        .order_by(Stop.arrived_at.desc())
        .limit(HISTORY_STOPS)
    ).all()
    cut = rows[-1][0].route_id if len(rows) == HISTORY_STOPS else None
    routes: list[ServedRoute] = []
    served: dict[uuid.UUID, list[ServedStop]] = {}  # each route's stops, filled in below
    for stop, driver_id, start, status, started, order in rows:
        assert stop.arrived_at is not None and stop.departed_at is not None
        pickup = stop.kind == "pickup"
        minutes = (
            ((order.pickup_service_minutes or 0.0) if pickup else order.service_minutes)
            if order is not None
            else 0.0
        )
        opens = (order.pickup_window_start if pickup else order.window_start) if order else None
        stops = served.get(stop.route_id)
        if stops is None:
            stops = served[stop.route_id] = []
            over = status == RouteStatus.COMPLETED.value and stop.route_id != cut
            driver = str(driver_id) if driver_id else None
            routes.append(ServedRoute(driver, stops, start, over, started))
        stops.append(
            ServedStop(
                leg_s=max(0.0, stop.leg_seconds or 0.0),
                service_s=minutes * 60.0,
                arrived=stop.arrived_at,
                departed=stop.departed_at,
                window_start=opens,
                items=order.items if order is not None else 1,
                customer_key=str(order.customer_id) if order and order.customer_id else None,
            )
        )
    return routes


def _plan(session: Session, route: Route) -> RoutePlan:
    """The route as the engine reads it: stops in planned order, each leg with the
    roads provider's seconds and metres and its slice of the route's road geometry."""
    stops = sorted(route.stops, key=lambda s: s.sequence)
    orders = {
        o.id: o
        for o in session.scalars(
            select(Order).where(Order.id.in_([s.order_id for s in stops if s.order_id]))
        )
    }
    paths = split_legs(route.geometry or [], [(s.lat, s.lon) for s in stops])
    planned = []
    for stop, path in zip(stops, paths, strict=True):
        order = orders.get(stop.order_id) if stop.order_id else None
        pickup = stop.kind == "pickup"
        start = order.pickup_window_start if order and pickup else order and order.window_start
        end = order.pickup_window_end if order and pickup else order and order.window_end
        minutes = (
            ((order.pickup_service_minutes or 0.0) if pickup else order.service_minutes)
            if order
            else 0.0
        )
        planned.append(
            PlannedStop(
                stop_id=str(stop.id),
                lat=stop.lat,
                lon=stop.lon,
                leg_s=max(0.0, stop.leg_seconds or 0.0),
                leg_m=max(0.0, stop.leg_metres or 0.0),
                service_s=minutes * 60.0,
                planned_arrival=stop.planned_arrival,
                window_start=start or None,
                window_end=end or None,
                items=order.items if order else 1,
                customer_key=str(order.customer_id) if order and order.customer_id else None,
                path=tuple(path),
                done=stop.status not in ("pending", "arrived"),
                arrived=stop.arrived_at,
                departed=stop.departed_at,
            )
        )
    depot = route.geometry[0] if route.geometry else None
    return RoutePlan(
        route_id=str(route.id),
        stops=tuple(planned),
        vehicle_key=str(route.vehicle_id) if route.vehicle_id else None,
        driver_key=str(route.driver_id) if route.driver_id else None,
        start=(depot[0], depot[1]) if depot else None,
        start_time=route.planned_start,
        started=route.started_at,
    )


def split_legs(
    geometry: Sequence[Sequence[float]], stops: Sequence[tuple[float, float]]
) -> list[list[tuple[float, float]]]:
    """The route's polyline cut into one piece per stop's leg. Each leg of the drawn
    route ends at its stop's point on the road, so the cut is the first vertex after
    the previous cut that is that close to the stop (a route passing the same corner
    twice is cut at the visit in order), else the nearest vertex ahead."""
    points = [(float(p[0]), float(p[1])) for p in geometry]
    if not points:
        return [[] for _ in stops]
    pieces: list[list[tuple[float, float]]] = []
    begin = 0
    for lat, lon in stops:
        best, best_d = begin, float("inf")
        for i in range(begin, len(points)):
            d = (points[i][0] - lat) ** 2 + ((points[i][1] - lon) * 0.5) ** 2
            if d < best_d:
                best, best_d = i, d
            if d < NEAR_DEG2:
                break
        pieces.append(points[begin : best + 1])
        begin = best
    return pieces


_split = split_legs


def _stop_json(eta: StopEta) -> dict[str, Any]:
    return {
        "stop_id": eta.stop_id,
        "eta": eta.eta.isoformat(),
        "earliest": eta.earliest.isoformat(),
        "latest": eta.latest.isoformat(),
        "stops_away": eta.stops_away,
        "late_risk": None if eta.late_risk is None else round(eta.late_risk, 3),
    }


def _time(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None
