"""The driver app in a real browser at a phone's size: a one-time sign-in link, today's
route, start, arrive, a signature drawn with the mouse and a photo from the file input,
delivered with proof; offline, a delivery waits on the phone and reaches the server
exactly once; the phone's positions arrive through the ping pipeline."""

from __future__ import annotations

import re
import time

import pytest
from PIL import Image

from tests.conftest import auth, create_order
from tests.web.conftest import API

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def route(client, org_a):
    orders = [create_order(client, org_a.admin) for _ in range(2)]
    made = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": time.strftime("%Y-%m-%d"),
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org_a.dispatcher),
    )
    assert made.status_code == 201, made.text
    return made.json(), orders


@pytest.fixture
def phone(browser, server):
    context = browser.new_context(
        base_url=server,
        viewport=PHONE,
        geolocation={"latitude": 60.1699, "longitude": 24.9384},
        permissions=["geolocation"],
    )
    yield context
    context.close()


def link(client, org) -> str:
    response = client.post(
        f"{API}/drivers/{org.driver_id}/sign-in-link", headers=auth(org.dispatcher)
    )
    assert response.status_code == 201, response.text
    return response.json()["url"].split("/driver/", 1)[1]


def wait_for_status(client, org, order_id: str, status: str, timeout_s: float = 15) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = client.get(f"{API}/orders/{order_id}", headers=auth(org.admin)).json()["status"]
        if found == status:
            return True
        time.sleep(0.2)
    return False


def photo_file(tmp_path):
    path = tmp_path / "door.jpg"
    Image.new("RGB", (1200, 900), (30, 90, 150)).save(path, "JPEG")
    return str(path)


def test_sign_in_by_link_deliver_with_signature_and_photo(
    phone, server, client, org_a, route, db, tmp_path
):
    _, orders = route
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#stops li")).to_have_count(2)
    page.get_by_role("button", name="Start route").click()
    expect(page.get_by_role("button", name="Start route")).to_be_hidden()
    page.locator("#stops button").first.click()
    page.get_by_role("button", name="Arrived").click()
    page.locator("#signature").scroll_into_view_if_needed()
    pad = page.locator("#signature").bounding_box()
    assert pad is not None
    page.mouse.move(pad["x"] + 20, pad["y"] + 150)
    page.mouse.down()
    page.mouse.move(pad["x"] + 120, pad["y"] + 40, steps=8)
    page.mouse.move(pad["x"] + 260, pad["y"] + 160, steps=8)
    page.mouse.up()
    expect(page.locator("#signature")).to_have_attribute("data-signed", "yes")
    page.locator("#photo").set_input_files(photo_file(tmp_path))
    page.get_by_label("Received by").fill("Ann")
    page.get_by_role("button", name="Delivered", exact=True).click()
    expect(page.locator("#notice")).to_have_text("Delivered.")
    assert wait_for_status(client, org_a, orders[0]["id"], "delivered"), page.locator(
        "#notice"
    ).text_content()
    proofs = client.get(f"{API}/orders/{orders[0]['id']}/proofs", headers=auth(org_a.admin)).json()
    assert sorted(p["kind"] for p in proofs) == ["photo", "signature"]
    view = client.get(f"{API}/track/{orders[0]['tracking_code']}").json()
    assert view["proof"]["recipient_name"] == "Ann" and view["proof"]["photo_url"]
    # The phone's positions went down the ping pipeline as the driver's own tracker.
    deadline = time.monotonic() + 30
    seen = None
    while time.monotonic() < deadline and seen is None:
        devices = client.get(f"{API}/devices", headers=auth(org_a.admin)).json()["items"]
        app = [d for d in devices if d["protocol"] == "driver_app" and d["last_seen_at"]]
        seen = app[0] if app else None
        time.sleep(0.5)
    assert seen is not None, "no fix from the phone reached the pipeline"
    assert seen["driver_id"] == str(org_a.driver_id)
    assert errors == []


def test_a_used_link_does_not_sign_in_again(phone, server, client, org_a):
    token = link(client, org_a)
    page = phone.new_page()
    page.goto(f"{server}/driver/{token}")
    expect(page.locator("#day")).to_be_visible()
    other = phone.browser.new_context(base_url=server, viewport=PHONE)
    try:
        again = other.new_page()
        again.goto(f"{server}/driver/{token}")
        expect(again.get_by_text("expired or was already used")).to_be_visible()
        expect(again.locator("#signin")).to_be_visible()
    finally:
        other.close()


def test_a_delivery_taken_offline_reaches_the_server_once(phone, server, client, org_a, route):
    _, orders = route
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    page.get_by_role("button", name="Start route").click()
    expect(page.get_by_role("button", name="Start route")).to_be_hidden()
    expect(page.locator("#pending")).to_be_hidden(timeout=10000)
    phone.set_offline(True)
    page.locator("#stops button").nth(1).click()
    page.get_by_label("Received by").fill("Neighbour")
    page.get_by_role("button", name="Delivered", exact=True).click()
    expect(page.locator("#pending")).to_have_text("1 waiting for network")
    assert (
        client.get(f"{API}/orders/{orders[1]['id']}", headers=auth(org_a.admin)).json()["status"]
        == "out_for_delivery"
    )
    phone.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#pending")).to_be_hidden(timeout=10000)
    order = client.get(f"{API}/orders/{orders[1]['id']}", headers=auth(org_a.admin)).json()
    assert order["status"] == "delivered"
    events = client.get(f"{API}/orders/{orders[1]['id']}/events", headers=auth(org_a.admin))
    items = events.json()["items"] if isinstance(events.json(), dict) else events.json()
    assert [e["to_status"] for e in items].count("delivered") == 1


def test_loading_the_van_and_chatting_with_the_recipient(phone, server, client, org_a, route):
    made, orders = route
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#load")).to_be_visible()
    first = f"{orders[0]['tracking_code']}-1"
    page.get_by_label("Scan or type a parcel label").fill(first.lower())
    page.get_by_role("button", name="Loaded").click()
    expect(page.locator("#notice")).to_have_text(f"{first} loaded.")
    expect(page.locator("#load-count")).to_have_text("1 parcel(s) still to scan or mark missing")
    second = f"{orders[1]['tracking_code']}-1"
    page.locator("#parcels li", has_text=second).get_by_role("button", name="Missing").click()
    expect(page.locator("#load-count")).to_have_text(
        "Every parcel is on the van or marked missing."
    )
    page.get_by_label("Scan or type a parcel label").fill("NOT-A-PARCEL")
    page.get_by_role("button", name="Loaded").click()
    expect(page.locator("#notice")).to_contain_text("is not a parcel of this route")
    deadline = time.monotonic() + 10
    states: dict = {}
    while time.monotonic() < deadline:
        status = client.get(
            f"{API}/routes/{made['id']}/load-status", headers=auth(org_a.admin)
        ).json()
        states = {p["label"]: p["state"] for p in status["parcels"]}
        if "unscanned" not in states.values():
            break
        time.sleep(0.2)
    assert states[first] == "loaded"
    assert states[f"{orders[1]['tracking_code']}-1"] == "missing"

    recipient = client.post(
        f"{API}/track/{orders[0]['tracking_code']}/chat", json={"body": "Gate code 4321"}
    )
    assert recipient.status_code == 201
    page.locator("#stops button").first.click()
    page.locator("#chat summary").click()
    expect(page.locator("#chat-messages li")).to_have_text(["Ann: Gate code 4321"])
    page.get_by_role("button", name="I'm outside").click()
    expect(page.locator("#chat-messages li")).to_have_count(2, timeout=10000)
    shown = client.get(f"{API}/track/{orders[0]['tracking_code']}/chat").json()["messages"]
    assert [m["body"] for m in shown] == ["Gate code 4321", "I'm outside"]


def test_the_app_shell_is_light(client):
    html = client.get("/driver")
    assert html.status_code == 200
    total = len(html.content)
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html.text):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, path
        total += int(response.headers.get("content-length", len(response.content)))
    assert total <= 300 * 1024, total
    print(f"driver app shell: {total / 1024:.1f} KB")
    worker = client.get("/driver/sw.js")
    assert worker.status_code == 200 and "/static/" in worker.text


def test_do_later_and_a_failed_attempt_with_a_note(phone, server, client, org_a, route):
    made, orders = route
    client.post(
        f"{API}/routes/{made['id']}/load-scans",
        json={"scans": [{"label": f"{o['tracking_code']}-1"} for o in orders]},
        headers=auth(org_a.dispatcher),
    )
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    page.get_by_role("button", name="Start route").click()
    expect(page.get_by_role("button", name="Start route")).to_be_hidden()
    page.locator("#stops button").first.click()
    page.get_by_role("button", name="Do later").click()
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")
    deadline = time.monotonic() + 10
    first_now = None
    while time.monotonic() < deadline:
        stops = client.get(f"{API}/routes/{made['id']}", headers=auth(org_a.admin)).json()["stops"]
        first_now = sorted(stops, key=lambda s: s["sequence"])[0]["order_id"]
        if first_now == orders[1]["id"]:
            break
        time.sleep(0.2)
    assert first_now == orders[1]["id"]
    page.locator("#stops button").first.click()
    page.get_by_label("Note").fill("Dog barking, nobody came")
    page.get_by_role("button", name="Not delivered").click()
    assert wait_for_status(client, org_a, orders[1]["id"], "failed")
    events = client.get(f"{API}/orders/{orders[1]['id']}/events", headers=auth(org_a.admin)).json()
    items = events["items"] if isinstance(events, dict) else events
    assert items[-1]["data"]["note"] == "Dog barking, nobody came"
    # The last stop delivered: the day's summary, and the failed parcel to hand in.
    page.locator("#stops button").nth(1).click()
    page.get_by_role("button", name="Delivered", exact=True).click()
    assert wait_for_status(client, org_a, orders[0]["id"], "delivered")
    page.reload()
    expect(page.locator("#summary-text")).to_contain_text("1 delivered · 1 not delivered")
    returned = f"{orders[1]['tracking_code']}-1"
    row = page.locator("#returns li", has_text=returned)
    row.get_by_role("button", name="Handed in").click()
    expect(page.locator("#notice")).to_have_text(f"{returned} handed in.")
    deadline = time.monotonic() + 10
    kinds: list = []
    while time.monotonic() < deadline and "returned" not in kinds:
        chain = client.get(f"{API}/parcels/{returned}/custody", headers=auth(org_a.admin)).json()
        kinds = [e["kind"] for e in chain["events"]]
        time.sleep(0.2)
    assert kinds == ["loaded", "returned"]
