"""A small closed-loop HTTP/1.1 load generator for the benchmarks.

``concurrency`` keep-alive connections each send a GET, wait for the whole response,
then send the next, as a fleet of phones does (each waits for its answer). Written on
asyncio's protocol layer (and uvloop when installed) rather than an HTTP client
library: on a 2-core machine the generator shares the CPU with the server, and a
general client (httpx) spends several times more CPU per request than the server it
measures, which would measure the client. ``wrk`` would be better still, when present;
this needs nothing but Python.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)


class _Connection(asyncio.Protocol):
    def __init__(
        self,
        next_target: Callable[[], str | None],
        host: str,
        done: asyncio.Future[None],
        result: LoadResult,
    ) -> None:
        self.next_target = next_target
        self.host = host
        self.done = done
        self.result = result
        self.buffer = b""
        self.began = 0.0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass
        self._send()

    def _send(self) -> None:
        target = self.next_target()
        if target is None:
            assert self.transport is not None
            self.transport.close()
            return
        self.began = time.perf_counter()
        assert self.transport is not None
        self.transport.write(f"GET {target} HTTP/1.1\r\nHost: {self.host}\r\n\r\n".encode())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            status = int(head[9:12])
            self.buffer = self.buffer[end:]
            self.result.latencies_ms.append((time.perf_counter() - self.began) * 1000)
            self.result.statuses[status] = self.result.statuses.get(status, 0) + 1
            self._send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def _run(host: str, port: int, targets: list[str], concurrency: int) -> LoadResult:
    loop = asyncio.get_running_loop()
    result = LoadResult(len(targets), 0.0)
    pending = iter(targets)

    def next_target() -> str | None:
        return next(pending, None)

    finished: list[asyncio.Future[None]] = []
    began = time.perf_counter()
    for _ in range(concurrency):
        done: asyncio.Future[None] = loop.create_future()
        finished.append(done)
        await loop.create_connection(
            lambda done=done: _Connection(next_target, f"{host}:{port}", done, result),  # type: ignore[misc]
            host,
            port,
        )
    await asyncio.gather(*finished)
    result.seconds = time.perf_counter() - began
    return result


def run_load(host: str, port: int, targets: list[str], concurrency: int) -> LoadResult:
    """Send every target once over ``concurrency`` connections; latencies in ms."""
    try:
        import uvloop

        return uvloop.run(_run(host, port, targets, concurrency))
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(_run(host, port, targets, concurrency))
