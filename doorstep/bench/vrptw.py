"""The VRPTW benchmark: solve a folder of Solomon-format instances and compare with the
best-known solutions.

Headline figure: distance in the DIMACS 2021 convention (arcs ``floor(10 * euclid)``,
at most ``VEHICLE NUMBER`` vehicles, distance only) against ``bks_dimacs.csv``; this is
what PyVRP optimises here, so the gap measures the solver and its tuning. The
hierarchical comparison against ``bks.csv`` (fewest vehicles first, then exact float
distance) comes as extra fields, since the literature quotes that one; our
distance-only objective does not aim at it, so more vehicles there is expected.

Every plan is re-checked by ``doorstep.planning.check`` (``feasible``) and replayed in
exact float times (``feasible_exact``): truncated travel times are shorter, so a plan
can in rare cases be on time only in the DIMACS convention.

The command prints one progress line per instance and, with ``--json``, a single JSON
object as its LAST line; the exit code is 0 when every plan is feasible, 1 otherwise.
"""

from __future__ import annotations

import itertools
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from doorstep.planning.check import check
from doorstep.planning.model import Problem, Solution
from doorstep.planning.pyvrp_solver import solve
from doorstep.planning.solomon import (
    SCALE,
    BksEntry,
    SolomonInstance,
    dimacs_problem,
    euclidean,
    parse_bks,
    parse_solomon,
)

DIMACS_BKS = "bks_dimacs.csv"
HIERARCHICAL_BKS = "bks.csv"


class BenchError(ValueError):
    """The instances folder is missing, empty or unreadable."""


def load_instances(folder: Path) -> list[tuple[str, SolomonInstance]]:
    """Every ``*.txt`` instance in ``folder`` with its name, the file name without
    ``.txt`` (the Gehring-Homberger files spell their own name in lower case, the
    BKS tables in upper case)."""
    if not folder.is_dir():
        raise BenchError(f"{folder}: not a directory")
    files = sorted(folder.glob("*.txt"), key=lambda p: p.name)
    if not files:
        raise BenchError(f"{folder}: no *.txt instances")
    return [(path.stem, parse_solomon(path.read_text(), str(path))) for path in files]


def load_bks(folder: Path, name: str) -> dict[str, BksEntry]:
    """The table ``name`` in ``folder`` keyed by upper-case instance name, or nothing
    when the folder has none."""
    path = folder / name
    if not path.is_file():
        return {}
    return {key.upper(): entry for key, entry in parse_bks(path.read_text(), str(path)).items()}


def run_vrptw(
    instances: Path,
    time_limit_per_100: float,
    seed: int = 1,
    *,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Solve every instance in ``instances`` for ``time_limit_per_100`` seconds per 100
    customers (one core: PyVRP is single-threaded) and compare with the BKS tables.

    ``progress`` is called with each instance's result as soon as it is known.
    """
    loaded = load_instances(instances)
    dimacs_bks = load_bks(instances, DIMACS_BKS)
    hier_bks = load_bks(instances, HIERARCHICAL_BKS)
    results: list[dict[str, Any]] = []
    for name, instance in loaded:
        limit = time_limit_per_100 * instance.customers / 100
        row = solve_instance(name, instance, limit, seed, dimacs_bks, hier_bks)
        results.append(row)
        if progress is not None:
            progress(row)
    gaps = [r["gap_pct"] for r in results if r["gap_pct"] is not None]
    return {
        "instances": results,
        "mean_gap_pct": round(sum(gaps) / len(gaps), 3) if gaps else None,
        "instances_with_bks": len(gaps),
        "all_feasible": all(r["feasible"] for r in results),
        "time_limit_per_100": time_limit_per_100,
        "seed": seed,
        "solver": _solver_info(results),
    }


def solve_instance(
    name: str,
    instance: SolomonInstance,
    time_limit_s: float,
    seed: int,
    dimacs_bks: dict[str, BksEntry],
    hier_bks: dict[str, BksEntry],
) -> dict[str, Any]:
    """Solve one instance and compute every figure the report shows for it."""
    problem = dimacs_problem(instance)
    started = time.perf_counter()
    solution = solve(problem, seed=seed, time_limit_s=time_limit_s)
    wall = time.perf_counter() - started
    violations = check(problem, solution)
    used = [r for r in solution.routes if r.stops]
    distance = round(solution.distance / SCALE, 1)
    exact = exact_distance(instance, problem, solution)

    bks = dimacs_bks.get(name.upper())
    hier = hier_bks.get(name.upper())
    return {
        "name": name,
        "customers": instance.customers,
        "vehicles": len(used),
        "distance": distance,
        "bks_vehicles": bks.vehicles if bks else None,
        "bks_distance": bks.distance if bks else None,
        "gap_pct": _gap(distance, bks.distance) if bks else None,
        "feasible": not violations,
        "violations": [v.message for v in violations[:5]],
        "feasible_exact": exact_feasible(instance, problem, solution),
        "distance_exact": round(exact, 2),
        "hier_bks_vehicles": hier.vehicles if hier else None,
        "hier_bks_distance": hier.distance if hier else None,
        "hier_vehicle_diff": len(used) - hier.vehicles if hier else None,
        "hier_gap_pct": _gap(exact, hier.distance) if hier else None,
        "time_limit_s": round(time_limit_s, 2),
        "runtime_s": round(wall, 2),
        "iterations": solution.solver.get("iterations"),
        "solver_version": solution.solver.get("version"),
    }


def exact_distance(instance: SolomonInstance, problem: Problem, solution: Solution) -> float:
    """The plan's distance in exact float Euclidean arcs (the hierarchical convention)."""
    exact = euclidean(instance)
    where = {job.id: job.location for job in problem.jobs}
    total = 0.0
    for route in solution.routes:
        path = [0, *(where[s.job_id] for s in route.stops), 0]
        total += sum(float(exact[a, b]) for a, b in itertools.pairwise(path))
    return total


def exact_feasible(instance: SolomonInstance, problem: Problem, solution: Solution) -> bool:
    """Replay each route in exact float travel times, leaving the depot at its ready
    time: service must start by the due date, and the vehicle be back by the depot's."""
    exact = euclidean(instance)
    nodes = instance.nodes
    where = {job.id: job.location for job in problem.jobs}
    for route in solution.routes:
        now, here = float(nodes[0].ready), 0
        for stop in route.stops:
            node = where[stop.job_id]
            now = max(now + float(exact[here, node]), float(nodes[node].ready))
            if now > nodes[node].due + 1e-9:
                return False
            now += nodes[node].service
            here = node
        if now + float(exact[here, 0]) > nodes[0].due + 1e-9:
            return False
    return True


def vrptw_command(
    instances: Path,
    time_limit: float,
    as_json: bool,
    seed: int = 1,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """What ``doorstep bench vrptw --instances DIR --time-limit SECONDS [--json]`` runs.

    Progress goes to ``err`` (one line per instance) when ``as_json``, else to ``out``
    with a summary table; with ``as_json`` the LAST line on ``out`` is the JSON
    report. Returns 0 when every plan is feasible, 1 otherwise. ``BenchError`` and
    ``SolomonFormatError`` (both ValueError) propagate for the CLI to report.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    log = err if as_json else out

    def progress(row: dict[str, Any]) -> None:
        gap = "   n/a" if row["gap_pct"] is None else f"{row['gap_pct']:6.2f}"
        bks = (
            ""
            if row["bks_distance"] is None
            else f" (bks {row['bks_vehicles']}/{row['bks_distance']})"
        )
        print(
            f"{row['name']:<10} {row['vehicles']:>3} veh {row['distance']:>10.1f}{bks} "
            f"gap {gap}% feasible={row['feasible']} {row['runtime_s']:.1f}s",
            file=log,
            flush=True,
        )

    report = run_vrptw(instances, time_limit, seed, progress=progress)
    if as_json:
        print(json.dumps(report, separators=(",", ":")), file=out, flush=True)
    else:
        print(
            f"mean gap {report['mean_gap_pct']}% over {report['instances_with_bks']} "
            f"instances with a BKS; all feasible: {report['all_feasible']}",
            file=out,
        )
    return 0 if report["all_feasible"] else 1


def _gap(value: float, best: float) -> float | None:
    return round(100 * (value - best) / best, 3) if best > 0 else None


def _solver_info(results: list[dict[str, Any]]) -> dict[str, Any]:
    version = next((r["solver_version"] for r in results), None)
    return {"name": "pyvrp", "version": version}


def main(argv: list[str] | None = None) -> int:
    """``python -m doorstep.bench.vrptw --instances DIR --time-limit S [--json]``, until
    the ``doorstep bench vrptw`` command is wired to ``vrptw_command``."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m doorstep.bench.vrptw")
    parser.add_argument("--instances", type=Path, required=True)
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per 100")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    return vrptw_command(args.instances, args.time_limit, args.json, args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
