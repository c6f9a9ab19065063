"""The logbook over a period: closed days read from ``vehicle_days``, the rest (today,
or a day not closed yet) replayed from the fixes as ``services.logbook`` does.

A day is closed by the periodic ``close_days`` job once it is over in the
organisation's time zone; a late fix for it reopens it (``services.closed_days``) and
the next run closes it again. A report therefore always matches what a replay of the
stored fixes would say, but a month costs a few thousand row reads, not millions of
fixes through the detectors.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.principal import Principal, system
from doorstep.services import accounts, route_summaries, timing, tracking
from doorstep.services.logbook import LogbookRow, day_logbook
from doorstep.storage.db import READ_ONLY
from doorstep.storage.tables import ClosedDay, Organisation, PingRow, RouteDay, VehicleDay

MAX_DAYS = 366
"""The longest period one report covers: a year (a leap year's), so a yearly report
works and a mistyped ten-year range is refused instead of running for minutes."""


def check_period(start: date, end: date) -> None:
    """Refuse a period that ends before it starts or is longer than ``MAX_DAYS``."""
    if end < start:
        raise InvalidInput(
            [FieldError(("query", "to"), "must not be before 'from'")],
            f"the period ends ({end}) before it starts ({start})",
        )
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise InvalidInput(
            [FieldError(("query", "to"), f"at most {MAX_DAYS} days after 'from'")],
            f"a report covers at most {MAX_DAYS} days; {start} to {end} is {days} days: "
            "ask for one year at a time",
        )


def local_today(org: Organisation, now: datetime) -> date:
    return now.astimezone(ZoneInfo(org.timezone)).date()


def logbook_period(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    now: datetime,
    limits: tracking.SpeedLimits | None = None,
    driver_id: uuid.UUID | None = None,
) -> list[LogbookRow]:
    """Every vehicle-day from ``start`` to ``end`` (both included), by day then vehicle;
    only the driver's when one is named."""
    check_period(start, end)
    org = accounts.get_organisation(session, principal)
    closed = set(
        session.scalars(
            select(ClosedDay.date).where(
                ClosedDay.org_id == org.id, ClosedDay.date >= start, ClosedDay.date <= end
            )
        )
    )
    rows: list[LogbookRow] = []
    if closed:
        query = select(VehicleDay.row).where(
            VehicleDay.org_id == org.id,
            VehicleDay.date >= start,
            VehicleDay.date <= end,
        )
        if driver_id is not None:
            query = query.where(VehicleDay.driver_id == driver_id)
        rows.extend(r for r in map(from_json, session.scalars(query)) if r.date in closed)
    today = local_today(org, now)
    day = start
    while day <= end and day <= today:
        if day not in closed:
            rows.extend(
                r
                for r in day_logbook(session, principal, day, limits=limits)
                if driver_id is None or r.driver_id == driver_id
            )
        day += timedelta(days=1)
    rows.sort(key=lambda r: (r.date, r.vehicle_name, str(r.vehicle_id)))
    return rows


def routes_period(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    now: datetime,
    driver_id: uuid.UUID | None = None,
) -> list[route_summaries.RouteSummary]:
    """Every route dated ``start`` to ``end`` added up: closed days from ``route_days``,
    the rest from their stops."""
    check_period(start, end)
    org = accounts.get_organisation(session, principal)
    closed_set = set(
        session.scalars(
            select(ClosedDay.date).where(
                ClosedDay.org_id == org.id, ClosedDay.date >= start, ClosedDay.date <= end
            )
        )
    )
    out: list[route_summaries.RouteSummary] = []
    if closed_set:
        out.extend(
            route_summaries.from_json(summary)
            for day, summary in session.execute(
                select(RouteDay.date, RouteDay.summary).where(
                    RouteDay.org_id == org.id,
                    RouteDay.date >= start,
                    RouteDay.date <= end,
                    *([RouteDay.driver_id == driver_id] if driver_id is not None else []),
                )
            )
            if day in closed_set
        )
    # Open stretches between closed days, each read in one query.
    day = start
    while day <= end:
        if day in closed_set:
            day += timedelta(days=1)
            continue
        stretch_end = day
        while (
            stretch_end + timedelta(days=1) <= end
            and stretch_end + timedelta(days=1) not in closed_set
        ):
            stretch_end += timedelta(days=1)
        out.extend(
            r
            for r in route_summaries.summarise(session, org.id, org.timezone, day, stretch_end)
            if driver_id is None or r.driver_id == driver_id
        )
        day = stretch_end + timedelta(days=1)
    return out


def close_days(
    sessions: sessionmaker[Session],
    now: datetime,
    lookback_days: int = 7,
    limits: tracking.SpeedLimits | None = None,
    org_id: uuid.UUID | None = None,
) -> int:
    """Close every finished day of the last ``lookback_days`` not closed yet, for every
    organisation (or one); returns the days closed. Each day is replayed in a read-only
    transaction and written in a short one of its own, so ingest (on SQLite, the one
    writer) never waits for more than one day's insert."""
    with sessions() as session:
        orgs = [
            (org.id, local_today(org, now))
            for org in session.scalars(
                select(Organisation).where(Organisation.id == org_id)
                if org_id is not None
                else select(Organisation)
            )
        ]
        # Only the window looked at: years of closed days need not be read every run
        # (a day ahead or behind covers every organisation's time zone).
        earliest = now.date() - timedelta(days=lookback_days + 1)
        closed = {
            (row.org_id, row.date)
            for row in session.execute(
                select(ClosedDay.org_id, ClosedDay.date).where(ClosedDay.date >= earliest)
            )
        }
    done = 0
    for org, today in orgs:
        for back in range(lookback_days, 0, -1):
            day = today - timedelta(days=back)
            if (org, day) not in closed and close_day(sessions, org, day, now, limits):
                done += 1
    return done


def close_day(
    sessions: sessionmaker[Session],
    org_id: uuid.UUID,
    day: date,
    now: datetime,
    limits: tracking.SpeedLimits | None = None,
) -> bool:
    """Add up one finished day of one organisation. False if it was closed meanwhile, or
    if a fix for it arrived while it was being added up (the next run tries again)."""
    with sessions() as session:
        session.connection(execution_options={READ_ONLY: True})
        high_water = session.scalar(select(func.max(PingRow.id))) or 0
        rows = day_logbook(session, system(org_id), day, limits=limits)
        zone = session.scalar(select(Organisation.timezone).where(Organisation.id == org_id))
        summaries = route_summaries.summarise(session, org_id, zone or "UTC", day, day)
    since = timing.day_epoch(day, zone or "UTC")
    until = timing.day_epoch(day + timedelta(days=1), zone or "UTC")
    with sessions.begin() as session:
        if session.get(ClosedDay, (org_id, day)) is not None:
            return False
        newer = session.scalar(
            select(PingRow.id)
            .where(
                PingRow.id > high_water,
                PingRow.org_id == org_id,
                PingRow.time >= since,
                PingRow.time < until,
            )
            .limit(1)
        )
        if newer is not None:
            return False
        for table in (VehicleDay, RouteDay):
            session.execute(delete(table).where(table.org_id == org_id, table.date == day))
        session.add_all(
            RouteDay(
                org_id=org_id,
                date=day,
                route_id=summary.route_id,
                driver_id=summary.driver_id,
                summary=route_summaries.to_json(summary),
            )
            for summary in summaries
        )
        session.add_all(
            VehicleDay(
                org_id=org_id,
                date=day,
                vehicle_id=row.vehicle_id,
                driver_id=row.driver_id,
                row=to_json(row),
            )
            for row in rows
        )
        session.add(ClosedDay(org_id=org_id, date=day, closed_at=now))
    return True


_DATES = ("date",)
_TIMES = ("first_fix", "last_fix")
_IDS = ("vehicle_id", "driver_id", "device_id")


def to_json(row: LogbookRow) -> dict[str, Any]:
    out = asdict(row)
    for key in _DATES + _TIMES:
        out[key] = out[key].isoformat()
    for key in _IDS:
        out[key] = None if out[key] is None else str(out[key])
    return out


def from_json(data: dict[str, Any]) -> LogbookRow:
    values = dict(data)
    values["date"] = date.fromisoformat(values["date"])
    for key in _TIMES:
        values[key] = datetime.fromisoformat(values[key])
    for key in _IDS:
        values[key] = None if values[key] is None else uuid.UUID(values[key])
    return LogbookRow(**values)
