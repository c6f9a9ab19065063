"""A short VRPTW benchmark run: feasible plans and the JSON shape the CLI promises."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest

from doorstep.bench.vrptw import BenchError, run_vrptw, vrptw_command

INSTANCE_KEYS = {
    "name",
    "vehicles",
    "distance",
    "bks_vehicles",
    "bks_distance",
    "gap_pct",
    "feasible",
}


@pytest.fixture
def c101_only(vrptw_data: Path, tmp_path: Path) -> Path:
    for name in ("C101.txt", "bks.csv", "bks_dimacs.csv"):
        shutil.copy(vrptw_data / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def unknown_small(vrptw_data: Path, tmp_path: Path) -> Path:
    """The first 10 customers of C101 under a name no BKS table knows."""
    lines = (vrptw_data / "C101.txt").read_text().splitlines()
    header_end = next(i for i, line in enumerate(lines) if line.strip().startswith("0 "))
    text = "\n".join(["SMALL1", *lines[1:header_end], *lines[header_end : header_end + 11]])
    (tmp_path / "SMALL1.txt").write_text(text + "\n")
    return tmp_path


def test_c101_in_one_second_is_feasible_and_prints_json_last(c101_only):
    out, err = io.StringIO(), io.StringIO()
    code = vrptw_command(c101_only, 1.0, as_json=True, seed=1, out=out, err=err)
    assert code == 0
    report = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(report) >= {"instances", "mean_gap_pct"}
    (row,) = report["instances"]
    assert set(row) >= INSTANCE_KEYS
    assert row["name"] == "C101" and row["feasible"] is True and row["feasible_exact"] is True
    assert (row["bks_vehicles"], row["bks_distance"]) == (10, 827.3)
    assert row["vehicles"] <= 25
    assert row["gap_pct"] == pytest.approx(100 * (row["distance"] - 827.3) / 827.3, abs=1e-3)
    assert report["mean_gap_pct"] == row["gap_pct"]
    assert row["hier_bks_vehicles"] == 10 and row["hier_bks_distance"] == 828.94
    assert "C101" in err.getvalue()  # progress went to stderr


def test_instance_without_bks_has_a_null_gap(unknown_small):
    report = run_vrptw(unknown_small, time_limit_per_100=1.0)
    (row,) = report["instances"]
    assert (row["name"], row["customers"]) == ("SMALL1", 10)
    assert row["gap_pct"] is None and row["bks_distance"] is None
    assert row["feasible"] is True
    assert report["mean_gap_pct"] is None
    json.dumps(report)  # serialisable as is


def test_empty_or_missing_folder_is_an_error(tmp_path):
    with pytest.raises(BenchError, match=r"no \*\.txt"):
        run_vrptw(tmp_path, 1.0)
    with pytest.raises(BenchError, match="not a directory"):
        run_vrptw(tmp_path / "nope", 1.0)
