"""Parcel labels as a PDF (reportlab): eight to an A4 page, each with a QR code of the
parcel's label (``{tracking code}-{n}``) that the driver app scans at loading, on
hand-overs and at the door, and the text a person reads when the scan fails."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

COLUMNS, ROWS = 2, 4
MARGIN = 10 * mm
QR_SIZE = 38 * mm


def _qr(value: str) -> Drawing:
    widget = QrCodeWidget(value, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (x1 - x0), 0, 0, QR_SIZE / (y1 - y0), 0, 0]
    )
    drawing.add(widget)
    return drawing


def render(sheet: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, invariant=1, pageCompression=0)
    pdf.setTitle(f"Parcel labels · {sheet['route']} · {sheet['date']}")
    width, height = A4
    cell_w = (width - 2 * MARGIN) / COLUMNS
    cell_h = (height - 2 * MARGIN) / ROWS
    per_page = COLUMNS * ROWS
    for index, item in enumerate(sheet["labels"]):
        if index and index % per_page == 0:
            pdf.showPage()
        slot = index % per_page
        x = MARGIN + (slot % COLUMNS) * cell_w
        y = height - MARGIN - (slot // COLUMNS + 1) * cell_h
        pdf.setDash(2, 2)
        pdf.rect(x, y, cell_w, cell_h)
        pdf.setDash()
        renderPDF.draw(_qr(item["label"]), pdf, x + 4 * mm, y + cell_h - QR_SIZE - 4 * mm)
        text_x = x + QR_SIZE + 8 * mm
        top = y + cell_h - 10 * mm
        pdf.setFont("Helvetica-Bold", 22)
        pdf.drawString(text_x, top, f"Stop {item['stop']}")
        pdf.setFont("Helvetica", 11)
        pdf.drawString(text_x, top - 7 * mm, f"Parcel {item['n']} of {item['of']}")
        pdf.drawString(text_x, top - 13 * mm, item["recipient"][:24])
        pdf.setFont("Helvetica-Bold", 12)
        pdf.drawString(x + 4 * mm, y + 14 * mm, item["label"])
        pdf.setFont("Helvetica", 9)
        pdf.drawString(x + 4 * mm, y + 8 * mm, item["address"][:60])
        pdf.drawString(x + 4 * mm, y + 4 * mm, f"{sheet['route']} · {sheet['date']}"[:60])
    if not sheet["labels"]:
        pdf.setFont("Helvetica", 12)
        pdf.drawString(MARGIN, height - MARGIN - 12, "This route has no parcels to deliver.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
