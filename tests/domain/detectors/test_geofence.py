"""Geofences: circles and polygons; enter, exit, dwell; restricted zones alert."""

from __future__ import annotations

from datetime import timedelta

import pytest

from doorstep.domain.detectors import geofence
from doorstep.domain.detectors.geometry import offset
from doorstep.domain.detectors.replay import replay, replay_with_state
from tests.domain.detectors.track import HOME, at, kinds

DEPOT = geofence.Zone("depot", "Depot", geofence.Circle(HOME, 100.0))
SQUARE = geofence.Zone(
    "yard",
    "Yard",
    geofence.Polygon(
        tuple(offset(HOME, n, e) for n, e in ((-50, 900), (-50, 1100), (50, 1100), (50, 900)))
    ),
    restricted=True,
)
PARAMS = geofence.Params(zones=(DEPOT, SQUARE))


def test_leaving_and_entering_zones_gives_exit_and_enter_with_time_inside():
    fixes = [at(0), at(60, east=500), at(120, east=1000), at(180, east=1500)]
    events = replay(geofence.update, PARAMS, fixes)
    assert kinds(events) == [
        "zone_entered",
        "zone_exited",
        "zone_entered",
        "restricted_zone_entered",
        "zone_exited",
    ]
    assert events[1].data["zone_id"] == "depot" and events[1].data["duration_s"] == 60
    assert events[3].data["zone_name"] == "Yard" and events[3].data["restricted"]
    assert events[4].data["entered"]["time"] == at(120).time.isoformat()


def test_the_state_keeps_which_zones_the_vehicle_is_inside():
    state, _ = replay_with_state(geofence.update, PARAMS, [at(0), at(60, east=1000)])
    assert state is not None and state.zone_ids() == {"yard"}


def test_the_circle_edge_counts_as_inside():
    edge = at(0, east=100)
    circle = geofence.Circle(HOME, geofence.haversine_m(HOME, geofence.LatLon(edge.lat, edge.lon)))
    assert circle.contains(geofence.LatLon(edge.lat, edge.lon))


def test_dwell_is_reported_once_after_the_zones_minutes_inside():
    fixes = [at(t) for t in range(0, 1500, 60)]
    events = replay(geofence.update, PARAMS, fixes)
    assert kinds(events) == ["zone_entered", "zone_dwell"]
    assert events[1].time == at(600).time and events[1].data["dwell_after_s"] == 600


def test_a_zone_can_set_its_own_dwell_time():
    quick = geofence.Zone(
        "stop", "Stop", geofence.Circle(HOME, 50.0), dwell_after=timedelta(minutes=2)
    )
    events = replay(geofence.update, geofence.Params(zones=(quick,)), [at(0), at(119), at(120)])
    assert kinds(events) == ["zone_entered", "zone_dwell"]


def test_a_fix_with_poor_accuracy_does_not_flap_a_zone():
    fixes = [at(0), at(60, east=300, accuracy=250.0), at(120)]
    assert kinds(replay(geofence.update, PARAMS, fixes)) == ["zone_entered"]


def test_a_polygon_needs_three_vertices():
    with pytest.raises(ValueError):
        geofence.Polygon((HOME, offset(HOME, 10, 10)))


def test_an_older_fix_is_ignored():
    state, _ = geofence.update(None, at(60), PARAMS)
    assert geofence.update(state, at(0, east=1000), PARAMS) == (state, [])
