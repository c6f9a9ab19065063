"""Maintenance: schedules by distance, engine hours or calendar; the fleet's status from
the live odometer; service records that start an interval again; each rise of a level
announced once; vehicles whose repairs stand out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from doorstep.services.events import PENDING
from doorstep.services.maintenance import assess_all, assess_maintenance
from doorstep.storage.tables import Device, LiveState, MaintenanceSchedule, TelemetryEvent
from tests.conftest import auth, org_today

API = "/api/v1"


def days_ago(days: int) -> str:
    return (org_today() - timedelta(days=days)).isoformat()


def vehicle(client, key: str, name: str = "Van") -> str:
    response = client.post(f"{API}/vehicles", json={"name": name}, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def drive_to(db, org_id: uuid.UUID, vehicle_id: str, km: float) -> None:
    """Give the vehicle a tracker whose live odometer reads ``km``."""
    with db.sessions.begin() as session:
        device = Device(
            org_id=org_id, name="box", identifier=uuid.uuid4().hex, vehicle_id=uuid.UUID(vehicle_id)
        )
        session.add(device)
        session.flush()
        session.add(
            LiveState(
                device_id=device.id,
                org_id=org_id,
                vehicle_id=device.vehicle_id,
                time=datetime.now(UTC),
                lat=60.17,
                lon=24.94,
                odometer_m=km * 1000,
            )
        )


def schedule(client, key: str, vehicle_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        f"{API}/vehicles/{vehicle_id}/maintenance-schedules", json=body, headers=auth(key)
    )
    assert response.status_code == 201, response.text
    return response.json()


def record(client, key: str, vehicle_id: str, **body: Any):
    return client.post(f"{API}/vehicles/{vehicle_id}/service-records", json=body, headers=auth(key))


def test_without_a_baseline_the_interval_starts_today_at_the_live_odometer(client, org_a, db):
    van = vehicle(client, org_a.admin)
    drive_to(db, org_a.id, van, 12_345)
    oil = schedule(client, org_a.dispatcher, van, name="oil", every_km=15_000)
    assert oil["last_done_on"] == org_today().isoformat()
    assert oil["last_done_odometer_km"] == 12_345
    assert (oil["level"], oil["margin_km"], oil["margin_days"]) == ("ok", 1000, 14)
    bike = vehicle(client, org_a.admin, "Bike")
    yearly = schedule(client, org_a.dispatcher, bike, name="inspection", every_days=365)
    assert yearly["last_done_odometer_km"] is None  # no tracker: nothing to count km from


def test_schedules_are_listed_read_changed_and_deleted_per_vehicle(client, org_a):
    h = auth(org_a.dispatcher)
    van, other = vehicle(client, org_a.admin), vehicle(client, org_a.admin, "Other")
    oil = schedule(client, org_a.dispatcher, van, name="oil", every_km=15_000)
    schedule(client, org_a.dispatcher, van, name="brakes", every_days=180)
    schedule(client, org_a.dispatcher, other, name="oil", every_km=20_000)  # same name, other van
    base = f"{API}/vehicles/{van}/maintenance-schedules"
    listed = client.get(base, headers=h).json()
    assert [s["name"] for s in listed["items"]] == ["brakes", "oil"] and listed["total"] == 2
    assert client.get(f"{base}/{oil['id']}", headers=h).json() == oil
    changed = client.patch(
        f"{base}/{oil['id']}", json={"every_days": 365, "every_km": None}, headers=h
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["every_days"], changed.json()["every_km"]) == (365, None)
    # Another vehicle's schedule is not under this vehicle.
    elsewhere = client.get(f"{API}/vehicles/{other}/maintenance-schedules/{oil['id']}", headers=h)
    assert elsewhere.status_code == 404
    assert elsewhere.json()["detail"] == f"no maintenance schedule with id {oil['id']}"
    assert client.delete(f"{base}/{oil['id']}", headers=h).status_code == 204
    assert client.get(f"{base}/{oil['id']}", headers=h).status_code == 404


def test_bad_schedules_are_refused_naming_the_field(client, org_a):
    h = auth(org_a.admin)
    van = vehicle(client, org_a.admin)
    base = f"{API}/vehicles/{van}/maintenance-schedules"
    for body, field in (
        ({"name": "oil", "every_km": -5}, "every_km"),
        ({"name": "oil", "every_km": 0}, "every_km"),
        ({"name": "oil", "every_days": 1.5}, "every_days"),
        ({"name": "oil", "every_engine_hours": 500, "margin_days": -1}, "margin_days"),
        ({"name": "", "every_km": 1000}, "name"),
        ({"name": "oil", "every_km": 1000, "colour": "red"}, "colour"),
    ):
        response = client.post(base, json=body, headers=h)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["loc"] == ["body", field], response.json()
    none = client.post(base, json={"name": "oil"}, headers=h)
    assert none.status_code == 422
    assert "every_km, every_engine_hours or every_days" in none.json()["detail"]
    oil = schedule(client, org_a.admin, van, name="oil", every_km=15_000)
    cleared = client.patch(f"{base}/{oil['id']}", json={"every_km": None}, headers=h)
    assert cleared.status_code == 422
    assert cleared.json()["errors"] == [
        {
            "loc": ["body", "every_km"],
            "msg": "a schedule needs at least one interval: every_km, every_engine_hours "
            "or every_days",
        }
    ]
    taken = client.post(base, json={"name": "oil", "every_days": 30}, headers=h)
    assert taken.status_code == 409 and "oil" in taken.json()["detail"]
    unknown = client.post(
        f"{API}/vehicles/{uuid.uuid4()}/maintenance-schedules",
        json={"name": "oil", "every_km": 1000},
        headers=h,
    )
    assert unknown.status_code == 404


def test_status_says_ok_due_soon_or_overdue_and_why(client, org_a, db):
    h = auth(org_a.viewer)
    van = vehicle(client, org_a.admin, "Van 1")
    drive_to(db, org_a.id, van, 100_000)
    oil = schedule(
        client,
        org_a.admin,
        van,
        name="oil",
        every_km=15_000,
        last_done_on=days_ago(30),
        last_done_odometer_km=85_500,  # 14 500 km ago: within the 1 000 km margin
    )
    inspection = schedule(
        client, org_a.admin, van, name="inspection", every_days=365, last_done_on=days_ago(400)
    )
    schedule(client, org_a.admin, van, name="tyres", every_km=50_000)
    fine = vehicle(client, org_a.admin, "Van 2")
    schedule(client, org_a.admin, fine, name="oil", every_km=15_000)
    idle = vehicle(client, org_a.admin, "Van 3")
    paused = schedule(client, org_a.admin, idle, name="oil", every_days=1, last_done_on=days_ago(9))
    client.patch(
        f"{API}/vehicles/{idle}/maintenance-schedules/{paused['id']}",
        json={"active": False},
        headers=auth(org_a.admin),
    )

    status = client.get(f"{API}/maintenance/status", headers=h)
    assert status.status_code == 200, status.text
    body = status.json()
    assert body["on"] == org_today().isoformat()
    assert [(v["vehicle_name"], v["level"]) for v in body["vehicles"]] == [
        ("Van 1", "overdue"),
        ("Van 2", "ok"),
    ]
    first = body["vehicles"][0]
    assert (first["odometer_km"], first["engine_hours"]) == (100_000, None)
    levels = {s["name"]: s for s in first["schedules"]}
    assert {name: s["level"] for name, s in levels.items()} == {
        "inspection": "overdue",
        "oil": "due_soon",
        "tyres": "ok",
    }
    assert levels["oil"]["reasons"] == [
        {
            "measure": "km",
            "since_service": 14_500,
            "every": 15_000,
            "margin": 1000,
            "level": "due_soon",
        }
    ]
    assert levels["oil"]["next_due_km"] == 100_500
    assert levels["inspection"]["reasons"][0]["since_service"] == 400
    assert levels["inspection"]["next_due_on"] == days_ago(35)
    assert levels["tyres"]["reasons"] == []
    # The stored level moves only when announced (assess_maintenance) or serviced.
    got = client.get(
        f"{API}/vehicles/{van}/maintenance-schedules/{inspection['id']}", headers=h
    ).json()
    assert got["level"] == "ok"
    one = client.get(f"{API}/maintenance/status", params={"vehicle_id": fine}, headers=h).json()
    assert [v["vehicle_id"] for v in one["vehicles"]] == [fine]
    missing = client.get(
        f"{API}/maintenance/status", params={"vehicle_id": str(uuid.uuid4())}, headers=h
    )
    assert missing.status_code == 404
    assert oil["id"] in {s["schedule_id"] for s in first["schedules"]}


def test_a_service_for_a_schedule_starts_its_interval_again(client, org_a, db):
    van = vehicle(client, org_a.admin)
    drive_to(db, org_a.id, van, 100_000)
    oil = schedule(
        client,
        org_a.admin,
        van,
        name="oil",
        every_km=15_000,
        every_days=365,
        last_done_on=days_ago(100),
        last_done_odometer_km=80_000,
    )
    with db.sessions.begin() as session:
        assert [e.kind for e in assess_maintenance(session, org_a.id)] == ["maintenance_overdue"]

    done = record(
        client,
        org_a.dispatcher,
        van,
        schedule_id=oil["id"],
        description="oil and filters",
        cost="129.90",
    )
    assert done.status_code == 201, done.text
    service = done.json()
    assert service["done_on"] == org_today().isoformat()
    assert service["odometer_km"] == 100_000  # the live odometer, for a service done today
    assert (service["kind"], service["cost"], service["schedule_id"]) == (
        "scheduled",
        "129.90",
        oil["id"],
    )
    assert service["created_by"] == "dispatcher"  # the API key's name
    reset = client.get(
        f"{API}/vehicles/{van}/maintenance-schedules/{oil['id']}", headers=auth(org_a.viewer)
    ).json()
    assert (reset["last_done_on"], reset["last_done_odometer_km"], reset["level"]) == (
        org_today().isoformat(),
        100_000,
        "ok",
    )
    status = client.get(f"{API}/maintenance/status", headers=auth(org_a.viewer)).json()
    assert status["vehicles"][0]["level"] == "ok"

    # An older service entered late is history; the newer baseline stays.
    late = record(
        client,
        org_a.dispatcher,
        van,
        schedule_id=oil["id"],
        done_on=days_ago(50),
        odometer_km=90_000,
    )
    assert late.status_code == 201, late.text
    again = client.get(
        f"{API}/vehicles/{van}/maintenance-schedules/{oil['id']}", headers=auth(org_a.viewer)
    ).json()
    assert again["last_done_odometer_km"] == 100_000
    listed = client.get(f"{API}/vehicles/{van}/service-records", headers=auth(org_a.viewer)).json()
    assert [r["done_on"] for r in listed["items"]] == [org_today().isoformat(), days_ago(50)]


def test_service_records_are_changed_and_deleted_but_schedules_keep_their_baseline(client, org_a):
    h = auth(org_a.dispatcher)
    van = vehicle(client, org_a.admin)
    oil = schedule(client, org_a.admin, van, name="oil", every_days=365, last_done_on=days_ago(200))
    repair = record(client, org_a.dispatcher, van, kind="repair", description="mirror").json()
    assert (repair["schedule_id"], repair["cost"], repair["odometer_km"]) == (None, None, None)
    url = f"{API}/vehicles/{van}/service-records/{repair['id']}"
    changed = client.patch(url, json={"cost": "80", "kind": "unscheduled"}, headers=h)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["cost"], changed.json()["kind"]) == ("80.00", "unscheduled")
    assert client.patch(url, json={"cost": None}, headers=h).json()["cost"] is None
    serviced = record(client, org_a.dispatcher, van, schedule_id=oil["id"]).json()
    stays = client.patch(
        f"{API}/vehicles/{van}/service-records/{serviced['id']}", json={"kind": "repair"}, headers=h
    )
    assert stays.status_code == 422 and stays.json()["errors"][0]["loc"] == ["body", "kind"]
    assert client.delete(url, headers=h).status_code == 204
    assert client.get(url, headers=h).status_code == 404
    # Deleting the schedule keeps its records, no longer tied to it.
    client.delete(f"{API}/vehicles/{van}/maintenance-schedules/{oil['id']}", headers=h)
    kept = client.get(f"{API}/vehicles/{van}/service-records/{serviced['id']}", headers=h).json()
    assert kept["schedule_id"] is None and kept["kind"] == "scheduled"


def test_bad_service_records_are_refused(client, org_a, org_b):
    h = auth(org_a.admin)
    van, other = vehicle(client, org_a.admin), vehicle(client, org_a.admin, "Other")
    oil = schedule(client, org_a.admin, van, name="oil", every_km=15_000)
    theirs = vehicle(client, org_b.admin, "Theirs")
    foreign = record(client, org_a.admin, theirs, kind="repair")
    assert foreign.status_code == 404
    assert foreign.json()["detail"] == f"no vehicle with id {theirs}"
    for vehicle_id, body, field in (
        (other, {"schedule_id": oil["id"]}, "schedule_id"),  # a schedule of another van
        (van, {"schedule_id": str(uuid.uuid4())}, "schedule_id"),
        (van, {"done_on": (org_today() + timedelta(days=2)).isoformat()}, "done_on"),
        (van, {"schedule_id": oil["id"], "done_on": days_ago(10)}, "odometer_km"),
        (van, {"cost": "-1"}, "cost"),
        (van, {"cost": "1.234"}, "cost"),
        (van, {"odometer_km": -3}, "odometer_km"),
        (van, {"kind": "wash"}, "kind"),
    ):
        response = record(client, org_a.admin, vehicle_id, **body)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["errors"][0]["loc"] == ["body", field], response.json()
    no_tracker = record(client, org_a.admin, van, schedule_id=oil["id"])
    assert no_tracker.status_code == 422
    assert no_tracker.json()["errors"] == [
        {
            "loc": ["body", "odometer_km"],
            "msg": "is needed for a schedule counted in km (the vehicle has no live odometer)",
        }
    ]
    for_schedule = record(client, org_a.admin, van, schedule_id=oil["id"], kind="repair")
    assert for_schedule.status_code == 422
    assert "drop schedule_id" in for_schedule.json()["detail"]
    assert client.get(f"{API}/vehicles/{van}/service-records", headers=h).json()["total"] == 0


def test_each_rise_of_a_level_is_announced_once(client, org_a, org_b, db):
    van = vehicle(client, org_a.admin, "Van 1")
    drive_to(db, org_a.id, van, 100_000)
    oil = schedule(
        client,
        org_a.admin,
        van,
        name="oil",
        every_km=15_000,
        last_done_on=days_ago(10),
        last_done_odometer_km=85_500,
    )
    theirs = vehicle(client, org_b.admin)
    schedule(client, org_b.admin, theirs, name="oil", every_days=30, last_done_on=days_ago(90))
    day = org_today()
    with db.sessions.begin() as session:
        events = assess_maintenance(session, org_a.id, day)
        queued = list(session.info.get(PENDING, []))
    assert [(e.kind, e.vehicle) for e in events] == [("maintenance_due_soon", van)]
    assert [(e.topic, e.org_id) for e in queued] == [
        ("telemetry.maintenance_due_soon", str(org_a.id))
    ]
    assert queued[0].data["vehicle_id"] == van and queued[0].data["schedule_id"] == oil["id"]
    assert queued[0].data["reasons"][0]["measure"] == "km"
    with db.sessions.begin() as session:
        assert assess_maintenance(session, org_a.id, day) == []  # already announced
    drive_to(db, org_a.id, van, 101_000)  # a second tracker reads further: the largest counts
    with db.sessions.begin() as session:
        assert [e.kind for e in assess_maintenance(session, org_a.id, day)] == [
            "maintenance_overdue"
        ]
        assert assess_maintenance(session, org_a.id, day + timedelta(days=30)) == []
    with db.sessions.begin() as session:
        rows = session.scalars(select(TelemetryEvent).order_by(TelemetryEvent.id)).all()
        stored = session.get(MaintenanceSchedule, uuid.UUID(oil["id"]))
        assert stored is not None and stored.level == "overdue"
    assert [(r.kind, r.org_id, r.device_id, str(r.vehicle_id)) for r in rows] == [
        ("maintenance_due_soon", org_a.id, None, van),
        ("maintenance_overdue", org_a.id, None, van),
    ]
    assert rows[1].data["schedule"] == "oil"
    assert rows[1].data["usage"] == {
        "on": day.isoformat(),
        "odometer_km": 101_000,
        "engine_hours": None,
    }
    assert rows[1].data["reasons"][0]["level"] == "overdue"
    # A service starts the interval again: the next rise is announced anew.
    record(client, org_a.admin, van, schedule_id=oil["id"], odometer_km=86_000)
    with db.sessions.begin() as session:
        assert [e.kind for e in assess_maintenance(session, org_a.id, day)] == [
            "maintenance_overdue"
        ]


def test_correcting_a_baseline_lowers_the_announced_level(client, org_a, db):
    van = vehicle(client, org_a.admin)
    oil = schedule(client, org_a.admin, van, name="oil", every_days=30, last_done_on=days_ago(40))
    with db.sessions.begin() as session:
        assert [e.kind for e in assess_maintenance(session, org_a.id)] == ["maintenance_overdue"]
    url = f"{API}/vehicles/{van}/maintenance-schedules/{oil['id']}"
    fixed = client.patch(url, json={"last_done_on": days_ago(5)}, headers=auth(org_a.admin))
    assert fixed.json()["level"] == "ok"
    renamed = client.patch(url, json={"name": "oil change"}, headers=auth(org_a.admin))
    assert renamed.json()["level"] == "ok"
    with db.sessions.begin() as session:  # due again a month on: announced again
        later = org_today() + timedelta(days=30)
        assert [e.kind for e in assess_maintenance(session, org_a.id, later)] == [
            "maintenance_overdue"
        ]


def test_a_vehicle_with_far_more_repairs_than_the_fleet_is_flagged(client, org_a):
    repairs = 4
    vans = [vehicle(client, org_a.admin, f"Van {i}") for i in range(4)]
    for van in vans[1:3]:
        assert record(client, org_a.admin, van, kind="repair").status_code == 201
    for _ in range(repairs):
        record(client, org_a.admin, vans[0], kind="unscheduled", done_on=days_ago(20))
    record(client, org_a.admin, vans[0], kind="repair", done_on=days_ago(400))  # before the year
    report = client.get(f"{API}/maintenance/unusual", headers=auth(org_a.viewer))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["until"] == org_today().isoformat() and body["since"] == days_ago(365)
    assert body["vehicles_compared"] == 4
    assert body["unusual"] == [
        {
            "vehicle_id": vans[0],
            "vehicle_name": "Van 0",
            "metric": "unscheduled_repairs",
            "value": repairs,
            "fleet_median": 1.0,
            "factor": 2.0,
        }
    ]
    recent = client.get(
        f"{API}/maintenance/unusual",
        params={"since": days_ago(10)},
        headers=auth(org_a.viewer),
    ).json()
    assert recent["unusual"] == []
    backwards = client.get(
        f"{API}/maintenance/unusual",
        params={"since": days_ago(1), "until": days_ago(5)},
        headers=auth(org_a.viewer),
    )
    assert backwards.status_code == 422


def test_services_per_distance_are_compared_over_the_odometer_span(client, org_a, db):
    vans = [vehicle(client, org_a.admin, f"Van {i}") for i in range(3)]
    for index, van in enumerate(vans):
        drive_to(db, org_a.id, van, 20_000)
        services = 6 if index == 0 else 1
        for n in range(services):
            body = {"kind": "scheduled", "done_on": days_ago(100 - n), "odometer_km": 10_000}
            assert record(client, org_a.admin, van, **body).status_code == 201
    body = client.get(f"{API}/maintenance/unusual", headers=auth(org_a.viewer)).json()
    assert [(u["vehicle_name"], u["metric"], u["value"]) for u in body["unusual"]] == [
        ("Van 0", "services_per_10000_km", 6.0)
    ]


def test_the_periodic_run_assesses_every_organisation_on_its_own_date(client, org_a, org_b, db):
    ours, theirs = vehicle(client, org_a.admin), vehicle(client, org_b.admin)
    schedule(client, org_a.admin, ours, name="oil", every_days=30, last_done_on=days_ago(40))
    schedule(client, org_b.admin, theirs, name="oil", every_days=30, last_done_on=days_ago(20))
    with db.sessions.begin() as session:
        events = assess_all(session)
    assert sorted((e.vehicle, e.kind) for e in events) == sorted(
        [(ours, "maintenance_overdue"), (theirs, "maintenance_due_soon")]
    )
    with db.sessions.begin() as session:
        assert assess_all(session) == []
        kinds = session.scalars(select(TelemetryEvent.org_id)).all()
    assert sorted(map(str, kinds)) == sorted([str(org_a.id), str(org_b.id)])
