"""Devices that went quiet: ``device_offline`` is about time passing without fixes, so
no fix will ever raise it. A periodic sweep does, from the stored live states.

The sweep asks the store, not the tracker's memory: it finds every device whose last
fix is older than the threshold and that has no ``device_offline`` event since that
fix. So it is exact after a restart, never alerts twice for one silence, and works the
same with several server processes (each sweep is one transaction; two sweeps racing
may both see a device, and the second finds the first's event once it commits, so at
worst a rare duplicate, never a miss). Devices silent for more than ``LOOKBACK`` before
the threshold are left alone: they were reported long ago or are parked for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from doorstep.domain.detectors import device_health
from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.ping import Ping
from doorstep.services.tracking import DeviceRef, Tracker, store_events
from doorstep.storage.tables import Device, LiveState, TelemetryEvent

LOOKBACK = timedelta(days=2)


def sweep_offline(
    session: Session,
    tracker: Tracker,
    now: datetime,
    params: device_health.Params | None = None,
) -> list[DetectorEvent]:
    """Raise and store ``device_offline`` for every device that has just gone quiet."""
    p = params or device_health.Params()
    cutoff = now - p.offline_after
    already = exists().where(
        TelemetryEvent.device_id == LiveState.device_id,
        TelemetryEvent.kind == "device_offline",
        TelemetryEvent.time > LiveState.time,
    )
    rows = session.execute(
        select(LiveState, Device)
        .join(Device, Device.id == LiveState.device_id)
        .where(
            LiveState.time <= cutoff,
            LiveState.time > cutoff - LOOKBACK,
            Device.active.is_(True),
            ~already,
        )
    )
    raised: list[DetectorEvent] = []
    for live, device in rows:
        last = Ping(device.identifier, live.time, live.lat, live.lon, speed=live.speed)
        event = DetectorEvent(
            "device_offline",
            live.time + p.offline_after,
            device.identifier,
            {
                "last_fix": fix_data(last),
                "offline_after_s": p.offline_after.total_seconds(),
                "detected_at": now.isoformat(),
                "battery_pct": live.battery,
            },
        )
        store_events(session, DeviceRef.of(device), [event])
        tracker.mark_offline(device.id)
        raised.append(event)
    return raised
