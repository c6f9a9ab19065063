"""Where the shared benchmark data lives: ``$DOORSTEP_SHARED_DATA/vrptw`` or, by
default, ``<repo>/../shared/data/vrptw``. Tests that need it skip where it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def vrptw_dir() -> Path:
    """The VRPTW instance folder, or skip the test saying where it was looked for."""
    root = os.environ.get("DOORSTEP_SHARED_DATA")
    folder = Path(root) / "vrptw" if root else REPO.parent / "shared" / "data" / "vrptw"
    if not (folder / "C101.txt").is_file():
        pytest.skip(
            f"VRPTW benchmark data not found at {folder} (set DOORSTEP_SHARED_DATA to the "
            "folder holding vrptw/)"
        )
    return folder
