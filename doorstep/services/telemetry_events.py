"""The read side of fleet events: what the detectors stored in ``telemetry_events``,
filtered, newest first, each with a sentence saying why it fired.

Every query filters on the principal's organisation, so another organisation's event
answers like one that does not exist (404), and a filter naming another
organisation's vehicle or device simply matches nothing, as in every other list.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from doorstep.domain import event_summary
from doorstep.domain.errors import FieldError, InvalidInput, NotFound
from doorstep.domain.principal import Principal
from doorstep.services import accounts
from doorstep.storage import repository as repo
from doorstep.storage.tables import TelemetryEvent, Vehicle

# A CSV export is one response: enough for months of a fleet's alerts, bounded so one
# request cannot hold the server's memory.
EXPORT_MAX = 50_000
MAX_ID = 2**63 - 1  # BIGINT: a larger id cannot exist, and would overflow the driver
CSV_COLUMNS = ("time", "kind", "vehicle_id", "vehicle_name", "device_id", "summary", "data")


@dataclass(frozen=True, slots=True)
class EventFilters:
    """As the query gives them; ``kinds`` may hold comma-separated lists."""

    vehicle_id: uuid.UUID | None = None
    device_id: uuid.UUID | None = None
    kinds: Sequence[str] = field(default_factory=tuple)
    since: datetime | None = None
    until: datetime | None = None
    alerts_only: bool = False


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    time: datetime
    kind: str
    alert: bool
    vehicle_id: uuid.UUID | None
    vehicle_name: str | None
    device_id: uuid.UUID | None
    summary: str
    data: dict[str, Any]


def parse_kinds(values: Iterable[str]) -> frozenset[str]:
    """Repeated and comma-separated kinds as one set; an unknown kind is a 422 that
    names it and lists the known ones, since a typo would otherwise match nothing."""
    kinds = {part.strip() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(kinds - set(event_summary.KINDS))
    if unknown:
        names = ", ".join(repr(k) for k in unknown)
        known = ", ".join(sorted(event_summary.KINDS))
        noun = "kind" if len(unknown) == 1 else "kinds"
        raise InvalidInput(
            [FieldError(("query", "kind"), f"unknown {noun} {names}; known kinds: {known}")]
        )
    return frozenset(kinds)


def _conditions(org_id: uuid.UUID, filters: EventFilters) -> list[ColumnElement[bool]]:
    if filters.since and filters.until and filters.until <= filters.since:
        raise InvalidInput([FieldError(("query", "until"), "must be after since")])
    kinds = parse_kinds(filters.kinds)
    if filters.alerts_only:
        kinds = (kinds or frozenset(event_summary.KINDS)) & event_summary.ALERT_KINDS
    where = [TelemetryEvent.org_id == org_id]
    if filters.vehicle_id is not None:
        where.append(TelemetryEvent.vehicle_id == filters.vehicle_id)
    if filters.device_id is not None:
        where.append(TelemetryEvent.device_id == filters.device_id)
    if kinds or filters.alerts_only:  # alerts_only with non-alert kinds matches nothing
        where.append(TelemetryEvent.kind.in_(sorted(kinds)))
    if filters.since is not None:
        where.append(TelemetryEvent.time >= filters.since)
    if filters.until is not None:
        where.append(TelemetryEvent.time < filters.until)
    return where


def list_events(
    session: Session, principal: Principal, filters: EventFilters, limit: int, offset: int
) -> tuple[list[EventView], int]:
    """One page of the organisation's events in ``[since, until)``, newest first, and
    how many match in all."""
    query = select(TelemetryEvent).where(*_conditions(principal.org_id, filters))
    rows, total = repo.page(
        session, query, limit, offset, (TelemetryEvent.time.desc(), TelemetryEvent.id.desc())
    )
    return _views(session, principal, rows), total


def get_event(session: Session, principal: Principal, event_id: int) -> EventView:
    row = session.get(TelemetryEvent, event_id) if 0 < event_id <= MAX_ID else None
    if row is None or row.org_id != principal.org_id:
        raise NotFound("telemetry event", event_id)
    return _views(session, principal, [row])[0]


def _views(
    session: Session, principal: Principal, rows: Sequence[TelemetryEvent]
) -> list[EventView]:
    """Rows with their vehicle's name (one query) and a sentence in the organisation's
    time zone."""
    vehicle_ids = {r.vehicle_id for r in rows if r.vehicle_id is not None}
    names: dict[uuid.UUID, str] = {}
    if vehicle_ids:
        vehicles = session.scalars(
            repo.owned(Vehicle, principal.org_id).where(Vehicle.id.in_(vehicle_ids))
        )
        names = {v.id: v.name for v in vehicles}
    zone = accounts.get_organisation(session, principal).timezone if rows else None
    return [
        EventView(
            id=row.id,
            time=row.time,
            kind=row.kind,
            alert=row.kind in event_summary.ALERT_KINDS,
            vehicle_id=row.vehicle_id,
            vehicle_name=names.get(row.vehicle_id) if row.vehicle_id else None,
            device_id=row.device_id,
            summary=event_summary.summarise(row.kind, row.data, zone),
            data=row.data if isinstance(row.data, dict) else {},
        )
        for row in rows
    ]


def as_csv(events: Sequence[EventView]) -> str:
    """A header and one line per event; times in ISO 8601 UTC, ``data`` as JSON, unknown
    values empty."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in events:
        writer.writerow(
            (
                e.time.isoformat(),
                e.kind,
                e.vehicle_id or "",
                _text_cell(e.vehicle_name or ""),
                e.device_id or "",
                _text_cell(e.summary),
                json.dumps(e.data, ensure_ascii=False, sort_keys=True),
            )
        )
    return out.getvalue()


def _text_cell(text: str) -> str:
    """Names people typed, defused: a spreadsheet runs a cell starting with ``=`` (and
    ``+ - @``, tab, CR) as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
