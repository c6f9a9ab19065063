"""The route lifecycle."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import Conflict
from doorstep.domain.route_status import RouteStatus as R
from doorstep.domain.route_status import transition


def test_a_route_runs_from_planned_to_completed():
    status = R.PLANNED
    for target in (R.DISPATCHED, R.IN_PROGRESS, R.COMPLETED):
        status = transition(status, target)
    assert status is R.COMPLETED


def test_a_completed_route_cannot_be_reopened():
    with pytest.raises(Conflict, match="completed cannot become planned"):
        transition(R.COMPLETED, R.PLANNED)


def test_a_running_route_cannot_go_back_to_planned():
    with pytest.raises(Conflict):
        transition(R.IN_PROGRESS, R.PLANNED)
