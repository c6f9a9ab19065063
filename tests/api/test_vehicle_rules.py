"""A vehicle's allowed hours and designated zone: validated on the way in, read back as
stored, and turned into the off-hours detector's schedule."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import auth

API = "/api/v1"
WEEKDAYS = {day: [["06:00", "22:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def create(client, key: str, **body: Any):
    return client.post(f"{API}/vehicles", json={"name": "Van", **body}, headers=auth(key))


def zone(client, key: str, name: str = "Yard") -> str:
    body = {"name": name, "kind": "designated_area", "location": {"lat": 60.2, "lon": 24.9}}
    response = client.post(f"{API}/zones", json={**body, "radius_m": 300}, headers=auth(key))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_allowed_hours_are_stored_for_every_day_and_read_back(client, org_a):
    hours = {
        **WEEKDAYS,
        "sat": [["13:00", "18:00"], ["08:00", "12:00"]],
        "sun": [["22:00", "00:00"]],
    }
    created = create(client, org_a.dispatcher, allowed_hours=hours)
    assert created.status_code == 201, created.text
    stored = created.json()["allowed_hours"]
    assert stored == {
        **WEEKDAYS,
        "sat": [["08:00", "12:00"], ["13:00", "18:00"]],  # in order
        "sun": [["22:00", "24:00"]],  # an end of 00:00 is midnight, kept as 24:00
    }
    url = f"{API}/vehicles/{created.json()['id']}"
    assert client.get(url, headers=auth(org_a.viewer)).json()["allowed_hours"] == stored
    weekend_only = client.patch(
        url, json={"allowed_hours": {"sat": [["00:00", "24:00"]]}}, headers=auth(org_a.dispatcher)
    ).json()["allowed_hours"]
    assert weekend_only["sat"] == [["00:00", "24:00"]] and weekend_only["mon"] == []
    renamed = client.patch(url, json={"name": "Van 2"}, headers=auth(org_a.dispatcher)).json()
    assert renamed["allowed_hours"] == weekend_only  # untouched when not sent
    cleared = client.patch(url, json={"allowed_hours": None}, headers=auth(org_a.dispatcher))
    assert cleared.json()["allowed_hours"] is None  # any time
    assert create(client, org_a.dispatcher).json()["allowed_hours"] is None


@pytest.mark.parametrize(
    ("hours", "loc", "words"),
    [
        ({"funday": [["06:00", "22:00"]]}, ["funday"], "Extra inputs"),
        ({"mon": [["06:00", "25:00"]]}, ["mon", 0, 1], "'25:00' is not a time of day"),
        ({"mon": [["6:00", "22:00"]]}, ["mon", 0, 0], "is not a time of day"),
        ({"mon": [["06:60", "22:00"]]}, ["mon", 0, 0], "is not a time of day"),
        ({"mon": [["24:00", "24:00"]]}, ["mon", 0], "cannot start at 24:00"),
        ({"mon": [["22:00", "06:00"]]}, ["mon", 0], "ends before it starts"),
        ({"mon": [["08:00", "08:00"]]}, ["mon", 0], "ends before it starts"),
        ({"mon": [["06:00"]]}, ["mon", 0, 1], "required"),
        ({"mon": [["06:00", "12:00"], ["11:00", "14:00"]]}, ["mon"], "overlap"),
        ({"mon": [[f"0{h}:00", f"0{h}:30"] for h in range(5)]}, ["mon"], "at most 4"),
        ({"mon": "06:00-22:00"}, ["mon"], "valid list"),
    ],
)
def test_bad_allowed_hours_are_refused_naming_the_field(client, org_a, hours, loc, words):
    response = create(client, org_a.admin, allowed_hours=hours)
    assert response.status_code == 422, response.text
    error = response.json()["errors"][0]
    assert error["loc"] == ["body", "allowed_hours", *loc]
    assert words in error["msg"], error
    assert "allowed_hours" in response.json()["detail"]
    vehicle = create(client, org_a.admin).json()
    patched = client.patch(
        f"{API}/vehicles/{vehicle['id']}", json={"allowed_hours": hours}, headers=auth(org_a.admin)
    )
    assert patched.status_code == 422
    assert patched.json()["errors"][0]["loc"] == ["body", "allowed_hours", *loc]


def test_the_designated_zone_is_one_of_the_organisations_zones(client, org_a, org_b):
    yard = zone(client, org_a.admin)
    created = create(client, org_a.dispatcher, designated_zone_id=yard)
    assert created.status_code == 201, created.text
    assert created.json()["designated_zone_id"] == yard
    theirs = zone(client, org_b.admin, "Their yard")
    for ident in (theirs, str(uuid.uuid4())):
        refused = create(client, org_a.dispatcher, designated_zone_id=ident)
        assert refused.status_code == 422
        assert refused.json()["errors"] == [
            {"loc": ["body", "designated_zone_id"], "msg": f"no zone with id {ident}"}
        ]
        changed = client.patch(
            f"{API}/vehicles/{created.json()['id']}",
            json={"designated_zone_id": ident},
            headers=auth(org_a.dispatcher),
        )
        assert changed.status_code == 422
    url = f"{API}/vehicles/{created.json()['id']}"
    assert client.get(url, headers=auth(org_a.admin)).json()["designated_zone_id"] == yard
    assert client.delete(f"{API}/zones/{yard}", headers=auth(org_a.admin)).status_code == 204
    assert client.get(url, headers=auth(org_a.admin)).json()["designated_zone_id"] is None
