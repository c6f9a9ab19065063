"""``doorstep demo``: the whole system working, with one command and nothing else to
install or start.

A fresh SQLite database in the demo's data folder (kept with ``--keep``), a demo
organisation with its planned day (``demo.seed``), the server (API on ``port``, the
OsmAnd port beside it, the live ETA worker and the periodic jobs) and the simulator
feeding it through those public interfaces (``demo.feeder``), all on one clock that
runs ``speed`` times faster than real time from just before the first van leaves.
The terminal shows the vans, the stops done, the on-time rate and the live ETAs'
error; Ctrl-C stops everything cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import uvicorn
from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from doorstep import clock
from doorstep.config import Settings, load_settings
from doorstep.demo.feeder import Feeder, FeedStats, RouteInfo
from doorstep.demo.seed import TIMEZONE, DemoWorld, Van, clock_start, day_start, seed_demo
from doorstep.sim import Scenario, builtin_scenario, load_scenario
from doorstep.storage.schema import migrate
from doorstep.wiring import Runtime, build_runtime

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from doorstep.storage.tables import Route

log = logging.getLogger("doorstep.demo")
SEEDED_AT = dt.time(6, 30)  # local: when the demo day's orders are in and planned


@dataclass(frozen=True)
class DemoOptions:
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    osmand_port: int = 5055
    speed: float = 20.0
    scenario: Path | None = None
    road_network: Path | None = None
    seed: int = 1
    orders: int = 150
    vans: int = 8
    keep: bool = False
    plan_seconds: float = 10.0
    show: bool = True  # the live terminal table; off in tests
    stay: bool = True  # keep serving once the day is over, until Ctrl-C


def demo_settings(options: DemoOptions) -> Settings:
    database = options.data_dir / "demo.db"
    return load_settings(
        data_dir=options.data_dir,
        database_url=f"sqlite:///{database}",
        road_network=options.road_network,
        redis_url=None,
        workers=True,
        # The links in the demo's SMS and emails (written to the log) open its pages.
        public_url=f"http://{options.host}:{options.port}",
    )


def prepare(options: DemoOptions) -> tuple[Runtime, DemoWorld | None]:
    """The runtime on the demo database; a new demo day unless ``keep`` finds one."""
    options.data_dir.mkdir(parents=True, exist_ok=True)
    database = options.data_dir / "demo.db"
    if not options.keep:
        for leftover in options.data_dir.glob("demo.db*"):
            leftover.unlink()
    runtime = build_runtime(demo_settings(options))
    migrate(runtime.engine)
    world_file = options.data_dir / "demo-world.json"
    if options.keep and database.exists() and world_file.exists():
        return runtime, DemoWorld.from_json(world_file.read_text())
    today = dt.datetime.now(ZoneInfo(TIMEZONE)).date()
    # The orders come in and the day is planned early that morning, not at whatever
    # hour the demo is started: the recipients' timelines begin before the vans leave.
    clock.use(clock.ScaledClock(day_start(today, TIMEZONE, SEEDED_AT), 1.0))
    try:
        world = seed_demo(
            runtime,
            day=today,
            orders_count=options.orders,
            vans=options.vans,
            seed=options.seed,
            plan_seconds=options.plan_seconds,
        )
    finally:
        clock.use(None)
    world_file.write_text(world.to_json())
    return runtime, world


def scenario_of(options: DemoOptions) -> Scenario:
    return load_scenario(options.scenario) if options.scenario else builtin_scenario("default")


async def run(options: DemoOptions, console: Console | None = None) -> FeedStats:
    """Until the day is over (and a little after), or cancelled."""
    out = console or Console()
    scenario = scenario_of(options)  # a bad file fails before anything starts
    runtime, world = await asyncio.to_thread(prepare, options)
    assert world is not None
    departures = await asyncio.to_thread(_departures, runtime, world)
    demo_clock = clock.ScaledClock(clock_start(world, departures), options.speed)
    clock.use(demo_clock)
    servers = _servers(runtime, options)
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    stats = FeedStats()
    try:
        await _ready(servers)
        _welcome(out, world, options)
        api = f"http://{options.host}:{options.port}"
        osmand = f"http://{options.host}:{options.osmand_port}"
        routes = [
            RouteInfo(route_id, van.vehicle_id, van.driver_key, van.device_identifier)
            for route_id, van in _routes_of(runtime, world, open_only=True)
        ]
        if not routes:  # --keep after the day was driven: just serve its data
            out.print("The demo day was already driven; serving its data. Ctrl-C stops it.")
            while options.stay and not any(task.done() for task in tasks):
                await asyncio.sleep(0.5)
            return stats
        names = {v.vehicle_id: (v.name, v.driver_name) for v in world.vans}
        feeder = Feeder(
            api,
            osmand,
            world.admin_key,
            routes,
            runtime.roads,
            scenario,
            options.seed,
            clock.now,
            stats,
        )
        listener = asyncio.create_task(_listen_etas(runtime, world, stats))
        counter = asyncio.create_task(_count_messages(runtime, stats))
        feeding = asyncio.create_task(feeder.run(names))
        with Live(
            _view(world, stats, demo_clock),
            console=out,
            refresh_per_second=2,
            transient=not options.show,
        ) as live:
            while not feeding.done() and not any(task.done() for task in tasks):
                if options.show:
                    live.update(_view(world, stats, demo_clock))
                await asyncio.sleep(0.5)
        listener.cancel()
        counter.cancel()
        if not feeding.done():
            feeding.cancel()
            return stats
        await feeding  # its error, if it failed
        if options.stay:
            rate = stats.on_time_rate
            out.print(
                "\nThe day is over"
                + (f" ({rate:.0%} of arrivals on time)" if rate is not None else "")
                + ". The server keeps running for you to look around; Ctrl-C stops it."
            )
            while not any(task.done() for task in tasks):
                await asyncio.sleep(0.5)
        return stats
    finally:
        for server in servers:
            server.should_exit = True
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 10)
        clock.use(None)
        runtime.close()


def _servers(runtime: Runtime, options: DemoOptions) -> list[uvicorn.Server]:
    from doorstep.api.app import create_app
    from doorstep.api.osmand_port import create_osmand_app

    def server(app: Any, port: int) -> uvicorn.Server:
        # uvicorn turns Ctrl-C into should_exit; the demo stops when a server does.
        # Open event streams (tracking pages) would hold the exit: cut after 3 s.
        config = uvicorn.Config(
            app,
            host=options.host,
            port=port,
            log_config=None,
            log_level="warning",
            timeout_graceful_shutdown=3,
        )
        return uvicorn.Server(config)

    return [
        server(create_app(runtime), options.port),
        server(create_osmand_app(runtime), options.osmand_port),
    ]


async def _ready(servers: list[uvicorn.Server]) -> None:
    for _ in range(300):
        if all(s.started for s in servers):
            return
        if any(s.should_exit for s in servers):
            break
        await asyncio.sleep(0.05)
    raise RuntimeError("the demo's server did not start (is the port taken? try --port)")


def _day_routes(session: Session, world: DemoWorld) -> Iterator[tuple[str, Route | None]]:
    """The day's routes by id (None: gone)."""
    from doorstep.storage.tables import Route

    for route_id in world.route_ids:
        yield route_id, session.get(Route, uuid.UUID(route_id))


def _departures(runtime: Runtime, world: DemoWorld) -> list[dt.datetime | None]:
    """The planned starts of the day's routes not yet driven."""
    with runtime.sessions() as session:
        return [
            route.planned_start
            for _, route in _day_routes(session, world)
            if route is not None and route.status == "planned"
        ]


def _routes_of(
    runtime: Runtime, world: DemoWorld, *, open_only: bool = False
) -> list[tuple[str, Van]]:
    """The day's routes with their vans (``open_only``: those not yet driven)."""
    by_vehicle = {v.vehicle_id: v for v in world.vans}
    with runtime.sessions() as session:
        found = []
        for route_id, route in _day_routes(session, world):
            if open_only and route is not None and route.status != "planned":
                continue
            if route is not None and route.vehicle_id is not None:
                van = by_vehicle.get(str(route.vehicle_id))
                if van is not None:
                    found.append((route_id, van))
        return found


async def _listen_etas(runtime: Runtime, world: DemoWorld, stats: FeedStats) -> None:
    """The last ETA Doorstep published for each stop, to score it on arrival."""
    sub = await runtime.bus.subscribe(world.org_id, ("eta",), backlog=100_000)
    try:
        async for event in sub:
            for stop in event.data.get("stops", []):
                stats.latest_eta[stop["stop_id"]] = dt.datetime.fromisoformat(stop["eta"])
    finally:
        await sub.close()


async def _count_messages(runtime: Runtime, stats: FeedStats) -> None:
    """Messages the outbox has sent so far (the demo's SMS and emails go to the log)."""
    from sqlalchemy import func, select

    from doorstep.storage.tables import OutboxMessage

    def count() -> dict[str, int]:
        with runtime.sessions() as session:
            rows = session.execute(
                select(OutboxMessage.channel, func.count())
                .where(OutboxMessage.status == "sent")
                .group_by(OutboxMessage.channel)
            ).all()
        return {channel: n for channel, n in rows}

    while True:
        with contextlib.suppress(Exception):
            stats.messages = await asyncio.to_thread(count)
        await asyncio.sleep(2)


def _welcome(out: Console, world: DemoWorld, options: DemoOptions) -> None:
    api = f"http://{options.host}:{options.port}"
    out.print(f"[bold]Doorstep demo[/bold]: {world.org_name}, {world.day} ({world.timezone})")
    out.print(
        f"  {world.planned_orders} orders planned on {len(world.route_ids)} routes"
        + (f", {world.unplanned_orders} left unplanned" if world.unplanned_orders else "")
        + f"; the day runs {options.speed:g}x faster than real time"
    )
    out.print(f"  Dashboard:  {api}/dashboard  (the fleet live on a map)")
    out.print(f"  Log in:     {world.admin_email} / {world.admin_password}")
    if world.urgent_orders:
        out.print(
            f"  Try:        {world.urgent_orders} urgent orders came in after planning: pick one"
            " under 'Urgent job' and insert it into a running route"
        )
    out.print(f"  Orders:     {api}/dashboard/orders   Reports: {api}/dashboard/reports")
    out.print(f"  API docs:   {api}/api/docs   (admin API key: {world.admin_key})")
    out.print(
        f"  Trackers:   OsmAnd / Traccar Client on http://{options.host}:{options.osmand_port}/"
    )
    out.print(f"  Customers:  {api}/track  (the tracking number form)")
    out.print("  Five customers' tracking pages (live map, ETA window, timeline):")
    for code in world.tracking_codes[:5]:
        out.print(f"    {api}/t/{code}")
    out.print("  Ctrl-C stops the demo.\n")


def _view(world: DemoWorld, stats: FeedStats, demo_clock: clock.ScaledClock) -> Group:
    now = demo_clock().astimezone(ZoneInfo(world.timezone))
    table = Table(title=f"{now:%H:%M} local  ·  {demo_clock.speed:g}x", expand=False)
    for column in ("Van", "Driver", "Status", "Stops", "Failed", "Late"):
        table.add_column(column)
    for van in stats.vans.values():
        table.add_row(
            van.name,
            van.driver,
            van.status,
            f"{van.done}/{van.stops}",
            str(van.failed),
            str(van.late),
        )
    done = sum(v.done for v in stats.vans.values())
    total = sum(v.stops for v in stats.vans.values())
    rate = stats.on_time_rate
    error = stats.mean_eta_error_s
    summary = Text(
        f"Stops {done}/{total}  ·  on time "
        + ("–" if rate is None else f"{rate:.0%}")
        + "  ·  mean ETA error "
        + ("–" if error is None else f"{error / 60:.1f} min")
        + f"  ·  fixes {stats.fixes}"
        + (f" ({sum(stats.dropped.values())} dropped)" if stats.dropped else "")
        + (f"  ·  refused {stats.refused}" if stats.refused else "")
        + f"  ·  SMS {stats.messages.get('sms', 0)}, emails {stats.messages.get('email', 0)}"
    )
    return Group(table, summary)


def clean(options: DemoOptions) -> None:
    """Remove the demo's data folder (``doorstep demo --reset``)."""
    shutil.rmtree(options.data_dir, ignore_errors=True)
