"""``doorstep bench ingest``: how fast fixes go through the whole pipeline.

* ``pipeline_pings_per_s``: batches of native-API fixes (JSON bytes, as a device sends
  them) through decode -> stages -> storage -> live state -> detectors -> bus, in one
  process, on a fresh database, for ``vehicles`` vehicles driving a seeded track.
* ``osmand_requests_per_s`` / ``osmand_p99_ms``: single-fix OsmAnd GET requests, as
  phones send them, against a real ``doorstep serve`` started here, from an asyncio
  load generator on the same machine (it competes for the same 2 cores; said so in
  the set-up).
* ``bus_p95_ms``: from handing one fix to the pipeline to its ``vehicle.position``
  event reaching a live subscriber of the bus.
* memory of the tracker's per-vehicle state at 10, 1,000 and 10,000 vehicles.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from doorstep.bench.http_load import run_load
from doorstep.config import load_settings
from doorstep.domain.principal import system
from doorstep.schemas.fleet import DeviceCreate
from doorstep.services import ingest
from doorstep.services.accounts import create_organisation
from doorstep.services.devices import create_device
from doorstep.services.ingest import TrackerRequest
from doorstep.services.tracking import IngestResult
from doorstep.storage.schema import migrate
from doorstep.wiring import Runtime, build_runtime


def _runtime(database_url: str | None, folder: Path) -> Runtime:
    settings = load_settings(
        data_dir=folder, database_url=database_url or f"sqlite:///{folder / 'bench.db'}"
    )
    runtime = build_runtime(settings)
    migrate(runtime.engine)
    return runtime


def _devices(runtime: Runtime, count: int) -> list[tuple[str, str]]:
    """(identifier, token) of ``count`` new devices in a new organisation."""
    made = []
    with runtime.sessions.begin() as session:
        org, _, _ = create_organisation(session, "Bench", f"bench-{time.time_ns()}@bench.test")
        actor = system(org.id)
        for _ in range(count):
            device, token = create_device(session, actor, DeviceCreate())
            made.append((device.identifier, token))
    return made


def _track(vehicle: int, n: int, start: datetime) -> list[dict[str, Any]]:
    """A van driving a loop at ~40 km/h, one fix a second."""
    lat0, lon0 = 60.16 + (vehicle % 50) * 0.001, 24.90 + (vehicle // 50) * 0.001
    fixes = []
    for i in range(n):
        angle = i / 300
        fixes.append(
            {
                "time": (start + timedelta(seconds=i)).isoformat(),
                "lat": lat0 + 0.005 * math.sin(angle),
                "lon": lon0 + 0.01 * math.cos(angle),
                "speed": 11.0,
                "heading": (math.degrees(angle) + 90) % 360,
                "accuracy": 5.0,
            }
        )
    return fixes


@contextlib.contextmanager
def _scratch_database(server_url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on the given server, dropped afterwards (the URL's
    own database is never touched); None stays None (SQLite in a temporary folder)."""
    if server_url is None:
        yield None
        return
    from sqlalchemy import create_engine, text

    from doorstep.config import parse_database_url

    url = parse_database_url(server_url)
    name = f"doorstep_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def pipeline_bench(server_url: str | None, vehicles: int, fixes: int, batch: int) -> dict[str, Any]:
    """``server_url``: a PostgreSQL server to make a scratch database on; None: SQLite.

    Two figures. ``pings_per_s``: the vehicles' batches arrive together, as they do at
    a server, and go through the group-commit writer every tracker request takes (a
    round: one request from each vehicle in flight at once). ``one_by_one_pings_per_s``:
    each request in a transaction of its own, one after the other (no group commit)."""
    with tempfile.TemporaryDirectory() as folder, _scratch_database(server_url) as database_url:
        runtime = _runtime(database_url, Path(folder))
        try:
            devices = _devices(runtime, vehicles * 2)
            start = datetime.now(UTC) - timedelta(seconds=fixes + 60)
            bodies = [
                [json.dumps(chunk).encode() for chunk in _chunks(_track(v, fixes, start), batch)]
                for v in range(vehicles)
            ]
            grouped, grouped_s = 0, 0.0
            started = time.perf_counter()
            for round_ in range(max(len(b) for b in bodies)):
                futures = [
                    runtime.writer.submit(TrackerRequest("native", chunks[round_], token=token))
                    for (_, token), chunks in zip(devices[:vehicles], bodies, strict=True)
                    if round_ < len(chunks)
                ]
                for future in futures:
                    outcome = future.result()
                    assert isinstance(outcome, IngestResult), outcome
                    grouped += outcome.accepted
            grouped_s = time.perf_counter() - started
            single = 0
            started = time.perf_counter()
            for round_ in range(max(len(b) for b in bodies)):
                for (_, token), chunks in zip(devices[vehicles:], bodies, strict=True):
                    if round_ < len(chunks):
                        with runtime.sessions.begin() as session:
                            result = ingest.native(
                                session, runtime.tracker, token, chunks[round_], datetime.now(UTC)
                            )
                        single += result.accepted
            single_s = time.perf_counter() - started
            return {
                "backend": runtime.engine.dialect.name,
                "vehicles": vehicles,
                "fixes": grouped,
                "batch": batch,
                "seconds": round(grouped_s, 3),
                "pings_per_s": round(grouped / grouped_s),
                "one_by_one_pings_per_s": round(single / single_s),
            }
        finally:
            runtime.close()


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def bus_bench(samples: int = 200) -> dict[str, Any]:
    """Fix handed over -> ``vehicle.position`` heard by a subscriber (in-process bus)."""
    with tempfile.TemporaryDirectory() as folder:
        runtime = _runtime(None, Path(folder))
        try:
            ((_, token),) = _devices(runtime, 1)
            sent: dict[str, float] = {}
            heard: dict[str, float] = {}
            ready = threading.Event()
            loop = asyncio.new_event_loop()

            async def listen() -> None:
                with runtime.sessions.begin() as session:
                    from doorstep.services.devices import by_token

                    org_id = str(by_token(session, token).org_id)
                sub = await runtime.bus.subscribe(org_id, ("vehicle",))
                ready.set()
                async for event in sub:
                    heard[str(event.data["time"])] = time.perf_counter()
                    if len(heard) >= samples:
                        return

            thread = threading.Thread(target=lambda: loop.run_until_complete(listen()))
            thread.start()
            ready.wait(10)
            start = datetime.now(UTC) - timedelta(seconds=samples + 10)
            for fix in _track(0, samples, start):
                body = json.dumps([fix]).encode()
                sent[datetime.fromisoformat(fix["time"]).isoformat()] = time.perf_counter()
                with runtime.sessions.begin() as session:
                    ingest.native(session, runtime.tracker, token, body, datetime.now(UTC))
            thread.join(10)
            lags = sorted((heard[k] - sent[k]) * 1000 for k in heard if k in sent)
            return {
                "bus": "in-process",
                "samples": len(lags),
                "p50_ms": round(statistics.median(lags), 2),
                "p95_ms": round(lags[int(0.95 * (len(lags) - 1))], 2),
            }
        finally:
            runtime.close()


def memory_bench(sizes: tuple[int, ...] = (10, 1_000, 10_000)) -> list[dict[str, Any]]:
    """Bytes of tracker state per vehicle after each vehicle has sent a few fixes."""
    from doorstep.domain.ping import Ping
    from doorstep.pipeline import live_state
    from doorstep.pipeline.memory import DeviceMemory
    from doorstep.pipeline.params import PipelineParams
    from doorstep.pipeline.stages import run
    from doorstep.services.tracking import DETECTORS, Track

    rows = []
    params = PipelineParams()
    now = datetime.now(UTC)
    for size in sizes:
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        tracks = {}
        started = time.perf_counter()
        for v in range(size):
            track = Track(DeviceMemory(), live_state.VehicleState(f"d{v}"))
            for i in range(5):
                ping = Ping(
                    f"d{v}",
                    now - timedelta(seconds=10 - i),
                    60.17 + i * 1e-4,
                    24.94,
                    speed=10.0,
                    accuracy=5.0,
                )
                outcome = run(ping, track.memory, params, now)
                track.memory = outcome.memory
                track.state = live_state.apply(track.state, outcome.ping)
                for name, detect, p in DETECTORS:
                    track.detectors[name], _ = detect(track.detectors.get(name), outcome.ping, p)
            tracks[v] = track
        elapsed = time.perf_counter() - started
        used = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
        rows.append(
            {
                "vehicles": size,
                "bytes_per_vehicle": round(used / size),
                "total_mib": round(used / 2**20, 2),
                "us_per_fix_pure_pipeline": round(elapsed / (size * 5) * 1e6, 1),
            }
        )
        del tracks
    return rows


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def osmand_bench(devices: int, requests: int, concurrency: int) -> dict[str, Any]:
    """Single-fix OsmAnd GETs, as phones send them, against a real ``doorstep serve
    --osmand-port`` (SQLite, the embedded default) started here, from a closed-loop
    generator on the same machine (``http_load``: each connection waits for its answer
    before sending the next fix)."""
    import httpx

    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DOORSTEP_DATA_DIR": folder,
            "DOORSTEP_DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "DOORSTEP_LOG_LEVEL": "WARNING",
        }
        env.pop("DOORSTEP_REDIS_URL", None)
        runtime = _runtime(None, Path(folder))
        ids = [i for i, _ in _devices(runtime, devices)]
        runtime.close()
        port, osmand_port = _free_port(), _free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "doorstep.cli",
                "serve",
                "--port",
                str(port),
                "--osmand-port",
                str(osmand_port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("doorstep serve did not come up for the OsmAnd bench")
                time.sleep(0.2)
            start = datetime.now(UTC) - timedelta(seconds=requests + 60)

            def target(i: int) -> str:
                device = ids[i % len(ids)]
                t = int((start + timedelta(seconds=i // len(ids))).timestamp())
                lat = 60.17 + (i // len(ids)) * 2e-5
                return f"/?id={device}&timestamp={t}&lat={lat:.6f}&lon=24.94&speed=20&bearing=90"

            warm = [target(i) for i in range(min(requests // 10, 500))]
            run_load("127.0.0.1", osmand_port, warm, concurrency)  # connections, caches
            targets = [target(i) for i in range(len(warm), len(warm) + requests)]
            result = run_load("127.0.0.1", osmand_port, targets, concurrency)
            latencies = sorted(result.latencies_ms)
            return {
                "requests": requests,
                "concurrency": concurrency,
                "devices": devices,
                "failures": sum(n for status, n in result.statuses.items() if status != 200),
                "requests_per_s": round(requests / result.seconds),
                "p50_ms": round(statistics.median(latencies), 2),
                "p99_ms": round(latencies[int(0.99 * (len(latencies) - 1))], 2),
                "endpoint": "the dedicated OsmAnd port (/), as phones are configured",
                "load_generator": "doorstep.bench.http_load (asyncio, keep-alive), same machine",
            }
        finally:
            server.terminate()
            server.wait(10)


def ingest_bench(
    *,
    vehicles: int,
    fixes: int,
    batch: int,
    postgres_url: str | None,
    osmand_requests: int,
    concurrency: int,
) -> dict[str, Any]:
    sqlite = pipeline_bench(None, vehicles, fixes, batch)
    report: dict[str, Any] = {
        "pipeline_pings_per_s": sqlite["pings_per_s"],
        "pipeline": [sqlite],
    }
    if postgres_url:
        report["pipeline"].append(pipeline_bench(postgres_url, vehicles, fixes, batch))
    osmand = osmand_bench(min(vehicles, 100), osmand_requests, concurrency)
    bus = bus_bench()
    report.update(
        {
            "osmand_requests_per_s": osmand["requests_per_s"],
            "osmand_p99_ms": osmand["p99_ms"],
            "osmand": osmand,
            "bus_p95_ms": bus["p95_ms"],
            "bus": bus,
            "memory": memory_bench(),
            "setup": {
                "cores": os.cpu_count(),
                "python": sys.version.split()[0],
                "backend": "sqlite" + (", postgresql" if postgres_url else ""),
            },
        }
    )
    return report
