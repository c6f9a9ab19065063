"""``doorstep bench dashboard`` runs end to end and reports what the issue names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.web.conftest import need_chromium


def test_bench_dashboard_prints_the_named_figures_as_its_last_line(tmp_path):
    need_chromium()
    doorstep = Path(sys.executable).parent / "doorstep"
    result = subprocess.run(
        [
            *(str(doorstep), "bench", "dashboard"),
            *("--vehicles", "12", "--every", "1", "--rounds", "2", "--json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["fixes_sent"] == 24 and report["fixes_drawn"] == 24
    assert report["fix_to_marker_p95_ms"] is not None and report["server_cpu_cores"] >= 0
