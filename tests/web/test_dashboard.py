"""The dispatcher's live map in a real browser: sign in, every vehicle in its status
colour, a marker that moves when a fix arrives, and a van turning late on the list."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from doorstep.bus import Event
from doorstep.storage.tables import Stop
from tests.api.test_fleet_live import _fix, _started_route, _van
from tests.web.conftest import API, staff_signed_in

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_the_fleet_moves_and_turns_late_on_the_dashboard(browser, server, client, org_a, db):
    van, token = _van(client, org_a)
    route, orders = _started_route(client, org_a, van)
    hard_stop = [  # 50 km/h to standing in two seconds: a harsh braking event
        {
            "time": (datetime.now(UTC) - timedelta(seconds=12 - i)).isoformat(),
            "lat": 60.1686 + i * 0.0001,
            "lon": 24.94,
            "speed": speed,
        }
        for i, speed in enumerate((14.0, 14.0, 4.0, 0.0))
    ]
    sent = client.post(f"{API}/pings", json=hard_stop, headers={"Authorization": f"Bearer {token}"})
    assert sent.status_code == 200, sent.text
    _fix(client, token, 60.1690, 24.9400)
    context, page, errors = staff_signed_in(
        browser, server, org_a.admin_email, org_a.admin_password
    )
    try:
        row = page.locator(f'#vehicles button[data-vehicle="{van["id"]}"]')
        expect(row).to_contain_text("Van 1 · On time · 0/2 stops")
        expect(page.locator('#exceptions li[data-kind^="harsh"]').first).to_contain_text("Van 1")
        marker = page.locator(f'.ds-marker[data-vehicle="{van["id"]}"]')
        expect(marker).to_have_attribute("data-lat", "60.169")

        _fix(client, token, 60.1712, 24.9431, ago_s=1)  # the van moves: pushed, not polled
        expect(marker).to_have_attribute("data-lat", "60.1712", timeout=5000)

        window_end = datetime.fromisoformat(orders[0]["window_end"])
        with db.sessions.begin() as session:
            stop = session.get(Stop, uuid.UUID(route["stops"][0]["id"]))
            assert stop is not None
            stop.eta, stop.late_risk = window_end + timedelta(minutes=25), 0.9
        db.bus.publish(Event(str(org_a.id), "eta.updated", {"route_id": route["id"]}))
        expect(row).to_contain_text("Late", timeout=5000)
        expect(marker).to_have_class(re.compile(r"\bst-late\b"))
        expect(page.locator("#counts")).to_contain_text("Late 1")
        late = page.locator('#exceptions li[data-kind="late"]')
        expect(late).to_contain_text("Late · Van 1", timeout=5000)
        expect(late).to_contain_text("by up to 25 min")
        expect(late).to_contain_text("→ Call the driver")

        row.click()
        expect(page.locator("#vehicle-status")).to_contain_text("by up to 25 min")
        expect(page.locator("#vehicle-facts")).to_contain_text("Driver Dana")
        expect(page.locator("#vehicle-next li")).to_have_count(2)
        expect(page.locator(".ds-marker.ds-stop-open")).to_have_count(2)
        harsh = page.locator('#vehicle-events li[data-kind^="harsh"]')
        expect(harsh.first).to_be_visible()
        expect(harsh.first).to_have_class("alert")
        # Replay: the day's track as a line, the harsh brake on it.
        page.get_by_role("button", name="Replay the day's track").click()
        expect(page.locator("#replay-facts")).to_contain_text("events on the map")
        expect(page.locator("path.ds-replay")).to_have_count(1)
        expect(page.locator(".ds-marker.ds-event-alert").first).to_be_attached()
        assert errors == []
    finally:
        context.close()


def test_the_dashboard_asks_for_a_sign_in_and_a_driver_is_refused(browser, server, client, org_a):
    context = browser.new_context(base_url=server)
    try:
        page = context.new_page()
        page.goto(f"{server}/dashboard")
        expect(page.locator("#signin")).to_be_visible()
        expect(page.locator("#live")).to_be_hidden()
    finally:
        context.close()
    refused = client.get(f"{API}/fleet/live", headers={"Authorization": f"Bearer {org_a.driver}"})
    assert refused.status_code == 403


def test_before_any_vehicle_has_a_position_the_map_shows_the_depots(browser, server, client, org_a):
    depot = client.post(
        f"{API}/depots",
        json={"name": "Tampere yard", "location": {"lat": 61.4978, "lon": 23.761}},
        headers={"Authorization": f"Bearer {org_a.admin}"},
    )
    assert depot.status_code == 201, depot.text
    _van(client, org_a)  # no fix yet: nothing else to show
    context, page, errors = staff_signed_in(
        browser, server, org_a.admin_email, org_a.admin_password
    )
    try:
        expect(page.locator("#vehicles button")).to_contain_text("no position yet")
        marker = page.locator(f'.ds-marker.ds-depot[data-id="depot-{depot.json()["id"]}"]')
        expect(marker).to_have_attribute("aria-label", "Depot · Tampere yard")
        expect(marker).to_be_in_viewport()
        assert errors == []
    finally:
        context.close()
