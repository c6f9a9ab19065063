"""Chain of custody: load scans, hand-offs (both sides confirm), each parcel's chain
with its verification."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from doorstep.api.deps import Reader, RouteDriver, RouteReader, SessionDep
from doorstep.schemas.custody import (
    Accept,
    CustodyEventPublic,
    HandOff,
    LoadScans,
    LoadStatus,
    ParcelChain,
    ScanIn,
)
from doorstep.services import custody, loading

router = APIRouter(tags=["custody"])


def _scans(items: list[ScanIn]) -> list[custody.Scan]:
    return [
        custody.Scan(
            s.label,
            s.client_id,
            s.at,
            s.location.lat if s.location else None,
            s.location.lon if s.location else None,
        )
        for s in items
    ]


@router.post("/routes/{route_id}/load-scans", response_model=LoadStatus)
def load_scans(route_id: uuid.UUID, body: LoadScans, session: SessionDep, who: RouteDriver) -> Any:
    """Parcels scanned onto the van (and those marked missing): all or nothing; a label
    of another route or organisation is refused (422) naming it."""
    return loading.load(session, who, route_id, _scans(body.scans), _scans(body.missing))


@router.get("/routes/{route_id}/load-status", response_model=LoadStatus)
def load_status(route_id: uuid.UUID, session: SessionDep, who: RouteReader) -> Any:
    """Each parcel of the route: loaded, missing, handed off, delivered or unscanned."""
    return loading.load_status(session, who, route_id)


@router.post("/routes/{route_id}/returns", response_model=LoadStatus)
def returns(route_id: uuid.UUID, body: Accept, session: SessionDep, who: RouteDriver) -> Any:
    """Parcels handed back in at the depot (failed deliveries) at the end of the day."""
    return loading.hand_in(session, who, route_id, _scans(body.scans))


@router.post("/handoffs", response_model=list[CustodyEventPublic])
def hand_off(body: HandOff, session: SessionDep, who: RouteDriver) -> Any:
    """Hand parcels to another driver, or to a depot (a partner's); the receiver holds
    them once they confirm."""
    return custody.hand_off(
        session, who, _scans(body.scans), body.to_driver_id, body.note, to_depot=body.to_depot_id
    )


@router.post("/handoffs/accept", response_model=list[CustodyEventPublic])
def accept(body: Accept, session: SessionDep, who: RouteDriver) -> Any:
    """The receiver confirms: a driver for parcels handed to them, a depot's staff with
    `depot_id` for parcels handed to that depot (else 409)."""
    return custody.accept(session, who, _scans(body.scans), depot_id=body.depot_id)


@router.get("/parcels/{label}/custody", response_model=ParcelChain)
def parcel_custody(label: str, session: SessionDep, who: Reader) -> Any:
    """Every custody event of the parcel, and whether its hash chain is intact (if not:
    the first event that fails and why)."""
    return custody.chain(session, who, label)
