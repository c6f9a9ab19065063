"""A device that goes quiet is reported offline once, from the store (so a restart
neither misses nor repeats it), and its next fix says it is back."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from doorstep.services.device_sweep import sweep_offline
from doorstep.services.tracking import Tracker
from doorstep.storage.tables import TelemetryEvent
from doorstep.workers.periodic import Job, run_once
from tests.conftest import auth
from tests.tracking.test_ingest_api import _vehicle_and_device


def _send(client, device, when: datetime, battery: float | None = None) -> None:
    fix = {"time": when.isoformat(), "lat": 60.17, "lon": 24.94, "speed": 0}
    if battery is not None:
        fix["attributes"] = {"battery": battery}
    response = client.post("/api/v1/pings", json=[fix], headers=auth(device["token"]))
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.text


def _events(db, device, kind: str) -> list[TelemetryEvent]:
    with db.sessions() as session:
        return list(
            session.scalars(
                select(TelemetryEvent).where(
                    TelemetryEvent.device_id == uuid.UUID(device["id"]),
                    TelemetryEvent.kind == kind,
                )
            )
        )


def test_a_quiet_device_is_reported_offline_once(client, org_a, db):
    _, device = _vehicle_and_device(client, org_a)
    now = datetime.now(UTC)
    _send(client, device, now - timedelta(minutes=11), battery=64)
    with db.sessions.begin() as session:
        first = sweep_offline(session, db.tracker, now)
    with db.sessions.begin() as session:
        again = sweep_offline(session, db.tracker, now + timedelta(minutes=5))
    assert [e.kind for e in first] == ["device_offline"] and again == []
    (stored,) = _events(db, device, "device_offline")
    assert stored.time == now - timedelta(minutes=1)  # the last fix + the threshold
    assert stored.data["offline_after_s"] == 600 and stored.data["battery_pct"] == 64
    assert stored.data["last_fix"]["lat"] == 60.17


def test_a_device_that_reported_recently_is_not_offline(client, org_a, db):
    _, device = _vehicle_and_device(client, org_a)
    now = datetime.now(UTC)
    _send(client, device, now - timedelta(minutes=9))
    with db.sessions.begin() as session:
        assert sweep_offline(session, db.tracker, now) == []


def test_the_next_fix_after_an_offline_report_says_the_device_is_back(client, org_a, db):
    _, device = _vehicle_and_device(client, org_a)
    now = datetime.now(UTC)
    _send(client, device, now - timedelta(minutes=30))
    with db.sessions.begin() as session:
        sweep_offline(session, db.tracker, now - timedelta(minutes=5))
    _send(client, device, now - timedelta(minutes=1))
    (back,) = _events(db, device, "device_online")
    assert back.data["offline_for_s"] == 29 * 60


def test_after_a_restart_a_device_silent_too_long_comes_back_online(client, org_a, db):
    """A fresh tracker (a restarted server) knows from the stored live state that the
    device was quiet, so the first fix after the restart says it is back."""
    _, device = _vehicle_and_device(client, org_a)
    now = datetime.now(UTC)
    _send(client, device, now - timedelta(minutes=40))
    db.tracker.forget_all()
    _send(client, device, now - timedelta(minutes=2))
    assert len(_events(db, device, "device_online")) == 1


def test_a_failing_periodic_job_is_logged_and_does_not_stop_the_worker(db, caplog):
    def broken(runtime, now):
        raise RuntimeError("boom")

    ok = asyncio.run(run_once(db, Job("broken", 1.0, broken)))
    assert ok is False and "periodic job broken failed" in caplog.text
    assert asyncio.run(run_once(db, Job("fine", 1.0, lambda runtime, now: None))) is True


def test_the_sweep_uses_the_tracker_it_is_given(client, org_a, db):
    _, device = _vehicle_and_device(client, org_a)
    _send(client, device, datetime.now(UTC) - timedelta(minutes=20))
    other = Tracker()
    with db.sessions.begin() as session:
        assert len(sweep_offline(session, other, datetime.now(UTC))) == 1


def test_each_organisation_is_swept_with_its_own_offline_threshold(client, org_a, org_b, db):
    response = client.put(
        "/api/v1/organisation/telemetry-settings",
        json={"device_health": {"offline_after_minutes": 30}},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 200, response.text
    _, patient = _vehicle_and_device(client, org_a)
    _, default = _vehicle_and_device(client, org_b)
    now = datetime.now(UTC)
    _send(client, patient, now - timedelta(minutes=20))
    _send(client, default, now - timedelta(minutes=20))
    with db.sessions.begin() as session:
        first = sweep_offline(session, db.tracker, now)
    assert len(first) == 1 and _events(db, default, "device_offline")
    assert _events(db, patient, "device_offline") == []  # 20 min is not 30
    with db.sessions.begin() as session:
        later = sweep_offline(session, db.tracker, now + timedelta(minutes=11))
    (stored,) = _events(db, patient, "device_offline")
    assert len(later) == 1 and stored.data["offline_after_s"] == 1800
    assert stored.time == now + timedelta(minutes=10)  # the last fix + its organisation's 30 min
