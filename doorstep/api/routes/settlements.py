"""Driver pay: rule versions, settling a period into a statement, approving, paying,
adjusting a frozen statement; a statement's lines as CSV. Admins only."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import StreamingResponse

from doorstep import clock
from doorstep.api import csv_stream
from doorstep.api.deps import Manager, SessionDep, Writer, require
from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.schemas.common import Day
from doorstep.schemas.settlements import (
    AdjustmentCreate,
    AdjustmentPublic,
    DisputeCreate,
    DisputePublic,
    DisputeResolve,
    Earnings,
    PayRuleCreate,
    PayRulePublic,
    SettleAll,
    SettledAll,
    SettleRequest,
    StatementPublic,
)
from doorstep.services import accounts, driver_app
from doorstep.services import settlements as svc

rules = APIRouter(prefix="/pay-rules", tags=["settlements"])
statements = APIRouter(prefix="/statements", tags=["settlements"])
disputes = APIRouter(prefix="/disputes", tags=["settlements"])
mine = APIRouter(prefix="/me", tags=["driver app"])
DriverOnly = Annotated[Principal, Depends(require(Permission.OWN_ROUTES))]
LINE_COLUMNS = (
    "position",
    "day",
    "kind",
    "description",
    "quantity",
    "rate",
    "amount",
    "flag",
    "version_id",
    "evidence",
)


@rules.post("", status_code=status.HTTP_201_CREATED, response_model=PayRulePublic)
def create_pay_rule(body: PayRuleCreate, session: SessionDep, who: Manager) -> Any:
    """A new version of the rates, for a driver or (no driver) the organisation's
    default, from a date on. Versions are never edited: a change is a new version."""
    return svc.create_rule(session, who, body)


@rules.get("", response_model=list[PayRulePublic])
def list_pay_rules(
    session: SessionDep,
    who: Manager,
    driver_id: uuid.UUID | None = None,
    carrier_id: uuid.UUID | None = None,
) -> Any:
    return svc.list_rules(session, who, driver_id, carrier_id)


def _public(session: Any, statement: Any) -> dict[str, Any]:
    out = StatementPublic.model_validate(statement).model_dump()
    out["lines"] = svc.lines_of(session, statement)
    return out


@statements.post("", response_model=StatementPublic)
def settle(body: SettleRequest, session: SessionDep, who: Manager) -> Any:
    """The driver's statement for the period: every line with its evidence (the stop and
    its proofs, the logbook day, the rule version). A draft is computed again each time;
    an approved or paid one comes back unchanged."""
    return _public(session, svc.settle(session, who, body, clock.now()))


@statements.post("/settle-all", response_model=SettledAll)
def settle_all(body: SettleAll, session: SessionDep, who: Manager) -> Any:
    """Every active driver's statement for the period, in one transaction: drafts
    computed again, approved and paid ones untouched."""
    started = time.perf_counter()
    done = svc.settle_all(session, who, body.period_start, body.period_end, clock.now())
    return {
        "statements": len(done),
        "drafts": sum(1 for s in done if s.status == "draft"),
        "frozen": sum(1 for s in done if s.status != "draft"),
        "total": sum((s.total for s in done), Decimal(0)),
        "computed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


@statements.get("/payroll", response_class=StreamingResponse)
def payroll_export(
    session: SessionDep,
    who: Manager,
    start: Annotated[Day, Query(alias="from", description="First day of the periods.")],
    end: Annotated[Day, Query(alias="to", description="Last day of the periods.")],
    include_drafts: Annotated[
        bool, Query(description="Also drafts (default: approved and paid only).")
    ] = False,
) -> Any:
    """The payroll export as CSV: one row per statement whose period lies in `from`..`to`.
    Columns: statement_id, driver_id, driver_name, period_start, period_end, status,
    currency, deliveries (priced), failed_attempts, km, hours, earned (the priced
    work), adjustments, total (= earned + adjustments), flagged_lines (work without
    proof: check before paying), carrier_id and carrier_name (a carrier's statement:
    driver_id and driver_name empty)."""
    statuses = ("draft", "approved", "paid") if include_drafts else ("approved", "paid")
    rows = svc.payroll(session, who, start, end, statuses)
    return csv_stream.response(f"payroll-{start}-{end}.csv", svc.PAYROLL_COLUMNS, rows)


@statements.get("", response_model=list[StatementPublic])
def list_statements(
    session: SessionDep,
    who: Manager,
    driver_id: uuid.UUID | None = None,
    status_: Annotated[Literal["draft", "approved", "paid"] | None, Query(alias="status")] = None,
    carrier_id: uuid.UUID | None = None,
    start: Annotated[
        Day | None, Query(alias="from", description="Periods starting on or after.")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="Periods ending by.")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Any:
    """Statements, newest period first, without their lines; with `from`/`to`, those
    whose period lies within."""
    if start is not None and end is not None and end < start:
        raise InvalidInput(
            [FieldError(("query", "to"), "must not be before 'from'")],
            f"the period ends ({end}) before it starts ({start})",
        )
    return svc.list_statements(session, who, driver_id, status_, carrier_id, start, end, limit)


@statements.get("/{statement_id}", response_model=StatementPublic)
def get_statement(
    statement_id: uuid.UUID,
    session: SessionDep,
    who: Manager,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    statement = svc.get_statement(session, who, statement_id)
    if format == "csv":
        lines = svc.lines_of(session, statement)
        return csv_stream.response(
            f"statement-{statement.period_start}-{statement.period_end}.csv",
            LINE_COLUMNS,
            ([getattr(line, c) for c in LINE_COLUMNS] for line in lines),
        )
    return _public(session, statement)


@statements.post("/{statement_id}/approve", response_model=StatementPublic)
def approve(statement_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    """Freeze the statement: settling its period again changes nothing."""
    return _public(session, svc.approve(session, who, statement_id, clock.now()))


@statements.post("/{statement_id}/paid", response_model=StatementPublic)
def paid(statement_id: uuid.UUID, session: SessionDep, who: Manager) -> Any:
    return _public(session, svc.mark_paid(session, who, statement_id, clock.now()))


@statements.post(
    "/{statement_id}/adjustments",
    status_code=status.HTTP_201_CREATED,
    response_model=AdjustmentPublic,
)
def adjust(
    statement_id: uuid.UUID, body: AdjustmentCreate, session: SessionDep, who: Manager
) -> Any:
    """A correction to an approved or paid statement: a line on the driver's next one."""
    return svc.adjust(session, who, statement_id, body)


@disputes.get("", response_model=list[DisputePublic])
def list_disputes(
    session: SessionDep,
    who: Writer,
    status_: Annotated[Literal["open", "accepted", "refused"] | None, Query(alias="status")] = None,
) -> Any:
    """Drivers' disputes, newest first, each with the line it is about and its evidence:
    dispatchers see them too (an admin resolves them)."""
    return svc.disputes(session, who, status_)


@disputes.post("/{dispute_id}/resolve", response_model=DisputePublic)
def resolve_dispute(
    dispute_id: uuid.UUID, body: DisputeResolve, session: SessionDep, who: Manager
) -> Any:
    """Accept (with the amount owed: an adjustment on the driver's next statement) or
    refuse, with the reason the driver will read."""
    return svc.resolve(session, who, dispute_id, body, clock.now())


@mine.get("/statements", response_model=list[StatementPublic])
def my_statements(session: SessionDep, who: DriverOnly) -> Any:
    """The driver's own statements, newest period first."""
    return svc.own_statements(session, who, driver_app.driver_id_of(who))


@mine.get("/statements/{statement_id}", response_model=StatementPublic)
def my_statement(statement_id: uuid.UUID, session: SessionDep, who: DriverOnly) -> Any:
    statement = svc.own_statement(session, who, driver_app.driver_id_of(who), statement_id)
    return _public(session, statement)


@mine.post(
    "/statements/{statement_id}/disputes",
    status_code=status.HTTP_201_CREATED,
    response_model=DisputePublic,
)
def dispute_line(
    statement_id: uuid.UUID, body: DisputeCreate, session: SessionDep, who: DriverOnly
) -> Any:
    """Object to a line (or the whole statement) with a comment; dispatch sees it with
    the line's evidence."""
    row = svc.dispute(session, who, driver_app.driver_id_of(who), statement_id, body)
    return {**svc.dispute_fields(row), "line": None}


@mine.get("/disputes", response_model=list[DisputePublic])
def my_disputes(session: SessionDep, who: DriverOnly) -> Any:
    """The driver's own disputes, newest first: open, or accepted or refused and why."""
    return svc.disputes(session, who, driver_id=driver_app.driver_id_of(who))


@mine.get("/earnings", response_model=Earnings)
def my_earnings(session: SessionDep, who: DriverOnly, day: Day | None = None) -> Any:
    """Today's pay so far (or `day`'s), priced as the statement would be."""
    now = clock.now()
    org = accounts.get_organisation(session, who)
    org_day = day or now.astimezone(ZoneInfo(org.timezone)).date()
    return svc.earnings(session, who, driver_app.driver_id_of(who), org_day, now)
