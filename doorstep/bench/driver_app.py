"""``doorstep bench driver-app``: how soon the driver app's route screen is usable.

A real server (uvicorn, SQLite in a temporary folder) and Debian's Chromium through
Playwright at a phone's size: the driver opens their one-time sign-in link and the
clock runs until every stop of today's route is on the screen (the app's own
``performance.mark("route-drawn")``: from the start of the navigation, the redirect
included). Measured cold
(nothing cached) and warm (reloads: the service worker and the browser cache at work),
at full speed and with the CPU slowed four times (Chromium's CPU throttling, the usual
stand-in for a cheap phone). Also the app shell's size as transferred (gzip).

Playwright is a development dependency (``pip install -e '.[dev]'``); the bench says so
if it is missing, and names the browser it looked for.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from doorstep.bench.browser import CHROMIUM, served_in_browser
from doorstep.domain.principal import system
from doorstep.domain.roles import Role
from doorstep.schemas.accounts import UserCreate
from doorstep.schemas.fleet import DriverCreate
from doorstep.schemas.orders import OrderCreate
from doorstep.schemas.routes import RouteCreate, StopCreate
from doorstep.services import accounts, driver_app, orders, resources, routes
from doorstep.wiring import Runtime

PHONE = {"width": 390, "height": 844}
TARGET_MS = 1000
ZONE = "Europe/Helsinki"


def _seed(runtime: Runtime, stops: int, today: dt.date) -> tuple[uuid.UUID, uuid.UUID]:
    """An organisation, a driver with an account, and today's route of ``stops``."""
    with runtime.sessions.begin() as session:
        org, _, _ = accounts.create_organisation(
            session, "Bench Deliveries", "bench@example.com", timezone=ZONE
        )
        who = system(org.id)
        user = accounts.create_user(
            session,
            who,
            UserCreate(
                email="driver@example.com",
                name="Dana",
                role=Role.DRIVER,
                password="correct horse battery",
            ),
        )
        driver = resources.create(
            session, who, resources.DRIVERS, DriverCreate(name="Dana", user_id=user.id)
        )
        made = []
        for i in range(stops):
            data = OrderCreate.model_validate(
                {
                    "recipient": {"name": f"Recipient {i}", "phone": f"+35840{i:07d}"},
                    "address": f"Mannerheimintie {i + 1}, Helsinki",
                    "location": {"lat": 60.17 + i * 1e-4, "lon": 24.94},
                    "items": 1 + i % 3,
                    "instructions": "Leave at the door" if i % 4 == 0 else None,
                }
            )
            made.append(orders.create_order(session, who, data).order.id)
        routes.create_route(
            session,
            who,
            RouteCreate(
                name="Bench",
                date=today,
                driver_id=driver.id,
                stops=[StopCreate(order_id=order_id) for order_id in made],
            ),
        )
        return driver.id, org.id


def _shell_bytes(base: str) -> int:
    """The app shell as a phone downloads it: the page and its static files, gzipped."""
    with httpx.Client(base_url=base, headers={"Accept-Encoding": "gzip"}) as client:
        page = client.get("/driver")
        total = int(page.headers.get("content-length", len(page.content)))
        for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text):
            response = client.get(path)
            total += int(response.headers.get("content-length", len(response.content)))
    return total


def _usable_ms(page: Any, url: str, stops: int) -> float:
    page.goto(url)
    page.locator("#stops li").nth(stops - 1).wait_for(timeout=30000)
    # The app marks the moment it drew the route (the page's CSP forbids polling by eval).
    return float(page.evaluate("performance.getEntriesByName('route-drawn')[0].startTime"))


def _measure(
    browser: Any,
    runtime: Runtime,
    ids: tuple[uuid.UUID, uuid.UUID],
    base: str,
    stops: int,
    repeats: int,
    slowdown: float,
) -> dict[str, Any]:
    context = browser.new_context(base_url=base, viewport=PHONE)
    try:
        page = context.new_page()
        if slowdown > 1:
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": slowdown})
        with runtime.sessions.begin() as session:
            driver_id, org_id = ids
            token, _ = driver_app.sign_in_link(session, system(org_id), driver_id, _now())
        cold = _usable_ms(page, f"{base}/driver/link/{token}", stops)
        warm = sorted(_usable_ms(page, f"{base}/driver", stops) for _ in range(repeats))
        return {
            "cold_ms": round(cold),
            "warm_p50_ms": round(statistics.median(warm)),
            "warm_max_ms": round(warm[-1]),
        }
    finally:
        context.close()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def driver_app_bench(stops: int = 60, repeats: int = 5) -> dict[str, Any]:
    with served_in_browser("doorstep-bench-driver-") as world:
        ids = _seed(world.runtime, stops, _now().astimezone(ZoneInfo(ZONE)).date())
        shell = _shell_bytes(world.base)
        fast = _measure(world.browser, world.runtime, ids, world.base, stops, repeats, 1)
        slow = _measure(world.browser, world.runtime, ids, world.base, stops, repeats, 4)
        return {
            "route_screen_ms": fast["warm_p50_ms"],
            "target_ms": TARGET_MS,
            "full_speed": fast,
            "cpu_4x_slower": slow,
            "shell_kb": round(shell / 1024, 1),
            "stops": stops,
            "setup": {
                "backend": "sqlite",
                "browser": f"{CHROMIUM}, headless, {PHONE['width']}x{PHONE['height']}",
                "server": "uvicorn, same machine",
                "at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            },
        }
