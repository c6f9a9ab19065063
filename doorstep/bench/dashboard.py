"""``doorstep bench dashboard``: the live map with a whole fleet moving.

``vehicles`` trackers each send a fix every ``every_s`` seconds (spread evenly, each
through ``POST /api/v1/pings`` with its own token, from a separate process) to a real
server (uvicorn, SQLite) while the dashboard is open in Debian's Chromium. The page
records, for each fix it draws, the time from the fix's own timestamp (taken by the
sender just before sending) to the marker being moved: ingest, pipeline, bus, the
event stream and the page together. The server's CPU is its process's CPU time over
the run (the sender and the browser are other processes).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
import statistics
import time
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from doorstep.bench.browser import CHROMIUM, served_in_browser
from doorstep.domain.principal import system
from doorstep.schemas.fleet import DeviceCreate, VehicleCreate
from doorstep.services import accounts, resources
from doorstep.services.devices import create_device
from doorstep.wiring import Runtime

ZONE = "Europe/Helsinki"
EMAIL, PASSWORD = "dispatch@example.com", "correct horse battery"
# Vans spread over central Helsinki, each driving east-west on its own line.
ORIGIN = (60.16, 24.90)


def _seed(runtime: Runtime, vehicles: int) -> list[str]:
    with runtime.sessions.begin() as session:
        org, _, _ = accounts.create_organisation(
            session, "Bench Fleet", EMAIL, admin_password=PASSWORD, timezone=ZONE
        )
        who = system(org.id)
        tokens = []
        for i in range(vehicles):
            vehicle = resources.create(
                session, who, resources.VEHICLES, VehicleCreate(name=f"Van {i + 1:03d}")
            )
            _, token = create_device(
                session, who, DeviceCreate(name=f"Van {i + 1:03d}", vehicle_id=vehicle.id)
            )
            tokens.append(token)
        return tokens


def _position(i: int, step: int) -> tuple[float, float]:
    row, col = divmod(i, 25)
    return ORIGIN[0] + row * 0.002, ORIGIN[1] + col * 0.004 + step * 0.0002


def _send(base: str, tokens: list[str], every_s: float, rounds: int) -> None:
    """One fix per tracker per round, the trackers spread evenly over the round."""
    gap = every_s / len(tokens)
    start = time.monotonic()
    with httpx.Client(base_url=base, timeout=10) as client:
        for step in range(rounds):
            for i, token in enumerate(tokens):
                due = start + step * every_s + i * gap
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                lat, lon = _position(i, step)
                fix = {
                    "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
                    "lat": lat,
                    "lon": lon,
                    "speed": 8.0,
                    "heading": 90.0,
                }
                client.post(
                    "/api/v1/pings", json=[fix], headers={"Authorization": f"Bearer {token}"}
                )


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def dashboard_bench(vehicles: int = 500, every_s: float = 5.0, rounds: int = 12) -> dict[str, Any]:
    with served_in_browser("doorstep-bench-dashboard-") as world:
        tokens = _seed(world.runtime, vehicles)
        _send(world.base, tokens, 1.0, 1)  # every van has a first position
        page = world.browser.new_page(viewport={"width": 1280, "height": 800})
        page.add_init_script("window.__doorstepFixDelays = [];")
        page.goto(f"{world.base}/dashboard")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.locator("#vehicles li").nth(vehicles - 1).wait_for(timeout=60000)
        time.sleep(1.0)
        page.evaluate("window.__doorstepFixDelays.length = 0")
        cpu, wall = _cpu_s(), time.monotonic()
        sender = multiprocessing.get_context("spawn").Process(
            target=_send, args=(world.base, tokens, every_s, rounds)
        )
        sender.start()
        sender.join()
        time.sleep(2.0)  # the last fixes drawn
        cores = (_cpu_s() - cpu) / (time.monotonic() - wall)
        delays = sorted(page.evaluate("window.__doorstepFixDelays"))
    p95 = round(delays[int(0.95 * (len(delays) - 1))]) if delays else None
    return {
        "fix_to_marker_p95_ms": p95,
        "fix_to_marker_p50_ms": round(statistics.median(delays)) if delays else None,
        "fix_to_marker_max_ms": round(delays[-1]) if delays else None,
        "server_cpu_cores": round(cores, 2),
        "fixes_sent": vehicles * rounds,
        "fixes_drawn": len(delays),
        "vehicles": vehicles,
        "every_s": every_s,
        "targets": {"fix_to_marker_p95_ms": 1000, "server_cpu_cores": 1.0},
        "setup": {
            "backend": "sqlite",
            "sender": "one process, POST /api/v1/pings, one fix per request",
            "browser": f"{CHROMIUM}, headless, 1280x800",
            "at": dt.datetime.now(ZoneInfo(ZONE)).isoformat(timespec="seconds"),
        },
    }
