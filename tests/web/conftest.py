"""Fixtures of the recipient pages' tests: a planned route whose last stop is the
recipient we follow, the app served by a real uvicorn (browsers and event streams
need TCP), and Debian's Chromium driven by Playwright's sync API (no pytest plugin,
so nothing here touches an asyncio loop of another test).

Browser tests skip, saying why, where ``/usr/bin/chromium`` (or
``DOORSTEP_CHROMIUM``) is missing; ``DOORSTEP_REQUIRE_BROWSER=1`` makes that a failure.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any

import pytest

from doorstep.api.track_limits import TrackGuard
from doorstep.bus import Event
from doorstep.storage.tables import Route, Stop
from tests.conftest import ORG_ZONE, Org, auth, create_order, load_van, org_today

API = "/api/v1"
CHROMIUM = Path(os.environ.get("DOORSTEP_CHROMIUM", "/usr/bin/chromium"))
REQUIRE_BROWSER = os.environ.get("DOORSTEP_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Inside the Helsinki extract the runtime's embedded road network is built from.
DEPOT = (60.1660, 24.9380)
HOMES = [(60.1680, 24.9410), (60.1700, 24.9440), (60.1720, 24.9470)]
# The van on its way, between the first and the second recipient.
VAN = (60.168912, 24.942518)
VAN_LATER = (60.170813, 24.945127)
# A van far from this recipient (and from every road the page's map loads).
VAN_FAR = (60.158731, 24.901642)


@pytest.fixture(autouse=True)
def generous_limits(client):
    """Pages and the API look codes up many times; the limit has its own test."""
    client.app.state.track_guard = TrackGuard(burst=10_000, per_minute=60_000)


@dataclass
class Day:
    route: str
    stops: list[str]
    orders: list[dict[str, Any]]
    token: str
    org: Org

    @property
    def code(self) -> str:
        return str(self.orders[-1]["tracking_code"])

    @property
    def order_id(self) -> str:
        return str(self.orders[-1]["id"])


def post(client, key: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(API + path, json=body or {}, headers=auth(key))
    assert response.status_code in (200, 201), (path, response.text)
    return dict(response.json())


def _line(points: list[tuple[float, float]], steps: int = 8) -> list[list[float]]:
    line: list[list[float]] = []
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        for i in range(steps):
            f = i / steps
            line.append([lat1 + (lat2 - lat1) * f, lon1 + (lon2 - lon1) * f])
    line.append(list(points[-1]))
    return line


@pytest.fixture
def day(client, org_a, db) -> Day:
    """Three orders on one route of the organisation's own driver (whose API key the
    driver app uses), a van with a tracker, the road geometry drawn."""
    key = org_a.admin
    vehicle = post(client, key, "/vehicles", {"name": "Van 7", "plate": "ABC-123"})
    device = post(
        client,
        key,
        "/devices",
        {"name": "Van 7 phone", "identifier": uuid.uuid4().hex, "vehicle_id": vehicle["id"]},
    )
    # Promised today 10:00-15:00 in Helsinki, so the tests' ETAs at 14:20 are on time
    # and at 15:40 late, whatever day the suite runs.
    today = org_today()
    orders = [
        create_order(
            client,
            key,
            window_start=datetime.combine(today, dt_time(10), ORG_ZONE).isoformat(),
            window_end=datetime.combine(today, dt_time(15), ORG_ZONE).isoformat(),
            recipient={"name": f"Person{i} Surname{i}", "phone": f"+358 40 111000{i}"},
            address=f"Street {i}, Helsinki",
            postcode=f"0010{i}",
            location={"lat": lat, "lon": lon},
        )
        for i, (lat, lon) in enumerate(HOMES)
    ]
    route = post(
        client,
        key,
        "/routes",
        {
            "name": "Morning",
            "date": today.isoformat(),
            "driver_id": str(org_a.driver_id),
            "vehicle_id": vehicle["id"],
            "stops": [{"order_id": o["id"]} for o in orders],
        },
    )
    with db.sessions.begin() as session:
        row = session.get(Route, uuid.UUID(route["id"]))
        assert row is not None
        row.geometry = _line([DEPOT, *HOMES])
    return Day(route["id"], [s["id"] for s in route["stops"]], orders, device["token"], org_a)


def set_eta(db, day: Day, *, away: int | None, eta: datetime | None) -> None:
    """What the ETA worker writes on the followed stop, and its announcement."""
    with db.sessions.begin() as session:
        stop = session.get(Stop, uuid.UUID(day.stops[-1]))
        assert stop is not None
        stop.stops_away = away
        stop.eta = eta
        stop.eta_earliest = eta and eta - timedelta(minutes=10)
        stop.eta_latest = eta and eta + timedelta(minutes=15)
        stop.eta_stale = False
    db.bus.publish(Event(str(day.org.id), "eta.updated", {"route_id": day.route}))


def ping(client, day: Day, where: tuple[float, float], ago_s: float = 5) -> None:
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=ago_s)
    fix = {"time": at.isoformat(), "lat": where[0], "lon": where[1], "speed": 5, "accuracy": 5}
    response = client.post(f"{API}/pings", json=[fix], headers=auth(day.token))
    assert response.status_code == 200 and response.json()["accepted"] == 1, response.text


def start(client, day: Day) -> None:
    load_van(client, day.org, day.route)
    post(client, day.org.driver, f"/routes/{day.route}/start")


def deliver(client, day: Day, index: int = -1, **body: Any) -> None:
    """The driver arrives and completes a stop with their own key."""
    stop = f"/routes/{day.route}/stops/{day.stops[index]}"
    post(client, day.org.driver, f"{stop}/arrive")
    post(client, day.org.driver, f"{stop}/complete", {"outcome": "delivered", **body})


def need_chromium() -> None:
    """Skip without Chromium, or fail where CI asks for the browser tests."""
    if not CHROMIUM.exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser, server) -> Iterator[Any]:
    """A phone-sized browser window that may reach only the test server (map tiles and
    anything else outside are refused)."""
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
    ctx.route(
        lambda url: not url.startswith(server) and not url.startswith(("data:", "blob:")),
        lambda route: route.abort(),
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


DRIVER_PHONE = {"width": 390, "height": 844}


def driver_phone(browser: Any, server: str, *, service_workers: str = "allow") -> Any:
    """The driver app's phone: a browser context at the server, located in Helsinki.
    ``service_workers="block"`` for a test that alters requests on their way: a request
    the app's worker fetches is not seen by Playwright's routing, so whether the
    alteration happens would depend on whether the worker controls the page yet
    (Playwright's advice: block service workers where requests are routed)."""
    return browser.new_context(
        base_url=server,
        viewport=DRIVER_PHONE,
        geolocation={"latitude": 60.1699, "longitude": 24.9384},
        permissions=["geolocation"],
        service_workers=service_workers,
    )


@pytest.fixture
def phone(browser, server) -> Iterator[Any]:
    context = driver_phone(browser, server)
    yield context
    context.close()


@pytest.fixture
def phone_without_worker(browser, server) -> Iterator[Any]:
    """The phone for a test that routes the app's requests (see ``driver_phone``)."""
    context = driver_phone(browser, server, service_workers="block")
    yield context
    context.close()


def staff_signed_in(browser: Any, server: str, email: str, password: str) -> tuple:
    """(context, page, script errors) of a staff member signed in on the dashboard;
    requests off the server are refused, as the closed network here would."""
    from playwright.sync_api import expect

    context = browser.new_context(base_url=server, viewport={"width": 1400, "height": 900})
    context.route(
        lambda url: not url.startswith(server) and not url.startswith(("data:", "blob:")),
        lambda route: route.abort(),
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/dashboard")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#who")).not_to_be_empty()
    return context, page, errors


@pytest.fixture
def js_errors() -> list[str]:
    return []


@pytest.fixture
def page(context, js_errors) -> Any:
    """A page whose uncaught script errors land in ``js_errors``."""
    page = context.new_page()
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    return page


def wait_until(predicate, timeout_s: float = 15, page=None) -> bool:
    """Whether ``predicate`` came true within ``timeout_s``. Given the page, it waits
    through Playwright, so the test's route handlers keep being called meanwhile."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        if page is None:
            time.sleep(0.2)
        else:
            page.wait_for_timeout(50)
    return True


class HoldTheFirst:
    """A route handler for Playwright that holds the first matching request on its way
    (a slow network) and lets the others through, noting when each left the phone."""

    def __init__(self) -> None:
        self.held: list = []
        self.bodies: list = []
        self.sent_at: list[float] = []

    def __call__(self, request_route) -> None:
        self.bodies.append(request_route.request.post_data_json)
        self.sent_at.append(time.monotonic())
        if self.held:
            request_route.continue_()
        else:
            self.held.append(request_route)

    def wait(self, page) -> bool:
        return wait_until(lambda: bool(self.held), 15, page)


class AnswerLater(HoldTheFirst):
    """A route handler for Playwright that asks the server at once for the first
    matching request but gives the answer to the phone only on ``release``: an answer
    from before whatever happens on the phone meanwhile. The others go through."""

    def __call__(self, request_route) -> None:
        if self.held:
            request_route.continue_()
        else:
            self.held.append((request_route, request_route.fetch()))

    def release(self) -> None:
        request_route, response = self.held[0]
        request_route.fulfill(response=response)
