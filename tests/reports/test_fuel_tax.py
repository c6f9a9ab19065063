"""Fuel purchases and the fuel-tax return: a real day of fixes across two jurisdiction
zones, fill-ups recorded by location and by name, the return's numbers (fuel burnt per
jurisdiction at the economy the purchases give, net of the fuel bought there), its CSV,
and every bad purchase refused with why."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from doorstep.domain.detectors.geometry import offset
from tests.conftest import auth
from tests.tracking.test_logbook import (
    DAY,
    DEPOT,
    START,
    _jurisdiction,
    send,
    vehicle_with_device,
    working_day,
)

PURCHASES = "/api/v1/fuel-purchases"
RETURN = "/api/v1/reports/fuel-tax"


def _buy(client, org, body, key=None):
    return client.post(PURCHASES, json=body, headers=auth(key or org.dispatcher))


@pytest.fixture
def day(client, org_a):
    """Van 1 drives 14.4 km east from the depot; West ends 5 km east of it."""
    _jurisdiction(client, org_a, "West", -2000, 5000)
    _jurisdiction(client, org_a, "East", 5000, 20000)
    vehicle, device = vehicle_with_device(client, org_a)
    send(client, device, working_day())
    return vehicle


def _purchase(vehicle, **fields):
    east = offset(DEPOT, 0, 10000)
    return {
        "vehicle_id": vehicle["id"],
        "purchased_at": (START + timedelta(hours=3)).isoformat(),
        "litres": "20.5",
        "cost": "35.88",
        "place": "Neste, East road",
        "location": {"lat": east.lat, "lon": east.lon},
        "receipt": "R-1",
        **fields,
    }


def test_the_return_splits_the_fuel_bought_by_the_kilometres_per_jurisdiction(client, org_a, day):
    first = _buy(client, org_a, _purchase(day))
    assert first.status_code == 201, first.text
    assert first.json()["jurisdiction"] == "East"  # found from where it was bought
    assert (first.json()["litres"], first.json()["cost"]) == ("20.500", "35.88")
    second = _purchase(day, location=None, jurisdiction="West", litres="9.5", cost="16.62")
    second["receipt"] = "R-2"
    assert _buy(client, org_a, second).status_code == 201

    response = client.get(RETURN, params={"from": DAY, "to": DAY}, headers=auth(org_a.viewer))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["summary"]["litres_bought"] == "30.000"
    assert report["summary"]["cost"] == "52.50"
    assert report["summary"]["purchases"] == 2
    (economy,) = report["tables"]["economy"]["rows"]
    vehicle, km, _bought, estimated, per_litre, basis = economy
    assert (vehicle, basis) == ("Van 1", "purchases")
    assert Decimal(per_litre) == (Decimal(km) / 30).quantize(Decimal("0.0001"))
    assert float(estimated) >= float(km) * 10 / 100  # 10 l/100 km driving, and idling
    rows = {r[2]: r for r in report["tables"]["vehicles"]["rows"]}
    assert set(rows) == {"West", "East"}
    west, east = rows["West"], rows["East"]
    assert float(west[3]) == pytest.approx(5.0, abs=0.13)
    assert (west[5], east[5], east[6]) == ("9.500", "20.500", "35.88")
    assert Decimal(west[4]) == (Decimal(west[3]) / Decimal(per_litre)).quantize(Decimal("0.001"))
    assert Decimal(west[7]) == Decimal(west[4]) - Decimal("9.5")
    # Every litre bought was burnt somewhere: the nets cancel out (to rounding).
    assert abs(sum(Decimal(r[7]) for r in rows.values())) <= Decimal("0.002")
    fleet = {r[0]: r for r in report["tables"]["jurisdictions"]["rows"]}
    assert fleet["West"][1:] == [*west[3:5], west[5], west[7]]

    as_csv = client.get(
        RETURN,
        params={"from": DAY, "to": DAY, "format": "csv", "table": "vehicles"},
        headers=auth(org_a.viewer),
    )
    assert as_csv.status_code == 200
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert table[0] == report["tables"]["vehicles"]["columns"]
    assert {r[2]: r[4] for r in table[1:]} == {"West": west[4], "East": east[4]}

    listed = client.get(PURCHASES, params={"from": DAY, "to": DAY}, headers=auth(org_a.viewer))
    assert sorted(p["receipt"] for p in listed.json()) == ["R-1", "R-2"]


def test_without_purchases_the_logbook_estimate_prices_the_return_and_says_so(client, org_a, day):
    report = client.get(RETURN, params={"from": DAY, "to": DAY}, headers=auth(org_a.viewer)).json()
    (economy,) = report["tables"]["economy"]["rows"]
    assert economy[5] == "estimate"
    km, estimated = Decimal(economy[1]), Decimal(economy[3])
    assert Decimal(economy[4]) == (km / estimated).quantize(Decimal("0.0001"))
    assert report["summary"]["vehicles_without_economy"] == []


def test_a_receipt_is_recorded_once(client, org_a, day):
    assert _buy(client, org_a, _purchase(day)).status_code == 201
    again = _buy(client, org_a, _purchase(day, litres="1"))
    assert again.status_code == 409
    assert "R-1 is already recorded" in again.json()["detail"]
    listed = client.get(PURCHASES, params={"from": DAY, "to": DAY}, headers=auth(org_a.viewer))
    assert len(listed.json()) == 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"litres": "0"}, "litres"),
        ({"litres": "-5"}, "litres"),
        ({"cost": "-1"}, "cost"),
        ({"litres": "abc"}, "litres"),
        ({"location": None}, "say where the fuel was bought"),
        ({"location": None, "jurisdiction": "Narnia"}, "no jurisdiction zone is called 'Narnia'"),
        ({"jurisdiction": "West"}, "lies in East, not in West"),
        ({"purchased_at": "2026-11-10T10:00:00"}, "purchased_at"),
        ({"purchased_at": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "not happened yet"),
        ({"vehicle_id": "7d8b4b4c-4f7f-4a8e-9d3e-2f1f0c1d2e3f"}, "no vehicle with id"),
        ({"gallons": "5"}, "gallons"),
    ],
)
def test_a_bad_purchase_is_refused_with_why_and_nothing_is_kept(client, org_a, day, change, words):
    response = _buy(client, org_a, _purchase(day, **change))
    assert response.status_code == 422, response.text
    assert words in response.text
    listed = client.get(PURCHASES, params={"from": DAY, "to": DAY}, headers=auth(org_a.viewer))
    assert listed.json() == []


def test_another_organisation_neither_sees_nor_records_for_the_vehicle(client, org_a, org_b, day):
    assert _buy(client, org_a, _purchase(day)).status_code == 201
    theirs = _buy(client, org_b, _purchase(day, receipt="X"))
    assert theirs.status_code == 422 and "no vehicle with id" in theirs.text
    listed = client.get(PURCHASES, params={"from": DAY, "to": DAY}, headers=auth(org_b.viewer))
    assert listed.json() == []
    report = client.get(RETURN, params={"from": DAY, "to": DAY}, headers=auth(org_b.viewer))
    assert report.json()["tables"]["vehicles"]["rows"] == []


def test_a_viewer_may_read_but_not_record_and_a_driver_neither(client, org_a, day):
    assert _buy(client, org_a, _purchase(day), key=org_a.viewer).status_code == 403
    params = {"from": DAY, "to": DAY}
    assert client.get(RETURN, params=params, headers=auth(org_a.driver)).status_code == 403
    assert client.get(PURCHASES, params=params, headers=auth(org_a.driver)).status_code == 403


def test_a_period_of_more_than_a_year_is_refused(client, org_a):
    response = client.get(
        PURCHASES, params={"from": "2024-01-01", "to": DAY}, headers=auth(org_a.viewer)
    )
    assert response.status_code == 422 and "at most 366 days" in response.text
