"""The throughput micro-benchmark runs and reports what the issue asks about."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from doorstep.bench.eta_engine import propagation_us, refresh_throughput

DOORSTEP = Path(sys.executable).parent / "doorstep"


def test_the_benchmark_reports_refreshes_per_second_for_full_routes():
    report = refresh_throughput(routes=20, stops=30, seconds=0.2)
    assert report["refreshes_per_s"] > 0
    assert report["refreshes"] >= 20
    assert report["stop_etas"] == report["refreshes"] * 30  # every stop of every refresh
    assert {"python_floats_us", "numpy_us"} <= report.keys()


def test_the_propagation_timings_are_positive():
    timings = propagation_us(stops=30, repeat=100)
    assert all(v > 0 for v in timings.values())


def test_the_benchmark_can_put_the_change_gate_in_the_loop():
    report = refresh_throughput(routes=10, stops=30, seconds=0.1, gate=True)
    assert report["gate"] is True
    assert 0 < report["published_stop_etas"] <= report["stop_etas"]


def test_the_command_prints_the_report_and_whether_the_target_is_met_as_json():
    result = subprocess.run(
        [str(DOORSTEP), "bench", "eta-refresh", "--routes", "10", "--seconds", "0.2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["routes"] == 10 and report["stops"] == 30
    assert report["refreshes_per_s"] > 0
    assert report["target_per_s"] == 10_000
    assert report["target_met"] == (report["refreshes_per_s"] >= 10_000)


def test_a_nonsense_route_count_is_one_clear_error():
    result = subprocess.run(
        [str(DOORSTEP), "bench", "eta-refresh", "--routes", "0"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "--routes" in result.stderr and "Traceback" not in result.stderr
