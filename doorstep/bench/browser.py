"""What the browser benchmarks share: a temporary SQLite runtime served by uvicorn in
this process, and Debian's Chromium driven by Playwright (a development dependency:
the benchmarks say so when it, or the browser, is missing)."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from doorstep.config import load_settings
from doorstep.storage.schema import migrate
from doorstep.wiring import Runtime, build_runtime

CHROMIUM = Path(os.environ.get("DOORSTEP_CHROMIUM", "/usr/bin/chromium"))


class BenchUnavailable(RuntimeError):
    """What the bench needs is not on this machine."""


@dataclass(frozen=True)
class Served:
    runtime: Runtime
    base: str  # the server's URL
    browser: Any  # playwright.sync_api.Browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(runtime: Runtime) -> tuple[uvicorn.Server, str]:
    from doorstep.api.app import create_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise BenchUnavailable("the server did not start within 20 s")
        time.sleep(0.02)
    return server, f"http://127.0.0.1:{port}"


@contextmanager
def served_in_browser(prefix: str) -> Iterator[Served]:
    """A fresh database served on a free port, and Chromium launched headless; all of it
    gone when the block ends."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BenchUnavailable(
            "Playwright is not installed: pip install -e '.[dev]' (it drives the browser)"
        ) from exc
    if not CHROMIUM.exists():
        raise BenchUnavailable(
            f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set DOORSTEP_CHROMIUM)"
        )
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        settings = load_settings(
            data_dir=Path(folder), database_url=f"sqlite:///{Path(folder) / 'bench.db'}"
        )
        runtime = build_runtime(settings)
        migrate(runtime.engine)
        server = None
        try:
            server, base = serve(runtime)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
                )
                try:
                    yield Served(runtime, base, browser)
                finally:
                    browser.close()
        finally:
            if server is not None:
                server.should_exit = True
            runtime.close()
