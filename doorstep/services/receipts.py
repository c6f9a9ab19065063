"""A proof-of-delivery receipt: one self-contained page per delivered order (the proof
images inline, each with its SHA-256, and every parcel's custody chain verified), for
the operator and, without internal names, for the recipient."""

from __future__ import annotations

import base64
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain import tracking_rules
from doorstep.domain.custody import label
from doorstep.domain.errors import Conflict, NotFound
from doorstep.domain.principal import Principal
from doorstep.services import custody, proofs
from doorstep.storage.blobs import BlobStore
from doorstep.storage.tables import Order, OrderEvent, Organisation, Proof


def for_staff(
    session: Session, blobs: BlobStore, principal: Principal, order_id: uuid.UUID
) -> dict[str, Any]:
    order = session.get(Order, order_id)
    if order is None or order.org_id != principal.org_id:
        raise NotFound("order", order_id)
    return _receipt(session, blobs, order, principal, for_recipient=False)


def for_recipient(session: Session, blobs: BlobStore, order: Order) -> dict[str, Any]:
    return _receipt(session, blobs, order, None, for_recipient=True)


def _receipt(
    session: Session,
    blobs: BlobStore,
    order: Order,
    principal: Principal | None,
    *,
    for_recipient: bool,
) -> dict[str, Any]:
    if order.status != "delivered":
        raise Conflict(f"the order is {order.status}; a receipt exists once it is delivered")
    org = session.get(Organisation, order.org_id)
    assert org is not None
    zone = ZoneInfo(org.timezone)
    delivered = session.scalar(
        select(OrderEvent)
        .where(OrderEvent.order_id == order.id, OrderEvent.to_status == "delivered")
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    assert delivered is not None
    data = delivered.data or {}
    files = []
    for proof in session.scalars(
        select(Proof).where(Proof.order_id == order.id).order_by(Proof.captured_at)
    ):
        if str(proof.id) not in data.get("proof_ids", []):
            continue
        content, content_type, sha = (
            proofs.file_bytes(blobs, proof),
            proof.content_type,
            proof.sha256,
        )
        files.append(
            {
                "kind": proof.kind,
                "src": f"data:{content_type};base64,{base64.b64encode(content).decode()}",
                "sha256": sha,
                "captured_at": proof.captured_at.astimezone(zone),
                "lat": proof.lat,
                "lon": proof.lon,
            }
        )
    parcels = []
    for n in range(1, max(order.items, 1) + 1):
        name = label(order.tracking_code, n)
        if principal is not None:
            chain = custody.chain(session, principal, name)
            parcels.append(
                {
                    "label": name,
                    "events": [
                        {"kind": e.kind, "at": e.at.astimezone(zone), "by": e.actor_name}
                        for e in chain["events"]
                    ],
                    "verified": chain["verified"],
                    "problem": chain["problem"],
                }
            )
        else:
            parcels.append({"label": name, "events": [], "verified": None, "problem": None})
    return {
        "organisation": org.name,
        "tracking_code": order.tracking_code,
        "recipient": tracking_rules.first_name(order.recipient_name)
        if for_recipient
        else order.recipient_name,
        "address": order.address,
        "delivered_at": delivered.at.astimezone(zone),
        "driver": None if for_recipient else delivered.actor_name,
        "received_by": data.get("recipient_name"),
        "pin_checked": bool(data.get("pin_checked")),
        "age_checked": data.get("age_checked"),
        "lat": delivered.lat,
        "lon": delivered.lon,
        "files": files,
        "parcels": parcels,
        "timezone": org.timezone,
    }
