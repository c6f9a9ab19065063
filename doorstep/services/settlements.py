"""Settling a driver's pay for a period from what Doorstep proved: the finished stops
with their proofs, the logbook's kilometres and hours, and the period's service and
safety figures, priced by ``domain.settlements`` under the rule versions in force.

A statement is a draft until approved: settling the period again recomputes it. Once
approved it is frozen (settling again returns it unchanged); a correction is an
adjustment, paid (or taken) on the driver's next statement. Paid follows approved.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import String, Table, delete, select, true, type_coerce
from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain import settlements as pay
from doorstep.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from doorstep.domain.principal import Principal
from doorstep.schemas.settlements import (
    AdjustmentCreate,
    DisputeCreate,
    DisputeResolve,
    PayRuleCreate,
    SettleRequest,
)
from doorstep.services import accounts, rollups
from doorstep.services.events import emit
from doorstep.services.references import check_references
from doorstep.storage import repository as repo
from doorstep.storage.tables import (
    Carrier,
    Driver,
    Order,
    PayAdjustment,
    PayDispute,
    PayRuleVersion,
    Proof,
    Route,
    Statement,
    StatementLine,
    Stop,
)
from doorstep.storage.tables.base import OrgMixin

FINISHED = ("completed", "failed")
DRIVER = {"driver_id": (Driver, "driver")}
PAYEES: dict[str, tuple[type[OrgMixin], str]] = {
    "driver_id": (Driver, "driver"),
    "carrier_id": (Carrier, "carrier"),
}


@dataclass(frozen=True)
class Payee:
    """Whom a statement pays: a driver for their own work, or a carrier for all its
    drivers'."""

    kind: str  # driver, carrier
    id: uuid.UUID
    name: str
    drivers: tuple[Driver, ...]


def create_rule(session: Session, principal: Principal, data: PayRuleCreate) -> PayRuleVersion:
    check_references(
        session,
        principal.org_id,
        {"driver_id": data.driver_id, "carrier_id": data.carrier_id},
        PAYEES,
    )
    same = session.scalar(
        select(PayRuleVersion.id).where(
            PayRuleVersion.org_id == principal.org_id,
            PayRuleVersion.driver_id.is_(None)
            if data.driver_id is None
            else PayRuleVersion.driver_id == data.driver_id,
            PayRuleVersion.carrier_id.is_(None)
            if data.carrier_id is None
            else PayRuleVersion.carrier_id == data.carrier_id,
            PayRuleVersion.effective_from == data.effective_from,
        )
    )
    if same is not None:
        whose = (
            "this driver"
            if data.driver_id is not None
            else "this carrier"
            if data.carrier_id is not None
            else "the organisation"
        )
        raise Conflict(
            f"{whose} already has a pay rule version from {data.effective_from}; versions "
            "are never edited or overlaid: date the new one from another day"
        )
    row = PayRuleVersion(
        org_id=principal.org_id,
        driver_id=data.driver_id,
        carrier_id=data.carrier_id,
        effective_from=data.effective_from,
        rates=data.rates.model_dump(mode="json"),
        note=data.note,
        created_by=principal.name,
    )
    session.add(row)
    session.flush()
    return row


def list_rules(
    session: Session,
    principal: Principal,
    driver_id: uuid.UUID | None = None,
    carrier_id: uuid.UUID | None = None,
) -> list[PayRuleVersion]:
    stmt = repo.owned(PayRuleVersion, principal.org_id)
    if driver_id is not None:
        stmt = stmt.where(PayRuleVersion.driver_id == driver_id)
    if carrier_id is not None:
        stmt = stmt.where(PayRuleVersion.carrier_id == carrier_id)
    return list(session.scalars(stmt.order_by(PayRuleVersion.effective_from)))


def settle(session: Session, principal: Principal, data: SettleRequest, now: datetime) -> Statement:
    """The payee's statement for the period: computed (again) while a draft, returned
    as it stands once approved."""
    rollups.check_period(data.period_start, data.period_end)
    ids = {"driver_id": data.driver_id, "carrier_id": data.carrier_id}
    check_references(session, principal.org_id, ids, PAYEES)
    if data.driver_id is not None:
        driver = repo.get_owned(session, Driver, principal.org_id, data.driver_id, "driver")
        if driver.carrier_id is not None:
            carrier = session.get(Carrier, driver.carrier_id)
            raise InvalidInput(
                [FieldError(("body", "driver_id"), "drives for a carrier")],
                f"{driver.name} drives for {carrier.name if carrier else 'a carrier'}, which is "
                "paid for their work: settle the carrier (carrier_id)",
            )
        payee = Payee("driver", driver.id, driver.name, (driver,))
    else:
        assert data.carrier_id is not None
        carrier = repo.get_owned(session, Carrier, principal.org_id, data.carrier_id, "carrier")
        payee = _carrier_payee(session, principal, carrier)
    (statement,) = _settle(session, principal, [payee], data.period_start, data.period_end, now)
    return statement


def _carrier_payee(session: Session, principal: Principal, carrier: Carrier) -> Payee:
    drivers = session.scalars(
        repo.owned(Driver, principal.org_id)
        .where(Driver.carrier_id == carrier.id)
        .order_by(Driver.name)
    )
    return Payee("carrier", carrier.id, carrier.name, tuple(drivers))


def settle_all(
    session: Session, principal: Principal, start: date, end: date, now: datetime
) -> list[Statement]:
    """Every active driver's statement for the period, and every active carrier's for
    its drivers (drafts computed, frozen ones as they are). A payee with work but no
    rule in force stops the whole run, naming them."""
    rollups.check_period(start, end)
    drivers = list(session.scalars(repo.owned(Driver, principal.org_id).order_by(Driver.name)))
    carriers = session.scalars(
        repo.owned(Carrier, principal.org_id).where(Carrier.active.is_(True)).order_by(Carrier.name)
    )
    payees = [
        Payee("driver", d.id, d.name, (d,)) for d in drivers if d.active and d.carrier_id is None
    ]
    for carrier in carriers:
        crew = tuple(d for d in drivers if d.carrier_id == carrier.id)
        payees.append(Payee("carrier", carrier.id, carrier.name, crew))
    return _settle(session, principal, payees, start, end, now)


def _settle(
    session: Session,
    principal: Principal,
    payees: list[Payee],
    start: date,
    end: date,
    now: datetime,
) -> list[Statement]:
    """Settle these payees' period with a handful of queries for all of them: what a
    month of a whole fleet costs is its pricing and its lines' insert, not round trips.
    A draft whose lines come out as they were (their digest) keeps them: settling a
    month again rewrites only the statements that changed."""
    org = accounts.get_organisation(session, principal)
    by_driver = [p.id for p in payees if p.kind == "driver"]
    by_carrier = [p.id for p in payees if p.kind == "carrier"]
    existing: dict[tuple[str, uuid.UUID], Statement] = {}
    for chosen, column, kind in (
        (by_driver, Statement.driver_id, "driver"),
        (by_carrier, Statement.carrier_id, "carrier"),
    ):
        if chosen:
            for s in session.scalars(
                repo.owned(Statement, principal.org_id).where(
                    column.in_(chosen),
                    Statement.period_start == start,
                    Statement.period_end == end,
                )
            ):
                key = s.driver_id if kind == "driver" else s.carrier_id
                assert key is not None
                existing[(kind, key)] = s
    open_payees = [
        p
        for p in payees
        if (p.kind, p.id) not in existing or existing[(p.kind, p.id)].status == "draft"
    ]
    ids = [d.id for p in open_payees for d in p.drivers]
    carrier_ids = [p.id for p in open_payees if p.kind == "carrier"]
    own, own_carriers, default = _versions(session, principal.org_id, ids, carrier_ids)
    raw = _raw_facts(session, principal, ids, start, end, now)
    adjustments: dict[tuple[str, uuid.UUID], list[PayAdjustment]] = defaultdict(list)
    if open_payees:
        for a in session.scalars(
            repo.owned(PayAdjustment, principal.org_id)
            .where(PayAdjustment.applied_to.is_(None))
            .order_by(PayAdjustment.created_at)
        ):
            if a.carrier_id is not None:
                adjustments[("carrier", a.carrier_id)].append(a)
            elif a.driver_id is not None:
                adjustments[("driver", a.driver_id)].append(a)
    priced: list[tuple[Statement, list[dict[str, Any]]]] = []  # those whose lines changed
    fresh: dict[tuple[str, uuid.UUID], Statement] = {}
    for payee in open_payees:
        try:
            if payee.kind == "driver":
                lines = pay.price(
                    _facts_of(raw.get(payee.id)),
                    own.get(payee.id, []),
                    start,
                    end,
                    fallback=default,
                )
            else:
                crew = [(d.name, raw.get(d.id)) for d in payee.drivers]
                lines = pay.price_carrier(
                    [(name, _facts_of(r)) for name, r in crew],
                    _crew_metrics([r for _, r in crew]),
                    own_carriers.get(payee.id, []),
                    start,
                    end,
                    fallback=default,
                )
        except pay.NoRule as exc:
            raise InvalidInput(
                [FieldError(("body", "period_start"), str(exc))],
                f"{exc} for {payee.name}: add a pay rule version dated on or before it",
            ) from None
        extra = adjustments.get((payee.kind, payee.id), [])
        statement = existing.get((payee.kind, payee.id)) or Statement(
            org_id=principal.org_id,
            driver_id=payee.id if payee.kind == "driver" else None,
            carrier_id=payee.id if payee.kind == "carrier" else None,
            period_start=start,
            period_end=end,
            status="draft",
            currency=org.currency,
        )
        statement.computed_at = now
        statement.total = pay.total(lines) + sum((a.amount for a in extra), Decimal(0))
        session.add(statement)
        rows = [_line_values(i, line) for i, line in enumerate(lines)]
        rows += [_adjustment_values(len(rows) + i, a) for i, a in enumerate(extra)]
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()
        if statement.lines_digest == digest:
            continue  # settled again to the same lines: they stay as they are
        statement.lines_digest = digest
        fresh[(payee.kind, payee.id)] = statement
        priced.append((statement, rows))
    session.flush()
    stale = [s.id for s, _ in priced if s.id is not None]
    for chunk in range(0, len(stale), 500):
        session.execute(
            delete(StatementLine).where(StatementLine.statement_id.in_(stale[chunk : chunk + 500]))
        )
    values = [
        {**row, "org_id": principal.org_id, "statement_id": statement.id}
        for statement, rows in priced
        for row in rows
    ]
    versions = {
        v.id: uuid.UUID(v.id) for vs in [default, *own.values(), *own_carriers.values()] for v in vs
    }
    for value in values:
        if value["version_id"] is not None:
            value["version_id"] = versions[value["version_id"]]
    _insert_lines(session, values)
    session.flush()
    return [existing.get((p.kind, p.id)) or fresh[(p.kind, p.id)] for p in payees]


def _insert_lines(session: Session, values: list[dict[str, Any]]) -> None:
    """The table's insert, not the ORM's: no RETURNING, no per-row parameter handling
    by SQLAlchemy (half the cost of a month's settlement). On PostgreSQL one COPY on the
    session's own connection, inside its transaction; on SQLite each value goes through
    its column type's own bind processor once, straight to the driver."""
    table = cast(Table, StatementLine.__table__)
    connection = session.connection()
    dialect = connection.dialect
    if not values:
        return
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        _copy_lines(connection.connection.driver_connection, table.name, values)
        return
    if dialect.name != "sqlite":
        for value in values:
            value["id"] = uuid.uuid4()
        for chunk in range(0, len(values), 5000):
            session.execute(table.insert(), values[chunk : chunk + 5000])
        return
    # Random version-4 ids, as the column stores them (32 hex digits), drawn in one go.
    blob = os.urandom(16 * len(values)).hex()
    for i, value in enumerate(values):
        h = blob[32 * i : 32 * i + 32]
        value["id"] = f"{h[:12]}4{h[13:16]}{'89ab'[int(h[16], 16) & 3]}{h[17:]}"
    columns = [c for c in table.columns if c.name in values[0]]
    processors = [c.type.bind_processor(dialect) for c in columns]
    sql = (
        f"INSERT INTO {table.name} ({', '.join(c.name for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    # Most columns repeat a few values (the statement, the day, the rate, the amount):
    # each distinct value is processed once.
    converters = [_converter(c.name, p) for c, p in zip(columns, processors, strict=True)]
    names = [c.name for c in columns]
    rows = [tuple(f(value[n]) for n, f in zip(names, converters, strict=True)) for value in values]
    for chunk in range(0, len(rows), 5000):
        connection.exec_driver_sql(sql, rows[chunk : chunk + 5000])


def _copy_lines(raw: Any, table: str, values: list[dict[str, Any]]) -> None:
    """COPY ... FROM STDIN through psycopg; the evidence as its JSON text, which the
    server parses into the column (it holds only JSON's own types)."""
    names = [n for n in values[0] if n != "id"]
    evidence = names.index("evidence") if "evidence" in names else -1
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} (id, {', '.join(names)}) FROM STDIN") as copy,
    ):
        for value in values:
            row = [uuid.uuid4(), *(value[n] for n in names)]
            if evidence >= 0 and row[evidence + 1] is not None:
                row[evidence + 1] = json.dumps(row[evidence + 1])
            copy.write_row(row)


def _converter(name: str, process: Any) -> Any:
    if process is None or name == "id":
        return _same
    if name == "evidence":
        return lambda value: None if value is None else process(value)
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value is None:
            return None
        try:
            return seen[value]
        except KeyError:
            seen[value] = done = process(value)
            return done

    return convert


def _same(value: Any) -> Any:
    return value


def _line_values(position: int, line: pay.Line) -> dict[str, Any]:
    return {
        "position": position,
        "day": line.day,
        "kind": line.kind,
        "description": line.description,
        "quantity": line.quantity,
        "rate": line.rate,
        "amount": line.amount,
        "version_id": line.version_id,  # text here; _settle turns it into the UUID once
        "adjustment_id": None,
        "evidence": line.evidence,
        "flag": line.flag,
    }


def _adjustment_values(position: int, a: PayAdjustment) -> dict[str, Any]:
    return {
        "position": position,
        "day": None,
        "kind": "adjustment",
        "description": f"Adjustment: {a.reason}",
        "quantity": Decimal(1),
        "rate": a.amount,
        "amount": a.amount,
        "version_id": None,
        "adjustment_id": a.id,
        "evidence": {"adjustment_id": str(a.id), "refers_to": _str(a.refers_to)},
        "flag": None,
    }


def _versions(
    session: Session,
    org_id: uuid.UUID,
    driver_ids: list[uuid.UUID],
    carrier_ids: list[uuid.UUID] | None = None,
) -> tuple[
    dict[uuid.UUID, list[pay.Version]], dict[uuid.UUID, list[pay.Version]], list[pay.Version]
]:
    """The drivers' own versions, the carriers' own, and the organisation's default."""
    own: dict[uuid.UUID, list[pay.Version]] = defaultdict(list)
    carriers: dict[uuid.UUID, list[pay.Version]] = defaultdict(list)
    default: list[pay.Version] = []
    wanted_drivers, wanted_carriers = set(driver_ids), set(carrier_ids or ())
    for row in session.scalars(select(PayRuleVersion).where(PayRuleVersion.org_id == org_id)):
        version = pay.Version(str(row.id), row.effective_from, rates_from(row.rates))
        if row.driver_id is not None:
            if row.driver_id in wanted_drivers:
                own[row.driver_id].append(version)
        elif row.carrier_id is not None:
            if row.carrier_id in wanted_carriers:
                carriers[row.carrier_id].append(version)
        else:
            default.append(version)
    return own, carriers, default


def rates_from(data: dict[str, Any]) -> pay.Rates:
    return pay.Rates(
        **{
            k: Decimal(str(data.get(k, 0)))
            for k in (
                "per_stop",
                "per_parcel",
                "per_failed_attempt",
                "per_km",
                "per_hour",
                "min_per_day",
            )
        },
        extras=tuple(
            pay.Extra(
                e["name"],
                Decimal(str(e["amount"])),
                pay.Condition(
                    pay.Metric(e["metric"]),
                    None if e.get("at_least") is None else Decimal(str(e["at_least"])),
                    None if e.get("at_most") is None else Decimal(str(e["at_most"])),
                ),
                bool(e.get("deduction")),
            )
            for e in data.get("extras", [])
        ),
        pay_unproven=bool(data.get("pay_unproven")),
    )


@dataclass(frozen=True)
class Raw:
    """A driver's period as read: finished stops, logbook rows, route summaries."""

    stops: list[pay.Stop] = field(default_factory=list)
    logbook: list[Any] = field(default_factory=list)
    routes: list[Any] = field(default_factory=list)


def _facts_of(raw: Raw | None) -> pay.Facts:
    return pay.Facts() if raw is None else _driver_facts(raw.stops, raw.logbook, raw.routes)


def _crew_metrics(raws: list[Raw | None]) -> dict[pay.Metric, Decimal | None]:
    """A carrier's figures (on time, rating, safety) over all its drivers' periods."""
    present = [raw for raw in raws if raw is not None]
    return _metrics(
        [row for raw in present for row in raw.logbook],
        [route for raw in present for route in raw.routes],
    )


def _raw_facts(
    session: Session,
    principal: Principal,
    driver_ids: list[uuid.UUID],
    start: date,
    end: date,
    now: datetime,
) -> dict[uuid.UUID, Raw]:
    """Each driver's finished stops (with proofs and parcels), logbook rows and route
    summaries for the period, read for all of them at once."""
    if not driver_ids:
        return {}
    # Ids are read as text (a month of a fleet is hundreds of thousands of them, and
    # evidence keeps them as text anyway): _id_text gives the canonical form either way.
    wanted = {str(d) for d in driver_ids}
    rows = session.execute(
        select(
            type_coerce(Stop.id, String).label("stop_id"),
            type_coerce(Stop.order_id, String).label("order_id"),
            Stop.status,
            type_coerce(Route.id, String).label("route_id"),
            Route.date,
            Order.items,
            Stop.sequence,
            type_coerce(Route.driver_id, String).label("driver_id"),
        )
        .join(Route, Route.id == Stop.route_id)
        .outerjoin(Order, Order.id == Stop.order_id)
        .where(
            Route.org_id == principal.org_id,
            Route.date >= start,
            Route.date <= end,
            Route.driver_id.in_(driver_ids) if len(driver_ids) <= 500 else true(),
            Stop.kind == "delivery",
            Stop.status.in_(FINISHED),
        )
    ).all()
    proofs: dict[str, list[str]] = defaultdict(list)
    if rows:
        for stop_id, proof_id in session.execute(
            select(
                type_coerce(Proof.stop_id, String).label("stop_id"),
                type_coerce(Proof.id, String).label("proof_id"),
            )
            .join(Stop, Stop.id == Proof.stop_id)
            .join(Route, Route.id == Stop.route_id)
            .where(
                Proof.org_id == principal.org_id,
                Route.org_id == principal.org_id,
                Route.date >= start,
                Route.date <= end,
            )
        ):
            if stop_id is not None:
                proofs[_id_text(stop_id)].append(_id_text(proof_id))
    stops: dict[str, list[pay.Stop]] = defaultdict(list)
    raw_drivers = {str(d): str(d) for d in driver_ids} | {d.hex: str(d) for d in driver_ids}
    route_text: dict[Any, str] = {}
    for stop_id, order_id, status, route_id, day, items, sequence, driver_id in rows:
        driver = raw_drivers.get(str(driver_id)) if driver_id is not None else None
        if driver is None:
            continue
        route_key = route_text.get(route_id)
        if route_key is None:
            route_key = route_text[route_id] = _id_text(route_id)
        stop = _id_text(stop_id)
        stops[driver].append(
            pay.Stop(
                day=day,
                stop_id=stop,
                order_id=_id_text(order_id) if order_id is not None else None,
                delivered=status == "completed",
                parcels=items or 1,
                proof_ids=tuple(sorted(proofs.get(stop, ()))),
                route_id=route_key,
                sequence=sequence,
            )
        )
    one = driver_ids[0] if len(driver_ids) == 1 else None
    logbook = _by_driver(
        rollups.logbook_period(session, principal, start, end, now, driver_id=one), wanted
    )
    routes = _by_driver(
        rollups.routes_period(session, principal, start, end, now, driver_id=one), wanted
    )
    return {d: Raw(stops[str(d)], logbook[d], routes[d]) for d in driver_ids}


def _by_driver(rows: Iterable[Any], wanted: set[str]) -> dict[uuid.UUID, list[Any]]:
    """Rows carrying a ``driver_id`` (logbook days, route summaries), per wanted driver."""
    out: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in rows:
        if row.driver_id is not None and str(row.driver_id) in wanted:
            out[row.driver_id].append(row)
    return out


def _driver_facts(stops: list[pay.Stop], logbook: list[Any], routes: list[Any]) -> pay.Facts:
    by_day: dict[date, list[Any]] = defaultdict(list)
    for r in logbook:
        by_day[r.date].append(r)
    days = tuple(
        pay.Day(
            day,
            km=(Decimal(str(sum(r.distance_m for r in rs))) / 1000).quantize(Decimal("0.001")),
            hours=(
                Decimal(str(sum((r.last_fix - r.first_fix).total_seconds() for r in rs))) / 3600
            ).quantize(Decimal("0.01")),
            vehicle=", ".join(sorted({r.vehicle_name for r in rs})),
        )
        for day, rs in sorted(by_day.items())
    )
    return pay.Facts(stops=tuple(stops), days=days, metrics=_metrics(logbook, routes))


def _metrics(logbook: list[Any], routes: list[Any]) -> dict[pay.Metric, Decimal | None]:
    """The period's figures that bonuses and deductions test."""
    delivered = sum(r.delivered for r in routes)
    with_window = sum(r.with_window for r in routes)
    stars_n = sum(r.stars_n for r in routes)
    km = sum(r.distance_m for r in logbook) / 1000
    safety = sum(r.safety_events for r in logbook)
    metrics: dict[pay.Metric, Decimal | None] = {
        pay.Metric.DELIVERIES: Decimal(delivered),
        pay.Metric.ON_TIME_RATE: (
            Decimal(sum(r.on_time for r in routes)) / with_window if with_window else None
        ),
        pay.Metric.RATING: (
            Decimal(sum(r.stars_sum for r in routes)) / stars_n if stars_n else None
        ),
        pay.Metric.SAFETY_PER_100KM: (
            (Decimal(safety) / Decimal(str(km)) * 100).quantize(Decimal("0.01"))
            if km >= 10
            else None
        ),
    }
    return metrics


def get_statement(session: Session, principal: Principal, statement_id: uuid.UUID) -> Statement:
    return repo.get_owned(session, Statement, principal.org_id, statement_id, "statement")


def document(session: Session, principal: Principal, statement: Statement) -> dict[str, Any]:
    """What a printed statement shows: the statement, its lines, whose and whose pay."""
    org = accounts.get_organisation(session, principal)
    return {
        "organisation": org.name,
        "driver": _payee_name(session, statement),
        "period_start": statement.period_start,
        "period_end": statement.period_end,
        "status": statement.status,
        "currency": statement.currency,
        "total": statement.total,
        "computed_at": statement.computed_at,
        "approved": None
        if statement.approved_at is None
        else f"by {statement.approved_by} at {statement.approved_at:%Y-%m-%d %H:%M} UTC",
        "paid": None
        if statement.paid_at is None
        else f"by {statement.paid_by} at {statement.paid_at:%Y-%m-%d %H:%M} UTC",
        "lines": lines_of(session, statement),
    }


def _payee_name(session: Session, statement: Statement) -> str:
    if statement.carrier_id is not None:
        carrier = session.get(Carrier, statement.carrier_id)
        return f"{carrier.name} (carrier)" if carrier is not None else str(statement.carrier_id)
    driver = session.get(Driver, statement.driver_id) if statement.driver_id else None
    return driver.name if driver is not None else str(statement.driver_id)


def lines_of(session: Session, statement: Statement) -> list[StatementLine]:
    return list(
        session.scalars(
            select(StatementLine)
            .where(StatementLine.statement_id == statement.id)
            .order_by(StatementLine.position)
        )
    )


def list_statements(
    session: Session,
    principal: Principal,
    driver_id: uuid.UUID | None = None,
    status: str | None = None,
    carrier_id: uuid.UUID | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = 500,
) -> list[Statement]:
    """Newest period first; with ``start``/``end``, those whose period lies within."""
    stmt = repo.owned(Statement, principal.org_id)
    if start is not None:
        stmt = stmt.where(Statement.period_start >= start)
    if end is not None:
        stmt = stmt.where(Statement.period_end <= end)
    if driver_id is not None:
        stmt = stmt.where(Statement.driver_id == driver_id)
    if carrier_id is not None:
        stmt = stmt.where(Statement.carrier_id == carrier_id)
    if status is not None:
        stmt = stmt.where(Statement.status == status)
    return list(
        session.scalars(stmt.order_by(Statement.period_start.desc(), Statement.id).limit(limit))
    )


def approve(
    session: Session, principal: Principal, statement_id: uuid.UUID, now: datetime
) -> Statement:
    statement = get_statement(session, principal, statement_id)
    if statement.status != "draft":
        raise Conflict(f"the statement is already {statement.status}")
    statement.status = "approved"
    statement.approved_at = now
    statement.approved_by = principal.name
    for line in lines_of(session, statement):
        if line.adjustment_id is not None:
            adjustment = session.get(PayAdjustment, line.adjustment_id)
            if adjustment is not None:
                adjustment.applied_to = statement.id
    session.flush()
    return statement


def mark_paid(
    session: Session, principal: Principal, statement_id: uuid.UUID, now: datetime
) -> Statement:
    statement = get_statement(session, principal, statement_id)
    if statement.status != "approved":
        raise Conflict(f"the statement is {statement.status}; only an approved statement is paid")
    statement.status = "paid"
    statement.paid_at = now
    statement.paid_by = principal.name
    session.flush()
    return statement


def adjust(
    session: Session, principal: Principal, statement_id: uuid.UUID, data: AdjustmentCreate
) -> PayAdjustment:
    """A correction to a frozen statement, carried to the driver's next statement."""
    statement = get_statement(session, principal, statement_id)
    if statement.status == "draft":
        raise Conflict(
            "the statement is still a draft: fix the facts or the rules and settle it again"
        )
    row = PayAdjustment(
        org_id=principal.org_id,
        driver_id=statement.driver_id,
        carrier_id=statement.carrier_id,
        amount=data.amount,
        reason=data.reason,
        refers_to=statement.id,
        created_by=principal.name,
    )
    session.add(row)
    session.flush()
    return row


def _id_text(value: Any) -> str:
    """An id as text with dashes: SQLite stores 32 hex digits, PostgreSQL's driver
    gives a UUID."""
    text = str(value)
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def _str(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


def own_statements(session: Session, principal: Principal, driver_id: uuid.UUID) -> list[Statement]:
    return list_statements(session, principal, driver_id)


def own_statement(
    session: Session, principal: Principal, driver_id: uuid.UUID, statement_id: uuid.UUID
) -> Statement:
    """The driver's own statement; another driver's is as unknown as a made-up id."""
    statement = get_statement(session, principal, statement_id)
    if statement.driver_id != driver_id:
        raise NotFound("statement", statement_id)
    return statement


def earnings(
    session: Session, principal: Principal, driver_id: uuid.UUID, day: date, now: datetime
) -> dict[str, Any]:
    """The day's pay so far, priced as a statement would be, stored nowhere."""
    org = accounts.get_organisation(session, principal)
    driver = session.get(Driver, driver_id)
    carrier = session.get(Carrier, driver.carrier_id) if driver and driver.carrier_id else None
    if carrier is not None:
        return {
            "day": day,
            "total": Decimal(0),
            "currency": org.currency,
            "lines": [],
            "note": f"You drive for {carrier.name}, which is paid for your work and pays you.",
        }
    own, _, default = _versions(session, principal.org_id, [driver_id])
    facts = _facts_of(_raw_facts(session, principal, [driver_id], day, day, now)[driver_id])
    try:
        lines = pay.price(facts, own.get(driver_id, []), day, day, fallback=default)
    except pay.NoRule:
        lines = []
    public = [
        {
            "position": i,
            "day": line.day,
            "kind": line.kind,
            "description": line.description,
            "quantity": line.quantity,
            "rate": line.rate,
            "amount": line.amount,
            "version_id": line.version_id,
            "evidence": line.evidence,
            "flag": line.flag,
        }
        for i, line in enumerate(lines)
    ]
    return {
        "day": day,
        "total": pay.total(lines),
        "currency": org.currency,
        "lines": public,
        "note": "So far today, by the rules in force; the statement is what is paid."
        if lines
        else "Nothing priced yet today.",
    }


def dispute(
    session: Session,
    principal: Principal,
    driver_id: uuid.UUID,
    statement_id: uuid.UUID,
    data: DisputeCreate,
) -> PayDispute:
    statement = own_statement(session, principal, driver_id, statement_id)
    if data.line is not None and data.line >= len(lines_of(session, statement)):
        raise InvalidInput(
            [FieldError(("body", "line"), "no such line on the statement")],
            f"the statement has no line {data.line}",
        )
    row = PayDispute(
        org_id=principal.org_id,
        statement_id=statement.id,
        driver_id=driver_id,
        line_position=data.line,
        comment=data.comment,
        status="open",
    )
    session.add(row)
    session.flush()
    emit(
        session,
        Event(
            str(principal.org_id),
            "pay.disputed",
            {"dispute_id": str(row.id), "statement_id": str(statement.id)},
        ),
    )
    return row


def disputes(
    session: Session,
    principal: Principal,
    status: str | None = None,
    driver_id: uuid.UUID | None = None,
) -> list[dict[str, Any]]:
    """Disputes with the disputed line (and so its evidence) attached; a driver's own
    with ``driver_id``."""
    stmt = repo.owned(PayDispute, principal.org_id)
    if driver_id is not None:
        stmt = stmt.where(PayDispute.driver_id == driver_id)
    if status is not None:
        stmt = stmt.where(PayDispute.status == status)
    out = []
    for row in session.scalars(stmt.order_by(PayDispute.created_at.desc()).limit(500)):
        line = None
        if row.line_position is not None:
            line = session.scalar(
                select(StatementLine).where(
                    StatementLine.statement_id == row.statement_id,
                    StatementLine.position == row.line_position,
                )
            )
        out.append({**dispute_fields(row), "line": line})
    return out


def resolve(
    session: Session,
    principal: Principal,
    dispute_id: uuid.UUID,
    data: DisputeResolve,
    now: datetime,
) -> dict[str, Any]:
    """Accepted with an amount: an adjustment, on the driver's next statement (or the
    current one while it is a draft)."""
    row = repo.get_owned(session, PayDispute, principal.org_id, dispute_id, "dispute")
    if row.status != "open":
        raise Conflict(f"the dispute was already {row.status}")
    row.status = "accepted" if data.accepted else "refused"
    row.resolution = data.resolution
    row.resolved_by = principal.name
    row.resolved_at = now
    if data.amount is not None:
        adjustment = PayAdjustment(
            org_id=principal.org_id,
            driver_id=row.driver_id,
            amount=data.amount,
            reason=f"Dispute: {data.resolution}",
            refers_to=row.statement_id,
            created_by=principal.name,
        )
        session.add(adjustment)
        session.flush()
        row.adjustment_id = adjustment.id
    session.flush()
    return {**dispute_fields(row), "line": None}


def dispute_fields(row: PayDispute) -> dict[str, Any]:
    return {
        name: getattr(row, name)
        for name in (
            "id",
            "statement_id",
            "driver_id",
            "line_position",
            "comment",
            "status",
            "resolution",
            "resolved_by",
            "resolved_at",
            "adjustment_id",
            "created_at",
        )
    }


PAYROLL_COLUMNS = (
    "statement_id",
    "driver_id",
    "driver_name",
    "period_start",
    "period_end",
    "status",
    "currency",
    "deliveries",
    "failed_attempts",
    "km",
    "hours",
    "earned",
    "adjustments",
    "total",
    "flagged_lines",
    "carrier_id",
    "carrier_name",
)


def payroll(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    statuses: tuple[str, ...] = ("approved", "paid"),
) -> list[list[Any]]:
    """One row per statement whose period lies within ``start``..``end`` (approved and
    paid ones by default: what payroll pays). ``earned`` is the priced work, ``total``
    adds the adjustments; ``total == earned + adjustments`` on every row."""
    rollups.check_period(start, end)
    names = dict((d.id, d.name) for d in session.scalars(repo.owned(Driver, principal.org_id)))
    carriers = dict((c.id, c.name) for c in session.scalars(repo.owned(Carrier, principal.org_id)))
    statements = list(
        session.scalars(
            repo.owned(Statement, principal.org_id)
            .where(
                Statement.period_start >= start,
                Statement.period_end <= end,
                Statement.status.in_(statuses),
            )
            .order_by(Statement.period_start, Statement.driver_id)
        )
    )
    sums: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    if statements:
        for statement_id, kind, quantity, amount, flag in session.execute(
            select(
                StatementLine.statement_id,
                StatementLine.kind,
                StatementLine.quantity,
                StatementLine.amount,
                StatementLine.flag,
            ).where(StatementLine.statement_id.in_([s.id for s in statements]))
        ):
            totals = sums[statement_id]
            if kind == "adjustment":
                totals["adjustments"] += amount
            else:
                totals["earned"] += amount
            if kind == "stop" and amount:
                totals["deliveries"] += 1
            elif kind == "failed_attempt":
                totals["failed"] += 1
            elif kind == "km":
                totals["km"] += quantity
            elif kind == "hour":
                totals["hours"] += quantity
            if flag:
                totals["flagged"] += 1
    return [
        [
            s.id,
            s.driver_id,
            names.get(s.driver_id, "") if s.driver_id is not None else "",
            s.period_start,
            s.period_end,
            s.status,
            s.currency,
            int(sums[s.id]["deliveries"]),
            int(sums[s.id]["failed"]),
            sums[s.id]["km"],
            sums[s.id]["hours"],
            sums[s.id]["earned"],
            sums[s.id]["adjustments"],
            s.total,
            int(sums[s.id]["flagged"]),
            s.carrier_id,
            carriers.get(s.carrier_id, "") if s.carrier_id is not None else "",
        ]
        for s in statements
    ]
