"""Settling a driver's pay for a period from what Doorstep proved: the finished stops
with their proofs, the logbook's kilometres and hours, and the period's service and
safety figures, priced by ``domain.settlements`` under the rule versions in force.

A statement is a draft until approved: settling the period again recomputes it. Once
approved it is frozen (settling again returns it unchanged); a correction is an
adjustment, paid (or taken) on the driver's next statement. Paid follows approved.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
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

FINISHED = ("completed", "failed")
DRIVER = {"driver_id": (Driver, "driver")}


def create_rule(session: Session, principal: Principal, data: PayRuleCreate) -> PayRuleVersion:
    check_references(session, principal.org_id, {"driver_id": data.driver_id}, DRIVER)
    same = session.scalar(
        select(PayRuleVersion.id).where(
            PayRuleVersion.org_id == principal.org_id,
            PayRuleVersion.driver_id.is_(None)
            if data.driver_id is None
            else PayRuleVersion.driver_id == data.driver_id,
            PayRuleVersion.effective_from == data.effective_from,
        )
    )
    if same is not None:
        whose = "the organisation" if data.driver_id is None else "this driver"
        raise Conflict(
            f"{whose} already has a pay rule version from {data.effective_from}; versions "
            "are never edited or overlaid: date the new one from another day"
        )
    row = PayRuleVersion(
        org_id=principal.org_id,
        driver_id=data.driver_id,
        effective_from=data.effective_from,
        rates=data.rates.model_dump(mode="json"),
        note=data.note,
        created_by=principal.name,
    )
    session.add(row)
    session.flush()
    return row


def list_rules(
    session: Session, principal: Principal, driver_id: uuid.UUID | None = None
) -> list[PayRuleVersion]:
    stmt = repo.owned(PayRuleVersion, principal.org_id)
    if driver_id is not None:
        stmt = stmt.where(PayRuleVersion.driver_id == driver_id)
    return list(session.scalars(stmt.order_by(PayRuleVersion.effective_from)))


def settle(session: Session, principal: Principal, data: SettleRequest, now: datetime) -> Statement:
    """The driver's statement for the period: computed (again) while a draft, returned
    as it stands once approved."""
    start, end = data.period_start, data.period_end
    rollups.check_period(start, end)
    check_references(session, principal.org_id, {"driver_id": data.driver_id}, DRIVER)
    driver = repo.get_owned(session, Driver, principal.org_id, data.driver_id, "driver")
    existing = session.scalar(
        repo.owned(Statement, principal.org_id).where(
            Statement.driver_id == driver.id,
            Statement.period_start == start,
            Statement.period_end == end,
        )
    )
    if existing is not None and existing.status != "draft":
        return existing
    org = accounts.get_organisation(session, principal)
    own, default = _versions(session, principal.org_id, driver.id)
    facts = _facts(session, principal, driver.id, start, end, now)
    try:
        lines = pay.price(facts, own, start, end, fallback=default)
    except pay.NoRule as exc:
        raise InvalidInput(
            [FieldError(("body", "period_start"), str(exc))],
            f"{exc} for {driver.name}: add a pay rule version dated on or before it",
        ) from None
    adjustments = list(
        session.scalars(
            repo.owned(PayAdjustment, principal.org_id)
            .where(PayAdjustment.driver_id == driver.id, PayAdjustment.applied_to.is_(None))
            .order_by(PayAdjustment.created_at)
        )
    )
    statement = existing or Statement(
        org_id=principal.org_id,
        driver_id=driver.id,
        period_start=start,
        period_end=end,
        status="draft",
        currency=org.currency,
    )
    statement.computed_at = now
    statement.total = pay.total(lines) + sum((a.amount for a in adjustments), Decimal(0))
    session.add(statement)
    session.flush()
    session.execute(delete(StatementLine).where(StatementLine.statement_id == statement.id))
    rows = [_line_row(statement, i, line) for i, line in enumerate(lines)]
    for a in adjustments:
        rows.append(
            StatementLine(
                org_id=statement.org_id,
                statement_id=statement.id,
                position=len(rows),
                day=None,
                kind="adjustment",
                description=f"Adjustment: {a.reason}",
                quantity=Decimal(1),
                rate=a.amount,
                amount=a.amount,
                version_id=None,
                adjustment_id=a.id,
                evidence={"adjustment_id": str(a.id), "refers_to": _str(a.refers_to)},
                flag=None,
            )
        )
    session.add_all(rows)
    session.flush()
    return statement


def _line_row(statement: Statement, position: int, line: pay.Line) -> StatementLine:
    return StatementLine(
        org_id=statement.org_id,
        statement_id=statement.id,
        position=position,
        day=line.day,
        kind=line.kind,
        description=line.description,
        quantity=line.quantity,
        rate=line.rate,
        amount=line.amount,
        version_id=uuid.UUID(line.version_id) if line.version_id else None,
        evidence=line.evidence,
        flag=line.flag,
    )


def _versions(
    session: Session, org_id: uuid.UUID, driver_id: uuid.UUID
) -> tuple[list[pay.Version], list[pay.Version]]:
    own: list[pay.Version] = []
    default: list[pay.Version] = []
    for row in session.scalars(
        select(PayRuleVersion).where(
            PayRuleVersion.org_id == org_id,
            (PayRuleVersion.driver_id == driver_id) | PayRuleVersion.driver_id.is_(None),
        )
    ):
        version = pay.Version(str(row.id), row.effective_from, rates_from(row.rates))
        (default if row.driver_id is None else own).append(version)
    return own, default


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


def _facts(
    session: Session,
    principal: Principal,
    driver_id: uuid.UUID,
    start: date,
    end: date,
    now: datetime,
) -> pay.Facts:
    rows = session.execute(
        select(
            Stop.id, Stop.order_id, Stop.status, Route.id, Route.date, Order.items, Stop.sequence
        )
        .join(Route, Route.id == Stop.route_id)
        .outerjoin(Order, Order.id == Stop.order_id)
        .where(
            Route.org_id == principal.org_id,
            Route.driver_id == driver_id,
            Route.date >= start,
            Route.date <= end,
            Stop.kind == "delivery",
            Stop.status.in_(FINISHED),
        )
    ).all()
    proofs: dict[uuid.UUID, list[str]] = defaultdict(list)
    stop_ids = [r[0] for r in rows]
    for chunk in range(0, len(stop_ids), 500):
        for stop_id, proof_id in session.execute(
            select(Proof.stop_id, Proof.id).where(
                Proof.org_id == principal.org_id,
                Proof.stop_id.in_(stop_ids[chunk : chunk + 500]),
            )
        ):
            if stop_id is not None:
                proofs[stop_id].append(str(proof_id))
    stops = tuple(
        pay.Stop(
            day=day,
            stop_id=str(stop_id),
            order_id=_str(order_id),
            delivered=status == "completed",
            parcels=items or 1,
            proof_ids=tuple(sorted(proofs.get(stop_id, []))),
            route_id=str(route_id),
            sequence=sequence,
        )
        for stop_id, order_id, status, route_id, day, items, sequence in rows
    )
    logbook = rollups.logbook_period(session, principal, start, end, now, driver_id=driver_id)
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
    routes = rollups.routes_period(session, principal, start, end, now, driver_id=driver_id)
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
    return pay.Facts(stops=stops, days=days, metrics=metrics)


def get_statement(session: Session, principal: Principal, statement_id: uuid.UUID) -> Statement:
    return repo.get_owned(session, Statement, principal.org_id, statement_id, "statement")


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
) -> list[Statement]:
    stmt = repo.owned(Statement, principal.org_id)
    if driver_id is not None:
        stmt = stmt.where(Statement.driver_id == driver_id)
    if status is not None:
        stmt = stmt.where(Statement.status == status)
    return list(session.scalars(stmt.order_by(Statement.period_start.desc()).limit(500)))


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
        amount=data.amount,
        reason=data.reason,
        refers_to=statement.id,
        created_by=principal.name,
    )
    session.add(row)
    session.flush()
    return row


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
    own, default = _versions(session, principal.org_id, driver_id)
    facts = _facts(session, principal, driver_id, day, day, now)
    try:
        lines = pay.price(facts, own, day, day, fallback=default)
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
    session: Session, principal: Principal, status: str | None = None
) -> list[dict[str, Any]]:
    """Disputes with the disputed line (and so its evidence) attached."""
    stmt = repo.owned(PayDispute, principal.org_id)
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


def settle_all(
    session: Session, principal: Principal, start: date, end: date, now: datetime
) -> list[Statement]:
    """Every active driver's statement for the period (drafts computed, frozen ones as
    they are). A driver with work but no rule in force stops the whole run, naming them."""
    rollups.check_period(start, end)
    drivers = session.scalars(
        repo.owned(Driver, principal.org_id).where(Driver.active.is_(True)).order_by(Driver.name)
    )
    return [
        settle(
            session,
            principal,
            SettleRequest(driver_id=d.id, period_start=start, period_end=end),
            now,
        )
        for d in list(drivers)
    ]
