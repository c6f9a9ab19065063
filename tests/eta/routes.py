"""Small routes for the ETA tests: stops along a street running east, easy to reason about.

Stop k sits ``spacing_m`` east of stop k-1 (the depot is stop -1), each leg takes
``leg_s`` seconds on a straight polyline, and every stop promises a window.
"""

from __future__ import annotations

import datetime as dt
import math

from doorstep.eta.model import Fix, PlannedStop, RoutePlan

T0 = dt.datetime(2025, 3, 4, 8, 0, tzinfo=dt.UTC)
LAT = 60.17
LON = 24.90
M_PER_DEG = 6_371_008.8 * math.pi / 180.0


def at(seconds: float) -> dt.datetime:
    """``seconds`` after 08:00 UTC on the test day."""
    return T0 + dt.timedelta(seconds=seconds)


def lon_at(metres_east: float) -> float:
    return LON + metres_east / (M_PER_DEG * math.cos(math.radians(LAT)))


def line_route(
    n: int = 5,
    *,
    route_id: str = "r1",
    vehicle_key: str | None = "v1",
    driver_key: str | None = "d1",
    leg_s: float = 120.0,
    service_s: float = 60.0,
    spacing_m: float = 1000.0,
    window_s: tuple[float, float] | None = (0.0, 3600.0),
    with_path: bool = True,
    start: dt.datetime = T0,
) -> RoutePlan:
    stops = []
    for k in range(n):
        west, east = spacing_m * k, spacing_m * (k + 1)
        stops.append(
            PlannedStop(
                stop_id=f"s{k}",
                lat=LAT,
                lon=lon_at(east),
                leg_s=leg_s,
                leg_m=spacing_m,
                service_s=service_s,
                planned_arrival=start + dt.timedelta(seconds=(k + 1) * leg_s + k * service_s),
                window_start=start + dt.timedelta(seconds=window_s[0]) if window_s else None,
                window_end=start + dt.timedelta(seconds=window_s[1]) if window_s else None,
                customer_key=f"c{k}",
                path=((LAT, lon_at(west)), (LAT, lon_at((west + east) / 2)), (LAT, lon_at(east)))
                if with_path
                else (),
            )
        )
    return RoutePlan(
        route_id=route_id,
        stops=tuple(stops),
        vehicle_key=vehicle_key,
        driver_key=driver_key,
        start=(LAT, LON),
        start_time=start,
    )


def fix_at(seconds: float, metres_east: float, *, north_m: float = 0.0) -> Fix:
    """A fix ``seconds`` after 08:00 at ``metres_east`` of the depot."""
    return Fix(time=at(seconds), lat=LAT + north_m / M_PER_DEG, lon=lon_at(metres_east))
