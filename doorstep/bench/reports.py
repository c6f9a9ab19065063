"""``doorstep bench reports``: a month of a 50-van fleet, and how fast the reports are.

The history is generated straight into a fresh database (this measures reading, not
ingest, which ``bench ingest`` covers): per van and day a route of 30 delivery stops
with windows, outcomes, failure reasons, ratings and sampled ETAs, and a tracker day of
fixes every 15 s (driving legs and stops, a few device-reported harsh brakes). Then:

- ``open_day_fleet_ms``: the fleet report for the first day before it is closed, each
  van's day replayed from its fixes through the detectors (what pre-aggregation saves:
  a month open would take about ``days`` times as long);
- ``close_s``: closing the month's days (the periodic job's work, done once);
- each report (service, drivers, fleet) over the month through the HTTP API of a real
  server (uvicorn, in this process): the first call and the median of ``repeats``; the
  target is <= 2000 ms each;
- the fixes export: every fix of the month as CSV, streamed, with its rows, bytes, time
  and the process's peak memory growth while it ran.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import insert

from doorstep.bench.browser import serve
from doorstep.config import load_settings
from doorstep.domain.codes import new_tracking_code
from doorstep.domain.principal import system
from doorstep.schemas.fleet import DeviceCreate, DriverCreate, VehicleCreate
from doorstep.services import accounts, resources, rollups
from doorstep.services.devices import create_device
from doorstep.storage.schema import migrate
from doorstep.storage.tables import Order, OrderEvent, PingRow, Rating, Route, Stop
from doorstep.wiring import Runtime, build_runtime

ZONE = "Europe/Helsinki"
FIRST_DAY = dt.date(2026, 10, 1)
TARGET_MS = 2000.0
REASONS = ("Nobody home", "Address not found", "Refused", "Business closed", "No safe place")


def reports_bench(
    vehicles: int = 50,
    days: int = 30,
    stops: int = 30,
    fix_every_s: int = 15,
    repeats: int = 3,
    database_url: str | None = None,
    seed: int = 1,
) -> dict[str, Any]:
    # The served app's threads may still hold the database for a moment at the end.
    with tempfile.TemporaryDirectory(
        prefix="doorstep-bench-reports-", ignore_cleanup_errors=True
    ) as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        # No background workers: only the requests measured touch the database.
        settings = load_settings(data_dir=Path(folder), database_url=url, workers=False)
        runtime = build_runtime(settings)
        try:
            migrate(runtime.engine)
            started = time.perf_counter()
            org_id, key, counts = _history(runtime, vehicles, days, stops, fix_every_s, seed)
            generate_s = time.perf_counter() - started
            return {
                "vehicles": vehicles,
                "days": days,
                "stops_per_route": stops,
                "fix_every_s": fix_every_s,
                "database": runtime.engine.dialect.name,
                **counts,
                "generate_s": round(generate_s, 1),
                **_measure(runtime, org_id, key, days, repeats),
            }
        finally:
            runtime.close()


def _history(
    runtime: Runtime, vehicles: int, days: int, stops: int, every_s: int, seed: int
) -> tuple[uuid.UUID, str, dict[str, int]]:
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    with runtime.sessions.begin() as session:
        org, _, key = accounts.create_organisation(
            session,
            "Bench Fleet",
            "reports@example.com",
            admin_password="correct horse battery",
            timezone=ZONE,
        )
        who = system(org.id)
        fleet = []
        for i in range(vehicles):
            vehicle = resources.create(
                session,
                who,
                resources.VEHICLES,
                VehicleCreate(
                    name=f"Van {i + 1:03d}", fuel_type="diesel", consumption_per_100km=9.5
                ),
            )
            driver = resources.create(
                session, who, resources.DRIVERS, DriverCreate(name=f"Driver {i + 1:03d}")
            )
            device, _ = create_device(
                session, who, DeviceCreate(name=f"Van {i + 1:03d}", vehicle_id=vehicle.id)
            )
            fleet.append((vehicle.id, driver.id, device.id))
        org_id = org.id
    counts = {"routes": 0, "stops": 0, "fixes": 0, "ratings": 0}
    for d in range(days):
        day = FIRST_DAY + dt.timedelta(days=d)
        start = dt.datetime.combine(day, dt.time(8, 0), zone).astimezone(dt.UTC)
        with runtime.sessions.begin() as session:
            orders: list[dict[str, Any]] = []
            routes: list[dict[str, Any]] = []
            stop_rows: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            ratings: list[dict[str, Any]] = []
            pings: list[dict[str, Any]] = []
            for n, (vehicle_id, driver_id, device_id) in enumerate(fleet):
                route_id = uuid.uuid4()
                routes.append(
                    {
                        "id": route_id,
                        "org_id": org_id,
                        "name": f"Route {n + 1}",
                        "date": day,
                        "status": "completed",
                        "driver_id": driver_id,
                        "vehicle_id": vehicle_id,
                        "planned_start": start,
                        "started_at": start,  # ended_at once its stops are drawn
                        "planned_distance_m": 60_000.0 + rng.random() * 20_000,
                        "end_leg_metres": 5000.0,
                    }
                )
                for s in range(stops):
                    order_id = uuid.uuid4()
                    planned = start + dt.timedelta(minutes=15 + s * 16)
                    window = planned - dt.timedelta(minutes=30 + (s % 3) * 30)
                    arrived = planned + dt.timedelta(minutes=rng.gauss(5, 20))
                    failed = rng.random() < 0.05
                    status = "failed" if failed else "delivered"
                    orders.append(
                        {
                            "id": order_id,
                            "org_id": org_id,
                            "tracking_code": new_tracking_code(),
                            "status": status,
                            "recipient_name": f"Customer {s}",
                            "address": f"Street {s}",
                            "lat": 60.17,
                            "lon": 24.94,
                            "window_start": window,
                            "window_end": window + dt.timedelta(hours=2),
                        }
                    )
                    eta = arrived + dt.timedelta(minutes=rng.gauss(0, 8))
                    stop_rows.append(
                        {
                            "id": uuid.uuid4(),
                            "org_id": org_id,
                            "route_id": route_id,
                            "order_id": order_id,
                            "sequence": s,
                            "kind": "delivery",
                            "status": "failed" if failed else "completed",
                            "lat": 60.17,
                            "lon": 24.94,
                            "planned_arrival": planned,
                            "arrived_at": arrived,
                            "departed_at": arrived + dt.timedelta(minutes=3),
                            "eta_samples": {
                                "30-60": [
                                    eta.isoformat(),
                                    (eta - dt.timedelta(minutes=12)).isoformat(),
                                    (eta + dt.timedelta(minutes=12)).isoformat(),
                                ]
                            },
                        }
                    )
                    if failed:
                        events.append(
                            {
                                "org_id": org_id,
                                "order_id": order_id,
                                "at": arrived,
                                "kind": "status",
                                "from_status": "out_for_delivery",
                                "to_status": "failed",
                                "actor_type": "user",
                                "reason": rng.choice(REASONS),
                                "data": {},
                            }
                        )
                    elif rng.random() < 0.2:
                        ratings.append(
                            {
                                "id": uuid.uuid4(),
                                "org_id": org_id,
                                "order_id": order_id,
                                "stars": rng.choice((3, 4, 5, 5, 5)),
                                "comment": rng.choice((None, "Great", "Late again")),
                            }
                        )
                routes[-1]["ended_at"] = max(
                    (r["departed_at"] for r in stop_rows[len(stop_rows) - stops :]), default=None
                )
                pings.extend(_tracker_day(rng, org_id, device_id, vehicle_id, start, every_s))
            session.execute(insert(Order), orders)
            session.execute(insert(Route), routes)
            session.execute(insert(Stop), stop_rows)
            if events:
                session.execute(insert(OrderEvent), events)
            if ratings:
                session.execute(insert(Rating), ratings)
            for i in range(0, len(pings), 20_000):
                session.execute(insert(PingRow), pings[i : i + 20_000])
            counts["routes"] += len(routes)
            counts["stops"] += len(stop_rows)
            counts["fixes"] += len(pings)
            counts["ratings"] += len(ratings)
    return org_id, key, counts


def _tracker_day(
    rng: random.Random,
    org_id: uuid.UUID,
    device_id: uuid.UUID,
    vehicle_id: uuid.UUID,
    start: dt.datetime,
    every_s: int,
) -> list[dict[str, Any]]:
    """Nine hours: drive about 5 minutes, stop about 4, again; now and then the device
    reports a harsh brake."""
    lat, lon = 60.15 + rng.random() * 0.05, 24.85 + rng.random() * 0.15
    heading = rng.random() * 360
    rows = []
    t, moving, phase_left = 0, True, rng.randint(200, 400)
    while t < 9 * 3600:
        speed = max(0.0, rng.gauss(11, 3)) if moving else 0.0
        step = speed * every_s
        lat += step * math.cos(math.radians(heading)) / 111_320
        lon += step * math.sin(math.radians(heading)) / (111_320 * math.cos(math.radians(lat)))
        attributes: dict[str, Any] = {"ignition": moving}
        if moving and rng.random() < 0.002:
            attributes["alarm"] = "hardBraking"
        moment = start + dt.timedelta(seconds=t)
        rows.append(
            {
                "org_id": org_id,
                "device_id": device_id,
                "vehicle_id": vehicle_id,
                "time": moment,
                "received": moment,
                "lat": lat,
                "lon": lon,
                "speed": speed,
                "heading": heading,
                "accuracy": 8.0,
                "late": False,
                "protocol": "native",
                "attributes": attributes,
            }
        )
        t += every_s
        phase_left -= every_s
        if phase_left <= 0:
            moving = not moving
            phase_left = rng.randint(200, 400) if moving else rng.randint(120, 360)
            heading = (heading + rng.uniform(-90, 90)) % 360
    return rows


def _measure(
    runtime: Runtime, org_id: uuid.UUID, key: str, days: int, repeats: int
) -> dict[str, Any]:
    server, base = serve(runtime)
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            return _timings(runtime, client, org_id, key, days, repeats)
    finally:
        server.should_exit = True


def _timings(
    runtime: Runtime, client: httpx.Client, org_id: uuid.UUID, key: str, days: int, repeats: int
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {key}"}
    period = {"from": str(FIRST_DAY), "to": str(FIRST_DAY + dt.timedelta(days=days - 1))}

    def timed(path: str, **params: str) -> float:
        began = time.perf_counter()
        response = client.get(path, params={**period, **params}, headers=headers)
        elapsed = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")
        return elapsed

    # The export first: the process's memory is then what generating left, and any
    # growth is the export's.
    export = _export(client, headers, period)
    first_day = {"from": period["from"], "to": period["from"]}
    out: dict[str, Any] = {"open_day_fleet_ms": round(timed("/api/v1/reports/fleet", **first_day))}
    began = time.perf_counter()
    for d in range(days):
        day = FIRST_DAY + dt.timedelta(days=d)
        rollups.close_day(runtime.sessions, org_id, day, dt.datetime.now(dt.UTC))
    out["close_s"] = round(time.perf_counter() - began, 1)
    reports = {}
    for name in ("service", "drivers", "fleet"):
        path = f"/api/v1/reports/{name}"
        first = timed(path)
        warm = [timed(path) for _ in range(repeats)]
        reports[name] = {"first_ms": round(first), "median_ms": round(statistics.median(warm))}
    out["reports"] = reports
    worst = max(max(r["first_ms"], r["median_ms"]) for r in reports.values())
    out["worst_ms"] = worst
    out["target_ms"] = TARGET_MS
    out["within_target"] = worst <= TARGET_MS
    out["fixes_export"] = export
    return out


def _export(
    client: httpx.Client, headers: dict[str, str], period: dict[str, str]
) -> dict[str, Any]:
    """Stream the month's fixes as CSV, counting what arrives, while a thread samples
    the process's resident memory."""
    peak = [_rss_mb()]
    base = peak[0]
    running = True

    def sample() -> None:
        while running:
            peak[0] = max(peak[0], _rss_mb())
            time.sleep(0.05)

    watcher = threading.Thread(target=sample, daemon=True)
    watcher.start()
    began = time.perf_counter()
    rows = size = 0
    with client.stream("GET", "/api/v1/reports/fixes", params=period, headers=headers) as r:
        if r.status_code != 200:
            raise RuntimeError(f"fixes export: {r.status_code}")
        for chunk in r.iter_bytes():
            size += len(chunk)
            rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - began
    running = False
    watcher.join()
    return {
        "rows": rows - 1,
        "mb": round(size / 2**20, 1),
        "s": round(elapsed, 1),
        "rows_per_s": round((rows - 1) / elapsed),
        "peak_rss_growth_mb": round(peak[0] - base, 1),
    }


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20
