"""``doorstep bench plan``: a realistic day planned on a real network, and urgent-job
options at 50 routes x 40 remaining stops, with fixed seeds.

The day: ``orders`` deliveries at seeded points of the network with 2-hour windows
between 08:00 and 18:00, 3 minutes at each door, ``vans`` vans of 40 parcels from one
depot near the middle, shifts 08:00-18:00. Reported: the time split (snap + matrix,
solve) and the result (planned, unplanned, distance, routes).

The urgent job: 50 routes of 40 remaining stops at seeded points, their leg times
precomputed as the service keeps them; each query snaps a new job, runs the two
searches (every candidate place to the job and back) and ranks the insertions.
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.planning import insertion as ins
from doorstep.planning.check import check
from doorstep.planning.model import Job, Problem, TimeWindow, Vehicle
from doorstep.roads.base import TravelTimeProvider
from doorstep.roads.bench import random_points
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.graph_cache import load_graph

HOUR = 3600


def day_bench(
    provider: EmbeddedProvider,
    *,
    orders: int = 300,
    vans: int = 12,
    time_limit_s: float = 20.0,
    seed: int = 1,
) -> dict[str, Any]:
    rng = random.Random(seed)
    points = random_points(provider.graph, orders, seed)
    centre = LatLon(float(np.median(provider.graph.lat)), float(np.median(provider.graph.lon)))
    started = time.perf_counter()
    snapped = provider.snap([centre, *points])
    matrix = provider.matrix([centre, *points])
    matrix_s = time.perf_counter() - started
    jobs = []
    for i in range(orders):
        start = rng.randrange(8, 16) * HOUR
        jobs.append(
            Job(
                id=f"o{i}",
                location=i + 1,
                service=180,
                window=TimeWindow(start, start + 2 * HOUR),
                demand=(0, 0, 1),
            )
        )
    fleet = tuple(
        Vehicle(
            id=f"van{v}",
            start=0,
            end=0,
            capacity=(2**31 - 1, 2**31 - 1, 40),
            shift=TimeWindow(8 * HOUR, 18 * HOUR),
        )
        for v in range(vans)
    )
    problem = Problem(
        duration=np.ceil(matrix.seconds).astype(np.int64),
        distance=np.round(matrix.metres).astype(np.int64),
        jobs=tuple(jobs),
        vehicles=fleet,
    )
    from doorstep.planning.solver import solve

    started = time.perf_counter()
    solution = solve(problem, seed=seed, time_limit_s=time_limit_s)
    solve_s = time.perf_counter() - started
    return {
        "network": provider.name,
        "orders": orders,
        "vans": vans,
        "max_snap_m": round(max(s.distance_m for s in snapped), 1),
        "matrix_s": round(matrix_s, 3),
        "solve_s": round(solve_s, 3),
        "total_s": round(matrix_s + solve_s, 3),
        "time_limit_s": time_limit_s,
        "routes": sum(1 for r in solution.routes if r.stops),
        "planned": sum(len(r.stops) for r in solution.routes),
        "unplanned": len(solution.unplanned),
        "distance_km": round(solution.distance / 1000, 1),
        "feasible": not [v for v in check(problem, solution) if v.kind != "unplanned_required"],
        "solver": solution.solver,
    }


def urgent_bench(
    provider: TravelTimeProvider,
    points_of: EmbeddedProvider,
    *,
    routes: int = 50,
    stops: int = 40,
    queries: int = 50,
    seed: int = 1,
) -> dict[str, Any]:
    rng = random.Random(seed)
    all_points = random_points(points_of.graph, routes * (stops + 1) + queries, seed)
    places: list[LatLon] = []
    active = []
    for r in range(routes):
        chain = all_points[r * (stops + 1) : (r + 1) * (stops + 1)]
        legs_matrix = provider.matrix(chain)
        base = len(places)
        places.extend(chain)
        legs = tuple(round(float(legs_matrix.seconds[i, i + 1])) for i in range(stops))
        # Windows around the planned arrival, as a planner would have promised them.
        t, windows = 9 * HOUR, []
        for leg in legs:
            t += leg
            opens = t - rng.randrange(0, HOUR)
            windows.append(TimeWindow(opens, opens + 2 * HOUR))
            t += 180
        active.append(
            ins.ActiveRoute(
                route_id=f"r{r}",
                position=base,
                ready_at=9 * HOUR,
                stops=tuple(
                    ins.ActiveStop(f"r{r}s{k}", base + k + 1, 180, windows[k]) for k in range(stops)
                ),
                legs=legs,
            )
        )
    timings = []
    feasible = 0
    for q in range(-3, queries):  # three warm-up queries, not timed
        job_point = all_points[routes * (stops + 1) + max(q, 0)]
        started = time.perf_counter()
        provider.snap([job_point])
        back = provider.matrix(places, [job_point])
        out = provider.matrix([job_point], places)
        to_job = {i: round(float(back.seconds[i, 0])) for i in range(len(places))}
        from_job = {i: round(float(out.seconds[0, i])) for i in range(len(places))}
        job = ins.NewJob(-1, 180, TimeWindow(12 * HOUR, 14 * HOUR))
        ranked = ins.options(active, job, to_job, from_job, limit=5)
        if q >= 0:
            timings.append((time.perf_counter() - started) * 1000)
            feasible += bool(ranked and ranked[0].feasible)
    timings.sort()
    return {
        "routes": routes,
        "remaining_stops": stops,
        "queries": queries,
        "p50_ms": round(statistics.median(timings), 2),
        "p99_ms": round(timings[min(len(timings) - 1, int(0.99 * len(timings)))], 2),
        "max_ms": round(timings[-1], 2),
        "queries_with_a_feasible_option": feasible,
    }


def plan_bench(
    networks: list[Path],
    *,
    time_limit_s: float,
    seed: int = 1,
    matrix_sizes: tuple[int, ...] = (500,),
    synthetic_sizes: tuple[int, ...] = (10_000, 100_000, 500_000),
) -> dict[str, Any]:
    from doorstep.roads.bench import roads_bench

    days = []
    urgent = None
    for pbf in networks:
        graph = load_graph(pbf, cache_dir=Path.home() / ".cache" / "doorstep-bench", beside=False)
        provider = EmbeddedProvider(graph, name=f"embedded ({pbf.name})")
        if urgent is None:  # first, on a process not yet carrying a 300-stop solve
            urgent = urgent_bench(provider, provider, seed=seed, queries=200)
        days.append(day_bench(provider, time_limit_s=time_limit_s, seed=seed))
    return {
        "day": days,
        "urgent_job": urgent,
        "roads": roads_bench(
            networks, synthetic_sizes=synthetic_sizes, matrix_sizes=matrix_sizes, seed=seed
        ),
    }
