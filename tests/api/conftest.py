"""Fixtures for the API tests that need a real HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from doorstep.api.app import create_app
from doorstep.api.track_limits import TrackGuard


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(db) -> Iterator[str]:
    """The app served by a real uvicorn on a free port (ASGITransport buffers SSE)."""
    port = _free_port()
    app = create_app(db)
    app.state.track_guard = TrackGuard(burst=10_000, per_minute=60_000)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(10)
