"""The proof-of-delivery receipt as a PDF (reportlab): the same facts as the page, the
signature and photos drawn in, each with its SHA-256, for filing and for disputes."""

from __future__ import annotations

import base64
import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

MARGIN = 18 * mm
LINE = 5.5 * mm


def render(receipt: dict[str, Any]) -> bytes:
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, invariant=1, pageCompression=0)
    pdf.setTitle(f"Proof of delivery {receipt['tracking_code']}")
    pdf.setAuthor(receipt["organisation"])
    width, height = A4
    y = height - MARGIN

    def line(text: str, size: int = 10, bold: bool = False) -> None:
        nonlocal y
        if y < MARGIN + LINE:
            pdf.showPage()
            y = height - MARGIN
        pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        pdf.drawString(MARGIN, y, text[:120])
        y -= LINE * (1.4 if size > 12 else 1)

    line("Proof of delivery", 16, bold=True)
    line(f"{receipt['organisation']} · tracking code {receipt['tracking_code']}")
    line(f"Delivered: {receipt['delivered_at']:%Y-%m-%d %H:%M} ({receipt['timezone']})")
    line(f"To: {receipt['recipient']}, {receipt['address']}")
    if receipt.get("received_by"):
        line(f"Received by: {receipt['received_by']}")
    if receipt.get("driver"):
        line(f"Driver: {receipt['driver']}")
    if receipt.get("lat") is not None:
        line(f"Where: {receipt['lat']:.5f}, {receipt['lon']:.5f}")
    if receipt.get("pin_checked"):
        line("Delivery code: checked")
    if receipt.get("age_checked"):
        line("Age: checked")
    for item in receipt["files"]:
        data = base64.b64decode(item["src"].split(",", 1)[1])
        image = ImageReader(io.BytesIO(data))
        w, h = image.getSize()
        box_w = min(width - 2 * MARGIN, 90 * mm)
        box_h = box_w * h / w if w else 0
        if y - box_h < MARGIN + 2 * LINE:
            pdf.showPage()
            y = height - MARGIN
        pdf.drawImage(image, MARGIN, y - box_h, box_w, box_h)
        y -= box_h + LINE
        line(f"{item['kind']} at {item['captured_at']:%H:%M} · SHA-256 {item['sha256']}", 8)
    chains = [p for p in receipt["parcels"] if p["verified"] is not None]
    if chains:
        line("Chain of custody", 12, bold=True)
        for parcel in chains:
            steps = " > ".join(f"{e['kind']} {e['at']:%H:%M}" for e in parcel["events"])
            state = "verified" if parcel["verified"] else f"BROKEN: {parcel['problem']}"
            line(f"{parcel['label']}: {steps or 'no scans'} ({state})", 8)
    pdf.showPage()
    pdf.save()
    return out.getvalue()
