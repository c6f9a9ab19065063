"""Tracker devices: registered per organisation, with a generated secret identifier
(what OsmAnd-style apps send) and a token for the native API and OwnTracks."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from doorstep.domain.codes import hash_api_key, new_device_identifier, new_device_token
from doorstep.domain.errors import Unauthorized
from doorstep.domain.principal import Principal
from doorstep.schemas.fleet import DeviceCreate
from doorstep.services import resources
from doorstep.storage import repository as repo
from doorstep.storage.tables import Device


def create_device(session: Session, principal: Principal, data: DeviceCreate) -> tuple[Device, str]:
    identifier = data.identifier or new_device_identifier()
    filled = data.model_copy(
        update={"identifier": identifier, "name": data.name or f"Tracker {identifier[:8]}"}
    )
    token = new_device_token()
    device = resources.create(
        session, principal, resources.DEVICES, filled, extra={"token_hash": hash_api_key(token)}
    )
    return device, token


def rotate_token(
    session: Session, principal: Principal, device_id: uuid.UUID
) -> tuple[Device, str]:
    device = repo.get_owned(session, Device, principal.org_id, device_id, "device")
    token = _new_token(device)
    session.flush()
    return device, token


def by_token(session: Session, token: str) -> Device:
    device = session.scalar(select(Device).where(Device.token_hash == hash_api_key(token)))
    if device is None or not device.active:
        raise Unauthorized("the device token is not valid")
    return device


def by_identifier(session: Session, identifier: str) -> Device | None:
    device = session.scalar(select(Device).where(Device.identifier == identifier))
    return device if device is not None and device.active else None


def _new_token(device: Device) -> str:
    token = new_device_token()
    device.token_hash = hash_api_key(token)
    return token
