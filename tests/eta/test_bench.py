"""The throughput micro-benchmark runs and reports what the issue asks about."""

from __future__ import annotations

from doorstep.bench.eta_engine import propagation_us, refresh_throughput


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
