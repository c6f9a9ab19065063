"""Printable documents: proof-of-delivery receipts as pages and PDFs, the operator's (by
order id, signed in or with an API key) and the recipient's (by tracking code), with the
images inside, each with its SHA-256; and a route's parcel labels to print at the depot."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from doorstep.api.deps import Reader, SessionDep
from doorstep.api.track_limits import TrackLimited
from doorstep.services import loading, receipts
from doorstep.services import track as track_svc
from doorstep.web import label_pdf, receipt_pdf, render

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


def _pdf(found: dict[str, Any], code: str) -> Response:
    return Response(
        receipt_pdf.render(found),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="proof-of-delivery-{code}.pdf"',
            "Cache-Control": "no-store",
        },
    )


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
    return Response(
        label_pdf.render(sheet),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="labels-{route_id}.pdf"',
            "Cache-Control": "no-store",
        },
    )
