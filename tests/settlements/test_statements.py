"""Settling a driver's pay through the API on a hand-checked day (the reports' day: two
deliveries and a failed attempt, 08:00 to 08:40:40 on the tracker, about 14.4 km), then
freezing, correcting and paying it; every refusal says why."""

from __future__ import annotations

import csv
import io
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from doorstep.storage.tables.settlements import StatementLine
from tests.conftest import auth
from tests.reports.test_reports import DAY, the_day

RATES = {
    "per_stop": "1.20",
    "per_parcel": "0.15",
    "per_failed_attempt": "0.60",
    "per_km": "0.25",
    "per_hour": "10.00",
    "pay_unproven": True,
    "extras": [
        {"name": "On-time bonus", "amount": "5.00", "metric": "on_time_rate", "at_least": "0.5"}
    ],
}


def rule(client, org, effective_from="2026-01-01", driver_id=None, **rates):
    body = {"effective_from": effective_from, "rates": {**RATES, **rates}}
    if driver_id:
        body["driver_id"] = str(driver_id)
    return client.post("/api/v1/pay-rules", json=body, headers=auth(org.admin))


def settle(client, org, start=DAY, end=DAY):
    body = {"driver_id": str(org.driver_id), "period_start": start, "period_end": end}
    return client.post("/api/v1/statements", json=body, headers=auth(org.admin))


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_a_day_settles_to_hand_computed_lines_each_with_its_evidence(client, org_a, db):
    the_day(client, org_a, db)
    assert rule(client, org_a).status_code == 201
    response = settle(client, org_a)
    assert response.status_code == 200, response.text
    statement = response.json()
    logbook = client.get(
        "/api/v1/reports/logbook", params={"date": DAY}, headers=auth(org_a.admin)
    ).json()[0]
    km = (Decimal(str(logbook["distance_m"])) / 1000).quantize(Decimal("0.001"))
    kinds = [(line["kind"], Decimal(line["amount"])) for line in statement["lines"]]
    assert kinds == [
        ("stop", Decimal("1.20")),
        ("stop", Decimal("1.20")),
        ("failed_attempt", Decimal("0.60")),
        ("parcel", Decimal("0.30")),  # 2 parcels delivered that day
        ("km", cents(km * Decimal("0.25"))),
        ("hour", Decimal("6.80")),  # 2440 s = 0.68 h x 10.00
        ("bonus", Decimal("5.00")),  # on time 1 of 2 = 0.5
    ]
    expected = Decimal("1.20") * 2 + Decimal("0.15") * 2 + Decimal("0.60")
    expected += cents(km * Decimal("0.25")) + Decimal("6.80") + Decimal("5.00")
    assert Decimal(statement["total"]) == expected
    assert Decimal(statement["total"]) == sum(
        Decimal(line["amount"]) for line in statement["lines"]
    )
    stops = [line for line in statement["lines"] if line["kind"] in ("stop", "failed_attempt")]
    assert all(line["evidence"]["stop_id"] and line["version_id"] for line in stops)
    assert {line["flag"] for line in stops} == {"delivered without proof", "attempt without proof"}
    km_line = next(line for line in statement["lines"] if line["kind"] == "km")
    assert km_line["evidence"] == {"logbook_date": DAY, "vehicle": "Van 1"}
    assert statement["status"] == "draft" and statement["currency"] == "EUR"


def line_ids(db) -> list[str]:
    with db.sessions() as session:
        query = select(StatementLine.id).order_by(
            StatementLine.statement_id, StatementLine.position
        )
        return [str(i) for i in session.scalars(query)]


def test_a_draft_settled_again_to_the_same_lines_keeps_them_and_a_change_rewrites_them(
    client, org_a, db
):
    the_day(client, org_a, db)
    rule(client, org_a)
    first = settle(client, org_a).json()
    kept = line_ids(db)
    assert len(kept) == len(first["lines"]) > 0
    again = settle(client, org_a).json()
    assert again["lines"] == first["lines"] and again["id"] == first["id"]
    assert line_ids(db) == kept  # nothing rewritten
    # A new rule for this driver changes the stops' rate: every line is written anew.
    assert rule(client, org_a, "2026-11-01", org_a.driver_id, per_stop="2.00").status_code == 201
    changed = settle(client, org_a).json()
    assert [line["amount"] for line in changed["lines"] if line["kind"] == "stop"] == [
        "2.00",
        "2.00",
    ]
    rewritten = line_ids(db)
    assert len(rewritten) == len(changed["lines"]) and not set(rewritten) & set(kept)
    # And settled once more: the new lines stay.
    assert settle(client, org_a).json()["lines"] == changed["lines"]
    assert line_ids(db) == rewritten


def test_approved_is_frozen_corrections_go_to_the_next_statement_then_paid(client, org_a, db):
    the_day(client, org_a, db)
    rule(client, org_a)
    first = settle(client, org_a).json()
    approved = client.post(
        f"/api/v1/statements/{first['id']}/approve", headers=auth(org_a.admin)
    ).json()
    assert approved["status"] == "approved" and approved["approved_by"].startswith("admin")
    # A richer rule for this driver from that very month: the frozen statement ignores it.
    assert rule(client, org_a, "2026-11-01", org_a.driver_id, per_stop="9.99").status_code == 201
    again = settle(client, org_a).json()
    assert again["lines"] == approved["lines"] and again["total"] == approved["total"]
    # A parcel was missed: an adjustment, carried to the next statement.
    adjustment = client.post(
        f"/api/v1/statements/{first['id']}/adjustments",
        json={"amount": "2.50", "reason": "Parcel scanned late"},
        headers=auth(org_a.admin),
    )
    assert adjustment.status_code == 201, adjustment.text
    nxt = settle(client, org_a, "2026-11-11", "2026-11-11").json()
    assert [(line["kind"], line["amount"]) for line in nxt["lines"]] == [("adjustment", "2.50")]
    assert nxt["lines"][0]["evidence"]["refers_to"] == first["id"]
    client.post(f"/api/v1/statements/{nxt['id']}/approve", headers=auth(org_a.admin))
    later = settle(client, org_a, "2026-11-12", "2026-11-12").json()
    assert later["lines"] == [] and Decimal(later["total"]) == 0  # applied once only
    paid = client.post(f"/api/v1/statements/{first['id']}/paid", headers=auth(org_a.admin))
    assert paid.json()["status"] == "paid" and paid.json()["paid_by"].startswith("admin")
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    f"/api/v1/statements/{first['id']}?format=csv", headers=auth(org_a.admin)
                ).text
            )
        )
    )
    assert rows[0][:3] == ["position", "day", "kind"] and len(rows) == len(first["lines"]) + 1


def test_bad_rules_and_wrong_steps_are_refused_with_why(client, org_a, org_b, db):
    negative = rule(client, org_a, per_stop="-1.00")
    assert negative.status_code == 422
    assert "deduction" in negative.json()["detail"]
    assert rule(client, org_a).status_code == 201
    twice = rule(client, org_a)
    assert twice.status_code == 409 and "already has a pay rule version" in twice.json()["detail"]
    no_bound = rule(
        client, org_a, "2026-02-01", extras=[{"name": "x", "amount": "1", "metric": "rating"}]
    )
    assert no_bound.status_code == 422 and "at_least or at_most" in no_bound.json()["detail"]
    # A period with no work: an empty statement, not an error.
    empty = settle(client, org_a, "2026-03-02", "2026-03-08")
    assert empty.status_code == 200 and empty.json()["lines"] == []
    # Before any rule: refused with the day and what to do.
    early = settle(client, org_a, "2025-12-30", "2025-12-31")
    assert early.status_code == 200  # nothing to price, so nothing missing a rule
    the_day(client, org_a, db)
    client.post(
        "/api/v1/pay-rules",
        json={"effective_from": "2026-11-11", "rates": RATES, "driver_id": str(org_a.driver_id)},
        headers=auth(org_a.admin),
    )
    draft = settle(client, org_a).json()
    assert (
        client.post(f"/api/v1/statements/{draft['id']}/paid", headers=auth(org_a.admin)).status_code
        == 409
    )
    adjust = client.post(
        f"/api/v1/statements/{draft['id']}/adjustments",
        json={"amount": "1.00", "reason": "x"},
        headers=auth(org_a.admin),
    )
    assert adjust.status_code == 409 and "still a draft" in adjust.json()["detail"]
    assert (
        client.post(
            f"/api/v1/statements/{draft['id']}/approve", headers=auth(org_a.admin)
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/statements/{draft['id']}/approve", headers=auth(org_a.admin)
        ).status_code
        == 409
    )
    zero = client.post(
        f"/api/v1/statements/{draft['id']}/adjustments",
        json={"amount": "0", "reason": "x"},
        headers=auth(org_a.admin),
    )
    assert zero.status_code == 422
    for key in (org_a.dispatcher, org_a.viewer, org_a.driver):
        assert settle_as(client, key, org_a).status_code == 403
    assert (
        client.get(f"/api/v1/statements/{draft['id']}", headers=auth(org_b.admin)).status_code
        == 404
    )


def test_a_day_without_a_rule_in_force_is_refused_with_the_day(client, org_a, db):
    the_day(client, org_a, db)
    rule(client, org_a, "2026-11-11")
    response = settle(client, org_a)
    assert response.status_code == 422
    assert "no pay rule is in force on 2026-11-10 for Dana" in response.json()["detail"]


def settle_as(client, key, org):
    body = {"driver_id": str(org.driver_id), "period_start": DAY, "period_end": DAY}
    return client.post("/api/v1/statements", json=body, headers=auth(key))


def test_a_driver_checks_disputes_and_is_paid_the_correction_next_time(client, org_a, db):
    from tests.conftest import add_driver

    the_day(client, org_a, db)
    rule(client, org_a)
    statement = settle(client, org_a).json()
    me = auth(org_a.driver)
    earnings = client.get("/api/v1/me/earnings", params={"day": DAY}, headers=me).json()
    assert earnings["total"] == statement["total"] and len(earnings["lines"]) == 7
    assert [s["id"] for s in client.get("/api/v1/me/statements", headers=me).json()] == [
        statement["id"]
    ]
    mine = client.get(f"/api/v1/me/statements/{statement['id']}", headers=me).json()
    assert mine["lines"] == statement["lines"]
    for step in ("approve", "paid"):
        client.post(f"/api/v1/statements/{statement['id']}/{step}", headers=auth(org_a.admin))
    # The failed attempt (line 2) was a real attempt with a photo the app lost: disputed.
    disputed = client.post(
        f"/api/v1/me/statements/{statement['id']}/disputes",
        json={"line": 2, "comment": "I was there at 13:00, the photo did not upload"},
        headers=me,
    )
    assert disputed.status_code == 201, disputed.text
    listed = client.get("/api/v1/disputes?status=open", headers=auth(org_a.admin)).json()
    assert len(listed) == 1 and listed[0]["line"]["kind"] == "failed_attempt"
    assert listed[0]["line"]["evidence"]["stop_id"]
    resolved = client.post(
        f"/api/v1/disputes/{listed[0]['id']}/resolve",
        json={
            "accepted": True,
            "resolution": "Attempt confirmed by the customer",
            "amount": "0.60",
        },
        headers=auth(org_a.admin),
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "accepted"
    again = client.post(
        f"/api/v1/disputes/{listed[0]['id']}/resolve",
        json={"accepted": False, "resolution": "no"},
        headers=auth(org_a.admin),
    )
    assert again.status_code == 409
    nxt = settle(client, org_a, "2026-11-11", "2026-11-17").json()
    assert [(line["kind"], line["amount"]) for line in nxt["lines"]] == [("adjustment", "0.60")]
    # Refusals: a line that does not exist, someone else's statement, a refused payout.
    bad = client.post(
        f"/api/v1/me/statements/{statement['id']}/disputes",
        json={"line": 99, "comment": "x"},
        headers=me,
    )
    assert bad.status_code == 422 and "no line 99" in bad.json()["detail"]
    other, _ = add_driver(db, org_a, "Eve")
    theirs = client.get(f"/api/v1/me/statements/{statement['id']}", headers=auth(other))
    assert theirs.status_code == 404
    # Each driver reads their own disputes and the answers, nobody else's.
    (own,) = client.get("/api/v1/me/disputes", headers=me).json()
    assert (own["status"], own["resolution"]) == ("accepted", "Attempt confirmed by the customer")
    assert client.get("/api/v1/me/disputes", headers=auth(other)).json() == []
    refused_with_money = client.post(
        f"/api/v1/disputes/{listed[0]['id']}/resolve",
        json={"accepted": False, "resolution": "no", "amount": "1.00"},
        headers=auth(org_a.admin),
    )
    assert refused_with_money.status_code == 422
    # Dispatch sees the disputes with their evidence; only an admin settles them.
    seen = client.get("/api/v1/disputes", headers=auth(org_a.dispatcher))
    assert seen.status_code == 200 and seen.json()[0]["line"]["evidence"]["stop_id"]
    assert (
        client.post(
            f"/api/v1/disputes/{listed[0]['id']}/resolve",
            json={"accepted": False, "resolution": "no"},
            headers=auth(org_a.dispatcher),
        ).status_code
        == 403
    )
    assert client.get("/api/v1/disputes", headers=auth(org_a.viewer)).status_code == 403


def test_the_payroll_export_has_a_row_per_payable_statement_that_adds_up(client, org_a, db):
    the_day(client, org_a, db)
    rule(client, org_a)
    statement = settle(client, org_a).json()

    def rows(**params):
        response = client.get(
            "/api/v1/statements/payroll",
            params={"from": "2026-11-01", "to": "2026-11-30", **params},
            headers=auth(org_a.admin),
        )
        assert response.status_code == 200, response.text
        return list(csv.DictReader(io.StringIO(response.text)))

    assert rows() == []  # a draft is not payable yet
    assert len(rows(include_drafts="true")) == 1
    client.post(f"/api/v1/statements/{statement['id']}/approve", headers=auth(org_a.admin))
    (row,) = rows()
    assert row["driver_name"] == "Dana" and row["status"] == "approved"
    assert (row["deliveries"], row["failed_attempts"], row["flagged_lines"]) == ("2", "1", "3")
    assert Decimal(row["hours"]) == Decimal("0.68")
    assert Decimal(row["total"]) == Decimal(row["earned"]) + Decimal(row["adjustments"])
    assert Decimal(row["total"]) == Decimal(statement["total"])
    too_long = client.get(
        "/api/v1/statements/payroll",
        params={"from": "2016-01-01", "to": "2026-11-30"},
        headers=auth(org_a.admin),
    )
    assert too_long.status_code == 422 and "at most 366 days" in too_long.json()["detail"]
    refused = client.get(
        "/api/v1/statements/payroll",
        params={"from": "2026-11-01", "to": "2026-11-30"},
        headers=auth(org_a.dispatcher),
    )
    assert refused.status_code == 403


def test_a_statement_prints_as_pdf_with_every_line_and_only_for_whom_it_concerns(
    client, org_a, org_b, db
):
    from tests.conftest import add_driver

    the_day(client, org_a, db)
    rule(client, org_a)
    statement = settle(client, org_a).json()
    client.post(f"/api/v1/statements/{statement['id']}/approve", headers=auth(org_a.admin))
    pdf = client.get(f"/statements/{statement['id']}.pdf", headers=auth(org_a.admin))
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text = pdf.content
    assert b"Pay statement" in text and b"Dana" in text and b"approved" in text
    assert statement["total"].encode() in text
    for line in statement["lines"]:
        assert line["amount"].encode() in text
    assert b"FLAG:" in text and b"line\\(s\\) flagged" in text  # flagged lines say so
    mine = client.get(f"/me/statements/{statement['id']}.pdf", headers=auth(org_a.driver))
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF-")
    # Another driver, a dispatcher, another organisation: refused or unknown.
    other, _ = add_driver(db, org_a, "Eve")
    assert (
        client.get(f"/me/statements/{statement['id']}.pdf", headers=auth(other)).status_code == 404
    )
    assert (
        client.get(f"/statements/{statement['id']}.pdf", headers=auth(org_a.dispatcher)).status_code
        == 403
    )
    assert (
        client.get(f"/statements/{statement['id']}.pdf", headers=auth(org_b.admin)).status_code
        == 404
    )
    assert client.get("/statements/not-an-id.pdf", headers=auth(org_a.admin)).status_code == 422


def test_statements_are_listed_by_period_however_many_there_are(client, org_a, db):
    """A week's statements come back for that week alone (a fleet makes more than any
    page of the newest would hold); a backwards period is refused."""
    rule(client, org_a)
    admin = auth(org_a.admin)
    for start, end in (("2026-11-02", "2026-11-08"), ("2026-11-09", "2026-11-15")):
        assert settle(client, org_a, start, end).status_code == 200
    week = client.get(
        "/api/v1/statements", params={"from": "2026-11-09", "to": "2026-11-15"}, headers=admin
    ).json()
    assert [(s["period_start"], s["period_end"]) for s in week] == [("2026-11-09", "2026-11-15")]
    both = client.get("/api/v1/statements", params={"from": "2026-11-01"}, headers=admin).json()
    assert [s["period_start"] for s in both] == ["2026-11-09", "2026-11-02"]
    backwards = client.get(
        "/api/v1/statements", params={"from": "2026-11-15", "to": "2026-11-09"}, headers=admin
    )
    assert backwards.status_code == 422 and "before it starts" in backwards.text
    assert client.get("/api/v1/statements", params={"limit": 0}, headers=admin).status_code == 422
