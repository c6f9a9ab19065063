"""``doorstep bench settle`` and ``doorstep bench reports`` run end to end on a small
fleet and print the figures their issues name as the last line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from doorstep.storage.db import make_engine
from doorstep.storage.tables import Route


def _last_json(args: list[str], cwd: Path) -> dict:
    doorstep = Path(sys.executable).parent / "doorstep"
    result = subprocess.run(
        [str(doorstep), "bench", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_bench_settle_settles_every_driver_and_a_frozen_run_changes_nothing(
    tmp_path, fresh_database_url
):
    """On each backend: PostgreSQL writes the lines with COPY, SQLite with its own
    executemany."""
    args = ["settle", "--drivers", "4", "--days", "3", "--stops", "5"]
    report = _last_json([*args, "--database-url", fresh_database_url], tmp_path)
    assert report["statements"] == 4 and report["routes"] == 12 and report["stops"] == 60
    assert set(report["settle_s"]) == {"fresh", "again", "frozen"}
    assert report["target_s"] == 10.0 and isinstance(report["within_target"], bool)
    assert float(report["month_total"]) > 0
    engine = make_engine(make_url(fresh_database_url))
    with Session(engine) as session:  # the seeded month's routes say when they ran
        runs = session.execute(select(Route.started_at, Route.ended_at)).all()
    engine.dispose()
    assert len(runs) == 12 and all(s is not None and e is not None and s < e for s, e in runs)


def test_bench_reports_times_each_report_and_the_export(tmp_path):
    report = _last_json(
        ["reports", "--vehicles", "2", "--days", "2", "--stops", "4", "--repeats", "1"],
        tmp_path,
    )
    assert set(report["reports"]) == {"service", "drivers", "fleet"}
    assert all(r["first_ms"] >= 0 and r["median_ms"] >= 0 for r in report["reports"].values())
    assert report["target_ms"] == 2000.0 and isinstance(report["within_target"], bool)
    assert report["fixes_export"]["rows"] == report["fixes"] > 0
