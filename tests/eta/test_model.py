"""The engine's inputs refuse what would silently mislead it."""

from __future__ import annotations

import datetime as dt

import pytest

from doorstep.eta.model import Fix, PlannedStop, RoutePlan, ServedRoute, ServedStop, StopEta
from tests.eta.routes import T0, line_route


def test_naive_times_are_refused():
    naive = dt.datetime(2025, 3, 4, 8, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        Fix(naive, 60.0, 24.0)
    with pytest.raises(ValueError, match="timezone-aware"):
        PlannedStop("s", 60.0, 24.0, leg_s=60.0, window_end=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        RoutePlan("r", (), start_time=naive)
    # The store's history, for learn_history: read as local time, it would shift by hours.
    with pytest.raises(ValueError, match="timezone-aware"):
        ServedStop(60.0, 60.0, arrived=T0, departed=naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        ServedRoute("d1", (), started=naive)


def test_negative_or_infinite_leg_and_service_times_are_refused():
    with pytest.raises(ValueError, match="leg_s"):
        PlannedStop("s", 60.0, 24.0, leg_s=-1.0)
    with pytest.raises(ValueError, match="service_s"):
        PlannedStop("s", 60.0, 24.0, leg_s=1.0, service_s=float("inf"))


def test_a_route_may_not_name_a_stop_twice():
    plan = line_route(2)
    with pytest.raises(ValueError, match="repeat"):
        RoutePlan("r", (plan.stops[0], plan.stops[0]))


def test_stop_etas_give_aware_datetimes_on_request():
    s = StopEta("s0", T0.timestamp(), T0.timestamp() - 60, T0.timestamp() + 90, 1, None, 0.0)
    assert (s.eta, s.earliest, s.latest) == (
        T0,
        T0 - dt.timedelta(seconds=60),
        T0 + dt.timedelta(seconds=90),
    )
    assert s.eta.tzinfo is not None
