"""``doorstep bench ingest`` runs end to end and reports what the issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_bench_ingest_prints_the_named_figures_as_its_last_line(tmp_path):
    doorstep = Path(sys.executable).parent / "doorstep"
    result = subprocess.run(
        [
            str(doorstep),
            "bench",
            "ingest",
            "--vehicles",
            "2",
            "--fixes",
            "30",
            "--batch",
            "10",
            "--osmand-requests",
            "60",
            "--concurrency",
            "4",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("pipeline_pings_per_s", "osmand_requests_per_s", "osmand_p99_ms", "bus_p95_ms"):
        assert report[key] > 0, key
    assert report["pipeline"][0]["fixes"] == 60
    assert report["osmand"]["failures"] == 0
    assert report["setup"]["cores"] >= 1 and report["setup"]["backend"].startswith("sqlite")
    assert [m["vehicles"] for m in report["memory"]] == [10, 1000, 10000]
