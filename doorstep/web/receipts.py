"""Printable documents: proof-of-delivery receipts as pages and PDFs, the operator's (by
order id, signed in or with an API key) and the recipient's (by tracking code), with the
images inside, each with its SHA-256; a route's parcel labels to print at the depot; and
pay statements as PDF (admins any, a driver their own)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from doorstep.api.deps import Manager, Reader, SessionDep, require
from doorstep.api.track_limits import TrackLimited
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.services import driver_app, loading, receipts, settlements
from doorstep.services import track as track_svc
from doorstep.web import label_pdf, receipt_pdf, render, statement_pdf

router = APIRouter(include_in_schema=False)


@router.get("/orders/{order_id}/receipt", response_class=HTMLResponse)
def staff_receipt(
    order_id: uuid.UUID, request: Request, session: SessionDep, who: Reader
) -> HTMLResponse:
    found = receipts.for_staff(session, request.app.state.runtime.blobs, who, order_id)
    return render.page(request, "receipt.html", "en", r=found)


@router.get("/t/{tracking_code}/receipt", response_class=HTMLResponse)
def recipient_receipt(
    _: TrackLimited, tracking_code: str, request: Request, session: SessionDep
) -> HTMLResponse:
    order = track_svc.open_code(session, tracking_code, None).order
    found = receipts.for_recipient(session, request.app.state.runtime.blobs, order)
    return render.page(request, "receipt.html", "en", r=found)


def _pdf_response(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _pdf(found: dict[str, Any], code: str) -> Response:
    return _pdf_response(receipt_pdf.render(found), f"proof-of-delivery-{code}.pdf")


@router.get("/orders/{order_id}/receipt.pdf")
def staff_receipt_pdf(
    order_id: uuid.UUID, request: Request, session: SessionDep, who: Reader
) -> Response:
    found = receipts.for_staff(session, request.app.state.runtime.blobs, who, order_id)
    return _pdf(found, str(found["tracking_code"]))


@router.get("/t/{tracking_code}/receipt.pdf")
def recipient_receipt_pdf(
    _: TrackLimited, tracking_code: str, request: Request, session: SessionDep
) -> Response:
    order = track_svc.open_code(session, tracking_code, None).order
    found = receipts.for_recipient(session, request.app.state.runtime.blobs, order)
    return _pdf(found, order.tracking_code)


@router.get("/routes/{route_id}/labels.pdf")
def parcel_labels_pdf(route_id: uuid.UUID, session: SessionDep, who: Reader) -> Response:
    """The route's parcel labels to print at the depot, one QR code per parcel."""
    sheet = loading.labels(session, who, route_id)
    return _pdf_response(label_pdf.render(sheet), f"labels-{route_id}.pdf")


def _statement_pdf(session: Any, who: Principal, statement: Any) -> Response:
    doc = statement_pdf.StatementDoc(**settlements.document(session, who, statement))
    name = f"statement-{statement.period_start}-{statement.period_end}.pdf"
    return _pdf_response(statement_pdf.render(doc), name)


@router.get("/statements/{statement_id}.pdf")
def statement_as_pdf(statement_id: uuid.UUID, session: SessionDep, who: Manager) -> Response:
    """A pay statement to file or hand over: every line with its evidence, the total."""
    return _statement_pdf(session, who, settlements.get_statement(session, who, statement_id))


@router.get("/me/statements/{statement_id}.pdf")
def own_statement_as_pdf(
    statement_id: uuid.UUID,
    session: SessionDep,
    who: Annotated[Principal, Depends(require(Permission.OWN_ROUTES))],
) -> Response:
    """The driver's own statement; another driver's answers 404 like a made-up id."""
    found = settlements.own_statement(session, who, driver_app.driver_id_of(who), statement_id)
    return _statement_pdf(session, who, found)
