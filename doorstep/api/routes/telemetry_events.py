"""Fleet events: what the detectors saw (speeding, harsh braking, offline, maintenance
due, ...), each with the fixes and thresholds that fired it and a sentence saying why;
as JSON pages or one CSV export."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from doorstep.api.deps import Offset, Reader, SessionDep
from doorstep.domain.errors import FieldError, InvalidInput
from doorstep.domain.event_summary import ALERT_KINDS, KINDS
from doorstep.schemas.common import Page, Timestamp
from doorstep.schemas.telemetry_events import TelemetryEventPublic
from doorstep.services import telemetry_events as svc
from doorstep.storage.repository import MAX_PAGE

router = APIRouter(prefix="/telemetry-events", tags=["telemetry"])

DEFAULT_PAGE = 50


@router.get(
    "",
    response_model=Page[TelemetryEventPublic],
    responses={200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with format=csv"}},
)
def list_events(
    session: SessionDep,
    who: Reader,
    vehicle_id: uuid.UUID | None = None,
    device_id: uuid.UUID | None = None,
    kind: Annotated[
        list[str] | None,
        Query(description=f"Repeat or separate with commas. Known: {', '.join(KINDS)}."),
    ] = None,
    since: Annotated[Timestamp | None, Query(description="From this time (inclusive).")] = None,
    until: Annotated[Timestamp | None, Query(description="Up to this time (exclusive).")] = None,
    alerts_only: Annotated[
        bool, Query(description=f"Only alerts: {', '.join(sorted(ALERT_KINDS))}.")
    ] = False,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=svc.EXPORT_MAX,
            description=f"Page size: {DEFAULT_PAGE} by default and at most {MAX_PAGE} for "
            f"JSON; a CSV export holds up to {svc.EXPORT_MAX} rows, all by default.",
        ),
    ] = None,
    offset: Offset = 0,
) -> Any:
    """The organisation's events, newest first, filtered by vehicle, device, kind and
    time. CSV columns: time, kind, vehicle_id, vehicle_name, device_id, summary, data
    (JSON); `X-Total-Count` says how many match, so a cut-off export shows."""
    if format == "json" and limit is not None and limit > MAX_PAGE:
        raise InvalidInput(
            [FieldError(("query", "limit"), f"at most {MAX_PAGE} for JSON; CSV exports more")]
        )
    size = limit or (DEFAULT_PAGE if format == "json" else svc.EXPORT_MAX)
    filters = svc.EventFilters(
        vehicle_id=vehicle_id,
        device_id=device_id,
        kinds=tuple(kind or ()),
        since=since,
        until=until,
        alerts_only=alerts_only,
    )
    rows, total = svc.list_events(session, who, filters, size, offset)
    if format == "csv":
        return Response(
            svc.as_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="telemetry-events.csv"',
                "X-Total-Count": str(total),
            },
        )
    return {"items": rows, "total": total, "limit": size, "offset": offset}


@router.get("/{event_id}", response_model=TelemetryEventPublic)
def get_event(
    event_id: Annotated[int, Path(ge=1, le=svc.MAX_ID)], session: SessionDep, who: Reader
) -> Any:
    """One event with everything that fired it."""
    return svc.get_event(session, who, event_id)
