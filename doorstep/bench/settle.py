"""``doorstep bench settle``: a month of 200 drivers settled, against a 10 s target.

The month is generated straight into a fresh database: per driver and day a completed
route of 25 delivery stops (a few failed, most with a proof photo, 1-3 parcels), and
the day closed as ``close_days`` would leave it: the route's summary (computed from its
stops by ``route_summaries``) and the vehicle's logbook row (kilometres and hours on
duty; no fixes are generated, the reports benchmark covers replaying them). Then every
driver is settled for the month three times: fresh drafts, drafts computed again, and
after approving them all (frozen statements come back unchanged).
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, text

from doorstep.config import load_settings
from doorstep.domain.codes import new_tracking_code
from doorstep.domain.principal import system
from doorstep.schemas.fleet import DriverCreate, VehicleCreate
from doorstep.schemas.settlements import PayRuleCreate
from doorstep.services import accounts, resources, route_summaries, settlements
from doorstep.storage.schema import migrate
from doorstep.storage.tables import (
    ClosedDay,
    Order,
    Proof,
    Route,
    RouteDay,
    Stop,
    VehicleDay,
)
from doorstep.wiring import build_runtime

ZONE = "Europe/Helsinki"
FIRST_DAY = dt.date(2026, 10, 1)
TARGET_S = 10.0


def settle_bench(
    drivers: int = 200,
    days: int = 30,
    stops: int = 25,
    seed: int = 1,
    database_url: str | None = None,
) -> dict[str, Any]:
    """``database_url``: a PostgreSQL database to write the month into (a new
    organisation of its own; nothing else is touched). Default: a new SQLite file."""
    with tempfile.TemporaryDirectory(
        prefix="doorstep-bench-settle-", ignore_cleanup_errors=True
    ) as folder:
        settings = load_settings(
            data_dir=Path(folder),
            database_url=database_url or f"sqlite:///{Path(folder) / 'bench.db'}",
            workers=False,
        )
        runtime = build_runtime(settings)
        try:
            migrate(runtime.engine)
            began = time.perf_counter()
            org_id, counts = _month(runtime.sessions, drivers, days, stops, seed)
            if runtime.engine.dialect.name == "postgresql":
                # A month that accrued over a month has been analysed by autovacuum; one
                # loaded in seconds has not, and the planner would guess blind.
                with runtime.engine.begin() as connection:
                    connection.execute(text("ANALYZE"))
            generate_s = time.perf_counter() - began
            who = system(org_id)
            end = FIRST_DAY + dt.timedelta(days=days - 1)
            runs = {}
            for name in ("fresh", "again"):
                with runtime.sessions.begin() as session:
                    t = time.perf_counter()
                    done = settlements.settle_all(session, who, FIRST_DAY, end, _now())
                    runs[name] = round(time.perf_counter() - t, 2)
            total = sum((s.total for s in done), Decimal(0))
            with runtime.sessions.begin() as session:
                for statement in settlements.list_statements(session, who):
                    settlements.approve(session, who, statement.id, _now())
            with runtime.sessions.begin() as session:
                t = time.perf_counter()
                settlements.settle_all(session, who, FIRST_DAY, end, _now())
                runs["frozen"] = round(time.perf_counter() - t, 2)
            worst = max(runs["fresh"], runs["again"])
            return {
                "database": runtime.engine.dialect.name,
                "drivers": drivers,
                "days": days,
                "stops_per_route": stops,
                **counts,
                "generate_s": round(generate_s, 1),
                "settle_s": runs,
                "statements": len(done),
                "month_total": str(total),
                "target_s": TARGET_S,
                "within_target": worst <= TARGET_S,
            }
        finally:
            runtime.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _month(
    sessions: Any, drivers: int, days: int, stops: int, seed: int
) -> tuple[uuid.UUID, dict[str, int]]:
    rng = random.Random(seed)
    zone = ZoneInfo(ZONE)
    with sessions.begin() as session:
        org, _, _ = accounts.create_organisation(
            session,
            "Bench Pay",
            "pay@example.com",
            admin_password="correct horse battery",
            timezone=ZONE,
        )
        who = system(org.id)
        staff = []
        for i in range(drivers):
            vehicle = resources.create(
                session, who, resources.VEHICLES, VehicleCreate(name=f"Van {i + 1:03d}")
            )
            driver = resources.create(
                session, who, resources.DRIVERS, DriverCreate(name=f"Driver {i + 1:03d}")
            )
            staff.append((driver.id, driver.name, vehicle.id, vehicle.name))
        settlements.create_rule(
            session,
            who,
            PayRuleCreate.model_validate(
                {
                    "effective_from": "2026-01-01",
                    "rates": {
                        "per_stop": "1.20",
                        "per_parcel": "0.15",
                        "per_failed_attempt": "0.60",
                        "per_km": "0.25",
                        "per_hour": "4.00",
                        "min_per_day": "40.00",
                        "extras": [
                            {
                                "name": "On time",
                                "amount": "25",
                                "metric": "on_time_rate",
                                "at_least": "0.9",
                            },
                            {
                                "name": "Safety",
                                "amount": "15",
                                "metric": "safety_per_100km",
                                "at_least": "3",
                                "deduction": True,
                            },
                        ],
                    },
                }
            ),
        )
        org_id = org.id
    counts = {"routes": 0, "stops": 0, "proofs": 0}
    for d in range(days):
        day = FIRST_DAY + dt.timedelta(days=d)
        start = dt.datetime.combine(day, dt.time(8), zone).astimezone(dt.UTC)
        orders: list[dict[str, Any]] = []
        routes: list[dict[str, Any]] = []
        stop_rows: list[dict[str, Any]] = []
        proofs: list[dict[str, Any]] = []
        vehicle_days: list[dict[str, Any]] = []
        for driver_id, driver_name, vehicle_id, vehicle_name in staff:
            route_id = uuid.uuid4()
            routes.append(
                {
                    "id": route_id,
                    "org_id": org_id,
                    "name": driver_name,
                    "date": day,
                    "status": "completed",
                    "driver_id": driver_id,
                    "vehicle_id": vehicle_id,
                    "started_at": start,  # ended_at once its stops are drawn
                }
            )
            for s in range(stops):
                order_id, stop_id = uuid.uuid4(), uuid.uuid4()
                arrived = start + dt.timedelta(minutes=10 + s * 18 + rng.gauss(0, 8))
                failed = rng.random() < 0.05
                orders.append(
                    {
                        "id": order_id,
                        "org_id": org_id,
                        "tracking_code": new_tracking_code(),
                        "status": "failed" if failed else "delivered",
                        "recipient_name": "C",
                        "address": "Street",
                        "lat": 60.17,
                        "lon": 24.94,
                        "items": rng.choice((1, 1, 2, 3)),
                        "window_start": arrived - dt.timedelta(minutes=45),
                        "window_end": arrived + dt.timedelta(minutes=rng.choice((-10, 60, 75))),
                    }
                )
                stop_rows.append(
                    {
                        "id": stop_id,
                        "org_id": org_id,
                        "route_id": route_id,
                        "order_id": order_id,
                        "sequence": s,
                        "kind": "delivery",
                        "status": "failed" if failed else "completed",
                        "lat": 60.17,
                        "lon": 24.94,
                        "arrived_at": arrived,
                        "departed_at": arrived + dt.timedelta(minutes=3),
                    }
                )
                if rng.random() < 0.9:
                    proofs.append(
                        {
                            "id": uuid.uuid4(),
                            "org_id": org_id,
                            "order_id": order_id,
                            "stop_id": stop_id,
                            "kind": "photo",
                            "blob_key": "bench",
                            "content_type": "image/jpeg",
                            "size": 1,
                            "sha256": "0" * 64,
                            "width": 1,
                            "height": 1,
                            "captured_at": arrived,
                            "actor_type": "user",
                            "actor_name": driver_name,
                        }
                    )
            routes[-1]["ended_at"] = max(
                (r["departed_at"] for r in stop_rows[len(stop_rows) - stops :]), default=None
            )
            km = 60 + rng.random() * 60
            hours = 8 + rng.random() * 2
            vehicle_days.append(
                {
                    "id": uuid.uuid4(),
                    "org_id": org_id,
                    "date": day,
                    "vehicle_id": vehicle_id,
                    "driver_id": driver_id,
                    "row": _logbook_row(
                        day, vehicle_id, vehicle_name, driver_id, driver_name, start, km, hours, rng
                    ),
                }
            )
        with sessions.begin() as session:
            session.execute(insert(Order), orders)
            session.execute(insert(Route), routes)
            session.execute(insert(Stop), stop_rows)
            session.execute(insert(Proof), proofs)
            session.execute(insert(VehicleDay), vehicle_days)
            summaries = route_summaries.summarise(session, org_id, ZONE, day, day)
            session.add_all(
                RouteDay(
                    org_id=org_id,
                    date=day,
                    route_id=r.route_id,
                    driver_id=r.driver_id,
                    summary=route_summaries.to_json(r),
                )
                for r in summaries
            )
            session.add(ClosedDay(org_id=org_id, date=day, closed_at=_now()))
        counts["routes"] += len(routes)
        counts["stops"] += len(stop_rows)
        counts["proofs"] += len(proofs)
    return org_id, counts


def _logbook_row(
    day: dt.date,
    vehicle_id: uuid.UUID,
    vehicle: str,
    driver_id: uuid.UUID,
    driver: str,
    start: dt.datetime,
    km: float,
    hours: float,
    rng: random.Random,
) -> dict[str, Any]:
    safety = rng.choice((0, 0, 1, 2, 5))
    return {
        "date": day.isoformat(),
        "vehicle_id": str(vehicle_id),
        "vehicle_name": vehicle,
        "plate": None,
        "driver_id": str(driver_id),
        "driver_name": driver,
        "driver_from": "route",
        "device_id": str(vehicle_id),
        "fixes": 2000,
        "first_fix": start.isoformat(),
        "last_fix": (start + dt.timedelta(hours=hours)).isoformat(),
        "trips": 25,
        "driving_seconds": hours * 1800,
        "distance_m": km * 1000,
        "stops": 25,
        "stop_seconds": 4500.0,
        "stop_mean_seconds": 180.0,
        "idle_seconds": 600.0,
        "fuel_type": "diesel",
        "consumption_per_100km": 9.0,
        "fuel_used": km * 0.09,
        "idle_fuel": 0.13,
        "fuel_unit": "l",
        "co2_kg": km * 0.09 * 2.68,
        "speeding_episodes": safety,
        "harsh_events": 0,
        "harsh_braking": 0,
        "harsh_acceleration": 0,
        "harsh_cornering": 0,
        "safety_events": safety,
        "safety_events_per_100km": round(safety / km * 100, 2),
        "distance_by_jurisdiction_m": {},
    }
