"""The driver app's Pay screen in a real browser at a phone's size: today's earnings as
the API prices them (a line without proof marked), a settled statement opened and one
of its lines disputed with a comment that reaches dispatch; an empty comment and a
refused dispute say why and create nothing; offline, the screen says it needs the
network and loads once the phone is back online."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from PIL import Image

from tests.conftest import auth, create_order, load_van, org_today
from tests.web.conftest import API

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

RATES = {"per_stop": "1.20", "per_parcel": "0.15", "per_failed_attempt": "0.60"}
COMMENT = "The customer signed on my phone, the proof did not upload"


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 150)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def worked(client, org_a):
    """A pay rule in force and today's route done: one delivery with a photo, one
    without proof (priced, as the rule says, but flagged)."""
    rule = client.post(
        f"{API}/pay-rules",
        json={"effective_from": "2020-01-01", "rates": {**RATES, "pay_unproven": True}},
        headers=auth(org_a.admin),
    )
    assert rule.status_code == 201, rule.text
    orders = [create_order(client, org_a.admin) for _ in range(2)]
    route = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": org_today().isoformat(),
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org_a.dispatcher),
    ).json()
    load_van(client, org_a, route["id"])
    me = auth(org_a.driver)
    base = f"{API}/routes/{route['id']}"
    assert client.post(f"{base}/start", json={}, headers=me).status_code == 200
    for i, stop in enumerate(route["stops"]):
        arrived = client.post(f"{base}/stops/{stop['id']}/arrive", json={}, headers=me)
        assert arrived.status_code == 200, arrived.text
        body: dict = {"outcome": "delivered"}
        if i == 0:
            proof = client.post(
                f"{base}/stops/{stop['id']}/proofs",
                data={"kind": "photo"},
                files={"file": ("door.jpg", photo(), "image/jpeg")},
                headers=me,
            )
            assert proof.status_code == 201, proof.text
            body["proof_ids"] = [proof.json()["id"]]
        done = client.post(f"{base}/stops/{stop['id']}/complete", json=body, headers=me)
        assert done.status_code == 200, done.text
    return route


@pytest.fixture
def statement(client, org_a, worked):
    """Today settled into a statement by the admin."""
    body = {
        "driver_id": str(org_a.driver_id),
        "period_start": org_today().isoformat(),
        "period_end": org_today().isoformat(),
    }
    settled = client.post(f"{API}/statements", json=body, headers=auth(org_a.admin))
    assert settled.status_code == 200, settled.text
    assert len(settled.json()["lines"]) >= 2
    return settled.json()


def signed_in(phone, server, client, org) -> tuple:
    """The driver app opened by the dispatcher's one-time link; uncaught script errors
    collected."""
    made = client.post(f"{API}/drivers/{org.driver_id}/sign-in-link", headers=auth(org.dispatcher))
    assert made.status_code == 201, made.text
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/driver/{made.json()['url'].split('/driver/', 1)[1]}")
    expect(page.locator("#day")).to_be_visible()
    return page, errors


def disputes(client, org) -> list[dict]:
    listed = client.get(f"{API}/disputes", headers=auth(org.admin))
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def test_todays_earnings_are_what_the_api_prices(phone, server, client, org_a, worked):
    earnings = client.get(f"{API}/me/earnings", headers=auth(org_a.driver)).json()
    assert Decimal(earnings["total"]) > 0 and len(earnings["lines"]) == 3
    page, errors = signed_in(phone, server, client, org_a)
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#pay")).to_be_visible()
    expect(page.locator("#day")).to_be_hidden()
    expect(page.locator("#earnings-total")).to_have_text(
        f"{earnings['total']} {earnings['currency']}"
    )
    expect(page.locator("#earnings-lines li")).to_have_count(len(earnings["lines"]))
    for line, row in zip(earnings["lines"], page.locator("#earnings-lines li").all(), strict=True):
        expect(row).to_contain_text(line["description"])
        expect(row).to_contain_text(f"{line['amount']} {earnings['currency']}")
    # The delivery without proof is marked, in words as well as colour.
    flagged = page.locator("#earnings-lines li.flagged")
    expect(flagged).to_have_count(1)
    expect(flagged).to_contain_text("Check: delivered without proof")
    expect(page.locator("#earnings-note")).to_have_text(earnings["note"])
    expect(page.locator("#no-statements")).to_be_visible()
    # Back to the route, as from a stop.
    page.get_by_role("button", name="← Today").click()
    expect(page.locator("#day")).to_be_visible()
    expect(page.locator("#pay")).to_be_hidden()
    assert errors == []


def test_a_statement_line_is_disputed_with_a_comment(phone, server, client, org_a, statement):
    page, errors = signed_in(phone, server, client, org_a)
    page.get_by_role("button", name="Pay", exact=True).click()
    row = page.locator(f'#statements button[data-statement="{statement["id"]}"]')
    expect(row).to_contain_text(f"{statement['total']} {statement['currency']}")
    expect(row).to_contain_text("Draft")
    row.click()
    expect(page.locator("#statement")).to_be_visible()
    expect(page.locator("#statement-total")).to_have_text(
        f"{statement['total']} {statement['currency']}"
    )
    expect(page.locator("#statement-lines li")).to_have_count(len(statement["lines"]))
    pdf = page.get_by_role("link", name="Save as PDF")
    expect(pdf).to_have_attribute("href", f"/me/statements/{statement['id']}.pdf")
    printed = page.request.get(f"{server}/me/statements/{statement['id']}.pdf")  # the session
    assert printed.ok and printed.body().startswith(b"%PDF-")
    unproven = next(line for line in statement["lines"] if line["flag"])
    position = unproven["position"]

    # An empty comment: said plainly, nothing sent.
    page.get_by_role("button", name=f"Dispute line {position + 1}").click()
    expect(page.get_by_label("Which line")).to_have_value(str(position))
    page.get_by_label("What is wrong").fill("   ")
    page.get_by_role("button", name="Send to dispatch").click()
    expect(page.locator("#dispute-status")).to_have_text(
        "Write what is wrong before sending: the comment is empty."
    )
    assert disputes(client, org_a) == []

    page.get_by_label("What is wrong").fill(COMMENT)
    page.get_by_role("button", name="Send to dispatch").click()
    expect(page.locator("#dispute-status")).to_have_text(
        f"Sent to dispatch: your dispute of line {position + 1}."
    )
    expect(page.get_by_label("What is wrong")).to_have_value("")
    listed = disputes(client, org_a)
    assert [(d["line_position"], d["comment"], d["status"]) for d in listed] == [
        (position, COMMENT, "open")
    ]
    assert listed[0]["statement_id"] == statement["id"]
    assert listed[0]["line"]["flag"] == "delivered without proof"

    # Dispatch answers; back on the Pay screen the driver reads the answer.
    answered = client.post(
        f"{API}/disputes/{listed[0]['id']}/resolve",
        json={"accepted": True, "resolution": "Signed on paper: paid next week", "amount": "1.20"},
        headers=auth(org_a.admin),
    )
    assert answered.status_code == 200, answered.text
    page.get_by_role("button", name="← All statements").click()
    mine = page.locator(f'#my-disputes li[data-dispute="{listed[0]["id"]}"]')
    expect(mine).to_contain_text(f"Accepted: line {position + 1}")
    expect(mine).to_contain_text(COMMENT)
    expect(mine).to_contain_text("Answer: Signed on paper: paid next week")
    assert errors == []


def test_a_refused_dispute_shows_the_apis_reason(
    phone_without_worker, server, client, org_a, statement
):
    """The API's own message reaches the driver: here the line asked for has gone (the
    request is altered on its way, as if the statement had changed under the phone)."""
    page, errors = signed_in(phone_without_worker, server, client, org_a)

    def to_line_99(route):
        body = json.loads(route.request.post_data or "{}")
        route.continue_(post_data=json.dumps({**body, "line": 99}))

    page.route("**/api/v1/me/statements/*/disputes", to_line_99)
    page.get_by_role("button", name="Pay", exact=True).click()
    page.locator(f'#statements button[data-statement="{statement["id"]}"]').click()
    page.get_by_label("Which line").select_option("0")
    page.get_by_label("What is wrong").fill("Wrong rate")
    page.get_by_role("button", name="Send to dispatch").click()
    status = page.locator("#dispute-status")
    expect(status).to_contain_text("the statement has no line 99")
    expect(status).to_have_class("notice error")
    expect(page.get_by_label("What is wrong")).to_have_value("Wrong rate")  # kept to retry
    assert disputes(client, org_a) == []
    assert errors == []


def test_the_whole_statement_can_be_disputed(phone, server, client, org_a, statement):
    page, errors = signed_in(phone, server, client, org_a)
    page.get_by_role("button", name="Pay", exact=True).click()
    page.locator(f'#statements button[data-statement="{statement["id"]}"]').click()
    expect(page.get_by_label("Which line")).to_have_value("")
    page.get_by_label("What is wrong").fill("Hours are missing")
    page.get_by_role("button", name="Send to dispatch").click()
    expect(page.locator("#dispute-status")).to_have_text(
        "Sent to dispatch: your dispute of the whole statement."
    )
    listed = disputes(client, org_a)
    assert [(d["line_position"], d["comment"]) for d in listed] == [(None, "Hours are missing")]
    # Back to the list of statements.
    page.get_by_role("button", name="← All statements").click()
    expect(page.locator("#statements li")).to_have_count(1)
    expect(page.locator("#statement")).to_be_hidden()
    assert errors == []


def test_offline_the_pay_screen_says_it_needs_the_network(phone, server, client, org_a, worked):
    page, errors = signed_in(phone, server, client, org_a)
    phone.set_offline(True)
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#pay-status")).to_have_text(
        "Offline: pay needs the network. Try again when you have signal."
    )
    expect(page.locator("#pay-home")).to_be_hidden()
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pay-home")).to_be_visible()
    expect(page.locator("#pay-status")).to_be_hidden()
    earnings = client.get(f"{API}/me/earnings", headers=auth(org_a.driver)).json()
    expect(page.locator("#earnings-total")).to_have_text(
        f"{earnings['total']} {earnings['currency']}"
    )
    assert errors == []
