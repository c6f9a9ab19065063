"""A plausible day for a road network never seen before: a scenario fitted to its
size, a depot near its middle, and customers on its roads with windows and parcels.

Only the network's points (its nodes, or any sample of road points) are needed.
Customers sit a few metres off a road node (a house is beside the street); their key
is the node's index, so the same address drawn on another day is the same customer,
with the same habits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from doorstep.sim.geometry import metres_between, offset
from doorstep.sim.model import Point, SimStop
from doorstep.sim.randomness import stream
from doorstep.sim.scenario import Incidents, Scenario

REFERENCE_AREA_KM2 = 100.0  # the default incident rate suits a city of about this size
ALL_DAY_SHARE = 0.35  # orders with the whole delivery day as their window
WINDOW_HOURS = 2.0


@dataclass(frozen=True, slots=True)
class GeneratedOrder:
    customer_key: str
    lat: float
    lon: float
    window_start: datetime
    window_end: datetime
    items: int
    service_s: float  # planned

    def stop(self, stop_id: str) -> SimStop:
        return SimStop(
            stop_id,
            self.lat,
            self.lon,
            self.service_s,
            self.window_start,
            self.window_end,
            self.items,
            self.customer_key,
        )


def as_points(points: Iterable[Any]) -> list[Point]:
    """``(lat, lon)`` tuples from LatLon objects, pairs, or rows of an (n, 2) array."""
    out: list[Point] = []
    for p in points:
        if hasattr(p, "lat") and hasattr(p, "lon"):
            out.append((float(p.lat), float(p.lon)))
        else:
            lat, lon = p
            out.append((float(lat), float(lon)))
    if not out:
        raise ValueError("a network needs at least one point")
    return out


def depot_location(network_points: Iterable[Any]) -> Point:
    """The network point nearest the median of all points: central, and on a road."""
    points = as_points(network_points)
    lats = sorted(p[0] for p in points)
    lons = sorted(p[1] for p in points)
    centre = (lats[len(lats) // 2], lons[len(lons) // 2])
    return min(points, key=lambda p: metres_between(p, centre))


def generate_orders(
    network_points: Iterable[Any],
    n: int,
    seed: int,
    day: date,
    timezone: str = "UTC",
    day_hours: tuple[float, float] = (8.0, 18.0),
) -> list[GeneratedOrder]:
    """``n`` orders on distinct road points: a third all-day, the rest two-hour windows
    within ``day_hours`` (local); 1-5 items, mostly one; planned service 60 s + 45 s
    per item."""
    points = as_points(network_points)
    if n > len(points):
        raise ValueError(f"{n} orders need at least {n} network points, got {len(points)}")
    rng = stream(seed, "orders", day.isoformat())
    zone = ZoneInfo(timezone)
    midnight = datetime.combine(day, time(0), tzinfo=zone)
    opens, closes = day_hours
    slots = max(int((closes - opens - WINDOW_HOURS) * 2) + 1, 1)  # half-hour starts
    orders = []
    for index in sorted(rng.sample(range(len(points)), n)):
        lat, lon = offset(points[index], rng.uniform(5.0, 25.0), rng.uniform(0.0, 360.0))
        if rng.random() < ALL_DAY_SHARE:
            start_h, end_h = opens, closes
        else:
            start_h = opens + 0.5 * rng.randrange(slots)
            end_h = min(start_h + WINDOW_HOURS, closes)
        items = 1
        while items < 5 and rng.random() < 0.35:
            items += 1
        orders.append(
            GeneratedOrder(
                customer_key=f"node-{index}",
                lat=round(lat, 7),
                lon=round(lon, 7),
                window_start=midnight + timedelta(hours=start_h),
                window_end=midnight + timedelta(hours=end_h),
                items=items,
                service_s=60.0 + 45.0 * items,
            )
        )
    return orders


def timezone_guess(lon: float) -> str:
    """A fixed-offset zone from the longitude (``Etc/GMT-2`` at 25°E): the hours of
    rush hour land about right anywhere, without a time zone database lookup."""
    hours = round(lon / 15.0)
    return "UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"


def scenario_for_network(
    network_points: Iterable[Any], seed: int, base: Scenario | None = None
) -> Scenario:
    """``base`` (default: the default world) fitted to a network: time zone from its
    longitude, incident sizes and rate scaled to its extent."""
    points = as_points(network_points)
    base = base if base is not None else Scenario()
    south, north = min(p[0] for p in points), max(p[0] for p in points)
    west, east = min(p[1] for p in points), max(p[1] for p in points)
    height = metres_between((south, west), (north, west))
    mid_lat = (south + north) / 2
    width = metres_between((mid_lat, west), (mid_lat, east))
    diagonal = math.hypot(width, height)
    area_km2 = max(width * height / 1e6, 0.01)
    incidents = Incidents(
        per_hour=round(
            base.incidents.per_hour * _clamp(area_km2 / REFERENCE_AREA_KM2, 0.2, 5.0), 3
        ),
        radius_m=(
            round(_clamp(0.03 * diagonal, 100.0, 800.0)),
            round(_clamp(0.1 * diagonal, 200.0, 2500.0)),
        ),
        factor=base.incidents.factor,
        duration_min=base.incidents.duration_min,
    )
    fitted = base.model_dump()
    fitted.update(
        {
            "name": f"generated-{seed}",
            "description": (
                f"fitted to a network of {len(points)} points, "
                f"{width / 1000:.1f} x {height / 1000:.1f} km around "
                f"({mid_lat:.4f}, {(west + east) / 2:.4f})"
            ),
            "seed": seed,
            "timezone": timezone_guess((west + east) / 2),
            "incidents": incidents.model_dump(),
        }
    )
    return Scenario.model_validate(fitted)


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def points_of(lat: Sequence[float], lon: Sequence[float]) -> list[Point]:
    """Points from parallel coordinate arrays (``graph.lat``, ``graph.lon``)."""
    return [(float(a), float(b)) for a, b in zip(lat, lon, strict=True)]
