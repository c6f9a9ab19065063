"""Tracker requests are written in groups (one transaction for many requests), and
the dedicated OsmAnd port answers the apps as they expect. A bad request in a group
gets its own error and never costs another request its fixes."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from doorstep.api.osmand_port import MAX_BODY, create_osmand_app
from doorstep.domain.errors import NotFound, Unauthorized
from doorstep.ingest.base import DecodeError
from doorstep.services.ingest import TrackerRequest
from doorstep.services.ingest_writer import IngestWriter
from doorstep.services.tracking import IngestResult, Tracker
from doorstep.storage.tables import PingRow
from tests.conftest import auth
from tests.tracking.test_ingest_api import _positions, _vehicle_and_device


def _osmand(identifier: str, seconds: int, lat: float = 60.17) -> bytes:
    t = int((datetime.now(UTC) - timedelta(minutes=10)).timestamp()) + seconds
    return f"id={identifier}&timestamp={t}&lat={lat}&lon=24.94&speed=10".encode()


def test_a_group_gives_each_request_its_own_outcome(client, org_a, db):
    vehicle, device = _vehicle_and_device(client, org_a)
    _, other = _vehicle_and_device(client, org_a)
    writer = IngestWriter(db.sessions, Tracker())
    try:
        futures = [
            writer.submit(TrackerRequest("osmand", _osmand(device["identifier"], 0))),
            writer.submit(TrackerRequest("osmand", b"lat=60.1&lon=24.9")),  # no id
            writer.submit(TrackerRequest("osmand", _osmand("nobody-registered-this", 1))),
            writer.submit(TrackerRequest("native", b"[]", token="dst_not-a-token")),
            writer.submit(TrackerRequest("osmand", _osmand(device["identifier"], 5, 60.1701))),
            writer.submit(
                TrackerRequest(
                    "native",
                    json.dumps(
                        [{"time": datetime.now(UTC).isoformat(), "lat": 1, "lon": 2}]
                    ).encode(),
                    token=other["token"],
                )
            ),
        ]
        outcomes = [f.result(10) for f in futures]
    finally:
        writer.close()
    assert isinstance(outcomes[0], IngestResult) and outcomes[0].accepted == 1
    assert isinstance(outcomes[1], DecodeError) and "id" in str(outcomes[1])
    assert isinstance(outcomes[2], NotFound)
    assert isinstance(outcomes[3], Unauthorized)
    assert isinstance(outcomes[4], IngestResult) and outcomes[4].accepted == 1
    assert isinstance(outcomes[5], IngestResult) and outcomes[5].accepted == 1
    assert len(_positions(client, org_a, vehicle).json()) == 2


def test_a_group_that_fails_is_written_again_one_by_one(client, org_a, db, monkeypatch):
    vehicle, device = _vehicle_and_device(client, org_a)
    import doorstep.services.ingest_writer as writer_module

    real = writer_module.ingest_requests
    calls: list[int] = []

    queued = threading.Event()

    def failing_when_grouped(session, tracker, requests, now):
        queued.wait(10)  # the first request holds the writer until the rest are queued
        calls.append(len(requests))
        if len(requests) > 1:
            raise RuntimeError("the disk is full, say")
        return real(session, tracker, requests, now)

    monkeypatch.setattr(writer_module, "ingest_requests", failing_when_grouped)
    writer = IngestWriter(db.sessions, Tracker())
    try:
        # Hold the writer busy on one request so the next three queue up as a group.
        jobs = [TrackerRequest("osmand", _osmand(device["identifier"], i)) for i in range(4)]
        futures = [writer.submit(job) for job in jobs]
        queued.set()
        outcomes = [f.result(10) for f in futures]
    finally:
        writer.close()
    assert all(isinstance(o, IngestResult) and o.accepted == 1 for o in outcomes)
    assert len(_positions(client, org_a, vehicle).json()) == 4
    assert max(calls) > 1 and calls.count(1) == 4  # grouped, failed, then one by one


def test_a_closed_writer_refuses_new_requests(db):
    writer = IngestWriter(db.sessions, Tracker())
    writer.close()
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(TrackerRequest("osmand", b"id=x"))


def test_sqlite_rows_written_directly_read_back_exactly_through_the_orm(client, org_a, db):
    """The SQLite fast path writes values by hand; they must be what the ORM reads."""
    vehicle, device = _vehicle_and_device(client, org_a)
    time = datetime.now(UTC).replace(microsecond=123456) - timedelta(minutes=5)
    body = [
        {
            "time": time.isoformat(),
            "lat": 60.1,
            "lon": 24.9,
            "speed": 3.5,
            "heading": 270,
            "accuracy": 4,
            "altitude": 12.5,
            "attributes": {"ignition": True, "rpm": 900, "note": "é"},
        }
    ]
    response = client.post("/api/v1/pings", json=body, headers=auth(device["token"]))
    assert response.status_code == 200 and response.json()["accepted"] == 1
    with db.sessions() as session:
        row = session.scalars(
            select(PingRow).where(PingRow.vehicle_id == uuid.UUID(vehicle["id"]))
        ).one()
    assert row.time == time and row.time.tzinfo is not None
    assert str(row.device_id) == device["id"] and str(row.org_id) == str(org_a.id)
    assert (row.lat, row.lon, row.speed, row.heading, row.accuracy, row.altitude) == (
        60.1,
        24.9,
        3.5,
        270,
        4,
        12.5,
    )
    assert row.attributes == {"ignition": True, "rpm": 900, "note": "é"}
    assert row.late is False and row.protocol == "native"
    since = (time - timedelta(microseconds=1)).isoformat()
    until = (time + timedelta(microseconds=1)).isoformat()
    assert len(_positions(client, org_a, vehicle, since=since, until=until).json()) == 1


@pytest.fixture
def port(db):
    with TestClient(create_osmand_app(db)) as test_client:
        yield test_client


def test_the_osmand_port_takes_a_fix_at_the_root(client, port, org_a):
    vehicle, device = _vehicle_and_device(client, org_a)
    response = port.get("/?" + _osmand(device["identifier"], 0).decode())
    assert response.status_code == 200 and response.text == ""
    form = port.post(
        "/",
        content=_osmand(device["identifier"], 3),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 200
    assert "x-doorstep-dropped" not in form.headers
    resent = port.get("/?" + _osmand(device["identifier"], 3).decode())
    # Acknowledged (the app would only resend it), but not stored, and the header says why.
    assert resent.status_code == 200 and resent.headers["x-doorstep-dropped"] == "duplicate"
    assert len(_positions(client, org_a, vehicle).json()) == 2


def test_the_osmand_port_answers_bad_requests_with_the_reason(client, port, org_a):
    vehicle, device = _vehicle_and_device(client, org_a)
    missing = port.get("/?lat=60.1&lon=24.9")
    assert missing.status_code == 400 and "id" in missing.text
    unknown = port.get("/?" + _osmand("not-registered-anywhere", 0).decode())
    assert unknown.status_code == 404
    bad_lat = port.get(f"/?id={device['identifier']}&lat=95&lon=24.9&timestamp=1504763810")
    assert bad_lat.status_code in (200, 400)  # refused by the decoder or the pipeline
    assert port.put("/").status_code == 405
    huge = port.post("/", content=b"x" * (MAX_BODY + 1))
    assert huge.status_code == 413
    assert _positions(client, org_a, vehicle).json() == []
