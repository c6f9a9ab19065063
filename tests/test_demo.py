"""``doorstep demo`` drives a whole day into a real server through its public
interfaces: fixes over OsmAnd, the route's progress over the driver API, and live
ETAs back on the stops."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console
from sqlalchemy import create_engine, func, select

from doorstep.demo.run import DemoOptions, run
from doorstep.demo.seed import URGENT_JOBS, DemoWorld, clock_start
from doorstep.sim import ScenarioError
from doorstep.storage.tables import Order, OrderEvent, PingRow, Route, Stop
from tests.conftest import free_port


def _options(tmp_path: Path, **extra) -> DemoOptions:
    fields = {
        "data_dir": tmp_path / "demo",
        "port": free_port(),
        "osmand_port": free_port(),
        "speed": 3000.0,
        "vans": 2,
        "orders": 12,
        "plan_seconds": 2.0,
        "show": False,
        "stay": False,
    }
    return DemoOptions(**{**fields, **extra})


def test_a_fast_demo_day_is_driven_end_to_end(tmp_path):
    options = _options(tmp_path)
    out = io.StringIO()
    stats = asyncio.run(run(options, Console(file=out, width=120)))
    assert "API docs" in out.getvalue() and "/t/" in out.getvalue()
    assert f"http://{options.host}:{options.port}/track " in out.getvalue()
    assert "urgent orders came in after planning" in out.getvalue()
    assert stats.finished and stats.refused == 0
    total = sum(v.stops for v in stats.vans.values())
    assert total == 12 and stats.arrivals == 12 and stats.fixes > 100
    engine = create_engine(f"sqlite:///{options.data_dir / 'demo.db'}")
    with engine.connect() as conn:
        statuses = dict(
            conn.execute(select(Order.status, func.count()).group_by(Order.status)).all()
        )
        # Every planned order driven; the urgent ones wait for a dispatcher to insert.
        urgent = statuses.pop("created", 0)
        assert urgent == URGENT_JOBS
        assert set(statuses) <= {"delivered", "failed"} and sum(statuses.values()) == 12
        # Every acknowledged fix is stored, less those the pipeline dropped and said so
        # (the simulator may emit two at one instant, or a GPS jump).
        stored = conn.scalar(select(func.count()).select_from(PingRow))
        assert set(stats.dropped) <= {"duplicate", "implausible_jump"}, stats.dropped
        assert stored == stats.fixes - sum(stats.dropped.values())
        assert set(conn.scalars(select(Route.status))) == {"completed"}
        # The orders came in early on the demo day, whatever hour the test runs.
        first = conn.scalar(select(func.min(OrderEvent.at)))
        helsinki = ZoneInfo("Europe/Helsinki")
        first_local = first.replace(tzinfo=UTC).astimezone(helsinki)
        world = DemoWorld.from_json((options.data_dir / "demo-world.json").read_text())
        assert first_local.date() == world.day
        assert time(6, 30) <= first_local.time() < time(7, 40)
        # Live ETAs were published on the stops while the day ran.
        assert conn.scalar(select(func.count()).where(Stop.eta_computed_at.is_not(None))) > 0
    engine.dispose()
    assert stats.mean_eta_error_s is not None

    again = asyncio.run(run(_options(tmp_path, keep=True), Console(file=io.StringIO())))
    assert again.arrivals == 0  # kept: the day was already driven, nothing re-seeded


def test_a_bad_scenario_file_fails_before_anything_starts(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("gps:\n  interval_s: -5\n")
    with pytest.raises(ScenarioError, match="interval_s"):
        asyncio.run(run(_options(tmp_path, scenario=bad), Console(file=io.StringIO())))
    assert not (tmp_path / "demo" / "demo.db").exists()


def test_the_simulator_against_a_server_that_is_down_says_so_and_retries(
    tmp_path, monkeypatch, caplog
):
    import doorstep.demo.feeder as feeder_module
    from doorstep.demo.feeder import Feeder
    from doorstep.roads.straight_line import StraightLineProvider
    from doorstep.sim import builtin_scenario

    monkeypatch.setattr(feeder_module, "RETRY_PAUSE_S", 0.01)
    monkeypatch.setattr(feeder_module, "MAX_ATTEMPTS", 3)
    down = f"http://127.0.0.1:{free_port()}"
    feeder = Feeder(
        down,
        down,
        "dsk_x",
        [],
        StraightLineProvider(),
        builtin_scenario("default"),
        1,
        lambda: datetime.now(UTC),
    )
    with pytest.raises(RuntimeError, match="did not answer after 3 attempts"):
        asyncio.run(feeder._get("/api/v1/orders"))
    assert caplog.text.count("does not answer") == 3 and "retrying" in caplog.text


def test_an_urgent_order_inserted_while_the_day_runs_is_driven_to(tmp_path, monkeypatch):
    """As the welcome text invites: a dispatcher inserts an urgent order into a running
    route (the best option /dispatch/options gives); the simulated driver hears of it,
    drives there and delivers it (or fails, nobody home) like any planned stop."""
    import json

    import httpx

    import doorstep.demo.feeder as feeder_module

    monkeypatch.setattr(feeder_module, "CHANGES_EVERY_S", 0.2)
    options = _options(tmp_path, speed=1500.0)
    api = f"http://127.0.0.1:{options.port}/api/v1"
    world_file = options.data_dir / "demo-world.json"

    async def dispatcher() -> str:
        while not world_file.exists():
            await asyncio.sleep(0.1)
        key = json.loads(world_file.read_text())["admin_key"]
        headers = {"Authorization": f"Bearer {key}"}
        async with httpx.AsyncClient(base_url=api, headers=headers, timeout=10) as http:
            while True:  # until a route is under way, with stops still ahead
                try:
                    routes = (await http.get("/routes")).json()["items"]
                except (httpx.TransportError, KeyError, ValueError):
                    routes = []
                running = [r for r in routes if r["status"] == "in_progress"]
                if running:
                    break
                await asyncio.sleep(0.05)
            orders = (await http.get("/orders", params={"status": "created"})).json()["items"]
            urgent = orders[0]["id"]
            day = running[0]["date"]
            options_ = await http.post("/dispatch/options", json={"order_id": urgent, "date": day})
            assert options_.status_code == 200, options_.text
            ids = {r["id"] for r in running}
            best = next(o for o in options_.json()["options"] if o["route_id"] in ids)
            assigned = await http.post(
                "/dispatch/assign",
                json={
                    "order_id": urgent,
                    "route_id": best["route_id"],
                    "position": best["position"],
                    "allow_late": True,
                },
                headers={"If-Match": str(best["route_revision"])},
            )
            assert assigned.status_code == 200, assigned.text
            return urgent

    async def day() -> tuple[Any, str]:
        inserting = asyncio.create_task(dispatcher())
        stats = await run(options, Console(file=io.StringIO()))
        return stats, await inserting

    stats, urgent = asyncio.run(day())
    assert stats.finished and stats.refused == 0
    assert sum(v.stops for v in stats.vans.values()) == 13  # 12 planned, 1 inserted
    engine = create_engine(f"sqlite:///{options.data_dir / 'demo.db'}")
    with engine.connect() as conn:
        status = conn.scalar(select(Order.status).where(Order.id == uuid.UUID(urgent)))
        assert status in ("delivered", "failed")
        assert set(conn.scalars(select(Route.status))) == {"completed"}
    engine.dispose()


def test_the_demo_clock_starts_shortly_before_the_first_van_leaves():
    """The planner may start every route hours after the shifts begin; the demo must
    not show an empty map for the minutes that takes at its speed."""
    world = DemoWorld(
        "org", "Demo", "Europe/Helsinki", date(2026, 6, 1), "a@b.c", "pw", "key", (60.0, 25.0)
    )
    helsinki = ZoneInfo("Europe/Helsinki")
    late, later = (datetime(2026, 6, 1, h, 37, tzinfo=helsinki) for h in (10, 12))
    assert clock_start(world, [later, None, late]) == late - timedelta(minutes=10)
    # Nothing left to drive: the morning, as the day would have begun.
    assert clock_start(world, [None]) == datetime(2026, 6, 1, 7, 40, tzinfo=helsinki)
