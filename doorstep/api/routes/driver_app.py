"""The driver's phone: sign in once with a link from the dispatcher, get a tracker for
the phone, read today's route."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status

from doorstep import clock
from doorstep.api.deps import SessionDep, Writer, require
from doorstep.domain.principal import Principal
from doorstep.domain.roles import Permission
from doorstep.schemas.driver_app import DaySummary, DriverDay, SignInLinkPublic, TrackerPublic
from doorstep.services import driver_app
from doorstep.wiring import Runtime

router = APIRouter(tags=["driver app"])
DriverOnly = Annotated[Principal, Depends(require(Permission.OWN_ROUTES))]


@router.post(
    "/drivers/{driver_id}/sign-in-link",
    status_code=status.HTTP_201_CREATED,
    response_model=SignInLinkPublic,
)
def sign_in_link(driver_id: uuid.UUID, request: Request, session: SessionDep, who: Writer) -> Any:
    """A one-time link (15 minutes) that signs the driver's phone in to the app."""
    runtime: Runtime = request.app.state.runtime
    token, expires = driver_app.sign_in_link(session, who, driver_id, clock.now())
    base = runtime.settings.public_url.rstrip("/")
    return {"url": f"{base}/driver/link/{token}", "expires_at": expires}


@router.post("/me/tracker", status_code=status.HTTP_201_CREATED, response_model=TrackerPublic)
def my_tracker(session: SessionDep, who: DriverOnly) -> Any:
    """This phone as the driver's tracker: its token posts fixes to /api/v1/pings."""
    return driver_app.tracker(session, who)


@router.get("/me/summary", response_model=DaySummary)
def my_summary(session: SessionDep, who: DriverOnly, date: dt.date | None = None) -> Any:
    """The end of the day: stops done and failed, hours, distance, parcels to hand in."""
    return driver_app.summary(session, who, date, clock.now())


@router.get("/me/route", response_model=DriverDay)
def my_route(session: SessionDep, who: DriverOnly, date: dt.date | None = None) -> Any:
    """Today's route (or `date`'s) as the driver sees it: stops in order, first names,
    windows, instructions, the parcels' labels."""
    return driver_app.today(session, who, date, clock.now())
