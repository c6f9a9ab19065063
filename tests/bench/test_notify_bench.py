"""``doorstep bench notify`` runs end to end and reports what the issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_bench_notify_prints_the_named_figures_as_its_last_line(tmp_path):
    doorstep = Path(sys.executable).parent / "doorstep"
    result = subprocess.run(
        [
            str(doorstep),
            "bench",
            "notify",
            "--messages",
            "20",
            "--rate",
            "50",
            "--burst",
            "30",
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
    assert report["messages_per_s"] > 0 and report["p95_delay_s"] is not None
    assert report["paced"]["delivered"] == 20 and report["burst"]["delivered"] == 30
    assert report["duplicates_at_provider"] == 0
