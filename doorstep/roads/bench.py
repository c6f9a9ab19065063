"""Road benchmark figures for ``doorstep bench`` (the CLI wiring lives elsewhere).

:func:`roads_bench` returns a plain dict: per real network, parse time against cache
load time and matrix times with peak traced memory; per synthetic city size, build
time, snapper build time and a square matrix time. Points are seeded uniform draws
over the middle 90 % of the network's extent, so runs are comparable. Matrices are
timed once without tracing, then run again under ``tracemalloc`` for the peak (numpy
and scipy report their array allocations to it).
"""

from __future__ import annotations

import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from doorstep.domain.geo import LatLon
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.graph import RoadGraph
from doorstep.roads.graph_cache import cache_key, read_cached, write_cached
from doorstep.roads.helsinki import helsinki_pbf
from doorstep.roads.osm_parse import parse_pbf
from doorstep.roads.synthetic import synthetic_city

T = TypeVar("T")
MATRIX_SIZES = (300, 500)
SYNTHETIC_SIZES = (10_000, 100_000, 500_000)


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = work()
    return result, round(time.perf_counter() - start, 4)


def random_points(graph: RoadGraph, count: int, seed: int = 0) -> list[LatLon]:
    """Seeded points spread over the middle 90 % of the network's extent."""
    rng = np.random.default_rng(seed)
    lat_lo, lat_hi = np.percentile(graph.lat, [5, 95])
    lon_lo, lon_hi = np.percentile(graph.lon, [5, 95])
    lats = rng.uniform(lat_lo, lat_hi, count)
    lons = rng.uniform(lon_lo, lon_hi, count)
    return [LatLon(float(a), float(b)) for a, b in zip(lats, lons, strict=True)]


def matrix_figures(provider: EmbeddedProvider, size: int, seed: int = 0) -> dict[str, Any]:
    """Time of a ``size`` x ``size`` matrix, and its peak traced memory in MiB."""
    points = random_points(provider.graph, size, seed)
    provider.snapper  # built beforehand: the matrix time is the routing alone  # noqa: B018
    matrix, seconds = _timed(lambda: provider.matrix(points))
    tracemalloc.start()
    provider.matrix(points)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "size": size,
        "seconds": seconds,
        "peak_traced_mib": round(peak / 2**20, 1),
        "unreachable_pairs": int(np.isinf(matrix.seconds).sum()),
        "mean_travel_s": round(float(np.mean(matrix.seconds)), 1),
    }


def network_bench(
    pbf: Path, matrix_sizes: Sequence[int] = MATRIX_SIZES, seed: int = 0
) -> dict[str, Any]:
    """Parse against cache load for one PBF, then matrices on it."""
    graph, parse_s = _timed(lambda: parse_pbf(pbf))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "graph.npz"
        key = cache_key(pbf)
        _, write_s = _timed(lambda: write_cached(path, graph, key))
        _, load_s = _timed(lambda: read_cached(path, key))
    provider = EmbeddedProvider(graph)
    _, snapper_s = _timed(lambda: provider.snapper)
    return {
        "pbf": str(pbf),
        "nodes": graph.node_count,
        "edges": graph.edge_count,
        "parse_s": parse_s,
        "cache_write_s": write_s,
        "cache_load_s": load_s,
        "parse_over_load": round(parse_s / max(load_s, 1e-6), 1),
        "snapper_build_s": snapper_s,
        "matrices": [matrix_figures(provider, n, seed) for n in matrix_sizes],
    }


def synthetic_bench(
    sizes: Sequence[int] = SYNTHETIC_SIZES, matrix_size: int = 100, seed: int = 0
) -> list[dict[str, Any]]:
    """How build and matrix times grow with the city's node count."""
    rows = []
    for size in sizes:
        start = time.perf_counter()
        graph = synthetic_city(size, seed=seed)
        build_s = round(time.perf_counter() - start, 4)
        provider = EmbeddedProvider(graph, name=f"synthetic-{size}")
        _, snapper_s = _timed(lambda: provider.snapper)  # noqa: B023 - called at once
        points = random_points(graph, matrix_size, seed)
        _, matrix_s = _timed(lambda: provider.matrix(points))  # noqa: B023 - called at once
        rows.append(
            {
                "nodes_requested": size,
                "nodes": graph.node_count,
                "edges": graph.edge_count,
                "build_s": build_s,
                "snapper_build_s": snapper_s,
                "matrix_size": matrix_size,
                "matrix_s": matrix_s,
            }
        )
    return rows


def roads_bench(
    networks: Sequence[Path] | None = None,
    synthetic_sizes: Sequence[int] = SYNTHETIC_SIZES,
    matrix_sizes: Sequence[int] = MATRIX_SIZES,
    seed: int = 0,
) -> dict[str, Any]:
    """All road figures; ``networks`` default to the bundled Helsinki extract."""
    pbfs = list(networks) if networks is not None else [helsinki_pbf()]
    result: dict[str, Any] = {
        "networks": [network_bench(p, matrix_sizes, seed) for p in pbfs],
        "synthetic": synthetic_bench(synthetic_sizes, seed=seed),
    }
    result["max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return result
