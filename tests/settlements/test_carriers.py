"""A subcontracted carrier as the payee: its driver's proven work (the reports' day:
two deliveries and a failed attempt) priced at the carrier's rates on the carrier's
statement, never on the driver's own; frozen, corrected, exported and printed like a
driver's; and every wrong step refused with why."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from tests.conftest import auth
from tests.reports.test_reports import DAY, the_day
from tests.settlements.test_statements import rule

API = "/api/v1"
CARRIER_RATES = {"per_stop": "3.00", "per_failed_attempt": "1.00", "pay_unproven": True}


def carrier(client, org, name="Fast Couriers Oy"):
    response = client.post(
        f"{API}/carriers", json={"name": name, "tax_ref": "FI1234567-8"}, headers=auth(org.admin)
    )
    assert response.status_code == 201, response.text
    return response.json()


def join(client, org, carrier_id):
    response = client.patch(
        f"{API}/drivers/{org.driver_id}", json={"carrier_id": carrier_id}, headers=auth(org.admin)
    )
    assert response.status_code == 200, response.text


def carrier_rule(client, org, carrier_id, **rates):
    body = {
        "effective_from": "2026-01-01",
        "carrier_id": carrier_id,
        "rates": {**CARRIER_RATES, **rates},
    }
    return client.post(f"{API}/pay-rules", json=body, headers=auth(org.admin))


def test_the_carrier_is_paid_for_its_drivers_day_at_its_own_rates(client, org_a, db):
    the_day(client, org_a, db)
    fast = carrier(client, org_a)
    join(client, org_a, fast["id"])
    assert rule(client, org_a).status_code == 201  # the organisation's default
    assert carrier_rule(client, org_a, fast["id"]).status_code == 201
    done = client.post(
        f"{API}/statements/settle-all",
        json={"period_start": DAY, "period_end": DAY},
        headers=auth(org_a.admin),
    )
    assert done.status_code == 200, done.text
    listed = client.get(f"{API}/statements", headers=auth(org_a.admin)).json()
    assert [s["driver_id"] for s in listed if s["driver_id"]] == []  # Dana is not paid twice
    (theirs,) = [s for s in listed if s["carrier_id"] == fast["id"]]
    statement = client.get(f"{API}/statements/{theirs['id']}", headers=auth(org_a.admin)).json()
    assert [(line["description"], line["amount"]) for line in statement["lines"]] == [
        ("Dana: Delivery", "3.00"),
        ("Dana: Delivery", "3.00"),
        ("Dana: Failed attempt", "1.00"),
    ]
    assert Decimal(statement["total"]) == Decimal("7.00")
    assert all(line["evidence"]["driver"] == "Dana" for line in statement["lines"])
    assert all(line["evidence"]["stop_id"] for line in statement["lines"])

    # Dana's own statement is refused with whom to settle instead.
    own = client.post(
        f"{API}/statements",
        json={"driver_id": str(org_a.driver_id), "period_start": DAY, "period_end": DAY},
        headers=auth(org_a.admin),
    )
    assert own.status_code == 422 and "drives for Fast Couriers Oy" in own.json()["detail"]
    # The driver's app says who pays them.
    earnings = client.get(f"{API}/me/earnings?day={DAY}", headers=auth(org_a.driver)).json()
    assert earnings["lines"] == [] and "Fast Couriers Oy" in earnings["note"]
    assert client.get(f"{API}/me/statements", headers=auth(org_a.driver)).json() == []

    # Frozen, corrected on the next statement, paid, exported, printed.
    client.post(f"{API}/statements/{theirs['id']}/approve", headers=auth(org_a.admin))
    adjustment = client.post(
        f"{API}/statements/{theirs['id']}/adjustments",
        json={"amount": "-1.00", "reason": "Failed attempt without a photo"},
        headers=auth(org_a.admin),
    )
    assert adjustment.status_code == 201 and adjustment.json()["carrier_id"] == fast["id"]
    nxt = client.post(
        f"{API}/statements",
        json={"carrier_id": fast["id"], "period_start": "2026-11-11", "period_end": "2026-11-11"},
        headers=auth(org_a.admin),
    ).json()
    assert [(line["kind"], line["amount"]) for line in nxt["lines"]] == [("adjustment", "-1.00")]
    client.post(f"{API}/statements/{theirs['id']}/paid", headers=auth(org_a.admin))
    payroll = client.get(
        f"{API}/statements/payroll",
        params={"from": DAY, "to": DAY},
        headers=auth(org_a.admin),
    )
    (row,) = list(csv.DictReader(io.StringIO(payroll.text)))
    assert (row["carrier_name"], row["driver_id"], row["total"]) == ("Fast Couriers Oy", "", "7.00")
    assert row["deliveries"] == "2" and row["failed_attempts"] == "1"
    pdf = client.get(f"/statements/{theirs['id']}.pdf", headers=auth(org_a.admin))
    assert pdf.status_code == 200 and b"Fast Couriers Oy \\(carrier\\)" in pdf.content

    # Its statements are kept: the carrier is deactivated, not deleted.
    gone = client.delete(f"{API}/carriers/{fast['id']}", headers=auth(org_a.admin))
    assert gone.status_code == 409 and "set active to false" in gone.json()["detail"]
    driver_gone = client.delete(f"{API}/drivers/{org_a.driver_id}", headers=auth(org_a.admin))
    assert driver_gone.status_code == 204  # Dana has no statement of her own


def test_a_carrier_without_a_rule_falls_back_to_the_organisations(client, org_a, db):
    the_day(client, org_a, db)
    fast = carrier(client, org_a)
    join(client, org_a, fast["id"])
    rule(client, org_a, per_stop="1.50")
    statement = client.post(
        f"{API}/statements",
        json={"carrier_id": fast["id"], "period_start": DAY, "period_end": DAY},
        headers=auth(org_a.admin),
    ).json()
    assert statement["lines"][0] == {**statement["lines"][0], "amount": "1.50"}


def test_wrong_payees_are_refused_with_why(client, org_a, org_b, db):
    fast = carrier(client, org_a)
    both = client.post(
        f"{API}/pay-rules",
        json={
            "effective_from": "2026-01-01",
            "driver_id": str(org_a.driver_id),
            "carrier_id": fast["id"],
            "rates": CARRIER_RATES,
        },
        headers=auth(org_a.admin),
    )
    assert both.status_code == 422 and "a driver's or a carrier's" in both.text
    assert carrier_rule(client, org_a, fast["id"]).status_code == 201
    again = carrier_rule(client, org_a, fast["id"], per_stop="4.00")
    assert again.status_code == 409 and "this carrier already has" in again.json()["detail"]
    neither = client.post(
        f"{API}/statements",
        json={"period_start": DAY, "period_end": DAY},
        headers=auth(org_a.admin),
    )
    assert neither.status_code == 422 and "one of them" in neither.text
    foreign = client.post(
        f"{API}/statements",
        json={"carrier_id": fast["id"], "period_start": DAY, "period_end": DAY},
        headers=auth(org_b.admin),
    )
    assert foreign.status_code == 422 and "no carrier with id" in foreign.text
    theirs = client.patch(
        f"{API}/drivers/{org_b.driver_id}",
        json={"carrier_id": fast["id"]},
        headers=auth(org_b.admin),
    )
    assert theirs.status_code == 422 and "no carrier with id" in theirs.text
    assert (
        client.post(f"{API}/carriers", json={"name": ""}, headers=auth(org_a.admin)).status_code
        == 422
    )
    assert (
        client.post(f"{API}/carriers", json={"name": "X"}, headers=auth(org_a.viewer)).status_code
        == 403
    )
