"""A local SMS provider that speaks Twilio's Messages API, for the bench and the tests.

It does what the real one does with an idempotency token: a second request with a token
it has seen answers the first message again instead of sending another. It records when
each message arrived, so the bench can measure delay, and can be told to fail.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-token"


@dataclass
class Received:
    sid: str
    to: str
    sender: str
    body: str
    key: str | None
    at: float  # time.time() when it arrived
    status_callback: str | None = None


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: list[Received] = field(default_factory=list)
    duplicates: int = 0  # requests that repeated a token already sent
    fail_until: float = 0.0  # answer 500 until this time.time()
    # Seconds between taking a message and answering: a sender killed meanwhile has
    # had its SMS sent without hearing so.
    answer_after_s: float = 0.0
    _by_key: dict[str, Received] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, answer = fake.answer(
                    self.path,
                    self.headers.get("Authorization", ""),
                    self.headers.get("I-Twilio-Idempotency-Token"),
                    form,
                )
                if fake.answer_after_s:
                    time.sleep(fake.answer_after_s)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def answer(
        self, path: str, authorization: str, key: str | None, form: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        expected = (
            "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        )
        if authorization != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            return 404, {"code": 20404, "message": "not found", "status": 404}
        if time.time() < self.fail_until:
            return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
        to, body = form.get("To", ""), form.get("Body", "")
        if not to.startswith("+") or not body:
            return 400, {"code": 21211, "message": f"The 'To' number {to} is not valid"}
        with self._lock:
            if key and key in self._by_key:
                self.duplicates += 1
                first = self._by_key[key]
                return 201, {"sid": first.sid, "status": "queued", "to": first.to}
            sid = f"SM{len(self.messages):032d}"
            received = Received(
                sid, to, form.get("From", ""), body, key, time.time(), form.get("StatusCallback")
            )
            self.messages.append(received)
            if key:
                self._by_key[key] = received
        return 201, {"sid": sid, "status": "queued", "to": to, "body": body}
