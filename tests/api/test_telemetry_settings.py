"""Per-organisation detector thresholds: everyone who reads sees them, only an admin
changes them, and a typo or an absurd value is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from doorstep.schemas.telemetry import detector_params
from doorstep.storage.tables import Organisation
from tests.conftest import auth

URL = "/api/v1/organisation/telemetry-settings"


def test_an_organisation_starts_with_the_detectors_defaults(client, org_a):
    response = client.get(URL, headers=auth(org_a.viewer))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["org_id"] == str(org_a.id)
    assert body["overrides"]["speeding"] == {
        "default_limit_kmh": None,
        "tolerance_kmh": None,
        "min_duration_s": None,
    }
    assert body["effective"]["speeding"] == {
        "default_limit_kmh": 50.0,
        "tolerance_kmh": 10.0,
        "min_duration_s": 10.0,
    }
    assert body["effective"]["device_health"]["offline_after_minutes"] == 10.0


def test_an_admin_replaces_the_overrides_and_the_detectors_get_them(client, org_a, org_b, db):
    body = {"speeding": {"tolerance_kmh": 5}, "idling": {"idle_after_minutes": 2}}
    response = client.put(URL, json=body, headers=auth(org_a.admin))
    assert response.status_code == 200, response.text
    assert response.json()["overrides"]["speeding"]["tolerance_kmh"] == 5
    assert response.json()["effective"]["speeding"]["tolerance_kmh"] == 5
    assert response.json()["effective"]["idling"]["idle_after_minutes"] == 2
    assert client.get(URL, headers=auth(org_a.dispatcher)).json() == response.json()
    with db.sessions.begin() as session:
        stored = session.scalar(
            select(Organisation.telemetry_settings).where(Organisation.id == org_a.id)
        )
    assert stored == {"speeding": {"tolerance_kmh": 5.0}, "idling": {"idle_after_minutes": 2.0}}
    assert detector_params(stored)["speeding"].tolerance_kmh == 5
    # PUT replaces: what is left out is the default again.
    again = client.put(URL, json={"harsh": {"brake_ms2": -4}}, headers=auth(org_a.admin)).json()
    assert again["overrides"]["speeding"]["tolerance_kmh"] is None
    assert again["effective"]["speeding"]["tolerance_kmh"] == 10
    reset = client.put(URL, json={}, headers=auth(org_a.admin)).json()
    assert reset["effective"]["harsh"]["brake_ms2"] == -3
    # The other organisation is untouched.
    theirs = client.get(URL, headers=auth(org_b.admin)).json()
    assert theirs["org_id"] == str(org_b.id) and theirs["overrides"]["harsh"]["brake_ms2"] is None


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"speeding": {"tolerance_kmh": -1}}, ["speeding", "tolerance_kmh"]),
        ({"speeding": {"min_duration_s": 100000}}, ["speeding", "min_duration_s"]),
        ({"harsh": {"brake_ms2": 3}}, ["harsh", "brake_ms2"]),
        ({"device_health": {"low_battery_pct": 0}}, ["device_health", "low_battery_pct"]),
        ({"speeding": {"limit": 80}}, ["speeding", "limit"]),
        ({"speding": {"tolerance_kmh": 5}}, ["speding"]),
    ],
)
def test_out_of_range_or_unknown_settings_are_refused_naming_the_field(client, org_a, body, loc):
    response = client.put(URL, json=body, headers=auth(org_a.admin))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", *loc]
    assert ".".join(loc) in response.json()["detail"]
    assert client.get(URL, headers=auth(org_a.admin)).json()["overrides"]["speeding"] == {
        "default_limit_kmh": None,
        "tolerance_kmh": None,
        "min_duration_s": None,
    }


def test_only_an_admin_changes_them(client, org_a):
    for key, role in ((org_a.dispatcher, "dispatcher"), (org_a.viewer, "viewer")):
        response = client.put(URL, json={"speeding": {"tolerance_kmh": 1}}, headers=auth(key))
        assert response.status_code == 403
        assert response.json()["detail"] == (
            f"your role ({role}) may not manage users, keys, organisation settings or drivers' pay"
        )
    driver = client.get(URL, headers=auth(org_a.driver))
    assert driver.status_code == 403
    assert (
        client.get(URL, headers=auth(org_a.admin)).json()["effective"]["speeding"]["tolerance_kmh"]
        == 10
    )
