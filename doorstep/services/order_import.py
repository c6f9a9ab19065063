"""CSV import of orders: every row valid and all created in one transaction, or nothing.

Columns (header names, any order; only the first four are required):

========================  ==================================================
recipient_name            who receives it
address                   street address as printed on the label
lat, lon                  WGS84 degrees
external_ref              your reference; unique within the organisation
recipient_phone           E.164 or local digits
recipient_email
postcode
window_start, window_end  ISO 8601 with offset, both or neither
service_minutes           minutes at the door (default 5)
weight_kg, volume_m3
items                     parcel count (default 1)
priority                  0..10
notes                     for the dispatcher
instructions              for the driver (leave at the back door)
gate_code
dog_warning               true/false, yes/no, 1/0
safe_place
required_skills           what the vehicle must offer, separated by ``;``
========================  ==================================================
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.orm import Session

from doorstep.bus import Event
from doorstep.domain.errors import DoorstepError, InvalidInput
from doorstep.domain.principal import Principal
from doorstep.schemas.orders import ImportRowError, OrderCreate
from doorstep.services import events
from doorstep.services.orders import (
    CustomerBook,
    _refuse_duplicate_refs,
    build_order,
    organisation_region,
    with_normalised_phone,
)
from doorstep.storage.tables import Customer, Order, OrderEvent
from doorstep.storage.tables.base import utcnow

REQUIRED = ("recipient_name", "address", "lat", "lon")
OPTIONAL = (
    "external_ref",
    "recipient_phone",
    "recipient_email",
    "postcode",
    "window_start",
    "window_end",
    "service_minutes",
    "weight_kg",
    "volume_m3",
    "items",
    "priority",
    "notes",
    "instructions",
    "gate_code",
    "dog_warning",
    "safe_place",
    "required_skills",
)
COLUMNS = REQUIRED + OPTIONAL
MAX_REPORTED_ERRORS = 1000
TRUE = {"true", "yes", "y", "1"}
FALSE = {"false", "no", "n", "0", ""}
# Where a field of the order model comes from in the file.
FIELD_TO_COLUMN = {
    ("recipient", "name"): "recipient_name",
    ("recipient", "phone"): "recipient_phone",
    ("recipient", "email"): "recipient_email",
    ("location", "lat"): "lat",
    ("location", "lon"): "lon",
    ("location",): "lat",
    ("recipient",): "recipient_name",
}


class ImportRejected(DoorstepError):
    status = 422

    def __init__(self, message: str, errors: list[ImportRowError]) -> None:
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class ImportOutcome:
    orders: list[Order]


def parse_csv(content: bytes) -> list[tuple[int, OrderCreate]]:
    """Validate every row; raise :class:`ImportRejected` listing each bad row and field."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRejected(
            f"the file is not UTF-8 text (bad byte at position {exc.start})", []
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise ImportRejected("the file is empty; the first line must name the columns", [])
    header = [h.strip().lower() for h in header]
    _check_header(header)

    errors: list[ImportRowError] = []
    rows: list[tuple[int, OrderCreate]] = []
    first_line_of_ref: dict[str, int] = {}
    total_errors = 0
    end_of_previous = reader.line_num
    for cells in reader:
        # A quoted cell may span lines: report the line where the row starts.
        line, end_of_previous = end_of_previous + 1, reader.line_num
        if not any(c.strip() for c in cells):
            continue
        problems: list[ImportRowError] = []
        if len(cells) != len(header):
            problems.append(
                ImportRowError(
                    row=line,
                    field="*",
                    message=f"has {len(cells)} cells, the header has {len(header)}",
                )
            )
        else:
            record = dict(zip(header, cells, strict=True))
            order, problems = _row_to_order(line, record)
            if order is not None:
                ref = order.external_ref
                if ref is not None and ref in first_line_of_ref:
                    problems.append(
                        ImportRowError(
                            row=line,
                            field="external_ref",
                            message=f"{ref} is already used on line {first_line_of_ref[ref]}",
                        )
                    )
                else:
                    if ref is not None:
                        first_line_of_ref[ref] = line
                    rows.append((line, order))
        total_errors += len(problems)
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.extend(problems[: MAX_REPORTED_ERRORS - len(errors)])
    if total_errors:
        more = f" (the first {len(errors)} are listed)" if total_errors > len(errors) else ""
        raise ImportRejected(
            f"nothing was imported: {total_errors} problem(s) in the file{more}", errors
        )
    if not rows:
        raise ImportRejected("the file has a header but no orders", [])
    return rows


def _normalise_phones(
    rows: list[tuple[int, OrderCreate]], region: str | None
) -> list[tuple[int, OrderCreate]]:
    """Every phone to E.164, or nothing imported: each unusable number named by line."""
    done: list[tuple[int, OrderCreate]] = []
    problems: list[ImportRowError] = []
    for line, order in rows:
        try:
            done.append((line, with_normalised_phone(order, region)))
        except InvalidInput as exc:
            problems.append(
                ImportRowError(row=line, field="recipient_phone", message=exc.errors[0].msg)
            )
    if problems:
        raise ImportRejected(
            f"nothing was imported: {len(problems)} unusable phone number(s)",
            problems[:MAX_REPORTED_ERRORS],
        )
    return done


def import_orders(session: Session, principal: Principal, content: bytes) -> ImportOutcome:
    rows = _normalise_phones(parse_csv(content), organisation_region(session, principal.org_id))
    refs = [order.external_ref for _, order in rows if order.external_ref]
    _refuse_duplicate_refs(session, principal.org_id, refs)

    book = CustomerBook(session, principal.org_id)
    book.preload(
        (str(o.recipient.email) for _, o in rows if o.recipient.email),
        (o.recipient.phone for _, o in rows if o.recipient.phone),
    )
    orders = [build_order(principal.org_id, data, book) for _, data in rows]
    now = utcnow()
    _bulk_insert(session, Customer, [_columns(c, now) for c in book.created])
    _bulk_insert(session, Order, [_columns(o, now) for o in orders])
    _bulk_insert(
        session,
        OrderEvent,
        [
            {
                "org_id": principal.org_id,
                "order_id": o.id,
                "at": now,
                "kind": "created",
                "to_status": "created",
                "actor_type": principal.actor_type,
                "actor_id": principal.actor_id,
                "actor_name": principal.name,
                "data": {"source": "csv import"},
            }
            for o in orders
        ],
    )
    events.emit(
        session,
        Event(
            org_id=str(principal.org_id),
            topic="order.imported",
            data={"count": len(orders), "order_ids": [str(o.id) for o in orders[:1000]]},
        ),
    )
    return ImportOutcome(orders)


def _check_header(header: list[str]) -> None:
    problems = []
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    repeated = sorted({h for h in header if header.count(h) > 1})
    if missing:
        problems.append("missing required column(s): " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s): " + ", ".join(unknown))
    if repeated:
        problems.append("repeated column(s): " + ", ".join(repeated))
    if problems:
        raise ImportRejected(
            "wrong header: " + "; ".join(problems) + ". Known columns: " + ", ".join(COLUMNS),
            [ImportRowError(row=1, field="header", message=p) for p in problems],
        )


def _row_to_order(
    line: int, record: dict[str, str]
) -> tuple[OrderCreate | None, list[ImportRowError]]:
    values = {k: v.strip() for k, v in record.items() if v.strip() != ""}
    problems: list[ImportRowError] = []
    body: dict[str, Any] = {
        "recipient": {
            k.removeprefix("recipient_"): values.pop(k)
            for k in ("recipient_name", "recipient_phone", "recipient_email")
            if k in values
        },
    }
    if "lat" in values or "lon" in values:
        body["location"] = {k: values.pop(k) for k in ("lat", "lon") if k in values}
    if "dog_warning" in values:
        flag = values.pop("dog_warning").lower()
        if flag in TRUE or flag in FALSE:
            body["dog_warning"] = flag in TRUE
        else:
            problems.append(
                ImportRowError(row=line, field="dog_warning", message="must be true or false")
            )
    if "required_skills" in values:
        body["required_skills"] = [
            skill.strip() for skill in values.pop("required_skills").split(";") if skill.strip()
        ]
    body.update(values)
    try:
        order = OrderCreate.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(str(p) for p in error["loc"])
            column = FIELD_TO_COLUMN.get(loc) or (loc[0] if loc else "window_end")
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["type"] == "missing":
                message = "is required"
            elif column == "required_skills" and len(loc) > 1:
                message = f"skill {int(loc[1]) + 1}: {message}"
            problems.append(ImportRowError(row=line, field=column, message=message))
        return None, problems
    return (order if not problems else None), problems


def _columns(row: Customer | Order, now: Any) -> dict[str, Any]:
    values = {c.key: getattr(row, c.key) for c in row.__table__.columns}
    for key in ("created_at", "updated_at"):
        values[key] = now
    for column in row.__table__.columns:
        if (
            values.get(column.key) is None
            and column.default is not None
            and column.default.is_scalar
        ):
            values[column.key] = column.default.arg
    return values


def _bulk_insert(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 5000):
        session.execute(insert(model), rows[start : start + 5000])
