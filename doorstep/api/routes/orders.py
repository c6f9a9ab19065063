"""Orders: create (idempotent), import, search, change, status, timeline."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Header, Query, Request, Response, UploadFile, status

from doorstep import clock
from doorstep.api.deps import Limit, Offset, Reader, Search, SessionDep, Writer
from doorstep.api.limits import PayloadTooLarge
from doorstep.domain.order_status import OrderStatus
from doorstep.schemas.common import Day, Page, Timestamp
from doorstep.schemas.orders import (
    Board,
    ImportResult,
    NotifyRequest,
    NotifyResults,
    OrderCreate,
    OrderEventPublic,
    OrderPublic,
    OrderUpdate,
    StatusChange,
)
from doorstep.schemas.track import OrderRatingPublic
from doorstep.services import customer_notices, order_import, track
from doorstep.services import order_board as order_board_svc
from doorstep.services import orders as svc

router = APIRouter(prefix="/orders", tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Send the same key on a retry to get the first result back.",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=OrderPublic)
def create_order(
    body: OrderCreate,
    response: Response,
    session: SessionDep,
    who: Writer,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Create an order. With an `Idempotency-Key`, a retry returns the first order."""
    created = svc.create_order(session, who, body, idempotency_key=idempotency_key)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return created.order


@router.post("/import", status_code=status.HTTP_201_CREATED, response_model=ImportResult)
def import_orders(
    request: Request,
    file: Annotated[UploadFile, File(description="CSV; see the column list in the docs")],
    session: SessionDep,
    who: Writer,
) -> Any:
    """Import a CSV: every row valid creates all in one transaction; any bad row, none.

    Columns: recipient_name, address, lat, lon (required); external_ref, recipient_phone,
    recipient_email, postcode, window_start, window_end, service_minutes, weight_kg,
    volume_m3, items, priority, notes, instructions, gate_code, dog_warning, safe_place.
    """
    limit = request.app.state.runtime.settings.max_upload_mb * 1024 * 1024
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file is larger than {limit // (1024 * 1024)} MB")
    outcome = order_import.import_orders(session, who, content)
    return {"created": len(outcome.orders), "orders": outcome.orders}


@router.get("", response_model=Page[OrderPublic])
def list_orders(
    session: SessionDep,
    who: Reader,
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    tracking_code: Annotated[str | None, Query(max_length=64)] = None,
    external_ref: Annotated[str | None, Query(max_length=100)] = None,
    customer_id: uuid.UUID | None = None,
    depot_id: uuid.UUID | None = None,
    route_id: uuid.UUID | None = None,
    window_from: Timestamp | None = None,
    window_to: Timestamp | None = None,
    q: Search = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """Search orders by tracking code, external reference, text, status, window, route."""
    filters = svc.OrderFilters(
        status=status_,
        tracking_code=tracking_code,
        external_ref=external_ref,
        customer_id=customer_id,
        depot_id=depot_id,
        route_id=route_id,
        window_from=window_from,
        window_to=window_to,
        q=q,
    )
    rows, total = svc.list_orders(session, who, filters, limit=limit, offset=offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/board", response_model=Board)
def order_board(
    session: SessionDep,
    who: Reader,
    q: Search = None,
    status_: Annotated[list[OrderStatus] | None, Query(alias="status")] = None,
    route_id: uuid.UUID | None = None,
    day: Annotated[
        Day | None, Query(description="Orders on that day's routes or with a window then.")
    ] = None,
    at_risk: Annotated[
        bool, Query(description="Only orders likely late: late risk >= 0.3 or ETA past window.")
    ] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Any:
    """The dispatcher's board: orders by tracking code, reference, recipient or address,
    status, route, day or risk, each with its route, stop, ETA and late risk."""
    query = order_board_svc.BoardQuery(q, status_, route_id, day, at_risk)
    return order_board_svc.board(session, who, query, limit, offset)


@router.post("/notify", response_model=NotifyResults)
def notify_customers(body: NotifyRequest, session: SessionDep, who: Writer) -> Any:
    """Tell these orders' customers where they stand now, through the notification
    rules: "delayed" if the expected arrival is past the window, else "scheduled" with the
    window. An unknown id refuses the whole request (nobody is told anything)."""
    return {"results": customer_notices.notify(session, who, body.order_ids, clock.now())}


@router.get("/{order_id}", response_model=OrderPublic)
def get_order(order_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    return svc.get_order(session, who, order_id)


@router.patch("/{order_id}", response_model=OrderPublic)
def update_order(order_id: uuid.UUID, body: OrderUpdate, session: SessionDep, who: Writer) -> Any:
    """Change an order's details (not its status: see `/status`)."""
    return svc.update_order(session, who, order_id, body)


@router.post("/{order_id}/status", response_model=OrderPublic)
def change_status(order_id: uuid.UUID, body: StatusChange, session: SessionDep, who: Writer) -> Any:
    """Move the order through its lifecycle; an illegal move answers 409."""
    return svc.change_status(session, who, order_id, body)


@router.get("/{order_id}/events", response_model=Page[OrderEventPublic])
def order_events(
    order_id: uuid.UUID,
    session: SessionDep,
    who: Reader,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Any:
    """The order's timeline, oldest first."""
    rows, total = svc.list_events(session, who, order_id, limit=limit, offset=offset)
    return {"items": rows, "total": total, "limit": limit, "offset": offset}


@router.get("/{order_id}/rating", response_model=OrderRatingPublic)
def order_rating(order_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
    """The recipient's rating and survey; 404 until they rate it. The comment is their
    own words: escape it wherever it is shown."""
    return track.order_rating(session, who, order_id)


@router.delete("/{order_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_order(order_id: uuid.UUID, session: SessionDep, who: Writer) -> Response:
    """Delete an order that has not been planned yet (others are cancelled instead)."""
    svc.delete_order(session, who, order_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
