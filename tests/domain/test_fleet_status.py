"""The live map's status rule: offline beats all, then late, at risk, idle, on time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.fleet_status import FleetStatus, OpenStop, vehicle_status

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
WINDOW_END = NOW + timedelta(hours=1)


def status(last_fix=NOW, still=None, active=True, stops=()):
    return vehicle_status(NOW, last_fix, still, active, list(stops))


def test_no_fix_or_a_silent_device_is_offline_whatever_else():
    late = OpenStop(NOW + timedelta(hours=2), WINDOW_END, 0.9)
    assert status(last_fix=None, stops=[late]).status == FleetStatus.OFFLINE
    verdict = status(last_fix=NOW - timedelta(minutes=25), stops=[late])
    assert verdict.status == FleetStatus.OFFLINE and verdict.reason == "no position for 25 min"


def test_an_eta_past_the_window_is_late_and_says_by_how_much():
    stops = [
        OpenStop(WINDOW_END + timedelta(minutes=20), WINDOW_END, 0.95),
        OpenStop(WINDOW_END + timedelta(minutes=5), WINDOW_END, 0.6),
        OpenStop(NOW, WINDOW_END, 0.0),
    ]
    verdict = status(stops=stops)
    assert verdict.status == FleetStatus.LATE
    assert verdict.reason == "2 stop(s) expected after their window, by up to 20 min"


def test_a_real_chance_of_missing_a_window_is_at_risk():
    verdict = status(stops=[OpenStop(WINDOW_END - timedelta(minutes=5), WINDOW_END, 0.45)])
    assert verdict.status == FleetStatus.AT_RISK and "(45 %)" in verdict.reason
    calm = status(stops=[OpenStop(WINDOW_END - timedelta(minutes=5), WINDOW_END, 0.1)])
    assert calm.status == FleetStatus.ON_TIME


def test_standing_still_too_long_with_stops_to_do_is_idle():
    stop = OpenStop(NOW, WINDOW_END, None)
    idle = status(still=(False, NOW - timedelta(minutes=40)), stops=[stop])
    assert idle.status == FleetStatus.IDLE and idle.reason == "stopped for 40 min"
    short = status(still=(False, NOW - timedelta(minutes=5)), stops=[stop])
    assert short.status == FleetStatus.ON_TIME
    moving = status(still=(True, NOW - timedelta(hours=2)), stops=[stop])
    assert moving.status == FleetStatus.ON_TIME


def test_no_route_under_way_is_parked():
    assert status(active=False).status == FleetStatus.PARKED
