"""The outbox sender as a server worker: a thread that sends whatever is due, woken at
once when this process commits a new message and every ``outbox_poll_s`` otherwise
(messages written by other processes, retries coming due)."""

from __future__ import annotations

import logging
import threading

from doorstep.services.sending import ChannelBook, OutboxSender
from doorstep.wiring import Runtime

log = logging.getLogger("doorstep.outbox")


class OutboxWorker:
    def __init__(self, runtime: Runtime, sender: OutboxSender | None = None) -> None:
        self._runtime = runtime
        self.sender = sender or OutboxSender(
            runtime.sessions, ChannelBook(runtime.settings.smtp_url)
        )
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-sender", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        wake = self._runtime.outbox_wake
        poll = self._runtime.settings.outbox_poll_s
        while not self._stop.is_set():
            try:
                sent = self.sender.run_once()
            except Exception:  # the database away for a moment: try again shortly
                log.exception("outbox sender round failed")
                sent = 0
            if sent == 0:
                wake.wait(poll)
                wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._runtime.outbox_wake.set()
        self._thread.join(timeout=30)
        self.sender.close()
        self.sender.channels.close()
