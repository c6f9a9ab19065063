"""What a delivery must carry to count as proven, checked when the stop is completed.

Kept apart from ``services.proofs`` (which stores the files and needs the route
checks of ``services.stop_progress``) because completing a stop needs this."""

from __future__ import annotations

import hmac
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.errors import Conflict, FieldError, InvalidInput
from doorstep.domain.principal import Principal
from doorstep.schemas.proofs import ProofSettings
from doorstep.storage.tables import Order, Organisation, Proof, Stop

SETTINGS_KEY = "proof"


def organisation_settings(org: Organisation | None) -> ProofSettings:
    return ProofSettings.model_validate(
        ((org.settings if org else None) or {}).get(SETTINGS_KEY) or {}
    )


def public_file_url(order: Order, proof_id: uuid.UUID) -> str:
    return f"/api/v1/track/{order.tracking_code}/proof/{proof_id}"


def _files(session: Session, order: Order, proof_ids: list[uuid.UUID]) -> list[Proof]:
    """The proofs named, which must be this order's (422 naming the others)."""
    if not proof_ids:
        return []
    files = list(
        session.scalars(select(Proof).where(Proof.org_id == order.org_id, Proof.id.in_(proof_ids)))
    )
    found = {p.id for p in files if p.order_id == order.id}
    unknown = [str(i) for i in proof_ids if i not in found]
    if unknown:
        why = f"not proofs of this stop: {', '.join(unknown)}"
        raise InvalidInput([FieldError(("body", "proof_ids"), why)])
    return files


def attempt(
    session: Session, order: Order, proof_ids: list[uuid.UUID], note: str | None
) -> dict[str, Any] | None:
    """A failed attempt's evidence (a photo of the closed door, what the driver saw)."""
    files = _files(session, order, proof_ids)
    data: dict[str, Any] = {}
    if files:
        data["proof_ids"] = [str(p.id) for p in files]
    if note:
        data["note"] = note
    return data or None


def check(
    session: Session,
    order: Order,
    stop: Stop,
    *,
    proof_ids: list[uuid.UUID],
    received_by: str | None,
    pin: str | None,
    age_checked: bool | None,
) -> dict[str, Any]:
    """The proof a delivered stop carries (for the order's timeline), or 409 naming what
    the organisation requires and is missing."""
    settings = organisation_settings(session.get(Organisation, order.org_id))
    files = _files(session, order, proof_ids)
    kinds = {p.kind for p in files}
    missing = []
    if settings.require_signature and "signature" not in kinds:
        missing.append("a signature")
    if settings.require_photo and "photo" not in kinds:
        missing.append("a photo")
    if settings.require_recipient_name and not received_by:
        missing.append("the name of who took it")
    if settings.require_pin:
        if not pin:
            missing.append("the recipient's delivery code")
        elif not (order.delivery_pin and hmac.compare_digest(pin.strip(), order.delivery_pin)):
            raise Conflict("the delivery code does not match this order's")
    if missing:
        raise Conflict(f"the delivery needs {', '.join(missing)} as proof")
    data: dict[str, Any] = {}
    if received_by:
        data["recipient_name"] = received_by
    if files:
        data["proof_ids"] = [str(p.id) for p in files]
        photos = [p for p in files if p.kind == "photo"]
        if photos:
            data["photo_url"] = public_file_url(order, photos[0].id)
        if "signature" in kinds:
            data["signed"] = True
    if pin:
        data["pin_checked"] = True
    if age_checked is not None:
        data["age_checked"] = age_checked
    return data


def settings(session: Session, principal: Principal) -> dict[str, Any]:
    org = session.get(Organisation, principal.org_id)
    assert org is not None
    return {"org_id": org.id, **organisation_settings(org).model_dump()}


def set_settings(session: Session, principal: Principal, data: ProofSettings) -> dict[str, Any]:
    """Replace them all (PUT); the rest of ``organisations.settings`` is left alone."""
    org = session.get(Organisation, principal.org_id)
    assert org is not None
    org.settings = {**(org.settings or {}), SETTINGS_KEY: data.model_dump(mode="json")}
    session.flush()
    return {"org_id": org.id, **data.model_dump()}
