"""The driver app in a real browser at a phone's size: a one-time sign-in link, today's
route, start, arrive, a signature drawn with the mouse and a photo from the file input,
delivered with proof; offline, a delivery waits on the phone and reaches the server
exactly once; the phone's positions arrive through the ping pipeline."""

from __future__ import annotations

import re
import time

import pytest
import segno
from PIL import Image

from doorstep.web import assets
from tests.conftest import add_driver, auth, create_order, org_today
from tests.web.conftest import API, DRIVER_PHONE, AnswerLater, HoldTheFirst, wait_until

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


@pytest.fixture
def unloaded(client, org_a):
    """Today's route of two orders, its parcels not yet scanned onto the van."""
    orders = [create_order(client, org_a.admin) for _ in range(2)]
    made = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": org_today().isoformat(),
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org_a.dispatcher),
    )
    assert made.status_code == 201, made.text
    return made.json(), orders


@pytest.fixture
def route(client, org_a, unloaded):
    """The same, loaded at the depot (the depot's scanner, through the API)."""
    made, orders = unloaded
    loaded = client.post(
        f"{API}/routes/{made['id']}/load-scans",
        json={"scans": [{"label": f"{o['tracking_code']}-1"} for o in orders]},
        headers=auth(org_a.dispatcher),
    )
    assert loaded.status_code == 200, loaded.text
    return made, orders


def link(client, org, driver_id=None) -> str:
    response = client.post(
        f"{API}/drivers/{driver_id or org.driver_id}/sign-in-link", headers=auth(org.dispatcher)
    )
    assert response.status_code == 201, response.text
    return response.json()["url"].split("/driver/", 1)[1]


def started_and_live(phone, server, client, org):
    """A phone signed in, its two-stop route started and the change stream open (the
    server subscribed before answering), so a change from dispatch reaches it."""
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org)}")
    page.get_by_role("button", name="Start route").click()
    expect(page.locator("#tracking")).to_be_visible()
    expect(page.locator("#stops li")).to_have_count(2)
    expect(page.locator("body")).to_have_attribute("data-live", "true", timeout=10000)
    return page


def wait_for_status(client, org, order_id: str, status: str, timeout_s: float = 15) -> bool:
    def found() -> bool:
        order = client.get(f"{API}/orders/{order_id}", headers=auth(org.admin)).json()
        return order["status"] == status

    return wait_until(found, timeout_s)


def route_order(client, org, made) -> list[str]:
    """The route's order ids in the order the server has them driven."""
    stops = client.get(f"{API}/routes/{made['id']}", headers=auth(org.admin)).json()["stops"]
    return [s["order_id"] for s in sorted(stops, key=lambda s: s["sequence"])]


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
    other = phone.browser.new_context(base_url=server, viewport=DRIVER_PHONE)
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


def test_loading_the_van_and_chatting_with_the_recipient(phone, server, client, org_a, unloaded):
    made, orders = unloaded
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#load")).to_be_visible()
    expect(page.locator("#parcels li")).to_have_count(2)
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
    connecting = HoldTheFirst()  # the chat's event stream, held while it connects
    page.route("**/chat/events*", connecting)
    page.locator("#stops button").first.click()
    page.locator("#chat summary").click()
    expect(page.locator("#chat-messages li")).to_have_text(["Ann: Gate code 4321"])
    # Written after the chat was read but before its stream is connected: shown once
    # it is (the stream sends only what comes after it).
    later = {"body": "The dog is friendly"}
    assert client.post(f"{API}/track/{orders[0]['tracking_code']}/chat", json=later).is_success
    assert connecting.wait(page)
    connecting.held[0].continue_()
    expect(page.locator("#chat-messages li")).to_have_text(
        ["Ann: Gate code 4321", "Ann: The dog is friendly"]
    )
    page.get_by_role("button", name="I'm outside").click()
    expect(page.locator("#chat-messages li")).to_have_count(3, timeout=10000)
    shown = client.get(f"{API}/track/{orders[0]['tracking_code']}/chat").json()["messages"]
    assert [m["body"] for m in shown] == ["Gate code 4321", "The dog is friendly", "I'm outside"]


def test_a_reading_of_the_route_from_before_the_drivers_own_edit_does_not_undo_it(
    phone_without_worker, server, client, org_a, route
):
    """The route read after 'Start route' is answered only after the driver has put the
    first stop off ('Do later'), and the put-off is still on its way: that answer,
    from before, once put the stop back first on the screen and alerted the driver to
    a route change they made themselves."""
    made, orders = route
    page = phone_without_worker.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.get_by_role("button", name="Start route")).to_be_visible()
    reading, later = AnswerLater(), HoldTheFirst()
    page.route("**/me/route", reading)
    page.route("**/later", later)
    page.get_by_role("button", name="Start route").click()
    assert reading.wait(page)  # the route read after the start was sent
    page.locator("#stops button").first.click()
    page.get_by_role("button", name="Do later").click()
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")
    assert later.wait(page)
    reading.release()
    page.wait_for_timeout(500)
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")
    first = made["stops"][1]["id"]
    expect(page.locator("#stops button").first).to_have_attribute("data-stop", first)
    later.held[0].continue_()  # the put-off reaches the server; the route is read again
    assert wait_until(lambda: route_order(client, org_a, made)[0] == orders[1]["id"], 10, page)
    page.wait_for_timeout(1000)
    expect(page.locator("#notice")).not_to_contain_text("changed")
    expect(page.locator("#stops button").first).to_have_attribute("data-stop", first)


def test_a_reading_of_the_route_while_the_drivers_own_edit_is_on_its_way_does_not_undo_it(
    phone_without_worker, server, client, org_a, route
):
    """The dispatcher renames the route while the driver's 'Do later' is still on its
    way: the route read on that change is asked after the edit but answered before the
    server has it, and once put the stop back first and alerted the driver to a change
    they made themselves. Once the edit is sent, the route read shows it, and no alert."""
    made, _orders = route
    page = started_and_live(phone_without_worker, server, client, org_a)
    later = HoldTheFirst()
    page.route("**/later", later)
    page.locator("#stops button").first.click()
    page.get_by_role("button", name="Do later").click()
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")
    assert later.wait(page), "the put-off never left the phone"
    first, second = (stop["id"] for stop in made["stops"])
    with page.expect_response("**/api/v1/me/route"):  # read on the change, answered
        renamed = client.patch(
            f"{API}/routes/{made['id']}",
            json={"name": "Morning, renamed"},
            headers=auth(org_a.dispatcher),
        )
        assert renamed.status_code == 200, renamed.text
    page.wait_for_timeout(300)  # the answer is in the page; nothing may come of it
    expect(page.locator("#stops button").first).to_have_attribute("data-stop", second)
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")
    with page.expect_response("**/api/v1/me/route"):  # the queue reads it once sent
        later.held[0].continue_()
    page.wait_for_timeout(300)
    expect(page.locator("#stops button").first).to_have_attribute("data-stop", second)
    expect(page.locator("#stops button").last).to_have_attribute("data-stop", first)
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")


def test_an_action_queued_while_another_is_sending_follows_it_at_once(
    phone_without_worker, server, client, org_a, unloaded
):
    """The phone sends its queue one action at a time. A parcel marked missing while the
    previous scan is still on its way goes straight after it, not at the next retry 15 s
    on (the flush that was running used to stop at the queue it had read when it began)."""
    made, orders = unloaded
    page = phone_without_worker.new_page()
    scans = HoldTheFirst()
    page.route("**/load-scans", scans)
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#parcels li")).to_have_count(2)
    first, second = (f"{o['tracking_code']}-1" for o in orders)
    page.get_by_label("Scan or type a parcel label").fill(first)
    page.get_by_role("button", name="Loaded").click()
    expect(page.locator("#pending")).to_have_text("1 waiting for network")
    assert scans.wait(page), "the first scan never left the phone"
    page.locator("#parcels li", has_text=second).get_by_role("button", name="Missing").click()
    expect(page.locator("#pending")).to_have_text("2 waiting for network")
    scans.held[0].continue_()
    expect(page.locator("#pending")).to_be_hidden(timeout=8000)
    status = client.get(f"{API}/routes/{made['id']}/load-status", headers=auth(org_a.admin))
    states = {p["label"]: p["state"] for p in status.json()["parcels"]}
    assert states == {first: "loaded", second: "missing"}


def test_a_request_that_stalls_is_given_up_and_sent_again(
    phone_without_worker, server, client, org_a, route
):
    """A phone between two cells can lose a request without an error: the answer never
    comes. The queue of actions used to wait for it until the browser gave up, minutes
    later, with every action behind it. Past its deadline (shortened here from 30 s) the
    request counts as offline, and the next try sends it again."""
    made, _ = route
    phone_without_worker.add_init_script("globalThis.DOORSTEP_REQUEST_DEADLINE_MS = 1500")
    page = phone_without_worker.new_page()
    lost = HoldTheFirst()  # the first start is never answered
    page.route("**/start", lost)
    page.goto(f"{server}/driver/{link(client, org_a)}")
    page.get_by_role("button", name="Start route").click()
    assert lost.wait(page), "the start never left the phone"
    expect(page.locator("#pending")).to_have_text("1 waiting for network")
    expect(page.locator("#pending")).to_be_hidden(timeout=25_000)
    assert len(lost.bodies) == 2
    shown = client.get(f"{API}/routes/{made['id']}", headers=auth(org_a.admin)).json()
    assert shown["status"] == "in_progress"


def _fix_times(body) -> list[str]:
    return [fix["time"] for fix in body]


def test_one_upload_of_the_phones_positions_at_a_time(
    phone_without_worker, server, client, org_a, route
):
    """On a slow network an upload of positions can outlast the send timer and the
    uploads asked for near the next stop: none starts while one is on its way (each
    used to send the same positions again), and the positions kept meanwhile follow
    it as soon as it is answered, not at the next tick of the timer."""
    page = phone_without_worker.new_page()
    uploads = HoldTheFirst()
    page.route("**/api/v1/pings", uploads)
    page.goto(f"{server}/driver/{link(client, org_a)}")
    page.get_by_role("button", name="Start route").click()
    expect(page.get_by_role("button", name="Start route")).to_be_hidden()
    assert uploads.wait(page), "the phone never sent its positions"
    # 12 s on the way: the 10 s timer ticks, and every position kept beside the stop
    # (one each 2 s) asks for an upload once 3 s have passed since the last began.
    for step in range(12):
        phone_without_worker.set_geolocation(
            {"latitude": 60.1699 + 0.00005 * (step + 1), "longitude": 24.9384}
        )
        page.wait_for_timeout(1000)
    bodies = uploads.bodies
    assert len(bodies) == 1, f"{len(bodies)} uploads at once"
    answered = time.monotonic()
    uploads.held[0].continue_()
    # At once, not at the timer's next tick (up to 10 s on): 5 s leaves a loaded
    # machine room while a wait for the tick would still be caught half the time.
    assert wait_until(lambda: len(bodies) >= 2, 5, page), (
        "the positions kept meanwhile did not follow"
    )
    assert uploads.sent_at[1] - answered < 5.0, "the next upload waited for the timer"
    first, second = set(_fix_times(bodies[0])), set(_fix_times(bodies[1]))
    assert first and second and not first & second, "a position was sent twice"


def test_a_backlog_of_positions_goes_out_batch_after_batch(
    phone_without_worker, server, client, org_a, route
):
    """A day without network leaves thousands of positions on the phone: once it is
    back they go out in batches of 500 one after another, not one batch per 10 s."""
    page = phone_without_worker.new_page()
    bodies: list = []

    def count(request_route) -> None:
        bodies.append(request_route.request.post_data_json)
        request_route.continue_()

    page.route("**/api/v1/pings", count)
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.get_by_role("button", name="Start route")).to_be_visible()
    page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open("doorstep-driver", 1);
            open.onsuccess = () => {
                const tx = open.result.transaction("fixes", "readwrite");
                const store = tx.objectStore("fixes");
                const start = Date.now() - 3600 * 1000;
                for (let i = 0; i < 1200; i++) {
                    store.add({
                        time: new Date(start + i * 3000).toISOString(),
                        lat: 60.16 + i * 0.00001,
                        lon: 24.93,
                        accuracy: 8,
                    });
                }
                tx.oncomplete = () => resolve();
                tx.onerror = () => reject(tx.error);
            };
            open.onerror = () => reject(open.error);
        })"""
    )
    page.get_by_role("button", name="Start route").click()
    sent = wait_until(lambda: sum(len(b) for b in bodies) >= 1200, 30, page)
    sizes = [len(b) for b in bodies]
    assert sent, sizes
    assert sizes[:2] == [500, 500] and sum(sizes) >= 1200, sizes
    times = [t for b in bodies for t in _fix_times(b)]
    assert len(times) == len(set(times)), "a position was sent twice"


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
    # The shell the worker keeps for offline starts holds every module the app imports.
    app = client.get(assets.url("js/driver.js")).text
    imported = re.findall(r'from "\./([\w.]+\.js)"', app)
    assert "chat_list.js" in imported
    for name in imported:
        assert assets.url(f"js/{name}") in worker.text, name


def test_do_later_and_a_failed_attempt_with_a_note(phone, server, client, org_a, route):
    made, orders = route
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    page.get_by_role("button", name="Start route").click()
    expect(page.get_by_role("button", name="Start route")).to_be_hidden()
    page.locator("#stops button").first.click()
    page.get_by_role("button", name="Do later").click()
    expect(page.locator("#notice")).to_have_text("Moved to the end of your stops.")
    # Shown at once, before the server's answer reloads the route.
    expect(page.locator("#stops button").first).to_have_attribute(
        "data-stop", made["stops"][1]["id"]
    )
    assert wait_until(lambda: route_order(client, org_a, made)[0] == orders[1]["id"], 10)
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
    expect(page.locator("#tracking")).to_be_hidden(timeout=10000)  # the route is over
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


def dispatch_removes_the_second_stop(page, client, org_a, made) -> None:
    """The dispatcher takes the route's second stop off it, and the phone hears at once
    (pushed, not polled: the app's fallback poll is two minutes away)."""
    removed = client.delete(
        f"{API}/routes/{made['id']}/stops/{made['stops'][1]['id']}",
        headers=auth(org_a.dispatcher),
    )
    assert removed.status_code == 200, removed.text
    expect(page.locator("#notice")).to_have_text(
        "Your route changed (stop removed): check the stops.", timeout=10000
    )


def test_the_dispatchers_change_reaches_the_phone_at_once(phone, server, client, org_a, route):
    made, _orders = route
    page = started_and_live(phone, server, client, org_a)
    dispatch_removes_the_second_stop(page, client, org_a, made)
    expect(page.locator("#stops li")).to_have_count(1)


def test_the_reason_for_a_change_comes_with_the_route_whichever_arrives_first(
    phone_without_worker, server, client, org_a, route
):
    """The phone may read the changed route before the change's event reaches it (here
    the event never does: the stream is cut, and the route is read again after the
    driver starts it); the driver is still told why it changed."""
    made, _orders = route
    page = phone_without_worker.new_page()
    page.route("**/me/route/events", lambda request_route: request_route.abort())
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#stops li")).to_have_count(2)
    removed = client.delete(
        f"{API}/routes/{made['id']}/stops/{made['stops'][1]['id']}",
        headers=auth(org_a.dispatcher),
    )
    assert removed.status_code == 200, removed.text
    page.get_by_role("button", name="Start route").click()
    expect(page.locator("#notice")).to_have_text(
        "Your route changed (stop removed): check the stops."
    )
    expect(page.locator("#stops li")).to_have_count(1)


def test_an_older_reading_of_the_route_answered_late_is_dropped(
    phone_without_worker, server, client, org_a, route
):
    """The route read before a change from dispatch, answered after the reading that
    followed it (a phone's network does that), must not put the old route back."""
    made, _orders = route
    page = phone_without_worker.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#stops li")).to_have_count(2)
    expect(page.locator("body")).to_have_attribute("data-live", "true", timeout=10000)
    reading = AnswerLater()  # the next reading is read now, answered later
    page.route("**/api/v1/me/route", reading)
    page.get_by_role("button", name="Start route").click()  # sent, then the route read
    assert reading.wait(page), "the route was not read after the start was sent"
    dispatch_removes_the_second_stop(page, client, org_a, made)
    expect(page.locator("#stops li")).to_have_count(1)
    reading.release()
    page.wait_for_timeout(1000)  # the old answer has arrived; nothing may come of it
    expect(page.locator("#stops li")).to_have_count(1)
    expect(page.locator("#notice")).to_have_text(
        "Your route changed (stop removed): check the stops."
    )


def test_a_route_the_phone_may_no_longer_read_says_why(phone, server, client, org_a, route):
    """Signed out meanwhile (here: the session's cookie is gone), a change from dispatch
    makes the phone read its route and be refused: the refusal is shown, not lost to a
    script error."""
    made, _orders = route
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#stops li")).to_have_count(2)
    expect(page.locator("body")).to_have_attribute("data-live", "true", timeout=10000)
    phone.clear_cookies()
    removed = client.delete(
        f"{API}/routes/{made['id']}/stops/{made['stops'][1]['id']}",
        headers=auth(org_a.dispatcher),
    )
    assert removed.status_code == 200, removed.text
    expect(page.locator("#notice.error")).to_be_visible(timeout=10000)
    assert page.locator("#notice").inner_text().strip()
    assert errors == []


def test_a_note_being_typed_survives_a_change_from_dispatch(phone, server, client, org_a, route):
    """The route is drawn again on every change from dispatch; the stop's forms are
    emptied only when a stop is opened, or the driver's half-typed note was lost."""
    made, _orders = route
    page = started_and_live(phone, server, client, org_a)
    page.locator("#stops button").first.click()
    page.get_by_label("Note").fill("Gate code did not work")
    dispatch_removes_the_second_stop(page, client, org_a, made)
    expect(page.get_by_label("Note")).to_have_value("Gate code did not work")
    page.get_by_role("button", name="All stops").click()
    page.locator("#stops button").first.click()
    expect(page.get_by_label("Note")).to_have_value("")  # opened again: a fresh form


def test_a_message_and_an_alert_from_dispatch_reach_the_phone(phone, server, client, org_a, route):
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#stops li")).to_have_count(2)
    url = f"{API}/drivers/{org_a.driver_id}/messages"
    sent = client.post(url, json={"body": "Gate code is 4411"}, headers=auth(org_a.dispatcher))
    assert sent.status_code == 201, sent.text
    # Sent before the stream opened: read with the messages on load (or pushed).
    page.reload()
    expect(page.locator("#message-list li")).to_have_count(1)
    expect(page.locator("body")).to_have_attribute("data-live", "true", timeout=10000)
    alert = {"body": "Road closed on Main St, take Mill Rd", "urgent": True}
    assert client.post(url, json=alert, headers=auth(org_a.dispatcher)).status_code == 201
    expect(page.locator("#notice")).to_have_text(
        "Alert from dispatch: Road closed on Main St, take Mill Rd", timeout=10000
    )
    expect(page.locator("#message-list li.urgent")).to_have_count(1)
    page.locator("#message-list li.urgent").get_by_role("button", name="Got it").click()
    expect(page.locator("#message-list li")).to_have_count(1)
    listed = client.get(url, headers=auth(org_a.viewer)).json()
    assert [m["read_at"] is not None for m in listed] == [True, False]


def test_a_hand_over_between_two_phones(phone, browser, server, client, org_a, route, db):
    _made, orders = route
    _bo_key, bo_id = add_driver(db, org_a, "Bo Colleague")
    label = f"{orders[0]['tracking_code']}-1"
    page = phone.new_page()
    page.goto(f"{server}/driver/{link(client, org_a)}")
    page.locator("#handover summary").click()
    page.get_by_label("Colleague", exact=True).select_option(label="Bo Colleague")
    page.get_by_label(label).check()
    page.get_by_label("Message to your colleague").fill("van swap")
    page.get_by_role("button", name="Hand over", exact=True).click()
    expect(page.locator("#notice")).to_contain_text("handed to Bo Colleague")

    other = browser.new_context(base_url=server, viewport=DRIVER_PHONE)
    try:
        bo = other.new_page()
        bo.goto(f"{server}/driver/{link(client, org_a, bo_id)}")
        expect(bo.locator("#incoming li")).to_have_count(1, timeout=10000)
        expect(bo.locator("#incoming li")).to_contain_text(f"{label} · from")
        expect(bo.locator("#incoming li")).to_contain_text("van swap")
        bo.get_by_role("button", name="Take them all").click()
        expect(bo.locator("#notice")).to_have_text("1 parcel(s) taken over.")
        expect(bo.locator("#incoming-box")).to_be_hidden(timeout=10000)
    finally:
        other.close()
    chain = client.get(f"{API}/parcels/{label}/custody", headers=auth(org_a.admin)).json()
    assert [e["kind"] for e in chain["events"]] == ["loaded", "handoff_out", "handoff_in"]
    assert chain["events"][1]["note"] == "van swap" and chain["verified"]


def test_a_parcel_label_scanned_from_a_photo(phone, server, client, org_a, unloaded, tmp_path):
    _made, orders = unloaded
    label = f"{orders[1]['tracking_code']}-1"
    picture = tmp_path / "label.png"
    segno.make_qr(label, error="m").save(str(picture), scale=8, border=4)
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#load")).to_be_visible()
    # The route's parcels are listed (read after the screen shows) before a scan can match.
    expect(page.locator("#parcels li")).to_have_count(2)
    page.get_by_label("Or scan from a photo of the label").set_input_files(str(picture))
    expect(page.locator("#notice")).to_have_text(f"{label} loaded.", timeout=15000)
    blank = tmp_path / "blank.png"
    Image.new("RGB", (400, 300), (255, 255, 255)).save(blank)
    page.get_by_label("Or scan from a photo of the label").set_input_files(str(blank))
    expect(page.locator("#notice")).to_contain_text("No barcode found in that photo")
    assert errors == []


# Labels zxing's first way (the photo as it is, hybrid binarizer) cannot read though they are
# clean and sharp: the first is read at half the size, the second only as a pure code. The CI
# failed once on such a label (about 1 in 40 at 8 px a module).
HARD_LABELS = ["WCV7V3F17XDA96HS-1", "4PR9J6F7VG9XS7JR-1"]


def test_a_photo_of_a_label_zxing_misses_at_its_own_size_is_read_another_way(
    phone, server, client, org_a, unloaded, tmp_path
):
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/driver/{link(client, org_a)}")
    expect(page.locator("#parcels li")).to_have_count(2)
    for label in HARD_LABELS:
        picture = tmp_path / f"{label}.png"
        segno.make_qr(label, error="m").save(str(picture), scale=8, border=4)
        page.get_by_label("Or scan from a photo of the label").set_input_files(str(picture))
        # Read, so told it is not this route's, not "no barcode found".
        expect(page.locator("#notice")).to_have_text(f"{label} is not a parcel of this route.")
    assert errors == []


def test_the_tracking_rate_follows_speed_and_the_next_stop(phone, server):
    page = phone.new_page()
    page.goto(f"{server}/driver")
    got = page.evaluate(
        """async (url) => {
            const m = await import(url);
            const at = (t, lat, speed) => ({ lat, lon: 24.94, t, speed });
            return {
                near: m.fixInterval(0, 120),
                moving: m.fixInterval(12, 3000),
                parked: m.fixInterval(0, 3000),
                unknown: m.fixInterval(null, null),
                parkedKeepsLess: m.keep(at(10000, 60.17, 0), at(0, 60.17, 0), 3000),
                movingKeeps: m.keep(at(6000, 60.1705, 12), at(0, 60.17, 12), 3000),
                farJumpKeeps: m.keep(at(1000, 60.18, 12), at(0, 60.17, 12), 3000),
            };
        }""",
        assets.url("js/tracking_rate.js"),
    )
    assert got == {
        "near": 2000,
        "moving": 5000,
        "parked": 30000,
        "unknown": 15000,
        "parkedKeepsLess": False,
        "movingKeeps": True,
        "farJumpKeeps": True,
    }
