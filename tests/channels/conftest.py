"""Real servers for the channel tests: an SMTP server (aiosmtpd) and a recording HTTP
server that answers as each test scripts it. Ports are picked free by the OS."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    return free_port()


# --- SMTP ---------------------------------------------------------------------------


class SmtpRecorder:
    """aiosmtpd handler: records accepted envelopes; can be told to refuse."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.data_reply:
            return self.data_reply
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


USER, PASSWORD = "mailer", "s3cret pass"


def authenticator(server, session: Session, envelope: Envelope, mechanism: str, auth_data):
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False)


@dataclass
class SmtpServer:
    recorder: SmtpRecorder
    port: int
    cafile: str | None = None


@dataclass
class SmtpFactory:
    tmp_path: Path
    controllers: list[Controller] = field(default_factory=list)
    _ca: trustme.CA | None = None

    def ca_file(self) -> tuple[trustme.CA, str]:
        if self._ca is None:
            self._ca = trustme.CA()
        path = self.tmp_path / "ca.pem"
        self._ca.cert_pem.write_to_path(str(path))
        return self._ca, str(path)

    def server_context(self) -> ssl.SSLContext:
        ca, _ = self.ca_file()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        return context

    def start(self, *, auth: bool = False, starttls: bool = False, implicit_tls: bool = False):
        recorder = SmtpRecorder()
        port = free_port()
        kwargs: dict[str, Any] = {}
        if auth:
            kwargs.update(authenticator=authenticator, auth_require_tls=False)
        cafile = None
        if starttls:
            kwargs.update(tls_context=self.server_context(), require_starttls=True)
            cafile = self.ca_file()[1]
        if implicit_tls:
            kwargs.update(ssl_context=self.server_context())
            cafile = self.ca_file()[1]
        controller = Controller(recorder, hostname="127.0.0.1", port=port, **kwargs)
        controller.start()
        self.controllers.append(controller)
        return SmtpServer(recorder, port, cafile)


@pytest.fixture
def smtp_servers(tmp_path: Path) -> Iterator[SmtpFactory]:
    factory = SmtpFactory(tmp_path)
    yield factory
    for controller in factory.controllers:
        controller.stop()


# --- HTTP ---------------------------------------------------------------------------


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int
    body: Any = None  # dict/list -> JSON; str -> text
    hang_s: float = 0.0  # wait this long before answering (released at teardown)


Responder = Callable[[Recorded], Reply]


class HttpRecorder:
    """A real HTTP server in a thread. Records every request; answers with the next
    scripted reply, else with ``responder``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: list[Reply] = []
        self.responder: Responder = lambda _req: Reply(200, {"ok": True})
        self.release = threading.Event()
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Recorded(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                recorder.requests.append(request)
                reply = recorder.script.pop(0) if recorder.script else recorder.responder(request)
                if reply.hang_s:
                    recorder.release.wait(reply.hang_s)
                if isinstance(reply.body, str):
                    payload, ctype = reply.body.encode(), "text/plain"
                else:
                    payload, ctype = json.dumps(reply.body).encode(), "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

            do_POST = do_GET = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def http_server() -> Iterator[HttpRecorder]:
    server = HttpRecorder()
    yield server
    server.stop()
