"""``doorstep bench eta``: how good the ETA engine's predictions are on simulated days.

Each day (seeds N, N+1, ... on consecutive weekdays) is generated on a road network
(the bundled Helsinki extract or any ``.osm.pbf``), planned by the real planner,
driven by the fleet simulator and fed to ONE ``EtaEngine`` exactly as the live service
would feed it (``doorstep.bench.eta_replay``). One engine for every day because that
is how an organisation's engine lives: what it learns on Monday (service times, paces,
traffic by hour, how wide its windows must be) is what it knows on Tuesday.

Scored, for every sampled prediction of a stop not yet reached (at most one per route
per simulated minute), against the simulator's ground truth:

* by horizon = actual arrival − prediction time (0-15, 15-30, 30-60, 60-120, 120+
  minutes): MAE and p90 of |ETA − actual|, coverage of [earliest, latest] and its mean
  width, and the same MAE for baselines sampled at the same moments: the static plan
  (the planner's arrival, never updated), the naive live ETA (free-flow drive along the
  remaining planned legs plus planned service times) and the engine with its learning
  frozen (see ``eta_replay``); the targets compare with the first two;
* by predicted horizon (the ETA − prediction time: what a customer is told): the same
  buckets, MAE, coverage, width and the baselines' MAE. Bucketed by the actual
  horizon, a short one selects the predictions whose stops came sooner than foreseen
  (services quicker, traffic lighter), so an engine that foresees the services well
  looks worse there than one that leaves them out, and its windows hold more: both
  views, since neither alone says how the engine does;
* by stops-away (the stop driven to, the one after it, the rest): MAE, coverage,
  mean width and late risk's Brier score, since a window that holds 80 % of arrivals
  overall may hold far fewer of the next customer's;
* late risk: Brier score of ``late_risk`` against arriving after the promised window's
  end, beside the Brier score of always answering the observed late share.

``horizons`` (the primary figures) counts every day, the first included, when the
engine starts knowing nothing: no day is hidden as warm-up. ``after_first_day`` gives
the same figures without the first day, to show what history buys.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from numpy.typing import NDArray

from doorstep.bench.eta_replay import DayReplay, replay_day
from doorstep.bench.eta_world import (
    CACHE_DIR,
    BenchInputError,
    PlannedDay,
    base_scenario,
    bench_days,
    fit_scenario,
    load_network,
    plan_day,
)
from doorstep.eta.engine import EtaEngine

FloatArray = NDArray[np.float64]
BUCKETS: tuple[tuple[str, float, float], ...] = (
    ("0-15", 0.0, 900.0),
    ("15-30", 900.0, 1800.0),
    ("30-60", 1800.0, 3600.0),
    ("60-120", 3600.0, 7200.0),
    ("120+", 7200.0, math.inf),
)
# Stops-away: the stop driven to, the one after it, and the rest (their windows are
# learned apart: doorstep.eta.engine).
AWAY_GROUPS: tuple[tuple[str, float, float], ...] = (
    ("1", 1.0, 2.0),
    ("2", 2.0, 3.0),
    ("3+", 3.0, math.inf),
)
TARGET_VS_STATIC = 0.5  # MAE at most half the static plan's, at horizons 30-120 min
TARGET_VS_NAIVE = 0.75  # MAE at most 3/4 of the naive live ETA's, at every horizon
TARGET_COVERAGE = (0.75, 0.85)  # 80 % ± 5 %, at every horizon
SAMPLING = (
    "at every engine update of a route on the road (accepted fix, stop mark, or the "
    "60 s timer when silent), at most one sample per route (so per stop) per 60 s of "
    "simulated time; only stops not yet reached"
)


def _columns(day: PlannedDay, replay: DayReplay) -> dict[str, FloatArray]:
    """The day's samples as arrays, with the truth and the baselines beside them."""
    rows: list[tuple[float, ...]] = []
    for vehicle, stop_id, made, eta, earliest, latest, risk, naive, frozen, away in replay.samples:
        key = (vehicle, stop_id)
        actual = replay.arrivals.get(key)
        if actual is None or actual <= made:
            continue
        end = replay.window_end.get(key, math.nan)
        late = math.nan if math.isnan(end) else float(actual > end)
        static = day.planned_arrival[key]
        rows.append(
            (actual - made, eta, earliest, latest, risk, naive, static, actual, late, frozen, away)
        )
    c = np.array(rows, dtype=np.float64).reshape(-1, 11).T
    actual_s = c[7]
    return {
        "horizon": c[0],
        "error": c[1] - actual_s,
        "covered": ((c[2] <= actual_s) & (actual_s <= c[3])).astype(np.float64),
        "width": c[3] - c[2],
        "static_error": c[6] - actual_s,
        "naive_error": c[5] - actual_s,
        "frozen_error": c[9] - actual_s,
        "risk": c[4],
        "late": c[8],
        "away": c[10],
    }


def _joined(parts: Sequence[dict[str, FloatArray]]) -> dict[str, FloatArray]:
    keys = (
        "horizon",
        "error",
        "covered",
        "width",
        "static_error",
        "naive_error",
        "frozen_error",
        "risk",
        "late",
        "away",
    )
    return {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0) for k in keys}


def _r(value: float) -> float | None:
    return None if not math.isfinite(value) else round(float(value), 1)


def _mae(errors: FloatArray) -> float | None:
    errors = errors[np.isfinite(errors)]
    return _r(float(np.mean(np.abs(errors)))) if errors.size else None


def _brier(risk: FloatArray, late: FloatArray) -> dict[str, Any]:
    """Brier of the engine's late risk, and of the observed late share (a forecaster
    that knows only the base rate) on the same samples: skill is beating the second."""
    known = np.isfinite(risk) & np.isfinite(late)
    n = int(known.sum())
    if not n:
        return {"brier": None, "brier_base_rate": None, "late_share": None, "brier_n": 0}
    r, y = risk[known], late[known]
    share = float(y.mean())
    return {
        "brier": round(float(np.mean((r - y) ** 2)), 4),
        "brier_base_rate": round(share * (1.0 - share), 4),
        "late_share": round(share, 4),
        "brier_n": n,
    }


def _cell(columns: dict[str, FloatArray], inside: NDArray[np.bool_]) -> dict[str, Any]:
    """The figures of the samples ``inside``: errors, window and baselines."""
    n = int(inside.sum())
    error = columns["error"][inside]
    absolute = np.abs(error)
    return {
        "n": n,
        "mae_s": _r(float(absolute.mean())) if n else None,
        "p90_s": _r(float(np.percentile(absolute, 90))) if n else None,
        "coverage": round(float(columns["covered"][inside].mean()), 4) if n else None,
        "mean_width_s": _r(float(columns["width"][inside].mean())) if n else None,
        "static_mae_s": _mae(columns["static_error"][inside]),
        "naive_mae_s": _mae(columns["naive_error"][inside]),
        "frozen_mae_s": _mae(columns["frozen_error"][inside]),
        "bias_s": _r(float(-error.mean())) if n else None,  # + : later than the ETA
        "brier": _brier(columns["risk"][inside], columns["late"][inside])["brier"],
    }


AWAY_FIGURES = ("n", "mae_s", "coverage", "mean_width_s", "brier")
PREDICTED_FIGURES = ("n", "mae_s", "coverage", "mean_width_s", "static_mae_s", "naive_mae_s")


def score(columns: dict[str, FloatArray]) -> dict[str, Any]:
    """The figures by horizon, by predicted horizon and by stops-away, plus the
    late-risk figures, for a set of samples."""
    horizon = columns["horizon"]
    predicted = horizon + columns["error"]  # the ETA's own lead: eta - made
    away = columns["away"]

    def cells(
        value: FloatArray, groups: tuple[tuple[str, float, float], ...], keep: Sequence[str] = ()
    ) -> dict[str, Any]:
        out = {}
        for name, low, high in groups:
            cell = _cell(columns, (value >= low) & (value < high))
            out[name] = {k: cell[k] for k in keep} if keep else cell
        return out

    return {
        "horizons": cells(horizon, BUCKETS),
        "predicted_horizons": cells(predicted, BUCKETS, PREDICTED_FIGURES),
        "stops_away": cells(away, AWAY_GROUPS, AWAY_FIGURES),
        **_brier(columns["risk"], columns["late"]),
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def targets(horizons: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets against these figures: ratios, and whether each holds."""
    vs_static = {
        b: _ratio(horizons[b]["mae_s"], horizons[b]["static_mae_s"]) for b in ("30-60", "60-120")
    }
    vs_naive = {b: _ratio(h["mae_s"], h["naive_mae_s"]) for b, h in horizons.items()}
    coverage = {b: h["coverage"] for b, h in horizons.items()}
    low, high = TARGET_COVERAGE
    return {
        "mae_vs_static_30_120": {
            "target": f"<= {TARGET_VS_STATIC}",
            "ratios": vs_static,
            "met": all(r is not None and r <= TARGET_VS_STATIC for r in vs_static.values()),
        },
        "mae_vs_naive": {
            "target": f"<= {TARGET_VS_NAIVE}",
            "ratios": vs_naive,
            "met": all(r is not None and r <= TARGET_VS_NAIVE for r in vs_naive.values()),
        },
        "coverage": {
            "target": f"{low}-{high}",
            "values": coverage,
            "met": all(c is not None and low <= c <= high for c in coverage.values()),
        },
    }


def run_eta_bench(
    *,
    scenario: str | None = None,
    road_network: Path | None = None,
    seed: int = 1,
    seeds: int = 5,
    vans: int = 8,
    stops: int = 20,
    progress: Callable[[str], None] | None = None,
    cache_dir: Path = CACHE_DIR,
) -> dict[str, Any]:
    """Replay ``seeds`` days with one engine and return the report (see the module
    docstring). ``BenchInputError``/``ScenarioError`` (ValueError) and
    ``RoadsUnavailable`` name what is wrong with the inputs."""
    if seeds < 1 or vans < 1 or stops < 1:
        raise BenchInputError("--seeds, --vans and --stops must be at least 1")
    say = progress or (lambda _: None)
    began = time.perf_counter()
    base, scenario_file = base_scenario(scenario)  # before the network: fail fast
    network_began = time.perf_counter()
    network = load_network(road_network, cache_dir)
    network_s = time.perf_counter() - network_began
    world = fit_scenario(base, network)
    engine = EtaEngine(timezone=world.zone)

    days: list[dict[str, Any]] = []
    parts: list[dict[str, FloatArray]] = []
    plan_s = replay_s = engine_s = 0.0
    for day_seed, date in bench_days(seed, seeds):
        planned = plan_day(network, world, day_seed, date, vans, stops)
        replay = replay_day(engine, planned, world, network.provider)
        columns = _columns(planned, replay)
        parts.append(columns)
        plan_s += sum(planned.timings.values())
        replay_s += replay.timings["replay_s"]
        engine_s += replay.timings["engine_s"]
        figures = score(columns)
        overall = {
            "n": int(columns["horizon"].size),
            "mae_s": _mae(columns["error"]),
            "static_mae_s": _mae(columns["static_error"]),
            "naive_mae_s": _mae(columns["naive_error"]),
            "frozen_mae_s": _mae(columns["frozen_error"]),
            "coverage": round(float(columns["covered"].mean()), 4)
            if columns["covered"].size
            else None,
        }
        days.append(
            {
                "seed": day_seed,
                "date": date.isoformat(),
                "routes": len(planned.routes),
                "stops": sum(len(r.stops) for r in planned.routes),
                "unplanned": planned.unplanned,
                **overall,
                "brier": figures["brier"],
                "counters": replay.counters,
                "plan_s": round(sum(planned.timings.values()), 2),
                "replay_s": round(replay.timings["replay_s"], 2),
            }
        )
        say(
            f"day {len(days)}/{seeds} seed {day_seed} {date}: {days[-1]['stops']} stops, "
            f"{overall['n']} samples, MAE {overall['mae_s']} s (static "
            f"{overall['static_mae_s']}, naive {overall['naive_mae_s']}), coverage "
            f"{overall['coverage']}, {days[-1]['plan_s'] + days[-1]['replay_s']:.1f} s"
        )

    score_began = time.perf_counter()
    primary = score(_joined(parts))
    later = score(_joined(parts[1:])) if len(parts) > 1 else None
    score_s = time.perf_counter() - score_began
    return {
        "bench": "eta",
        "horizons": primary["horizons"],
        "predicted_horizons": primary["predicted_horizons"],
        "stops_away": primary["stops_away"],
        "brier": primary["brier"],
        "brier_base_rate": primary["brier_base_rate"],
        "late_share": primary["late_share"],
        "brier_n": primary["brier_n"],
        "targets": targets(primary["horizons"]),
        "after_first_day": (
            {**later, "targets": targets(later["horizons"])} if later is not None else None
        ),
        "warm_up_days": [],
        "figures_cover": (
            "horizons/brier/targets: every day, the first included (the engine starts "
            "knowing nothing); after_first_day: the same without day 1"
        ),
        "scenario": base.name,
        "scenario_file": scenario_file,
        "scenario_fitted": {
            "timezone": world.timezone,
            "incidents": world.incidents.model_dump(mode="json"),
            "description": world.description,
        },
        "seed": seed,
        "seeds": [d["seed"] for d in days],
        "network": network.name,
        "network_nodes": len(network.points),
        "vans": vans,
        "stops": stops,
        "sampling": SAMPLING,
        "naive": "free-flow drive from the current position along the remaining planned legs "
        "+ planned service times, service on arrival, no learning (the engine's code, frozen)",
        "frozen": "the engine with its parameters and every learner frozen: what learning buys",
        "static": "the planner's arrival time, never updated",
        "days": days,
        "engine_counters": dict(engine.counters),
        "timing": {
            "total_s": round(time.perf_counter() - began, 2),
            "network_s": round(network_s, 2),
            "plan_s": round(plan_s, 2),
            "replay_s": round(replay_s, 2),
            "engine_s": round(engine_s, 2),
            "score_s": round(score_s, 2),
        },
    }


def _fmt(value: float | None, unit: str = "") -> str:
    return "-" if value is None else f"{value:,.0f}{unit}"


def _table(title: str, horizons: dict[str, Any], out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("horizon min", "n", "MAE s", "p90 s", "coverage", "width s", "bias s"):
        table.add_column(column, justify="right")
    for column in ("static MAE", "naive MAE", "frozen MAE", "vs static", "vs naive", "Brier"):
        table.add_column(column, justify="right")
    for name, h in horizons.items():
        cov = "-" if h["coverage"] is None else f"{100 * h['coverage']:.1f} %"
        vs_static = _ratio(h["mae_s"], h["static_mae_s"])
        vs_naive = _ratio(h["mae_s"], h["naive_mae_s"])
        table.add_row(
            name,
            str(h["n"]),
            _fmt(h["mae_s"]),
            _fmt(h["p90_s"]),
            cov,
            _fmt(h["mean_width_s"]),
            _fmt(h["bias_s"]),
            _fmt(h["static_mae_s"]),
            _fmt(h["naive_mae_s"]),
            _fmt(h["frozen_mae_s"]),
            "-" if vs_static is None else f"{vs_static:.2f}",
            "-" if vs_naive is None else f"{vs_naive:.2f}",
            "-" if h["brier"] is None else f"{h['brier']:.3f}",
        )
    Console(file=out, width=140).print(table)


def eta_command(
    *,
    scenario: str | None,
    road_network: Path | None,
    seed: int,
    seeds: int,
    vans: int,
    stops: int,
    as_json: bool,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """What ``doorstep bench eta`` runs. Progress goes to ``err`` with ``--json``, else
    to ``out`` with the tables; either way the LAST line on ``out`` is the JSON report.
    Input errors propagate (ValueError, RoadsUnavailable) for the CLI to report."""
    out = out or sys.stdout
    err = err or sys.stderr
    log = err if as_json else out

    def progress(line: str) -> None:
        print(line, file=log, flush=True)

    report = run_eta_bench(
        scenario=scenario,
        road_network=road_network,
        seed=seed,
        seeds=seeds,
        vans=vans,
        stops=stops,
        progress=progress,
    )
    if not as_json:
        where = f"{report['scenario']} on {report['network']}"
        _table(f"ETA errors by horizon, all days ({where})", report["horizons"], out)
        if report["after_first_day"] is not None:
            _table("After the first day", report["after_first_day"]["horizons"], out)
        print(
            "by predicted horizon (coverage, MAE vs naive): "
            + ", ".join(
                f"{name}: {_fmt(None if h['coverage'] is None else 100 * h['coverage'])} %, "
                + ("-" if (v := _ratio(h["mae_s"], h["naive_mae_s"])) is None else f"{v:.2f}")
                for name, h in report["predicted_horizons"].items()
            ),
            file=out,
        )
        print(
            "by stops-away (coverage, mean width): "
            + ", ".join(
                f"{name}: {_fmt(None if a['coverage'] is None else 100 * a['coverage'])} %, "
                f"{_fmt(a['mean_width_s'])} s"
                for name, a in report["stops_away"].items()
            ),
            file=out,
        )
        print(
            f"late risk Brier {report['brier']} (base rate alone: "
            f"{report['brier_base_rate']}, late share {report['late_share']}); "
            f"targets met: "
            + ", ".join(f"{k} {v['met']}" for k, v in report["targets"].items())
            + f"; {report['timing']['total_s']} s",
            file=out,
        )
    print(json.dumps(report, separators=(",", ":"), default=str), file=out, flush=True)
    return 0
