"""Drives a simulated day into a running Doorstep, through its public interfaces only:
fixes as a phone's OsmAnd client sends them (one GET per fix to the OsmAnd port), and
the route's progress through the driver API each driver's app uses (start, arrive,
complete, with the driver's own key). It reads the routes and orders from the REST
API like any client. No back doors into the database.

Events are sent when the operations clock (``doorstep.clock``, scaled in the demo)
reaches their time. The routes are read again every few seconds, as a driver's app
hears of changes: a stop the dispatcher inserted (an urgent job) is added to the van's
simulated day, driven once the driver leaves the stop they are at. A request that fails
for a transient reason (the server is down or restarting) is retried with a pause and a
clear message; one that Doorstep refuses (4xx) is counted and logged, and the day goes
on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from doorstep.domain.ping import KNOT_MS
from doorstep.roads.base import TravelTimeProvider
from doorstep.sim import Scenario, SimRoute, SimStop, Simulation, build_route
from doorstep.sim.events import (
    BreakEnded,
    BreakStarted,
    FixEmitted,
    RouteFinished,
    RouteStarted,
    SimEvent,
    StopArrived,
    StopCompleted,
)
from doorstep.sim.legs import provider_leg_builder

log = logging.getLogger("doorstep.demo")
RETRY_PAUSE_S = 2.0
MAX_ATTEMPTS = 30
CHANGES_EVERY_S = 3.0  # wall-clock seconds between reads of the routes for added stops


@dataclass
class VanState:
    name: str
    driver: str
    stops: int
    done: int = 0
    failed: int = 0
    late: int = 0
    status: str = "waiting"


@dataclass
class FeedStats:
    """What the terminal shows while the day runs."""

    vans: dict[str, VanState] = field(default_factory=dict)
    fixes: int = 0  # acknowledged by the OsmAnd port
    dropped: dict[str, int] = field(default_factory=dict)  # of those, by the rule that dropped
    refused: int = 0
    arrivals: int = 0
    on_time: int = 0
    eta_errors_s: list[float] = field(default_factory=list)
    latest_eta: dict[str, dt.datetime] = field(default_factory=dict)  # stop id -> last ETA
    windows: dict[str, tuple[dt.datetime | None, dt.datetime | None]] = field(default_factory=dict)
    finished: bool = False
    messages: dict[str, int] = field(default_factory=dict)  # channel -> sent (outbox)

    @property
    def on_time_rate(self) -> float | None:
        return None if not self.arrivals else self.on_time / self.arrivals

    @property
    def mean_eta_error_s(self) -> float | None:
        recent = self.eta_errors_s[-200:]
        return None if not recent else sum(recent) / len(recent)


@dataclass(frozen=True)
class RouteInfo:
    route_id: str
    vehicle_id: str
    driver_key: str
    device: str


class Feeder:
    def __init__(
        self,
        api: str,
        osmand: str,
        admin_key: str,
        routes: list[RouteInfo],
        roads: TravelTimeProvider,
        scenario: Scenario,
        seed: int,
        now: Callable[[], dt.datetime],
        stats: FeedStats | None = None,
    ) -> None:
        self.api, self.osmand, self.admin_key = api, osmand, admin_key
        self.routes = {r.vehicle_id: r for r in routes}
        self.roads, self.scenario, self.seed, self.now = roads, scenario, seed, now
        self.stats = stats or FeedStats()
        self._http = httpx.AsyncClient(timeout=10.0)
        self._known: dict[str, set[str]] = {}  # vehicle id -> stop ids the simulation has

    async def run(self, names: dict[str, tuple[str, str]]) -> None:
        """The whole day; ``names``: vehicle id -> (van name, driver first name)."""
        try:
            sim = Simulation(
                await self._sim_routes(names),
                self.scenario,
                self.seed,
                leg_between=provider_leg_builder(self.roads),
            )
            loop = asyncio.get_running_loop()
            checked = loop.time()
            while not sim.done:
                for event in sim.step_until(self.now()):
                    await self._send(event)
                if loop.time() - checked >= CHANGES_EVERY_S:
                    checked = loop.time()
                    await self.take_changes(sim)
                await asyncio.sleep(0.1)
            self.stats.finished = True
        finally:
            await self._http.aclose()

    async def _sim_routes(self, names: dict[str, tuple[str, str]]) -> list[SimRoute]:
        """The planned routes, as the drivers' apps read them from the API."""
        orders = {o["id"]: o for o in await self._all("/api/v1/orders")}
        built = []
        for info in self.routes.values():
            route = await self._get(f"/api/v1/routes/{info.route_id}")
            stops = [
                self._sim_stop(stop, orders.get(stop["order_id"] or "", {}))
                for stop in sorted(route["stops"], key=lambda s: s["sequence"])
            ]
            if not stops or route.get("planned_start") is None:
                continue
            depot = route["geometry"][0] if route.get("geometry") else None
            if depot is None:
                continue
            van, driver = names.get(info.vehicle_id, (info.vehicle_id[:8], "?"))
            self.stats.vans[info.vehicle_id] = VanState(van, driver, len(stops))
            self._known[info.vehicle_id] = {stop.stop_id for stop in stops}
            built.append(
                build_route(
                    self.roads,
                    info.vehicle_id,
                    driver,
                    dt.datetime.fromisoformat(route["planned_start"]),
                    (depot[0], depot[1]),
                    stops,
                )
            )
        return built

    def _sim_stop(self, stop: dict[str, Any], order: dict[str, Any]) -> SimStop:
        window = (_time(order.get("window_start")), _time(order.get("window_end")))
        self.stats.windows[stop["id"]] = window
        return SimStop(
            stop_id=stop["id"],
            lat=stop["location"]["lat"],
            lon=stop["location"]["lon"],
            planned_service_s=float(order.get("service_minutes", 3.0)) * 60.0,
            window_start=window[0],
            window_end=window[1],
            items=int(order.get("items", 1)),
            customer_key=order.get("customer_id"),
        )

    async def take_changes(self, sim: Simulation) -> int:
        """Stops inserted into the routes since the day began, added to the vans'
        simulated days before the next stop they had (or last); how many were added."""
        added = 0
        for vehicle_id, known in self._known.items():
            route = await self._get(f"/api/v1/routes/{self.routes[vehicle_id].route_id}")
            stops = sorted(route["stops"], key=lambda s: s["sequence"])
            for i, stop in enumerate(stops):
                if stop["id"] in known or stop["status"] != "pending":
                    continue
                known.add(stop["id"])
                order = (
                    await self._get(f"/api/v1/orders/{stop['order_id']}")
                    if stop["order_id"]
                    else {}
                )
                before = next((s["id"] for s in stops[i + 1 :] if s["id"] in known), None)
                if sim.add_stop(vehicle_id, self._sim_stop(stop, order), before):
                    added += 1
                    van = self.stats.vans.get(vehicle_id)
                    if van is not None:
                        van.stops += 1
        return added

    async def _send(self, event: SimEvent) -> None:
        info = self.routes.get(event.vehicle_key)
        if info is None:
            return
        van = self.stats.vans.get(event.vehicle_key)
        if isinstance(event, FixEmitted):
            await self._fix(info, event)
        elif isinstance(event, RouteStarted):
            await self._load_van(info, event.time)
            await self._drive(info, f"{info.route_id}/start", {"at": event.time.isoformat()})
            if van:
                van.status = "driving"
        elif isinstance(event, StopArrived):
            await self._drive(
                info,
                f"{info.route_id}/stops/{event.stop_id}/arrive",
                {"at": event.time.isoformat()},
            )
            self._arrived(van, event.stop_id, event.time)
            if van:
                van.status = "at a stop"
        elif isinstance(event, StopCompleted):
            body: dict[str, Any] = {"at": event.time.isoformat(), "outcome": event.outcome}
            if event.outcome == "failed":
                body["reason"] = event.reason or "nobody home"
            await self._drive(info, f"{info.route_id}/stops/{event.stop_id}/complete", body)
            if van:
                van.done += 1
                van.failed += event.outcome == "failed"
                van.status = "driving"
        elif isinstance(event, BreakStarted) and van:
            van.status = "on a break"
        elif isinstance(event, BreakEnded) and van:
            van.status = "driving"
        elif isinstance(event, RouteFinished) and van:
            van.status = "back at the depot"

    def _arrived(self, van: VanState | None, stop_id: str, at: dt.datetime) -> None:
        """On time: within the promised window (up to 15 min early counts, as a
        customer at home would see it). The ETA error: the arrival against the last ETA
        Doorstep published for the stop."""
        stats = self.stats
        stats.arrivals += 1
        start, end = stats.windows.get(stop_id, (None, None))
        early_ok = start is None or at >= start - dt.timedelta(minutes=15)
        on_time = early_ok and (end is None or at <= end)
        stats.on_time += on_time
        if not on_time and van is not None:
            van.late += 1
        predicted = stats.latest_eta.get(stop_id)
        if predicted is not None:
            stats.eta_errors_s.append(abs((at - predicted).total_seconds()))

    async def _fix(self, info: RouteInfo, fix: FixEmitted) -> None:
        params = {
            "id": info.device,
            "timestamp": f"{fix.time.timestamp() * 1000:.0f}",  # ms, as OsmAnd sends
            "lat": f"{fix.lat:.7f}",
            "lon": f"{fix.lon:.7f}",
            "speed": f"{fix.speed_ms / KNOT_MS:.2f}",
            "accuracy": f"{fix.accuracy:.1f}",
            "ignition": "true" if fix.ignition else "false",
        }
        if fix.heading is not None:
            params["bearing"] = f"{fix.heading:.1f}"
        response = await self._request("GET", self.osmand + "/", params=params)
        if response is not None and response.status_code == 200:
            self.stats.fixes += 1
            for rule in filter(None, response.headers.get("x-doorstep-dropped", "").split(", ")):
                self.stats.dropped[rule] = self.stats.dropped.get(rule, 0) + 1

    async def _drive(self, info: RouteInfo, path: str, body: dict[str, Any]) -> None:
        headers = {"Authorization": f"Bearer {info.driver_key}"}
        await self._request("POST", f"{self.api}/api/v1/routes/{path}", json=body, headers=headers)

    async def _load_van(self, info: RouteInfo, at: dt.datetime) -> None:
        """The driver scans every parcel onto the van at the depot, as the chain of
        custody asks before a route may start."""
        status = await self._get(f"/api/v1/routes/{info.route_id}/load-status")
        scans = [
            {"label": p["label"], "at": at.isoformat()}
            for p in status["parcels"]
            if p["state"] == "unscanned"
        ]
        if scans:
            await self._drive(info, f"{info.route_id}/load-scans", {"scans": scans})

    async def _get(self, path: str) -> Any:
        headers = {"Authorization": f"Bearer {self.admin_key}"}
        response = await self._request("GET", self.api + path, headers=headers)
        if response is None or response.status_code != 200:
            raise RuntimeError(f"GET {path} failed")
        return response.json()

    async def _all(self, path: str) -> Iterable[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = await self._get(f"{path}?limit=500&offset={len(items)}")
            items += page["items"]
            if len(items) >= page["total"] or not page["items"]:
                return items

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = await self._http.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                log.warning(
                    "Doorstep at %s does not answer (%s); retrying in %.0f s (attempt %d/%d)",
                    url.split("/api/")[0],
                    type(exc).__name__,
                    RETRY_PAUSE_S,
                    attempt,
                    MAX_ATTEMPTS,
                )
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            if response.status_code >= 500:
                await asyncio.sleep(RETRY_PAUSE_S)
                continue
            if response.status_code >= 400:
                self.stats.refused += 1
                log.info(
                    "%s %s refused (%d): %s", method, url, response.status_code, response.text[:200]
                )
            return response
        raise RuntimeError(f"Doorstep at {url} did not answer after {MAX_ATTEMPTS} attempts")


def _time(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None
