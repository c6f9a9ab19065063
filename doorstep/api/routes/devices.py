"""Registering trackers: the identifier they send and the token they authenticate with."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, status

from doorstep.api.deps import SessionDep, Writer
from doorstep.schemas.fleet import DeviceCreate, DeviceCreated, DevicePublic
from doorstep.services import devices as svc

router = APIRouter(prefix="/devices", tags=["devices"])


def _created(device: Any, token: str) -> dict[str, Any]:
    return {**DevicePublic.model_validate(device).model_dump(), "token": token}


@router.post("", status_code=status.HTTP_201_CREATED, response_model=DeviceCreated)
def create_device(body: DeviceCreate, session: SessionDep, who: Writer) -> Any:
    """Register a tracker. Without an `identifier` Doorstep makes a long random one (an
    OsmAnd identifier is the device's only credential); the `token` is shown once."""
    return _created(*svc.create_device(session, who, body))


@router.post("/{item_id}/token", response_model=DeviceCreated)
def rotate_token(item_id: uuid.UUID, session: SessionDep, who: Writer) -> Any:
    """A new token for the device; the old one stops working at once."""
    return _created(*svc.rotate_token(session, who, item_id))
