"""The manager's reports over a period: service, driver scorecards, fleet and cost.

Every report has the same shape, so the dashboard draws any of them and every table
exports as CSV: ``{"period", "summary", "tables": {name: {"title", "columns", "rows"}},
"charts": [...]}``; a chart names the table that holds its numbers. Telemetry comes
from the logbook over the period (``services.rollups``: closed days pre-added), stops
and ratings from one query over the period's routes.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, fields
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from doorstep.domain import eta_accuracy, scorecards
from doorstep.domain.principal import Principal
from doorstep.services import accounts, rollups, route_summaries, timing, tracking
from doorstep.services.logbook import LogbookRow
from doorstep.storage.db import READ_ONLY
from doorstep.storage.tables import (
    Driver,
    OrderEvent,
    PingRow,
    Rating,
    Route,
    Stop,
    Vehicle,
)

Report = dict[str, Any]


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows]}


def _period(start: date, end: date) -> dict[str, Any]:
    return {"from": start, "to": end, "days": (end - start).days + 1}


def failure_reasons(
    session: Session, org_id: uuid.UUID, since: datetime, until: datetime
) -> list[tuple[str, int]]:
    reasons = session.scalars(
        select(OrderEvent.reason).where(
            OrderEvent.org_id == org_id,
            OrderEvent.to_status == "failed",
            OrderEvent.at >= since,
            OrderEvent.at < until,
        )
    )
    counts = Counter((r or "no reason given").strip().lower() for r in reasons)
    return counts.most_common()


def feedback(
    session: Session, org_id: uuid.UUID, start: date, end: date, limit: int = 50
) -> list[tuple[date, int, str | None]]:
    rows = session.execute(
        select(Route.date, Rating.stars, Rating.comment)
        .join(Stop, Stop.order_id == Rating.order_id)
        .join(Route, Route.id == Stop.route_id)
        .where(
            Rating.org_id == org_id,
            Rating.comment.is_not(None),
            Stop.status == "completed",
            Route.date >= start,
            Route.date <= end,
        )
        .order_by(Rating.created_at.desc())
        .limit(limit)
    ).all()
    return [(d, stars, comment) for d, stars, comment in rows]


def service(
    session: Session, principal: Principal, start: date, end: date, now: datetime
) -> Report:
    """On time against the promised window, deliveries per hour, first-attempt
    success, why deliveries failed, ratings and feedback, and ETA accuracy."""
    rollups.check_period(start, end)
    org = accounts.get_organisation(session, principal)
    routes = rollups.routes_period(session, principal, start, end, now)
    since = timing.day_epoch(start, org.timezone)
    until = timing.day_epoch(end + timedelta(days=1), org.timezone)
    by_day: dict[date, Counter[str]] = defaultdict(Counter)
    by_hour = [0] * 24
    for r in routes:
        day = by_day[r.date]
        for key in ("stops", "delivered", "failed", "with_window", "on_time", "stars_sum"):
            day[key] += getattr(r, key)
        day["stars_n"] += r.stars_n
        for hour, n in enumerate(r.by_hour):
            by_hour[hour] += n
    total: Counter[str] = Counter()
    for c in by_day.values():
        total.update(c)
    first_attempts = sum(r.first_attempts for r in routes)
    first_ok = sum(r.first_ok for r in routes)
    logbook = rollups.logbook_period(session, principal, start, end, now)
    duty_h = sum((r.last_fix - r.first_fix).total_seconds() for r in logbook) / 3600.0
    accuracy = eta_accuracy.table(eta_accuracy.merge(r.eta for r in routes))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return {
        "period": _period(start, end),
        "summary": {
            "stops": total["stops"],
            "delivered": total["delivered"],
            "failed": total["failed"],
            "on_time_rate": _share(total["on_time"], total["with_window"]),
            "first_attempt_success_rate": _share(first_ok, first_attempts),
            "deliveries_per_hour": round(total["delivered"] / duty_h, 2) if duty_h > 0 else None,
            "rating": round(total["stars_sum"] / total["stars_n"], 2) if total["stars_n"] else None,
            "ratings": total["stars_n"],
            "eta_mae_s": accuracy.overall_mae_s,
            "eta_window_coverage": accuracy.overall_coverage,
        },
        "tables": {
            "by_day": table(
                "Deliveries by day",
                ["date", "stops", "delivered", "failed", "on_time_rate", "rating", "ratings"],
                (
                    [
                        d,
                        by_day[d]["stops"],
                        by_day[d]["delivered"],
                        by_day[d]["failed"],
                        _share(by_day[d]["on_time"], by_day[d]["with_window"]),
                        round(by_day[d]["stars_sum"] / by_day[d]["stars_n"], 2)
                        if by_day[d]["stars_n"]
                        else None,
                        by_day[d]["stars_n"],
                    ]
                    for d in days
                ),
            ),
            "by_hour": table(
                "Deliveries by hour of the day",
                ["hour", "delivered"],
                ([h, by_hour[h]] for h in range(24)),
            ),
            "failure_reasons": table(
                "Why deliveries failed",
                ["reason", "count"],
                failure_reasons(session, org.id, since, until),
            ),
            "eta_accuracy": table(
                "ETA accuracy by how far ahead it was given",
                ["horizon", "n", "mae_s", "p90_s", "coverage", "mean_width_s"],
                accuracy.rows,
            ),
            "feedback": table(
                "Latest feedback",
                ["date", "stars", "comment"],
                feedback(session, org.id, start, end),
            ),
        },
        "charts": [
            {"table": "by_day", "x": "date", "y": ["delivered", "failed"], "kind": "bars"},
            {"table": "by_day", "x": "date", "y": ["on_time_rate"], "kind": "line"},
            {"table": "by_hour", "x": "hour", "y": ["delivered"], "kind": "bars"},
            {"table": "by_day", "x": "date", "y": ["rating"], "kind": "line"},
            {"table": "eta_accuracy", "x": "horizon", "y": ["mae_s"], "kind": "bars"},
        ],
    }


def driver_facts(
    session: Session,
    org_id: uuid.UUID,
    logbook: Sequence[LogbookRow],
    routes: Sequence[route_summaries.RouteSummary],
) -> list[scorecards.DriverFacts]:
    names: dict[uuid.UUID, str] = {
        driver_id: name
        for driver_id, name in session.execute(
            select(Driver.id, Driver.name).where(Driver.org_id == org_id)
        )
    }
    totals: dict[uuid.UUID, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in logbook:
        if row.driver_id is None:
            continue
        t = totals[row.driver_id]
        t["distance_m"] += row.distance_m
        t["driving_s"] += row.driving_seconds
        t["idle_s"] += row.idle_seconds
        t["duty_s"] += (row.last_fix - row.first_fix).total_seconds()
        t["speeding"] += row.speeding_episodes
        t["harsh_braking"] += row.harsh_braking
        t["harsh_acceleration"] += row.harsh_acceleration
        t["harsh_cornering"] += row.harsh_cornering
    for r in routes:
        if r.driver_id is None:
            continue
        t = totals[r.driver_id]
        t["deliveries"] += r.delivered
        t["failed"] += r.failed
        t["with_window"] += r.with_window
        t["on_time"] += r.on_time
        t["rating_sum"] += r.stars_sum
        t["ratings"] += r.stars_n
    return [
        scorecards.DriverFacts(
            driver_id=str(driver_id),
            name=names.get(driver_id, "(removed driver)"),
            **{k: (round(v) if k in _COUNTS else v) for k, v in t.items()},  # type: ignore[arg-type]
        )
        for driver_id, t in totals.items()
    ]


_COUNTS = frozenset(f.name for f in fields(scorecards.DriverFacts) if f.type in ("int", int))

SCORECARD_COLUMNS = (
    "rank",
    "driver_id",
    "name",
    "distance_km",
    "driving_h",
    "deliveries",
    "safety_score",
    "speeding_per_100km",
    "braking_per_100km",
    "acceleration_per_100km",
    "cornering_per_100km",
    "idle_pct",
    "on_time_pct",
    "rating",
    "deliveries_per_hour",
    "hint",
)


def drivers(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    now: datetime,
    limits: tracking.SpeedLimits | None = None,
) -> Report:
    """A scorecard per driver, ranked, with a coaching hint and the change against the
    period of the same length just before."""
    rollups.check_period(start, end)
    length = end - start
    before_end = start - timedelta(days=1)
    before_start = before_end - length
    current = driver_facts(
        session,
        principal.org_id,
        rollups.logbook_period(session, principal, start, end, now, limits),
        rollups.routes_period(session, principal, start, end, now),
    )
    previous = driver_facts(
        session,
        principal.org_id,
        rollups.logbook_period(session, principal, before_start, before_end, now, limits),
        rollups.routes_period(session, principal, before_start, before_end, now),
    )
    cards = scorecards.rank_and_coach(current, previous)
    medians = scorecards.fleet_medians(cards)
    return {
        "period": _period(start, end),
        "previous_period": _period(before_start, before_end),
        "summary": {"drivers": len(cards), **{f"median_{k}": v for k, v in medians.items()}},
        "scorecards": [asdict(c) for c in cards],
        "tables": {
            "scorecards": table(
                "Driver scorecards",
                SCORECARD_COLUMNS,
                ([getattr(c, col) for col in SCORECARD_COLUMNS] for c in cards),
            ),
            "trend": table(
                "Change against the previous period",
                ["name", *scorecards.TREND_METRICS],
                ([c.name, *(c.trend[m] for m in scorecards.TREND_METRICS)] for c in cards),
            ),
        },
        "charts": [
            {"table": "scorecards", "x": "name", "y": ["safety_score"], "kind": "bars"},
            {"table": "scorecards", "x": "name", "y": ["on_time_pct"], "kind": "bars"},
        ],
    }


def fleet(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    now: datetime,
    fuel_price: Decimal | None = None,
    limits: tracking.SpeedLimits | None = None,
) -> Report:
    """Distance and hours per vehicle and driver (the logbook), distance per
    jurisdiction, fuel and its cost, idle fuel, CO2 per vehicle, route and delivery,
    and driven against planned distance."""
    rollups.check_period(start, end)
    logbook = rollups.logbook_period(session, principal, start, end, now, limits)
    routes = rollups.routes_period(session, principal, start, end, now)
    delivered_by_route: Counter[uuid.UUID] = Counter({r.route_id: r.delivered for r in routes})
    vehicles: dict[uuid.UUID, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    names: dict[uuid.UUID, tuple[str, str | None, str | None]] = {}
    people: dict[uuid.UUID, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    people_names: dict[uuid.UUID, str] = {}
    jurisdictions: dict[tuple[str, str], float] = defaultdict(float)
    by_vehicle_day: dict[tuple[uuid.UUID, date], LogbookRow] = {}
    for row in logbook:
        names[row.vehicle_id] = (row.vehicle_name, row.plate, row.fuel_unit)
        by_vehicle_day[(row.vehicle_id, row.date)] = row
        for target in (vehicles[row.vehicle_id],) + (
            (people[row.driver_id],) if row.driver_id else ()
        ):
            target["days"] += 1
            target["distance_m"] += row.distance_m
            target["driving_s"] += row.driving_seconds
            target["idle_s"] += row.idle_seconds
            target["fuel"] += row.fuel_used or 0.0
            target["idle_fuel"] += row.idle_fuel or 0.0
            target["co2_kg"] += row.co2_kg or 0.0
        if row.driver_id:
            people_names[row.driver_id] = row.driver_name or ""
        for zone, metres in row.distance_by_jurisdiction_m.items():
            jurisdictions[(row.vehicle_name, zone)] += metres
    routes_per_vehicle_day = Counter((r.vehicle_id, r.date) for r in routes)
    route_rows: list[list[Any]] = []
    for r in routes:
        day = by_vehicle_day.get((r.vehicle_id, r.date)) if r.vehicle_id else None
        alone = routes_per_vehicle_day[(r.vehicle_id, r.date)] == 1
        driven = day.distance_m if day is not None and alone else None
        planned = r.planned_m
        co2 = day.co2_kg if day is not None and alone else None
        delivered = r.delivered
        route_rows.append(
            [
                r.date,
                r.name,
                names.get(r.vehicle_id, ("",))[0] if r.vehicle_id else "",
                _km(planned),
                _km(driven),
                _km(driven - planned) if driven is not None and planned else None,
                _round(co2, 2),
                delivered,
                _round(co2 / delivered, 3) if co2 is not None and delivered else None,
            ]
        )
    delivered_by_vehicle: Counter[uuid.UUID] = Counter()
    route_vehicle = {r.route_id: r.vehicle_id for r in routes}
    for route_id, n in delivered_by_route.items():
        vehicle_id = route_vehicle.get(route_id)
        if vehicle_id is not None:
            delivered_by_vehicle[vehicle_id] += n

    def money(amount: float) -> str | None:
        if fuel_price is None:
            return None
        cost = Decimal(str(round(amount, 6))) * fuel_price
        return str(cost.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))

    vehicle_rows = []
    for vehicle_id, t in sorted(vehicles.items(), key=lambda kv: names[kv[0]][0]):
        name, plate, unit = names[vehicle_id]
        n = delivered_by_vehicle[vehicle_id]
        vehicle_rows.append(
            [
                name,
                plate,
                t["days"],
                _km(t["distance_m"]),
                round(t["driving_s"] / 3600.0, 2),
                round(t["idle_s"] / 3600.0, 2),
                _round(t["fuel"], 2),
                _round(t["idle_fuel"], 2),
                unit,
                money(t["fuel"]),
                money(t["idle_fuel"]),
                _round(t["co2_kg"], 2),
                n,
                _round(t["co2_kg"] / n, 3) if n else None,
            ]
        )
    driver_rows = [
        [
            people_names[d],
            t["days"],
            _km(t["distance_m"]),
            round(t["driving_s"] / 3600.0, 2),
            round(t["idle_s"] / 3600.0, 2),
            _round(t["fuel"], 2),
            _round(t["co2_kg"], 2),
        ]
        for d, t in sorted(people.items(), key=lambda kv: people_names[kv[0]])
    ]
    total_distance = sum(t["distance_m"] for t in vehicles.values())
    total_co2 = sum(t["co2_kg"] for t in vehicles.values())
    total_delivered = sum(delivered_by_route.values())
    planned_total = sum(r[3] or 0 for r in route_rows if r[4] is not None)
    driven_total = sum(r[4] or 0 for r in route_rows if r[4] is not None)
    return {
        "period": _period(start, end),
        "summary": {
            "distance_km": _km(total_distance),
            "driving_h": round(sum(t["driving_s"] for t in vehicles.values()) / 3600.0, 2),
            "fuel": _round(sum(t["fuel"] for t in vehicles.values()), 2),
            "fuel_cost": money(sum(t["fuel"] for t in vehicles.values())),
            "idle_fuel": _round(sum(t["idle_fuel"] for t in vehicles.values()), 2),
            "co2_kg": _round(total_co2, 2),
            "co2_kg_per_delivery": _round(total_co2 / total_delivered, 3)
            if total_delivered
            else None,
            "planned_km": round(planned_total, 1),
            "driven_km": round(driven_total, 1),
            "off_plan_km": round(driven_total - planned_total, 1),
        },
        "tables": {
            "vehicles": table(
                "Per vehicle",
                [
                    "vehicle",
                    "plate",
                    "days",
                    "distance_km",
                    "driving_h",
                    "idle_h",
                    "fuel",
                    "idle_fuel",
                    "fuel_unit",
                    "fuel_cost",
                    "idle_fuel_cost",
                    "co2_kg",
                    "deliveries",
                    "co2_kg_per_delivery",
                ],
                vehicle_rows,
            ),
            "drivers": table(
                "Per driver",
                ["driver", "days", "distance_km", "driving_h", "idle_h", "fuel", "co2_kg"],
                driver_rows,
            ),
            "routes": table(
                "Per route: planned against driven",
                [
                    "date",
                    "route",
                    "vehicle",
                    "planned_km",
                    "driven_km",
                    "off_plan_km",
                    "co2_kg",
                    "deliveries",
                    "co2_kg_per_delivery",
                ],
                sorted(route_rows, key=lambda r: (r[0], r[1])),
            ),
            "jurisdictions": table(
                "Distance per jurisdiction (fuel tax)",
                ["vehicle", "jurisdiction", "distance_km"],
                ([v, z, _km(m)] for (v, z), m in sorted(jurisdictions.items())),
            ),
        },
        "charts": [
            {"table": "vehicles", "x": "vehicle", "y": ["distance_km"], "kind": "bars"},
            {"table": "vehicles", "x": "vehicle", "y": ["co2_kg"], "kind": "bars"},
        ],
    }


MILEAGE_COLUMNS = (
    "date",
    "vehicle",
    "plate",
    "driver",
    "first_fix",
    "last_fix",
    "on_duty_h",
    "driving_h",
    "distance_km",
    "trips",
    "jurisdictions_km",
)


def mileage(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    now: datetime,
    limits: tracking.SpeedLimits | None = None,
) -> Report:
    """The mileage and driving-hours log: one row per vehicle and day, for payroll,
    expense claims and fuel-tax filing (distance per jurisdiction zone)."""
    rollups.check_period(start, end)
    rows = rollups.logbook_period(session, principal, start, end, now, limits)
    log = [
        [
            r.date,
            r.vehicle_name,
            r.plate,
            r.driver_name,
            r.first_fix,
            r.last_fix,
            round((r.last_fix - r.first_fix).total_seconds() / 3600.0, 2),
            round(r.driving_seconds / 3600.0, 2),
            _km(r.distance_m),
            r.trips,
            {zone: _km(m) for zone, m in sorted(r.distance_by_jurisdiction_m.items())},
        ]
        for r in rows
    ]
    return {
        "period": _period(start, end),
        "summary": {
            "vehicle_days": len(log),
            "distance_km": _km(sum(r.distance_m for r in rows)),
            "driving_h": round(sum(r.driving_seconds for r in rows) / 3600.0, 2),
        },
        "tables": {"log": table("Mileage and driving-hours log", MILEAGE_COLUMNS, log)},
        "charts": [],
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _mean(values: Sequence[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _km(metres: float | None) -> float | None:
    return None if metres is None else round(metres / 1000.0, 2)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def fixes(
    sessions: sessionmaker[Session],
    org_id: uuid.UUID,
    since: datetime,
    until: datetime,
    vehicle_id: uuid.UUID | None,
    batch: int = 5000,
) -> Iterator[tuple[Any, ...]]:
    """The period's fixes, oldest first, read in batches in a session of their own (the
    request's has ended by the time a streamed response is being written)."""
    stmt = (
        select(
            PingRow.time,
            Vehicle.name,
            PingRow.device_id,
            PingRow.lat,
            PingRow.lon,
            PingRow.speed,
            PingRow.heading,
            PingRow.accuracy,
        )
        .outerjoin(Vehicle, Vehicle.id == PingRow.vehicle_id)
        .where(PingRow.org_id == org_id, PingRow.time >= since, PingRow.time < until)
        .order_by(PingRow.time, PingRow.id)
    )
    if vehicle_id is not None:
        stmt = stmt.where(PingRow.vehicle_id == vehicle_id)
    with sessions() as session:
        session.connection(execution_options={READ_ONLY: True})
        result = session.execute(stmt.execution_options(yield_per=batch))
        for time, vehicle, device, lat, lon, speed, heading, accuracy in result:
            yield (
                time,
                vehicle or "",
                device,
                lat,
                lon,
                None if speed is None else round(speed * 3.6, 1),
                heading,
                accuracy,
            )
