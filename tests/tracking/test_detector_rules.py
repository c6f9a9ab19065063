"""The live tracker runs each organisation's thresholds and each vehicle's rules:
allowed hours and designated zone (off-hours and theft alerts), the places where a
phone standing still is expected (depots, parking and customer zones, the day's
stops), and the road's legal speed limit once an embedded network is in use. Rules are
cached for ``RULES_TTL_S`` and a change reaches the live pipeline within that time."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from doorstep.bus import Event
from doorstep.config import load_settings
from doorstep.domain.detectors.geometry import offset
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.straight_line import StraightLineProvider
from doorstep.roads.synthetic import synthetic_city
from doorstep.roads.tagging import RoadClass
from doorstep.services import tracking
from doorstep.services.tracking import DeviceRef, Tracker
from doorstep.storage.tables import Route, Stop, TelemetryEvent
from doorstep.wiring import build_runtime
from tests.conftest import auth
from tests.roads.conftest import write_pbf

API = "/api/v1"
NOW = datetime(2026, 11, 11, 1, 0, tzinfo=UTC)  # a Wednesday, 03:00 in Helsinki
HERE = LatLon(60.17, 24.94)
WEEKDAYS_6_TO_22 = {day: [["06:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def loc(point: LatLon) -> dict[str, float]:
    return {"lat": point.lat, "lon": point.lon}


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def vehicle_and_device(client, org, **vehicle: Any) -> tuple[dict[str, Any], DeviceRef]:
    made = client.post(f"{API}/vehicles", json={"name": "Van", **vehicle}, headers=auth(org.admin))
    assert made.status_code == 201, made.text
    device = client.post(
        f"{API}/devices", json={"vehicle_id": made.json()["id"]}, headers=auth(org.admin)
    ).json()
    ref = DeviceRef(
        uuid.UUID(device["id"]), org.id, uuid.UUID(made.json()["id"]), device["identifier"]
    )
    return made.json(), ref


def drive(
    device: DeviceRef,
    start: datetime,
    seconds: int,
    speed_ms: float,
    at: LatLon = HERE,
    moving: bool = True,
    ignition: bool | None = None,
) -> list[Ping]:
    """One fix a second for ``seconds``, heading east at ``speed_ms`` from ``at`` (or
    standing there, reporting that speed, with ``moving=False``)."""
    points = [offset(at, east_m=speed_ms * t if moving else 0.0) for t in range(seconds)]
    return [
        Ping(
            device.identifier,
            start + timedelta(seconds=t),
            point.lat,
            point.lon,
            speed=speed_ms,
            accuracy=5.0,
            ignition=ignition,
        )
        for t, point in enumerate(points)
    ]


def ingest(db, device: DeviceRef, pings: Sequence[Ping], tracker: Tracker | None = None) -> list:
    now = max(p.time for p in pings) + timedelta(seconds=1)
    with db.sessions.begin() as session:
        result = (tracker or db.tracker).ingest(session, device, pings, now)
    assert result.accepted == len(pings) and result.late == 0
    return [e.kind for e in result.events]


def stored(db, device: DeviceRef, kind: str) -> list[TelemetryEvent]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(TelemetryEvent).where(
                    TelemetryEvent.device_id == device.id, TelemetryEvent.kind == kind
                )
            )
        )


def set_thresholds(client, org, body: dict[str, Any]) -> None:
    response = client.put(
        f"{API}/organisation/telemetry-settings", json=body, headers=auth(org.admin)
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def clock(db, monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(db.tracker, "clock", fake)
    return fake


@pytest.fixture
def published(db, monkeypatch) -> list[Event]:
    """What the bus is handed after each commit."""
    heard: list[Event] = []
    monkeypatch.setattr(db.bus, "publish", heard.append)
    return heard


def test_each_organisation_s_speeding_tolerance_reaches_the_live_detector(client, org_a, org_b, db):
    set_thresholds(client, org_a, {"speeding": {"tolerance_kmh": 0}})
    _, strict = vehicle_and_device(client, org_a)
    _, lenient = vehicle_and_device(client, org_b)
    fast = 57.6 / 3.6  # over 50, within the default 10 km/h tolerance
    assert "speeding_started" in ingest(db, strict, drive(strict, NOW, 20, fast))
    assert "speeding_started" not in ingest(db, lenient, drive(lenient, NOW, 20, fast))
    (event,) = stored(db, strict, "speeding_started")
    assert event.data["tolerance_kmh"] == 0 and event.data["limit_kmh"] == 50


def test_a_settings_change_reaches_the_live_pipeline_within_the_cache_time(
    client, org_a, db, clock
):
    _, device = vehicle_and_device(client, org_a)
    fixes = drive(device, NOW, 45, 57.6 / 3.6)  # over 50, within the default tolerance
    assert "speeding_started" not in ingest(db, device, fixes[:15])
    set_thresholds(client, org_a, {"speeding": {"tolerance_kmh": 0}})
    assert "speeding_started" not in ingest(db, device, fixes[15:30])
    clock.now += tracking.RULES_TTL_S  # no query per fix: read again once the cache expires
    assert "speeding_started" in ingest(db, device, fixes[30:])


def test_a_restarted_tracker_uses_the_organisation_s_offline_threshold(client, org_a, db):
    set_thresholds(client, org_a, {"device_health": {"offline_after_minutes": 60}})
    _, device = vehicle_and_device(client, org_a)
    ingest(db, device, drive(device, NOW, 1, 0.0))
    db.tracker.forget_all()
    back = ingest(db, device, drive(device, NOW + timedelta(minutes=40), 1, 0.0))
    assert "device_online" not in back  # 40 min is not offline for this organisation


def test_moving_outside_allowed_hours_alerts_at_once_stored_and_published(
    client, org_a, db, published
):
    vehicle, device = vehicle_and_device(client, org_a, allowed_hours=WEEKDAYS_6_TO_22)
    kinds = ingest(db, device, drive(device, NOW, 3, 10.0))  # 03:00 local, driving
    assert kinds.count("off_hours_movement") == 1
    (event,) = stored(db, device, "off_hours_movement")
    assert event.vehicle_id == uuid.UUID(vehicle["id"]) and event.time == NOW
    assert event.data["time_zone"] == "Europe/Helsinki"
    assert event.data["local_time"].startswith("2026-11-11T03:00:00+02:00")
    assert [e.topic for e in published if e.topic.startswith("telemetry.")] == [
        "telemetry.off_hours_movement"
    ]


def test_allowed_hours_are_read_in_the_organisation_s_time_zone(client, org_a, db):
    _, device = vehicle_and_device(client, org_a, allowed_hours=WEEKDAYS_6_TO_22)
    morning = datetime(2026, 11, 11, 4, 30, tzinfo=UTC)  # 06:30 in Helsinki, 04:30 in UTC
    assert "off_hours_movement" not in ingest(db, device, drive(device, morning, 5, 10.0))


def test_leaving_the_designated_zone_alerts_at_once_and_returning_is_reported(client, org_a, db):
    zone = client.post(
        f"{API}/zones",
        json={"name": "Yard", "kind": "designated_area", "location": loc(HERE), "radius_m": 300},
        headers=auth(org_a.admin),
    ).json()
    _, device = vehicle_and_device(client, org_a, designated_zone_id=zone["id"])
    away = offset(HERE, east_m=1000)
    fixes = [
        *drive(device, NOW, 2, 0.0),
        *drive(device, NOW + timedelta(seconds=60), 1, 0.0, at=away),
        *drive(device, NOW + timedelta(seconds=120), 1, 0.0),
    ]
    kinds = ingest(db, device, fixes)
    area = [k for k in kinds if k.endswith("designated_area")]
    assert area == ["left_designated_area", "returned_to_designated_area"]
    assert "off_hours_movement" not in kinds  # no allowed hours: any time is allowed
    (left,) = stored(db, device, "left_designated_area")
    assert left.data["zone_id"] == zone["id"] and left.time == NOW + timedelta(seconds=60)


def test_a_vehicle_s_rules_reach_the_live_pipeline_within_the_cache_time(client, org_a, db, clock):
    vehicle, device = vehicle_and_device(client, org_a)
    with db.sessions() as session:
        names = [name for name, _, _ in db.tracker.rules_for(session, device, NOW).detectors]
    assert "off_hours" not in names  # neither allowed hours nor a zone: nothing to run
    assert "off_hours_movement" not in ingest(db, device, drive(device, NOW, 3, 10.0))
    client.patch(
        f"{API}/vehicles/{vehicle['id']}",
        json={"allowed_hours": WEEKDAYS_6_TO_22},
        headers=auth(org_a.admin),
    )
    clock.now += tracking.RULES_TTL_S
    later = NOW + timedelta(seconds=20 * 60)  # a new episode
    assert "off_hours_movement" in ingest(db, device, drive(device, later, 3, 10.0))


def stand(db, device: DeviceRef, at: LatLon, minutes: int = 6) -> list[str]:
    """A phone (no ignition) standing still, one fix every 30 s."""
    fixes = [
        Ping(device.identifier, NOW + timedelta(seconds=30 * i), at.lat, at.lon, speed=0.0)
        for i in range(minutes * 2 + 1)
    ]
    return ingest(db, device, fixes)


def test_a_phone_standing_away_from_any_known_place_is_stationary(client, org_a, db):
    _, device = vehicle_and_device(client, org_a)
    assert "stationary_started" in stand(db, device, HERE)


def test_a_phone_standing_at_a_depot_or_a_parking_zone_is_not_stationary(client, org_a, db):
    depot_at, parking_at = offset(HERE, east_m=2000), offset(HERE, north_m=2000)
    client.post(
        f"{API}/depots",
        json={"name": "Depot", "location": loc(depot_at)},
        headers=auth(org_a.admin),
    )
    client.post(
        f"{API}/zones",
        json={"name": "P", "kind": "parking", "location": loc(parking_at), "radius_m": 80},
        headers=auth(org_a.admin),
    )
    for place in (offset(depot_at, north_m=60), parking_at):
        _, device = vehicle_and_device(client, org_a)
        assert "stationary_started" not in stand(db, device, place)


def test_a_phone_standing_at_one_of_its_vehicle_s_stops_today_is_not_stationary(client, org_a, db):
    stop_at = offset(HERE, east_m=-3000)
    vehicle, device = vehicle_and_device(client, org_a)
    _, other = vehicle_and_device(client, org_a)
    with db.sessions.begin() as session:
        route = Route(org_id=org_a.id, date=date(2026, 11, 11), vehicle_id=uuid.UUID(vehicle["id"]))
        session.add(route)
        session.flush()
        session.add(
            Stop(org_id=org_a.id, route_id=route.id, sequence=1, lat=stop_at.lat, lon=stop_at.lon)
        )
    assert "stationary_started" not in stand(db, device, offset(stop_at, north_m=40))
    assert "stationary_started" in stand(db, other, stop_at)  # not its stop


@pytest.fixture(scope="module")
def city():
    return EmbeddedProvider(synthetic_city(900, seed=3))


def along(city: EmbeddedProvider, cls: RoadClass) -> LatLon:
    """The middle of the longest street of this class: other roads are half a block away."""
    graph = city.graph
    k = int(np.argmax(np.where(graph.road_class == cls, graph.metres, 0.0)))
    a, b = graph.edge_sources()[k], graph.indices[k]
    return LatLon(float(graph.lat[a] + graph.lat[b]) / 2, float(graph.lon[a] + graph.lon[b]) / 2)


def test_a_30_kmh_street_makes_45_kmh_speeding_where_the_flat_50_default_would_not(
    client, org_a, db, city
):
    street = along(city, RoadClass.RESIDENTIAL)
    at_45 = 45 / 3.6
    on_roads = Tracker(limits=city.speed_limit_kmh, warm_limits=city.warm_speed_limits)
    _, device = vehicle_and_device(client, org_a)
    kinds = ingest(db, device, drive(device, NOW, 15, at_45, street, moving=False), on_roads)
    assert "speeding_started" in kinds
    (event,) = stored(db, device, "speeding_started")
    assert event.data["limit_kmh"] == 30
    _, flat = vehicle_and_device(client, org_a)
    flat_kinds = ingest(db, flat, drive(flat, NOW, 15, at_45, street, moving=False), Tracker())
    assert "speeding_started" not in flat_kinds
    arterial = along(city, RoadClass.PRIMARY)
    _, main = vehicle_and_device(client, org_a)
    main_kinds = ingest(db, main, drive(main, NOW, 15, at_45, arterial, moving=False), on_roads)
    assert "speeding_started" not in main_kinds


def test_off_the_road_network_the_organisation_s_default_limit_applies(client, org_a, db, city):
    set_thresholds(client, org_a, {"speeding": {"default_limit_kmh": 30}})
    far = LatLon(61.5, 23.8)  # Tampere: no synthetic road within kilometres
    _, device = vehicle_and_device(client, org_a)
    tracker = Tracker(limits=city.speed_limit_kmh)
    assert "speeding_started" in ingest(db, device, drive(device, NOW, 15, 45 / 3.6, far), tracker)


def test_the_runtime_binds_road_limits_only_for_an_embedded_network(db):
    before = db.tracker.limits
    try:
        provider = EmbeddedProvider(synthetic_city(400, seed=1))
        db.use_roads(provider)
        assert db.tracker.limits == provider.speed_limit_kmh
        assert db.tracker.warm_limits == provider.warm_speed_limits
        db.use_roads(StraightLineProvider())
        assert db.tracker.limits is None
    finally:
        db._roads = None  # the session's runtime builds its own again when asked
        db.tracker.use_speed_limits(before)


def test_a_runtime_binds_the_limits_when_it_builds_its_network_and_not_before(tmp_path):
    nodes = [(1, 60.0, 24.0), (2, 60.0, 24.004), (3, 60.002, 24.004), (4, 60.002, 24.0)]
    ways = [(10, [1, 2, 3, 4, 1], {"highway": "residential", "maxspeed": "30"})]
    pbf = write_pbf(tmp_path / "tiny.osm.pbf", nodes, ways)
    settings = load_settings(
        data_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path / 'rt.db'}",
        road_provider="embedded",
        road_network=pbf,
        workers=False,
    )
    runtime = build_runtime(settings)
    try:
        assert runtime.tracker.limits is None  # nothing parsed on the way to a fix
        assert isinstance(runtime.roads, EmbeddedProvider)
        assert runtime.tracker.limits is not None
        assert runtime.tracker.limits(60.0, 24.002) == 30.0
    finally:
        runtime.close()
