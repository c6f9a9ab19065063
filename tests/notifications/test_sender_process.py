"""The issue's test, with a real process: `doorstep send` killed (SIGKILL) in the middle
of a batch, then run again: every message sent, none twice at the provider."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from doorstep.storage.tables import OutboxMessage
from tests.notifications.conftest import schedule, use_twilio

DOORSTEP = str(Path(sys.executable).parent / "doorstep")


def _env(db, tmp_path) -> dict[str, str]:
    url = db.engine.url.render_as_string(hide_password=False)
    return {
        **os.environ,
        "DOORSTEP_DATABASE_URL": url,
        "DOORSTEP_DATA_DIR": str(tmp_path),
        "DOORSTEP_OUTBOX_POLL_S": "0.1",
    }


def _sent(db) -> int:
    with db.sessions() as session:
        return session.scalar(
            select(func.count()).where(
                OutboxMessage.channel == "sms", OutboxMessage.status == "sent"
            )
        )


def test_a_killed_sender_process_loses_nothing_and_doubles_nothing(
    client, org_a, twilio, db, tmp_path
):
    use_twilio(
        client,
        org_a,
        twilio,
        rules={"scheduled": {"channels": ["sms"]}},
        quiet_hours=None,
    )
    schedule(client, org_a, count=12)
    # "Scheduled" messages are due the evening before; make them due now.
    with db.sessions.begin() as session:
        session.execute(
            OutboxMessage.__table__.update().values(
                not_before=select(func.min(OutboxMessage.created_at)).scalar_subquery()
            )
        )
    twilio.answer_after_s = 0.3  # the provider takes each SMS, then answers slowly
    first = subprocess.Popen(
        [DOORSTEP, "send", "--lease-s", "2"],
        env=_env(db, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(twilio.messages) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(twilio.messages) >= 3, (
            first.stderr.read().decode()[-2000:] if first.poll() else ""
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    taken_before_kill = len(twilio.messages)
    assert _sent(db) < 12  # it died with messages in flight, unrecorded

    time.sleep(2.2)  # the dead sender's lease runs out
    twilio.answer_after_s = 0
    second = subprocess.run(
        [DOORSTEP, "send", "--once", "--lease-s", "2"],
        env=_env(db, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert second.returncode == 0, second.stderr[-2000:]
    assert _sent(db) == 12
    assert len(twilio.messages) == 12  # each SMS once at the provider
    assert len({m.key for m in twilio.messages}) == 12
    assert twilio.duplicates <= taken_before_kill  # resends recognised by their key
