"""Device health: offline after ten quiet minutes, back online, low battery once per
episode with hysteresis."""

from __future__ import annotations

from datetime import timedelta

from doorstep.domain.detectors import device_health
from doorstep.domain.detectors.replay import replay
from tests.domain.detectors.track import T0, at, kinds

PARAMS = device_health.Params()


def test_offline_exactly_ten_minutes_after_the_last_fix_and_only_once():
    state, _ = device_health.update(None, at(0), PARAMS)
    assert device_health.tick(state, T0 + timedelta(seconds=599), PARAMS) == (state, [])
    offline, events = device_health.tick(state, T0 + timedelta(minutes=12), PARAMS)
    assert kinds(events) == ["device_offline"] and not offline.online
    assert events[0].time == T0 + timedelta(minutes=10)
    assert events[0].data["offline_after_s"] == 600
    assert device_health.tick(offline, T0 + timedelta(hours=1), PARAMS) == (offline, [])


def test_the_first_fix_after_offline_is_back_online_with_how_long_it_was_quiet():
    state, _ = device_health.update(None, at(0), PARAMS)
    state, _ = device_health.tick(state, T0 + timedelta(minutes=10), PARAMS)
    state, events = device_health.update(state, at(1800), PARAMS)
    assert kinds(events) == ["device_online"] and events[0].data["offline_for_s"] == 1800
    assert state.online


def test_low_battery_alerts_once_and_recovers_only_above_the_hysteresis():
    levels = [50.0, 14.9, 12.0, 16.0, 14.0, 19.9, 20.0, 14.0]
    fixes = [at(i * 60, battery=b) for i, b in enumerate(levels)]
    events = replay(device_health.update, PARAMS, fixes)
    assert kinds(events) == ["battery_low", "battery_ok", "battery_low"]
    assert events[0].data["battery_pct"] == 14.9 and events[0].data["low_battery_pct"] == 15
    assert events[1].data["battery_pct"] == 20.0


def test_exactly_fifteen_percent_is_not_low():
    assert replay(device_health.update, PARAMS, [at(0, battery=15.0)]) == []


def test_a_fix_without_battery_changes_nothing():
    events = replay(
        device_health.update, PARAMS, [at(0, battery=10.0), at(60), at(120, battery=10.0)]
    )
    assert kinds(events) == ["battery_low"]


def test_an_older_fix_does_not_bring_a_device_back_online():
    state, _ = device_health.update(None, at(600), PARAMS)
    state, _ = device_health.tick(state, T0 + timedelta(hours=1), PARAMS)
    assert device_health.update(state, at(0), PARAMS) == (state, [])
