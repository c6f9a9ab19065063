"""A route's day of deliveries added up: what the service report, the scorecards and the
fleet report need of its stops, in a form that adds up across routes and days.

Computed from the stops for open days, and kept in ``route_days`` once a day is closed
(``services.rollups``), so a month's reports read 1,500 small rows instead of 45,000
stops with their orders, ratings and sampled ETAs.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session, aliased

from doorstep.domain import eta_accuracy
from doorstep.storage.tables import Order, Rating, Route, Stop

FINISHED = ("completed", "failed")


@dataclass(slots=True)
class RouteSummary:
    route_id: uuid.UUID
    name: str
    date: date
    driver_id: uuid.UUID | None
    vehicle_id: uuid.UUID | None
    planned_m: float | None
    stops: int = 0
    delivered: int = 0
    failed: int = 0
    with_window: int = 0  # delivered with a promised window
    on_time: int = 0  # of those, arrived inside it
    first_attempts: int = 0  # finished stops that were their order's first attempt
    first_ok: int = 0  # of those, delivered
    by_hour: list[int] = field(default_factory=lambda: [0] * 24)  # deliveries, local hour
    stars_sum: int = 0
    stars_n: int = 0
    eta: eta_accuracy.Stats = field(default_factory=dict)


def summarise(
    session: Session, org_id: uuid.UUID, timezone: str, start: date, end: date
) -> list[RouteSummary]:
    """Every non-cancelled route dated ``start`` to ``end``, from its delivery stops."""
    zone = ZoneInfo(timezone)
    routes = {
        r.id: RouteSummary(
            r.id,
            r.name,
            r.date,
            r.driver_id,
            r.vehicle_id,
            (r.planned_distance_m or 0.0) + (r.end_leg_metres or 0.0) or None,
        )
        for r in session.execute(
            select(
                Route.id,
                Route.name,
                Route.date,
                Route.driver_id,
                Route.vehicle_id,
                Route.planned_distance_m,
                Route.end_leg_metres,
            ).where(
                Route.org_id == org_id,
                Route.date >= start,
                Route.date <= end,
                Route.status != "cancelled",
            )
        )
    }
    if not routes:
        return []
    earlier = aliased(Stop)
    first = ~(
        select(earlier.id)
        .where(
            earlier.order_id == Stop.order_id,
            earlier.status.in_(FINISHED),
            earlier.departed_at < Stop.departed_at,
        )
        .exists()
    )
    rows = session.execute(
        select(
            Stop.route_id,
            Stop.status,
            Stop.arrived_at,
            Order.window_start,
            Order.window_end,
            Rating.stars,
            Stop.eta_samples,
            first,
        )
        .join(Route, Route.id == Stop.route_id)
        .outerjoin(Order, Order.id == Stop.order_id)
        .outerjoin(Rating, and_(Rating.order_id == Stop.order_id, Stop.status == "completed"))
        .where(
            Route.org_id == org_id,
            Route.date >= start,
            Route.date <= end,
            Route.status != "cancelled",
            Stop.kind == "delivery",
        )
    )
    samples: dict[uuid.UUID, list[tuple[Any, Any]]] = {}
    for route_id, status, arrived, window_start, window_end, stars, eta, is_first in rows:
        s = routes[route_id]
        s.stops += 1
        if status == "completed":
            s.delivered += 1
            if arrived is not None:
                s.by_hour[arrived.astimezone(zone).hour] += 1
                if window_start is not None and window_end is not None:
                    s.with_window += 1
                    s.on_time += int(window_start <= arrived <= window_end)
        elif status == "failed":
            s.failed += 1
        if status in FINISHED and is_first:
            s.first_attempts += 1
            s.first_ok += int(status == "completed")
        if stars is not None:
            s.stars_sum += stars
            s.stars_n += 1
        if eta and arrived is not None:
            samples.setdefault(route_id, []).append((eta, arrived))
    for route_id, pairs in samples.items():
        routes[route_id].eta = eta_accuracy.collect(pairs)
    return list(routes.values())


def to_json(summary: RouteSummary) -> dict[str, Any]:
    out = asdict(summary)
    out["route_id"] = str(summary.route_id)
    out["date"] = summary.date.isoformat()
    out["driver_id"] = str(summary.driver_id) if summary.driver_id else None
    out["vehicle_id"] = str(summary.vehicle_id) if summary.vehicle_id else None
    return out


def from_json(data: dict[str, Any]) -> RouteSummary:
    values = dict(data)
    values["route_id"] = uuid.UUID(values["route_id"])
    values["date"] = date.fromisoformat(values["date"])
    for key in ("driver_id", "vehicle_id"):
        values[key] = uuid.UUID(values[key]) if values[key] else None
    return RouteSummary(**values)
