"""Proof files captured at a stop: checked, re-encoded, stored by checksum, recorded
once however often the driver's app sends them."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.domain.errors import Conflict, FieldError, InvalidInput, NotFound, TooLarge
from doorstep.domain.principal import Principal
from doorstep.services import proof_images, proof_rules
from doorstep.services.stop_progress import OPEN_STOPS, driven_route, route_stop
from doorstep.storage import repository as repo
from doorstep.storage.blobs import BlobMissing, BlobStore
from doorstep.storage.tables import Order, Organisation, Proof, Stop

Kind = Literal["signature", "photo"]


@dataclass(frozen=True)
class Upload:
    kind: Kind
    data: bytes
    client_id: str | None = None
    captured_at: datetime | None = None
    lat: float | None = None
    lon: float | None = None


def max_bytes(session: Session, org_id: uuid.UUID) -> int:
    settings = proof_rules.organisation_settings(session.get(Organisation, org_id))
    return settings.max_photo_mb * 1024 * 1024


def add(
    session: Session,
    blobs: BlobStore,
    principal: Principal,
    route_id: uuid.UUID,
    stop_id: uuid.UUID,
    upload: Upload,
) -> Proof:
    route = driven_route(session, principal, route_id)
    stop = route_stop(route, stop_id)
    if stop.order_id is None:
        raise NotFound("stop", stop_id)
    if upload.client_id:
        seen = session.scalar(
            select(Proof).where(Proof.org_id == route.org_id, Proof.client_id == upload.client_id)
        )
        if seen is not None:
            return seen  # the same queued upload sent again
    if stop.status not in OPEN_STOPS:
        raise Conflict(f"the stop is {stop.status}; proof can no longer be added")
    limit = max_bytes(session, route.org_id)
    if len(upload.data) > limit:
        raise TooLarge(
            f"the {upload.kind} is {len(upload.data) / 1048576:.1f} MB; at most "
            f"{limit // 1048576} MB (the app shrinks photos before sending)"
        )
    try:
        stored = (
            proof_images.signature(upload.data)
            if upload.kind == "signature"
            else proof_images.photo(upload.data)
        )
    except proof_images.ImageRefused as exc:
        raise InvalidInput([FieldError(("body", "file"), str(exc))], str(exc)) from None
    key = blobs.put(stored.data, stored.extension)
    proof = Proof(
        org_id=route.org_id,
        order_id=stop.order_id,
        stop_id=stop.id,
        kind=upload.kind,
        blob_key=key,
        content_type=stored.content_type,
        size=len(stored.data),
        sha256=hashlib.sha256(stored.data).hexdigest(),
        width=stored.width,
        height=stored.height,
        captured_at=upload.captured_at or clock.now(),
        lat=upload.lat,
        lon=upload.lon,
        actor_type=principal.actor_type,
        actor_id=principal.actor_id,
        actor_name=principal.name,
        client_id=upload.client_id,
    )
    session.add(proof)
    session.flush()
    return proof


def of_order(session: Session, principal: Principal, order_id: uuid.UUID) -> list[Proof]:
    repo.get_owned(session, Order, principal.org_id, order_id, "order")
    return list(
        session.scalars(
            select(Proof)
            .where(Proof.org_id == principal.org_id, Proof.order_id == order_id)
            .order_by(Proof.captured_at)
        )
    )


def file_for_staff(
    session: Session, blobs: BlobStore, principal: Principal, proof_id: uuid.UUID
) -> tuple[bytes, str, str]:
    proof = session.get(Proof, proof_id)
    if proof is None or proof.org_id != principal.org_id:
        raise NotFound("proof", proof_id)
    return file_bytes(blobs, proof), proof.content_type, proof.sha256


def file_for_recipient(
    session: Session, blobs: BlobStore, order: Order, proof_id: uuid.UUID
) -> tuple[bytes, str, str]:
    """Only this order's proof, and only once it is delivered."""
    proof = session.get(Proof, proof_id)
    if proof is None or proof.order_id != order.id or order.status != "delivered":
        raise NotFound("proof", proof_id)
    return file_bytes(blobs, proof), proof.content_type, proof.sha256


def file_bytes(blobs: BlobStore, proof: Proof) -> bytes:
    try:
        data = blobs.get(proof.blob_key)
    except BlobMissing:
        raise NotFound("proof file", proof.id) from None
    if hashlib.sha256(data).hexdigest() != proof.sha256:
        raise Conflict("the stored proof file does not match its checksum")
    return data


def stop_of(session: Session, proof: Proof) -> Stop | None:
    return session.get(Stop, proof.stop_id) if proof.stop_id else None
