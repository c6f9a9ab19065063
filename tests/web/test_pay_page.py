"""Driver pay in a real browser: an admin adds a pay rule version, settles a week of
real finished stops (one delivery with a signature, one without proof, one failed
attempt without proof), opens the statement and reads its lines with their evidence,
approves it, corrects it, resolves the driver's dispute with an amount, downloads the
statement and the payroll as CSV, and marks it paid; the API shows each change. A
refused rule shows the API's reason; a dispatcher sees the disputes and nothing else."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from doorstep.domain.principal import system
from doorstep.domain.roles import Role
from doorstep.schemas.accounts import UserCreate
from doorstep.services import accounts
from tests.api.test_proofs import signature_png
from tests.conftest import auth, create_order, load_van
from tests.reports.test_reports import local
from tests.tracking.test_logbook import DAY, send, vehicle_with_device, working_day
from tests.web.conftest import API, staff_signed_in

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

# The week of DAY (Tuesday 2026-11-10), Monday to Sunday, and the week after it.
WEEK = ("2026-11-09", "2026-11-15")
NEXT_WEEK = ("2026-11-16", "2026-11-22")


def _work_day(client, org) -> dict[str, Any]:
    """DAY's van fixes (about 14.4 km, 08:00 to 08:40:40) and its route: 09:30 delivered
    with a signature, 12:30 delivered without proof (late), 13:00 failed, no proof."""
    vehicle, device = vehicle_with_device(client, org)
    send(client, device, working_day())
    orders = [
        create_order(
            client,
            org.admin,
            recipient={"name": f"R{i}", "phone": "+358401234567"},
            address=f"Street {i}",
            location={"lat": 60.17 + i * 0.001, "lon": 24.94},
            window_start=local(9),
            window_end=local(12),
        )
        for i in range(3)
    ]
    route = client.post(
        f"{API}/routes",
        json={
            "name": "Tuesday",
            "date": DAY,
            "driver_id": str(org.driver_id),
            "vehicle_id": vehicle["id"],
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org.admin),
    ).json()
    load_van(client, org, route["id"])
    base = f"{API}/routes/{route['id']}"
    h = auth(org.driver)
    assert client.post(f"{base}/start", json={"at": local(8)}, headers=h).status_code == 200
    proof_id = None
    for i, (stop, (hour, minute), outcome) in enumerate(
        zip(
            route["stops"],
            ((9, 30), (12, 30), (13, 0)),
            ("delivered", "delivered", "failed"),
            strict=True,
        )
    ):
        at = local(hour, minute)
        assert client.post(f"{base}/stops/{stop['id']}/arrive", json={"at": at}, headers=h)
        if i == 0:
            signed = client.post(
                f"{base}/stops/{stop['id']}/proofs",
                data={"kind": "signature"},
                files={"file": ("signature.png", signature_png(), "application/octet-stream")},
                headers=h,
            )
            assert signed.status_code == 201, signed.text
            proof_id = signed.json()["id"]
        body = {"outcome": outcome, "at": at}
        if outcome == "failed":
            body["reason"] = "Nobody home"
        done = client.post(f"{base}/stops/{stop['id']}/complete", json=body, headers=h)
        assert done.status_code == 200, done.text
    return {"orders": orders, "proof_id": proof_id}


def _fill_rule(page, effective_from: str, per_stop: str) -> None:
    page.locator("#rule-from").fill(effective_from)
    page.get_by_label("Per stop").fill(per_stop)
    page.get_by_label("Per parcel").fill("0.15")
    page.get_by_label("Per failed attempt").fill("0.60")
    page.get_by_label("Per km").fill("0.25")
    page.get_by_label("Per hour").fill("10.00")


def _csv(download) -> list[dict[str, str]]:
    with open(download.path(), encoding="utf-8") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


def test_an_admin_settles_a_week_approves_adjusts_and_resolves_a_dispute(
    browser, server, client, org_a, db
):
    work = _work_day(client, org_a)
    first, _second, third = work["orders"]
    context, page, errors = staff_signed_in(
        browser, server, org_a.admin_email, org_a.admin_password
    )
    try:
        page.get_by_role("link", name="Pay", exact=True).click()
        expect(page.locator("#pay")).to_be_visible()
        # The default period is the last full week: Monday to Sunday.
        start = date.fromisoformat(page.locator("#from").input_value())
        assert start.weekday() == 0
        assert page.locator("#to").input_value() == (start + timedelta(days=6)).isoformat()
        expect(page.locator("#rules tbody tr")).to_have_count(0)

        # 1. The organisation's default rates from the 1st, with an on-time bonus.
        _fill_rule(page, "2026-11-01", "1.20")
        page.get_by_role("button", name="Add a bonus or deduction").click()
        extra = page.locator("#extras li").first
        extra.get_by_label("Name").fill("On-time bonus")
        extra.get_by_label("Amount").fill("5.00")
        extra.get_by_label("When").select_option("on_time_rate")
        extra.get_by_label("At least").fill("0.5")
        page.get_by_label("Note").fill("Winter rates")
        page.get_by_role("button", name="Add pay rule version").click()
        expect(page.locator("#notice")).to_contain_text("Pay rule version from 2026-11-01 added")
        rule_row = page.locator("#rules tbody tr")
        expect(rule_row).to_have_count(1)
        expect(rule_row).to_contain_text("Organisation default")
        expect(rule_row).to_contain_text("2026-11-01")
        expect(rule_row).to_contain_text("1.20")
        expect(rule_row).to_contain_text("On-time bonus: +5.00 when on-time rate ≥ 0.5")
        rules = client.get(f"{API}/pay-rules", headers=auth(org_a.admin)).json()
        assert [(r["driver_id"], r["effective_from"], r["note"]) for r in rules] == [
            (None, "2026-11-01", "Winter rates")
        ]
        assert rules[0]["rates"]["per_stop"] == "1.20"
        assert rules[0]["rates"]["extras"][0]["name"] == "On-time bonus"

        # 2. Settle every driver for DAY's week; the list shows Dana's draft.
        page.locator("#from").fill(WEEK[0])
        page.locator("#to").fill(WEEK[1])
        page.get_by_role("button", name="Settle all drivers").click()
        expect(page.locator("#settled")).to_contain_text("1 statement(s), 1 draft(s) computed")
        (listed,) = client.get(f"{API}/statements", headers=auth(org_a.admin)).json()
        statement = client.get(f"{API}/statements/{listed['id']}", headers=auth(org_a.admin))
        statement = statement.json()
        assert (statement["period_start"], statement["period_end"]) == WEEK
        kinds = [line["kind"] for line in statement["lines"]]
        assert kinds[:3] == ["stop", "stop", "failed_attempt"] and "bonus" in kinds
        total = f"{statement['total']} {statement['currency']}"
        row = page.locator(f'#statements tr[data-statement="{statement["id"]}"]')
        expect(page.locator("#statements tbody tr")).to_have_count(1)
        expect(row).to_contain_text(f"{WEEK[0]} to {WEEK[1]}")
        expect(row).to_contain_text("Draft")
        expect(row).to_contain_text(total)
        expect(row.locator("td").nth(4)).to_have_text("2")  # no proof: two flagged lines

        # 3. The statement: its lines, each with its evidence, and its total.
        row.get_by_role("button", name="Dana").click()
        expect(page.locator("#statement-title")).to_have_text(f"Dana · {WEEK[0]} to {WEEK[1]}")
        lines = page.locator("#lines tbody tr")
        expect(lines).to_have_count(len(statement["lines"]))
        expect(page.locator("#lines .statement-total")).to_have_text(total)
        expect(page.locator("#lines tr.flagged")).to_have_count(2)
        expect(page.locator("#statement-flags")).to_contain_text("2 line(s) flagged")
        signed = lines.nth(0)
        expect(signed).to_contain_text("Tue 10 Nov 2026")
        expect(signed).to_contain_text("Delivery")
        expect(signed.locator("a.proof-id")).to_have_text(work["proof_id"])
        order_link = signed.get_by_role("link", name=f"Order {first['tracking_code']}")
        expect(order_link).to_have_attribute(
            "href", f"/dashboard/orders?q={first['tracking_code']}"
        )
        unproven = lines.nth(1)
        expect(unproven).to_have_class("flagged")
        expect(unproven).to_contain_text("delivered without proof")
        expect(unproven).to_contain_text("no proof")
        expect(lines.nth(2)).to_contain_text("attempt without proof")
        km = next(line for line in statement["lines"] if line["kind"] == "km")
        km_row = page.locator(f'#lines tr[data-position="{km["position"]}"]')
        expect(km_row).to_contain_text(f"logbook {DAY} · Van 1")
        expect(km_row.locator("td").nth(6)).to_have_text(km["amount"])
        with page.expect_download() as got:
            page.get_by_role("link", name="Download CSV").click()
        assert [r["amount"] for r in _csv(got.value)] == [
            line["amount"] for line in statement["lines"]
        ]
        pdf = page.get_by_role("link", name="Download PDF")
        expect(pdf).to_have_attribute("href", f"/statements/{statement['id']}.pdf")
        printed = page.request.get(f"{server}/statements/{statement['id']}.pdf")  # the session
        assert printed.ok and printed.body().startswith(b"%PDF-")
        expect(page.locator("#adjust-form")).to_be_hidden()  # a draft is settled again

        # 4. Approve: frozen; a correction is now an adjustment.
        page.get_by_role("button", name="Approve").click()
        expect(page.locator("#statement-facts")).to_contain_text("Approved")
        expect(page.get_by_role("button", name="Approve")).to_be_hidden()
        expect(row).to_contain_text("Approved")
        now = client.get(f"{API}/statements/{statement['id']}", headers=auth(org_a.admin))
        assert now.json()["status"] == "approved"
        assert now.json()["approved_by"] == "Administrator"  # the signed-in admin
        page.get_by_label("Adjustment amount").fill("0")
        page.get_by_label("Reason").fill("Nothing")
        page.get_by_role("button", name="Add adjustment").click()
        expect(page.locator("#adjust-error")).to_contain_text("an adjustment of 0 changes nothing")
        page.get_by_label("Adjustment amount").fill("2.50")
        page.get_by_label("Reason").fill("Parcel scanned late")
        page.get_by_role("button", name="Add adjustment").click()
        expect(page.locator("#notice")).to_contain_text("Adjustment of 2.50 added for Dana")
        expect(page.locator("#adjust-error")).to_be_hidden()

        # The status filter.
        page.get_by_label("Status").select_option("paid")
        expect(page.locator("#statements tbody tr")).to_have_count(0)
        page.get_by_label("Status").select_option("approved")
        expect(page.locator("#statements tbody tr")).to_have_count(1)

        # 5. Dana disputes the failed attempt; it shows with its evidence; accepted.
        failed = next(line for line in statement["lines"] if line["kind"] == "failed_attempt")
        disputed = client.post(
            f"{API}/me/statements/{statement['id']}/disputes",
            json={"line": failed["position"], "comment": "I was there at 13:00, no upload"},
            headers=auth(org_a.driver),
        )
        assert disputed.status_code == 201, disputed.text
        page.get_by_role("button", name="Refresh disputes").click()
        dispute = page.locator("#disputes li.dispute")
        expect(dispute).to_have_count(1)
        expect(dispute).to_contain_text("I was there at 13:00, no upload")
        expect(dispute).to_contain_text(f"About line {failed['position']} of")
        expect(dispute).to_contain_text("Failed attempt")
        expect(dispute.locator("tr.flagged")).to_contain_text("attempt without proof")
        expect(dispute.get_by_role("link", name=f"Order {third['tracking_code']}")).to_be_visible()
        dispute.get_by_label("Resolution").fill("Attempt confirmed by the customer")
        dispute.get_by_label("Amount owed").fill("0.60")
        dispute.get_by_role("button", name="Accept").click()
        expect(page.locator("#notice")).to_contain_text("Accepted: an adjustment of 0.60")
        expect(page.locator("#disputes li")).to_have_count(0)
        expect(page.locator("#no-disputes")).to_be_visible()

        # 6. The payroll for the week: the approved statement, adding up.
        with page.expect_download() as got:
            page.get_by_role("link", name="Download the payroll CSV").click()
        (payroll,) = _csv(got.value)
        assert (payroll["statement_id"], payroll["driver_name"], payroll["status"]) == (
            statement["id"],
            "Dana",
            "approved",
        )
        assert payroll["total"] == statement["total"] and payroll["flagged_lines"] == "2"

        # 7. Paid.
        page.get_by_role("button", name="Mark paid").click()
        expect(page.locator("#statement-facts")).to_contain_text("Paid")
        expect(page.get_by_role("button", name="Mark paid")).to_be_hidden()
        assert errors == []
    finally:
        context.close()

    admin = auth(org_a.admin)
    final = client.get(f"{API}/statements/{statement['id']}", headers=admin).json()
    assert (
        final["status"] == "paid" and final["approved_at"] and final["total"] == statement["total"]
    )
    (accepted,) = client.get(f"{API}/disputes?status=accepted", headers=admin).json()
    assert accepted["resolution"] == "Attempt confirmed by the customer"
    assert accepted["adjustment_id"] and accepted["line"]["position"] == failed["position"]
    assert client.get(f"{API}/disputes?status=open", headers=admin).json() == []
    # Both corrections wait on Dana's next statement, each pointing at this one.
    body = {"driver_id": str(org_a.driver_id), "period_start": NEXT_WEEK[0]}
    nxt = client.post(f"{API}/statements", json={**body, "period_end": NEXT_WEEK[1]}, headers=admin)
    assert nxt.status_code == 200, nxt.text
    adjustments = [line for line in nxt.json()["lines"] if line["kind"] == "adjustment"]
    assert sorted((line["amount"], line["description"]) for line in adjustments) == [
        ("0.60", "Adjustment: Dispute: Attempt confirmed by the customer"),
        ("2.50", "Adjustment: Parcel scanned late"),
    ]
    assert {line["evidence"]["refers_to"] for line in adjustments} == {statement["id"]}


def test_a_refused_pay_rule_shows_the_apis_reason(browser, server, client, org_a, db):
    context, page, errors = staff_signed_in(
        browser, server, org_a.admin_email, org_a.admin_password
    )
    try:
        page.goto(f"{server}/dashboard/pay")
        expect(page.locator("#pay")).to_be_visible()
        _fill_rule(page, "2026-11-01", "-1.00")
        page.get_by_role("button", name="Add pay rule version").click()
        error = page.locator("#rule-error")
        expect(error).to_be_visible()
        expect(error).to_contain_text("per_stop")
        expect(error).to_contain_text("cannot be negative")
        expect(error).to_contain_text("deduction")
        expect(page.locator("#rules tbody tr")).to_have_count(0)
        page.get_by_label("Per stop").fill("1.20")
        page.get_by_role("button", name="Add pay rule version").click()
        expect(page.locator("#rules tbody tr")).to_have_count(1)
        expect(error).to_be_hidden()
        # The same date again for the organisation: a version is never overlaid.
        _fill_rule(page, "2026-11-01", "1.30")
        page.get_by_role("button", name="Add pay rule version").click()
        expect(error).to_contain_text(
            "the organisation already has a pay rule version from 2026-11-01"
        )
        expect(page.locator("#rules tbody tr")).to_have_count(1)
        assert errors == []
    finally:
        context.close()
    rules = client.get(f"{API}/pay-rules", headers=auth(org_a.admin)).json()
    assert [r["rates"]["per_stop"] for r in rules] == ["1.20"]


def test_a_carriers_rates_and_statement_name_the_carrier(browser, server, client, org_a, db):
    """Dana drives for a carrier: its version is added from the form, and settling the
    week gives the carrier's statement, listed and opened under the carrier's name."""
    _work_day(client, org_a)
    admin = auth(org_a.admin)
    fast = client.post(f"{API}/carriers", json={"name": "Fast Couriers"}, headers=admin).json()
    client.patch(f"{API}/drivers/{org_a.driver_id}", json={"carrier_id": fast["id"]}, headers=admin)
    context, page, errors = staff_signed_in(
        browser, server, org_a.admin_email, org_a.admin_password
    )
    try:
        page.goto(f"{server}/dashboard/pay")
        expect(page.locator("#pay")).to_be_visible()
        page.get_by_label("For").select_option(label="Fast Couriers (carrier)")
        _fill_rule(page, "2026-11-01", "3.00")
        page.get_by_role("button", name="Add pay rule version").click()
        expect(page.locator("#notice")).to_contain_text("added for Fast Couriers (carrier)")
        expect(page.locator("#rules tbody tr")).to_contain_text("Fast Couriers (carrier)")
        page.locator("#from").fill(WEEK[0])
        page.locator("#to").fill(WEEK[1])
        page.get_by_role("button", name="Settle all drivers").click()
        expect(page.locator("#settled")).to_contain_text("1 statement(s)")
        row = page.locator("#statements tbody tr")
        expect(row).to_have_count(1)
        row.get_by_role("button", name="Fast Couriers (carrier)").click()
        expect(page.locator("#statement-title")).to_have_text(
            f"Fast Couriers (carrier) · {WEEK[0]} to {WEEK[1]}"
        )
        expect(page.locator("#lines tbody tr").first).to_contain_text("Dana: Delivery")
        assert errors == []
    finally:
        context.close()
    (rule,) = client.get(f"{API}/pay-rules", headers=admin).json()
    assert (rule["carrier_id"], rule["driver_id"]) == (fast["id"], None)


def _dispatcher(db, org) -> str:
    email = f"dispatch-{uuid.uuid4().hex[:6]}@{org.slug}.test"
    with db.sessions.begin() as session:
        accounts.create_user(
            session,
            system(org.id),
            UserCreate(email=email, name="Dee", role=Role.DISPATCHER, password=org.admin_password),
        )
    return email


def test_a_dispatcher_sees_the_drivers_disputes_with_evidence_and_nothing_else_of_pay(
    browser, server, client, org_a, db
):
    _work_day(client, org_a)
    admin = auth(org_a.admin)
    client.post(
        f"{API}/pay-rules",
        json={"effective_from": "2026-11-01", "rates": {"per_stop": "1.20"}},
        headers=admin,
    )
    statement = client.post(
        f"{API}/statements",
        json={"driver_id": str(org_a.driver_id), "period_start": WEEK[0], "period_end": WEEK[1]},
        headers=admin,
    ).json()
    disputed = client.post(
        f"{API}/me/statements/{statement['id']}/disputes",
        json={"line": 1, "comment": "The parcel was signed for on paper"},
        headers=auth(org_a.driver),
    )
    assert disputed.status_code == 201, disputed.text
    email = _dispatcher(db, org_a)
    context, page, errors = staff_signed_in(browser, server, email, org_a.admin_password)
    try:
        expect(page.locator("#who")).to_have_text("Dee · dispatcher")
        page.get_by_role("link", name="Pay", exact=True).click()
        expect(page.locator("#dispatch-only")).to_be_visible()
        dispute = page.locator("#disputes li")
        expect(dispute).to_have_count(1)
        expect(dispute).to_contain_text("The parcel was signed for on paper")
        expect(dispute).to_contain_text("Dana")
        expect(dispute.locator("table")).to_contain_text("delivered without proof")
        expect(dispute.get_by_role("button", name="Accept")).to_have_count(0)
        for hidden in ("#rules", "#statements", "#settle-all", "#statement"):
            expect(page.locator(hidden)).to_be_hidden()
        cookies = {c["name"]: c["value"] for c in context.cookies()}
        with httpx.Client(base_url=server, cookies=cookies) as session:
            assert session.get(f"{API}/disputes?status=open").status_code == 200
            for method, path, body in (
                ("GET", "/pay-rules", None),
                ("GET", "/statements", None),
                (
                    "POST",
                    f"/disputes/{disputed.json()['id']}/resolve",
                    {"accepted": False, "resolution": "no"},
                ),
                (
                    "POST",
                    "/statements/settle-all",
                    {"period_start": WEEK[0], "period_end": WEEK[1]},
                ),
            ):
                response = session.request(method, f"{API}{path}", json=body)
                assert response.status_code == 403, (path, response.text)
        assert errors == []
    finally:
        context.close()
    # The admin's session does see the link.
    context, page, errors = staff_signed_in(
        browser, server, org_a.admin_email, org_a.admin_password
    )
    try:
        expect(page.get_by_role("link", name="Pay", exact=True)).to_be_visible()
        assert errors == []
    finally:
        context.close()
