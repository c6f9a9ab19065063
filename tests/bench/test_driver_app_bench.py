"""``doorstep bench driver-app`` runs end to end and reports what the issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.web.conftest import need_chromium


def test_bench_driver_app_prints_the_named_figures_as_its_last_line(tmp_path):
    need_chromium()
    doorstep = Path(sys.executable).parent / "doorstep"
    result = subprocess.run(
        [str(doorstep), "bench", "driver-app", "--stops", "8", "--repeats", "1", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["stops"] == 8 and report["target_ms"] == 1000
    assert report["route_screen_ms"] > 0 and report["shell_kb"] > 0
    for run in ("full_speed", "cpu_4x_slower"):
        assert set(report[run]) == {"cold_ms", "warm_p50_ms", "warm_max_ms"}
