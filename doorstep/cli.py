"""The ``doorstep`` command. Every failure a user can cause ends in one readable line
on stderr and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from doorstep.config import ConfigError, Settings, load_settings
from doorstep.domain.errors import DoorstepError, InvalidInput
from doorstep.domain.principal import system
from doorstep.storage.db import DatabaseUnavailable, describe
from doorstep.wiring import BusUnavailable, Runtime, build_runtime

app = typer.Typer(
    help="Doorstep: self-hostable last-mile delivery tracking.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
org_app = typer.Typer(help="Organisations.", no_args_is_help=True)
import_app = typer.Typer(help="Bulk imports.", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(import_app, name="import")
bench_app = typer.Typer(
    help="Benchmarks: fixed seeds, a JSON object on the last line with --json.",
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")
# Seconds open requests (event streams) get at shutdown before they are cut.
SHUTDOWN_GRACE_S = 3


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"doorstep: error: {message}", err=True)
    raise typer.Exit(code)


def _report(report: dict[str, Any], as_json: bool) -> None:
    """A benchmark's report: one JSON line with --json (the last line, for machines),
    else indented for people."""
    if as_json:
        typer.echo(json.dumps(report, separators=(",", ":"), default=str))
    else:
        typer.echo(json.dumps(report, indent=2, default=str))


@contextmanager
def runtime_or_fail(need_current_schema: bool = True) -> Iterator[Runtime]:
    try:
        settings = load_settings()
        runtime = build_runtime(settings)
    except ConfigError as exc:
        fail(f"configuration: {exc}")
    except BusUnavailable as exc:
        fail(str(exc))
    except (SQLAlchemyError, OSError) as exc:
        fail(f"cannot open the database: {exc}")
    try:
        if need_current_schema:
            _require_current_schema(runtime)
        yield runtime
    except DatabaseUnavailable as exc:
        fail(str(exc))
    except SQLAlchemyError as exc:
        orig = getattr(exc, "orig", None) or exc
        fail(f"database error at {describe(runtime.engine.url)}: {str(orig).splitlines()[0]}")
    finally:
        runtime.close()


def _require_current_schema(runtime: Runtime) -> None:
    from doorstep.storage.schema import schema_state

    problem = schema_state(runtime.engine).problem()
    if problem:
        raise DatabaseUnavailable(problem)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (safe to run again)."""
    from doorstep.storage.schema import migrate as run_migrations

    with runtime_or_fail(need_current_schema=False) as runtime:
        state = run_migrations(runtime.engine)
        typer.echo(f"database {describe(runtime.engine.url)} is at schema {state.current}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    osmand_port: Annotated[
        int | None,
        typer.Option(
            help="Also take OsmAnd / Traccar Client fixes at / on this port (5055).",
            min=1,
            max=65535,
        ),
    ] = None,
) -> None:
    """Run the web service (API, pages) on the configured database."""
    import asyncio

    import uvicorn

    from doorstep import logs
    from doorstep.api.app import create_app
    from doorstep.api.osmand_port import create_osmand_app

    with runtime_or_fail() as runtime:
        settings = runtime.settings
        logs.configure(settings.log_format, settings.log_level)
        typer.echo(
            f"Doorstep on http://{host}:{port} (API docs at /api/docs), "
            f"database {describe(runtime.engine.url)}"
        )
        # Open event streams (tracking pages) never end by themselves: at shutdown they
        # get SHUTDOWN_GRACE_S seconds, then are cut, instead of holding the exit.
        servers = [
            uvicorn.Server(
                uvicorn.Config(
                    create_app(runtime),
                    host=host,
                    port=port,
                    log_config=None,
                    timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
                )
            )
        ]
        if osmand_port is not None:
            typer.echo(f"OsmAnd / Traccar Client fixes on http://{host}:{osmand_port}/")
            app = create_osmand_app(runtime)
            servers.append(
                uvicorn.Server(uvicorn.Config(app, host=host, port=osmand_port, log_config=None))
            )

        async def run_all() -> None:
            await asyncio.gather(*(server.serve() for server in servers))

        asyncio.run(run_all())


@app.command()
def send(
    once: Annotated[bool, typer.Option("--once", help="Send what is due now, then exit.")] = False,
    lease_s: Annotated[
        float,
        typer.Option(help="Seconds a claimed message is this sender's before another's.", min=1),
    ] = 60.0,
) -> None:
    """Send the outbox's messages (SMS, email, webhooks) without serving the API: for
    API processes run with DOORSTEP_WORKERS=false, or as one more sender beside them."""
    import time
    from datetime import timedelta

    from doorstep import logs
    from doorstep.services.sending import ChannelBook, OutboxSender

    with runtime_or_fail() as runtime:
        settings = runtime.settings
        logs.configure(settings.log_format, settings.log_level)
        sender = OutboxSender(
            runtime.sessions, ChannelBook(settings.smtp_url), lease=timedelta(seconds=lease_s)
        )
        typer.echo(f"sender {sender.worker} on {describe(runtime.engine.url)}")
        try:
            if once:
                typer.echo(f"sent {sender.drain()} message(s)")
                return
            while True:
                if sender.run_once() == 0:
                    time.sleep(settings.outbox_poll_s)
        except KeyboardInterrupt:
            pass
        finally:
            sender.close()
            sender.channels.close()


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="API port.", min=1, max=65535)] = 8000,
    osmand_port: Annotated[
        int, typer.Option(help="OsmAnd / Traccar Client port.", min=1, max=65535)
    ] = 5055,
    speed: Annotated[
        float, typer.Option(help="How much faster than real time the day runs.", min=0.1)
    ] = 20.0,
    scenario: Annotated[
        Path | None, typer.Option(help="Simulator scenario file (YAML or JSON).")
    ] = None,
    road_network: Annotated[
        Path | None, typer.Option(help="An .osm.pbf to run on (default: central Helsinki).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the orders and the world.", min=0)] = 1,
    orders: Annotated[int, typer.Option(help="Orders to deliver.", min=1, max=2000)] = 150,
    vans: Annotated[int, typer.Option(help="Vans and drivers.", min=1, max=100)] = 8,
    keep: Annotated[
        bool, typer.Option(help="Go on with the last demo's data instead of starting fresh.")
    ] = False,
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its database.")] = Path(
        "doorstep-demo"
    ),
) -> None:
    """A demo delivery day: an organisation, ~150 orders planned into routes on a real
    road network, the server, and a simulated fleet driving the day through Doorstep's
    public interfaces. Nothing else to install or start. Ctrl-C stops it."""
    import asyncio

    from doorstep import logs
    from doorstep.demo.run import DemoOptions, run
    from doorstep.sim import ScenarioError

    logs.configure("text", "WARNING")
    if road_network is not None and not road_network.is_file():
        fail(f"--road-network: no such file: {road_network}")
    options = DemoOptions(
        data_dir=data_dir,
        port=port,
        osmand_port=osmand_port,
        speed=speed,
        scenario=scenario,
        road_network=road_network,
        seed=seed,
        orders=orders,
        vans=vans,
        keep=keep,
    )
    try:
        stats = asyncio.run(run(options))
    except KeyboardInterrupt:
        typer.echo(f"\nDemo stopped; its data is in {data_dir} (--keep goes on with it).")
        return
    except ScenarioError as exc:
        fail(f"--scenario: {exc}")
    except OSError as exc:
        fail(f"the demo could not start: {exc}")
    typer.echo(
        f"\nDemo stopped after {stats.arrivals} arrivals; its data is in {data_dir} "
        "(--keep goes on with it)."
    )


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Argument(help="The organisation's name.")],
    admin_email: Annotated[str, typer.Option("--admin-email", help="The first admin's email.")],
    admin_password: Annotated[
        str | None,
        typer.Option("--admin-password", help="Lets the admin log in on the web (10+ chars)."),
    ] = None,
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/Helsinki.")] = "UTC",
) -> None:
    """Create an organisation and its admin; the last line printed is an admin API key."""
    from doorstep.schemas.accounts import OrganisationUpdate
    from doorstep.services import accounts

    _validate(lambda: OrganisationUpdate(timezone=timezone))
    with runtime_or_fail() as runtime, _clear_errors(), runtime.sessions.begin() as session:
        org, user, key = _validate(
            lambda: accounts.create_organisation(
                session, name, admin_email, admin_password=admin_password, timezone=timezone
            )
        )
        typer.echo(f"organisation: {org.name} (slug {org.slug}, id {org.id})")
        typer.echo(f"admin: {user.email}")
        typer.echo("admin API key (shown once, keep it safe):")
        typer.echo(key)


@import_app.command("orders")
def import_orders(
    file: Annotated[Path, typer.Argument(help="CSV file (see the docs for its columns).")],
    org: Annotated[str, typer.Option("--org", help="The organisation's slug.")],
) -> None:
    """Import orders from CSV: all rows or none."""
    from doorstep.services import order_import
    from doorstep.storage.tables import Organisation

    try:
        content = file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}")
    with runtime_or_fail() as runtime, _clear_errors(), runtime.sessions.begin() as session:
        organisation = session.scalar(select(Organisation).where(Organisation.slug == org))
        if organisation is None:
            fail(f"no organisation with slug {org!r}")
        try:
            outcome = order_import.import_orders(
                session, system(organisation.id, "csv import"), content
            )
        except order_import.ImportRejected as exc:
            for error in exc.errors[:50]:
                typer.echo(f"line {error.row}: {error.field}: {error.message}", err=True)
            fail(str(exc))
        typer.echo(f"imported {len(outcome.orders)} orders into {organisation.slug}")


@bench_app.command("vrptw")
def bench_vrptw(
    instances: Annotated[Path, typer.Option(help="Folder of Solomon-format instances.")],
    time_limit: Annotated[
        float, typer.Option(help="Seconds per 100 customers, on one core.", min=0.01)
    ] = 10.0,
    seed: Annotated[int, typer.Option(help="Solver seed.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """Solve every VRPTW instance in a folder; gaps to the best-known solutions."""
    from doorstep.bench.vrptw import vrptw_command

    if not instances.is_dir():
        fail(f"{instances} is not a folder of instances")
    try:
        code = vrptw_command(instances, time_limit, as_json, seed)
    except ValueError as exc:
        fail(str(exc))
    raise typer.Exit(code)


@bench_app.command("plan")
def bench_plan(
    network: Annotated[
        list[Path] | None,
        typer.Option(help="An .osm.pbf to plan on (repeatable). Default: bundled Helsinki."),
    ] = None,
    time_limit: Annotated[float, typer.Option(help="Solver seconds for the day.", min=0.1)] = 20.0,
    seed: Annotated[int, typer.Option(help="Seed for points, windows and solver.")] = 1,
    synthetic: Annotated[
        str, typer.Option(help="Synthetic city sizes (nodes), comma-separated; '' for none.")
    ] = "10000,100000,500000",
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """A 300-order day with 12 vans, the 500x500 matrix, synthetic cities, urgent jobs."""

    from doorstep.bench.plan import plan_bench
    from doorstep.roads.base import RoadsUnavailable
    from doorstep.roads.helsinki import helsinki_pbf

    try:
        sizes = tuple(int(s) for s in synthetic.split(",") if s.strip())
        networks = list(network) if network else [helsinki_pbf()]
        report = plan_bench(networks, time_limit_s=time_limit, seed=seed, synthetic_sizes=sizes)
    except (RoadsUnavailable, ValueError, OSError) as exc:
        fail(str(exc))
    _report(report, as_json)


@bench_app.command("eta")
def bench_eta(
    scenario: Annotated[
        str | None,
        typer.Option(help="Scenario file (.yaml/.json) or shipped name. Default: default."),
    ] = None,
    road_network: Annotated[
        Path | None, typer.Option(help="An .osm.pbf to drive on. Default: bundled Helsinki.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the first day.")] = 1,
    seeds: Annotated[int, typer.Option(help="Days (seeds N, N+1, ...).", min=1)] = 5,
    vans: Annotated[int, typer.Option(help="Vans a day.", min=1)] = 8,
    stops: Annotated[int, typer.Option(help="Stops per van.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """Simulated days fed to one ETA engine: errors by horizon, windows, late risk,
    against the static plan and a naive live ETA."""
    from doorstep.bench.eta import eta_command
    from doorstep.roads.base import RoadsUnavailable

    try:
        code = eta_command(
            scenario=scenario,
            road_network=road_network,
            seed=seed,
            seeds=seeds,
            vans=vans,
            stops=stops,
            as_json=as_json,
        )
    except (RoadsUnavailable, ValueError, OSError) as exc:
        fail(str(exc))
    raise typer.Exit(code)


@bench_app.command("eta-refresh")
def bench_eta_refresh(
    routes: Annotated[int, typer.Option(help="Routes refreshed round-robin.", min=1)] = 1000,
    stops: Annotated[int, typer.Option(help="Remaining stops per route.", min=1)] = 30,
    seconds: Annotated[float, typer.Option(help="Wall time to measure for.", min=0.1)] = 3.0,
    gate: Annotated[
        bool, typer.Option("--gate", help="Each refresh also decides what to publish.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """Route ETA refreshes per second in one process (a live fix: every remaining stop's
    ETA, window and late risk); the issue's target is 10,000 for 30 stops."""

    from doorstep.bench.eta_engine import REFRESH_TARGET_PER_S, refresh_throughput

    report = refresh_throughput(routes=routes, stops=stops, seconds=seconds, gate=gate)
    report["target_per_s"] = REFRESH_TARGET_PER_S
    report["target_met"] = report["refreshes_per_s"] >= REFRESH_TARGET_PER_S
    _report(report, as_json)


@bench_app.command("ingest")
def bench_ingest(
    vehicles: Annotated[int, typer.Option(help="Vehicles sending fixes.", min=1)] = 50,
    fixes: Annotated[int, typer.Option(help="Fixes per vehicle.", min=1)] = 400,
    batch: Annotated[int, typer.Option(help="Fixes per native-API request.", min=1)] = 100,
    postgres_url: Annotated[
        str | None, typer.Option(help="Also measure the pipeline on this PostgreSQL.")
    ] = None,
    osmand_requests: Annotated[int, typer.Option(help="OsmAnd requests to send.", min=1)] = 5000,
    concurrency: Annotated[int, typer.Option(help="Concurrent OsmAnd clients.", min=1)] = 32,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """Fixes per second through the pipeline, OsmAnd requests per second against a real
    server, fix-to-subscriber latency on the bus, and memory per tracked vehicle."""

    from doorstep.bench.ingest import ingest_bench

    report = ingest_bench(
        vehicles=vehicles,
        fixes=fixes,
        batch=batch,
        postgres_url=postgres_url,
        osmand_requests=osmand_requests,
        concurrency=concurrency,
    )
    _report(report, as_json)


@bench_app.command("notify")
def bench_notify(
    messages: Annotated[int, typer.Option(help="Deliveries at a steady rate.", min=1)] = 600,
    rate: Annotated[float, typer.Option(help="Deliveries per second.", min=1)] = 100.0,
    burst: Annotated[int, typer.Option(help="Messages written at once.", min=2)] = 2000,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """Messages per second through rules -> outbox -> a local Twilio-speaking provider,
    and the p95 delay from the delivery to the provider receiving its SMS."""

    from doorstep.bench.notify import notify_bench

    report = notify_bench(messages=messages, rate=rate, burst=burst)
    _report(report, as_json)


@bench_app.command("driver-app")
def bench_driver_app(
    stops: Annotated[int, typer.Option(help="Stops on today's route.", min=1, max=500)] = 60,
    repeats: Annotated[int, typer.Option(help="Warm loads measured.", min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """How soon the driver app's route screen is usable (Chromium at a phone's size,
    full speed and with the CPU 4x slower), and the app shell's size."""

    from doorstep.bench.browser import BenchUnavailable
    from doorstep.bench.driver_app import driver_app_bench

    try:
        report = driver_app_bench(stops=stops, repeats=repeats)
    except BenchUnavailable as exc:
        fail(str(exc))
    _report(report, as_json)


@bench_app.command("dashboard")
def bench_dashboard(
    vehicles: Annotated[int, typer.Option(help="Trackers sending.", min=1, max=5000)] = 500,
    every: Annotated[float, typer.Option(help="Seconds between a tracker's fixes.")] = 5.0,
    rounds: Annotated[int, typer.Option(help="Fixes per tracker.", min=1)] = 12,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """The live map with the whole fleet moving: p95 from a fix to its marker moving on
    the open dashboard, and the server's CPU in cores."""

    from doorstep.bench.browser import BenchUnavailable
    from doorstep.bench.dashboard import dashboard_bench

    try:
        report = dashboard_bench(vehicles=vehicles, every_s=every, rounds=rounds)
    except BenchUnavailable as exc:
        fail(str(exc))
    _report(report, as_json)


@bench_app.command("reports")
def bench_reports(
    vehicles: Annotated[int, typer.Option(help="Vans with a route every day.", min=1)] = 50,
    days: Annotated[int, typer.Option(help="Days of history.", min=1, max=366)] = 30,
    stops: Annotated[int, typer.Option(help="Delivery stops per route.", min=1)] = 30,
    fix_every: Annotated[int, typer.Option(help="Seconds between a van's fixes.", min=1)] = 15,
    repeats: Annotated[int, typer.Option(help="Warm calls per report.", min=1)] = 3,
    database_url: Annotated[
        str | None, typer.Option(help="Default: a new SQLite file; give a PostgreSQL URL.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """A month of a 50-van fleet generated, then each report over it (target <= 2 s),
    and the month's fixes exported as streamed CSV (rows per second, memory growth)."""

    from doorstep.bench.reports import reports_bench

    report = reports_bench(
        vehicles=vehicles,
        days=days,
        stops=stops,
        fix_every_s=fix_every,
        repeats=repeats,
        database_url=database_url,
    )
    _report(report, as_json)


@bench_app.command("settle")
def bench_settle(
    drivers: Annotated[int, typer.Option(help="Drivers with a route every day.", min=1)] = 200,
    days: Annotated[int, typer.Option(help="Days settled.", min=1, max=366)] = 30,
    stops: Annotated[int, typer.Option(help="Delivery stops per route.", min=1)] = 25,
    database_url: Annotated[
        str | None, typer.Option(help="Default: a new SQLite file; give a PostgreSQL URL.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON report as the last line.")] = False,
) -> None:
    """A month of 200 drivers settled (target <= 10 s): fresh drafts, drafts again, and
    once approved (frozen)."""

    from doorstep.bench.settle import settle_bench

    report = settle_bench(drivers=drivers, days=days, stops=stops, database_url=database_url)
    _report(report, as_json)


@contextmanager
def _clear_errors() -> Iterator[None]:
    try:
        yield
    except InvalidInput as exc:
        details = "; ".join(f"{'.'.join(str(p) for p in e.loc)}: {e.msg}" for e in exc.errors)
        fail(f"{exc.message}: {details}" if details else exc.message)
    except DoorstepError as exc:
        fail(str(exc))


def _validate(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        fail(f"{field}: {str(first['msg']).removeprefix('Value error, ')}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


__all__ = ["Settings", "app", "main"]


if __name__ == "__main__":
    main()
