"""A pay statement as a PDF (reportlab's platypus: the lines table runs over as many
pages as it needs, its header repeated): what the driver is paid, line by line, each
with the evidence it rests on, for the driver's records and the payroll file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

COLUMNS = ("#", "Day", "Kind", "Description", "Qty", "Rate", "Amount", "Evidence")


@dataclass(frozen=True, slots=True)
class StatementDoc:
    organisation: str
    driver: str
    period_start: date
    period_end: date
    status: str
    currency: str
    total: Decimal
    computed_at: datetime
    approved: str | None  # "by Ann at 2026-11-20 10:00"
    paid: str | None
    lines: Sequence[Any]  # StatementLine rows


def _evidence(line: Any) -> str:
    ev = line.evidence or {}
    parts = []
    if ev.get("stop_id"):
        parts.append(f"stop {str(ev['stop_id'])[:8]}")
    proofs = ev.get("proof_ids") or []
    if ev.get("stop_id") is not None:
        parts.append(f"{len(proofs)} proof(s)" if proofs else "no proof")
    if ev.get("logbook_date"):
        parts.append(f"logbook {ev['logbook_date']} {ev.get('vehicle', '')}".strip())
    if ev.get("stop_ids"):
        parts.append(f"{len(ev['stop_ids'])} stop(s)")
    if ev.get("metric"):
        parts.append(f"{ev['metric']} = {ev.get('value')}")
    if ev.get("adjustment_id"):
        parts.append(f"adjustment {str(ev['adjustment_id'])[:8]}")
    if line.version_id is not None:
        parts.append(f"rule {str(line.version_id)[:8]}")
    if line.flag:
        parts.append(f"FLAG: {line.flag}")
    return ", ".join(parts)


def _quantity(value: Decimal) -> str:
    return f"{value.normalize():f}"


def render(doc: StatementDoc) -> bytes:
    out = io.BytesIO()
    title = f"Pay statement {doc.driver} {doc.period_start} to {doc.period_end}"
    pdf = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=title,
        author=doc.organisation,
        invariant=1,
        pageCompression=0,
    )
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7.5, leading=9)
    story: list[Any] = [
        Paragraph(f"Pay statement · {_esc(doc.driver)}", styles["Title"]),
        Paragraph(
            f"{_esc(doc.organisation)} · period {doc.period_start} to {doc.period_end} · "
            f"status <b>{doc.status}</b> · currency {doc.currency}",
            styles["BodyText"],
        ),
        Paragraph(
            f"Computed {doc.computed_at:%Y-%m-%d %H:%M} UTC"
            + (f" · approved {_esc(doc.approved)}" if doc.approved else "")
            + (f" · paid {_esc(doc.paid)}" if doc.paid else "")
            + ("" if doc.status != "draft" else " · a draft: it may still change"),
            styles["BodyText"],
        ),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [list(COLUMNS)]
    flagged: list[int] = []
    for line in doc.lines:
        if line.flag:
            flagged.append(len(rows))
        rows.append(
            [
                str(line.position),
                "" if line.day is None else line.day.isoformat(),
                line.kind,
                Paragraph(_esc(line.description), small),
                _quantity(line.quantity),
                f"{line.rate:f}",
                f"{line.amount:.2f}",
                Paragraph(_esc(_evidence(line)), small),
            ]
        )
    rows.append(["", "", "", Paragraph("<b>Total</b>", small), "", "", f"{doc.total:.2f}", ""])
    widths = [10 * mm, 22 * mm, 24 * mm, 80 * mm, 16 * mm, 18 * mm, 22 * mm, 80 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 8),
        ("ALIGN", (4, 0), (6, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -2), [colors.white, colors.HexColor("#f3f4f6")]),
    ]
    style += [("BACKGROUND", (0, r), (-1, r), colors.HexColor("#fde68a")) for r in flagged]
    table.setStyle(TableStyle(style))
    story.append(table)
    if flagged:
        story.append(Spacer(1, 3 * mm))
        story.append(
            Paragraph(
                f"{len(flagged)} line(s) flagged (highlighted): work without proof.",
                styles["BodyText"],
            )
        )
    story.append(Spacer(1, 3 * mm))
    story.append(
        Paragraph(
            "Each line's amount is its quantity times its rate rounded half up to the cent; "
            "the total is the sum of the lines. An approved statement never changes: a "
            "correction is an adjustment line on a later statement. Dispute a line in the "
            "driver app.",
            small,
        )
    )
    pdf.build(story)
    return out.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
