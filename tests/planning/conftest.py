from __future__ import annotations

from pathlib import Path

import pytest

from tests.planning.shared_data import vrptw_dir


@pytest.fixture
def vrptw_data() -> Path:
    return vrptw_dir()
