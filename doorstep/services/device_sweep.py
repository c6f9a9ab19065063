"""Devices that went quiet: ``device_offline`` is about time passing without fixes, so
no fix will ever raise it. A periodic sweep does, from the stored live states.

The sweep asks the store, not the tracker's memory: it finds every device whose last
fix is older than its organisation's threshold (``device_health.offline_after_minutes``
of ``telemetry_settings``, else the default) and that has no ``device_offline`` event
since that fix. So it is exact after a restart, never alerts twice for one silence, and
works the same with several server processes (each sweep is one transaction; two sweeps
racing may both see a device, and the second finds the first's event once it commits,
so at worst a rare duplicate, never a miss). Devices silent for more than ``LOOKBACK``
before the threshold are left alone: they were reported long ago or are parked for good.

One query per distinct threshold: the organisations that keep the default in one, each
group of organisations sharing an override in another (few: thresholds are round
numbers of minutes).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select, true
from sqlalchemy.orm import Session

from doorstep.domain.detectors import device_health
from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.ping import Ping
from doorstep.services.tracking import DeviceRef, Tracker, organisation_params, store_events
from doorstep.storage.tables import Device, LiveState, Organisation, TelemetryEvent

LOOKBACK = timedelta(days=2)


def sweep_offline(
    session: Session,
    tracker: Tracker,
    now: datetime,
    params: device_health.Params | None = None,
) -> list[DetectorEvent]:
    """Raise and store ``device_offline`` for every device that has just gone quiet.
    ``params``: the threshold of organisations that set none (the default's)."""
    default = (params or device_health.Params()).offline_after
    overrides = offline_thresholds(session, default)
    groups: dict[timedelta, list[uuid.UUID]] = {}
    for org_id, offline_after in overrides.items():
        groups.setdefault(offline_after, []).append(org_id)
    everyone_else = LiveState.org_id.not_in(list(overrides)) if overrides else true()
    raised = _sweep(session, tracker, now, default, everyone_else)
    for offline_after, org_ids in groups.items():
        raised += _sweep(session, tracker, now, offline_after, LiveState.org_id.in_(org_ids))
    return raised


def offline_thresholds(session: Session, default: timedelta) -> dict[uuid.UUID, timedelta]:
    """The organisations whose offline threshold differs from ``default``."""
    found = {}
    rows = session.execute(select(Organisation.id, Organisation.telemetry_settings))
    for org_id, settings in rows:
        if not (settings or {}).get("device_health"):
            continue  # nothing set: the default (skips validating every organisation)
        offline_after = organisation_params(org_id, settings)["device_health"].offline_after
        if offline_after != default:
            found[org_id] = offline_after
    return found


def _sweep(
    session: Session,
    tracker: Tracker,
    now: datetime,
    offline_after: timedelta,
    orgs: ColumnElement[bool],
) -> list[DetectorEvent]:
    cutoff = now - offline_after
    already = exists().where(
        TelemetryEvent.device_id == LiveState.device_id,
        TelemetryEvent.kind == "device_offline",
        TelemetryEvent.time > LiveState.time,
    )
    rows = session.execute(
        select(LiveState, Device)
        .join(Device, Device.id == LiveState.device_id)
        .where(
            orgs,
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
            live.time + offline_after,
            device.identifier,
            {
                "last_fix": fix_data(last),
                "offline_after_s": offline_after.total_seconds(),
                "detected_at": now.isoformat(),
                "battery_pct": live.battery,
            },
        )
        store_events(session, DeviceRef.of(device), [event])
        tracker.mark_offline(device.id)
        raised.append(event)
    return raised
