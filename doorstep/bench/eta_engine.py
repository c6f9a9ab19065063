"""How many route ETA refreshes one process makes per second.

The issue asks for at least 10,000 refreshes a second, on one core, for routes with 30
remaining stops. A refresh here is what a live fix costs: ``EtaEngine.on_fix`` for a
vehicle driving its current leg (snap to the leg's polyline, live pace, every
remaining stop's ETA, window and late risk), with calibration fitted on history so the
learned bands (not the default) are used; with ``gate=True`` the refresh also goes
through the ``ChangeGate`` that decides what to publish. Routes are visited round-robin so each
refresh finds a different route's state, as on a real fleet.

It also times the one design choice inside a refresh: propagating 30 stops with plain
floats against numpy arrays.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from typing import Any

import numpy as np

from doorstep.eta.engine import EtaEngine
from doorstep.eta.model import Fix, PlannedStop, RoutePlan
from doorstep.eta.publish import ChangeGate

REFRESH_TARGET_PER_S = 10_000  # the issue's, for routes of 30 remaining stops
_CENTRE = (60.17, 24.94)
_METRES_PER_DEG = 111_195.0


def synthetic_route(
    route_id: str,
    stops: int,
    start: dt.datetime,
    rng: random.Random,
    vertices_per_leg: int = 8,
) -> RoutePlan:
    """A van route through a city: stops 300-1,500 m apart, polylines with a bend."""
    lat, lon = _CENTRE[0] + rng.uniform(-0.05, 0.05), _CENTRE[1] + rng.uniform(-0.1, 0.1)
    depot = (lat, lon)
    kx = _METRES_PER_DEG * math.cos(math.radians(lat))
    planned: list[PlannedStop] = []
    t = start
    heading = rng.uniform(0, 2 * math.pi)
    for k in range(stops):
        heading += rng.uniform(-1.0, 1.0)
        step = rng.uniform(300, 1500)
        nlat = lat + step * math.sin(heading) / _METRES_PER_DEG
        nlon = lon + step * math.cos(heading) / kx
        bend = rng.uniform(-0.3, 0.3)
        path = tuple(
            (
                lat + (nlat - lat) * f + bend * (nlon - lon) * kx / _METRES_PER_DEG * f * (1 - f),
                lon + (nlon - lon) * f - bend * (nlat - lat) * _METRES_PER_DEG / kx * f * (1 - f),
            )
            for f in (i / (vertices_per_leg - 1) for i in range(vertices_per_leg))
        )
        leg_s = step * 1.3 / 8.0
        service_s = 120.0 + 30.0 * rng.randint(0, 4)
        t = t + dt.timedelta(seconds=leg_s)
        window_start = start + dt.timedelta(hours=k // 8)
        planned.append(
            PlannedStop(
                stop_id=f"{route_id}-s{k}",
                lat=nlat,
                lon=nlon,
                leg_s=leg_s,
                leg_m=step * 1.3,
                service_s=service_s,
                planned_arrival=t,
                window_start=window_start,
                window_end=window_start + dt.timedelta(hours=2),
                items=rng.randint(1, 4),
                customer_key=f"c{rng.randint(0, 500)}",
                path=path,
            )
        )
        t = t + dt.timedelta(seconds=service_s)
        lat, lon = nlat, nlon
    return RoutePlan(
        route_id=route_id,
        stops=tuple(planned),
        vehicle_key=f"v-{route_id}",
        driver_key=f"d-{route_id}",
        start=depot,
        start_time=start,
    )


def _fixes_along_first_leg(plan: RoutePlan, start: dt.datetime, count: int) -> list[Fix]:
    path = plan.stops[0].path
    fixes = []
    for i in range(count):
        f = (i % 50) / 50.0
        k = min(int(f * (len(path) - 1)), len(path) - 2)
        g = f * (len(path) - 1) - k
        (a_lat, a_lon), (b_lat, b_lon) = path[k], path[k + 1]
        fixes.append(
            Fix(
                time=start + dt.timedelta(seconds=5 * (i + 1)),
                lat=a_lat + (b_lat - a_lat) * g + 0.00002,
                lon=a_lon + (b_lon - a_lon) * g,
                speed_ms=8.0,
            )
        )
    return fixes


def _history(rng: random.Random, n: int) -> list[tuple[float, float]]:
    """Skewed past errors: late more often and by more than early."""
    records = []
    for _ in range(n):
        horizon = rng.uniform(0, 4 * 3600)
        spread = 60 + 0.1 * horizon
        records.append((horizon, spread * (rng.gammavariate(2.0, 0.6) - 1.0)))
    return records


def propagation_us(stops: int = 30, repeat: int = 20_000) -> dict[str, float]:
    """Microseconds to chain ``stops`` arrivals with plain floats and with numpy."""
    legs = [300.0 + i for i in range(stops)]
    service = [180.0] * stops
    pace = 1.07

    def with_floats() -> list[float]:
        t = 1000.0
        out = []
        for i in range(stops):
            t += legs[i] * pace
            out.append(t)
            t += service[i]
        return out

    legs_a = np.array(legs)
    service_a = np.array(service)

    def with_numpy() -> list[float]:
        steps = legs_a * pace
        steps[1:] += service_a[:-1]
        arrivals: list[float] = (1000.0 + np.cumsum(steps)).tolist()
        return arrivals

    timings = {}
    for name, fn in (("python_floats_us", with_floats), ("numpy_us", with_numpy)):
        begin = time.perf_counter()
        for _ in range(repeat):
            fn()
        timings[name] = (time.perf_counter() - begin) / repeat * 1e6
    return timings


def refresh_throughput(
    routes: int = 1000, stops: int = 30, seconds: float = 3.0, *, gate: bool = False
) -> dict[str, Any]:
    """Refreshes per second of ``routes`` routes of ``stops`` remaining stops, for
    ``seconds`` of wall time, one process, one thread. ``gate``: each refresh also goes
    through the ``ChangeGate`` deciding what to publish, as in the live service."""
    rng = random.Random(7)
    start = dt.datetime(2025, 3, 4, 8, 0, tzinfo=dt.UTC)
    engine = EtaEngine()
    change_gate = ChangeGate()
    engine.fit(_history(rng, 20_000))
    plans = [synthetic_route(f"r{i}", stops, start, rng) for i in range(routes)]
    for plan in plans:
        engine.set_route(plan, start)
        change_gate.promise_plan(plan)
    per_route = 200
    fixes = [_fixes_along_first_leg(plan, start, per_route) for plan in plans]
    keys = [plan.vehicle_key or "" for plan in plans]

    done = 0
    deadline = time.perf_counter() + seconds
    begin = time.perf_counter()
    results = published = 0
    while time.perf_counter() < deadline:
        k = done // routes % per_route
        for i in range(routes):
            fix = fixes[i][k]
            result = engine.on_fix(keys[i], fix, fix.time)
            if result is not None:
                results += len(result.stops)
                if gate:
                    published += len(change_gate.review(result).changed)
        done += routes
        if k == per_route - 1:  # the fixes ran out: start the day again
            for plan in plans:
                engine.drop_route(plan.route_id)
                engine.set_route(plan, start)
                change_gate.forget(plan.route_id)
                change_gate.promise_plan(plan)
    elapsed = time.perf_counter() - begin
    return {
        "refreshes_per_s": round(done / elapsed),
        "us_per_refresh": round(elapsed / done * 1e6, 2),
        "refreshes": done,
        "seconds": round(elapsed, 3),
        "routes": routes,
        "stops": stops,
        "stop_etas": results,
        "gate": gate,
        "published_stop_etas": published,
        **{k: round(v, 2) for k, v in propagation_us(stops).items()},
    }
