"""Fuel purchases and the fuel-tax return for a period: kilometres per vehicle and
jurisdiction from the logbook (closed days pre-added, ``services.rollups``), the fuel
bought there from the purchase records, priced into taxable and net fuel by
``domain.fuel_tax``."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep.domain import fuel_tax
from doorstep.domain.errors import Conflict, FieldError, InvalidInput
from doorstep.domain.geo import LatLon
from doorstep.domain.jurisdictions import OUTSIDE
from doorstep.domain.principal import Principal
from doorstep.schemas.fuel import FuelPurchaseCreate
from doorstep.services import accounts, logbook, rollups, timing, tracking
from doorstep.services.references import check_references
from doorstep.services.reports import Report, table
from doorstep.storage import repository as repo
from doorstep.storage.tables import FuelPurchase, Vehicle

SKEW = timedelta(minutes=10)  # a till's clock a little ahead is not a purchase from the future
VEHICLE = {"vehicle_id": (Vehicle, "vehicle")}


def record_purchase(
    session: Session, principal: Principal, data: FuelPurchaseCreate, now: datetime
) -> FuelPurchase:
    check_references(session, principal.org_id, {"vehicle_id": data.vehicle_id}, VEHICLE)
    if data.purchased_at > now + SKEW:
        raise InvalidInput(
            [FieldError(("body", "purchased_at"), "is in the future")],
            f"a purchase at {data.purchased_at.isoformat()} has not happened yet",
        )
    zones = logbook.jurisdiction_zones(session, principal.org_id)
    if data.location is not None:
        point = LatLon(data.location.lat, data.location.lon)
        found = next((z.name for z in zones if z.contains(point)), OUTSIDE)
        if data.jurisdiction and found != data.jurisdiction:
            raise InvalidInput(
                [FieldError(("body", "jurisdiction"), f"the location is in {found}")],
                f"the location lies in {found}, not in {data.jurisdiction}: give one or "
                "make them agree",
            )
        jurisdiction = found
    else:
        names = sorted({z.name for z in zones})
        if data.jurisdiction not in names:
            known = ", ".join(names) if names else "none: add jurisdiction zones first"
            raise InvalidInput(
                [FieldError(("body", "jurisdiction"), "no jurisdiction zone of this name")],
                f"no jurisdiction zone is called {data.jurisdiction!r}; known: {known}",
            )
        jurisdiction = str(data.jurisdiction)
    org = accounts.get_organisation(session, principal)
    row = FuelPurchase(
        org_id=principal.org_id,
        vehicle_id=data.vehicle_id,
        purchased_at=data.purchased_at,
        place=data.place,
        lat=None if data.location is None else data.location.lat,
        lon=None if data.location is None else data.location.lon,
        jurisdiction=jurisdiction,
        litres=data.litres.quantize(fuel_tax.LITRE),
        cost=data.cost.quantize(fuel_tax.CENT),
        currency=org.currency,
        receipt=data.receipt,
        created_by=principal.name,
    )
    if data.receipt is not None and session.scalar(
        select(FuelPurchase.id).where(
            FuelPurchase.org_id == principal.org_id,
            FuelPurchase.vehicle_id == data.vehicle_id,
            FuelPurchase.receipt == data.receipt,
        )
    ):
        raise Conflict(f"receipt {data.receipt} is already recorded for this vehicle")
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same receipt recorded at the same moment
        raise Conflict(f"receipt {data.receipt} is already recorded for this vehicle") from None
    return row


def purchases(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    vehicle_id: uuid.UUID | None = None,
) -> list[FuelPurchase]:
    rollups.check_period(start, end)
    org = accounts.get_organisation(session, principal)
    stmt = repo.owned(FuelPurchase, principal.org_id).where(
        FuelPurchase.purchased_at >= timing.day_epoch(start, org.timezone),
        FuelPurchase.purchased_at < timing.day_epoch(end + timedelta(days=1), org.timezone),
    )
    if vehicle_id is not None:
        repo.get_owned(session, Vehicle, principal.org_id, vehicle_id, "vehicle")
        stmt = stmt.where(FuelPurchase.vehicle_id == vehicle_id)
    return list(session.scalars(stmt.order_by(FuelPurchase.purchased_at, FuelPurchase.id)))


RETURN_COLUMNS = (
    "vehicle",
    "plate",
    "jurisdiction",
    "distance_km",
    "taxable_litres",
    "litres_bought",
    "cost",
    "net_taxable_litres",
)


def report(
    session: Session,
    principal: Principal,
    start: date,
    end: date,
    now: datetime,
    limits: tracking.SpeedLimits | None = None,
) -> Report:
    """The fuel-tax return's numbers for the period (at most a year; returns are
    quarterly): per vehicle and jurisdiction, per jurisdiction for the fleet, each
    vehicle's economy and its basis, and the purchases themselves."""
    rows = rollups.logbook_period(session, principal, start, end, now, limits)
    bought_rows = purchases(session, principal, start, end)
    names: dict[str, tuple[str, str | None]] = {
        str(v.id): (v.name, v.plate) for v in session.scalars(repo.owned(Vehicle, principal.org_id))
    }
    driven: list[fuel_tax.Driven] = []
    estimated: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        key = str(r.vehicle_id)
        for zone, metres in r.distance_by_jurisdiction_m.items():
            driven.append(fuel_tax.Driven(key, zone, Decimal(str(metres)) / 1000))
        if r.fuel_used is not None and r.fuel_unit == "l":
            estimated[key] += Decimal(str(r.fuel_used))
    bought = [
        fuel_tax.Bought(str(p.vehicle_id), p.jurisdiction, p.litres, p.cost) for p in bought_rows
    ]
    economy = fuel_tax.economies(driven, bought, dict(estimated))
    lines = fuel_tax.rows(driven, bought, economy)
    fleet = fuel_tax.by_jurisdiction(lines)
    org = accounts.get_organisation(session, principal)

    def name(key: str) -> str:
        return names.get(key, (key, None))[0]

    return {
        "period": {"from": start, "to": end, "days": (end - start).days + 1},
        "summary": {
            "currency": org.currency,
            "distance_km": sum((e.km for e in economy.values()), Decimal(0)),
            "litres_bought": sum((b.litres for b in bought), Decimal(0)),
            "cost": sum((b.cost for b in bought), Decimal(0)),
            "purchases": len(bought_rows),
            "vehicles_without_economy": sorted(
                name(e.vehicle) for e in economy.values() if e.basis == "unknown"
            ),
        },
        "tables": {
            "jurisdictions": table(
                "Per jurisdiction (the return)",
                [
                    "jurisdiction",
                    "distance_km",
                    "taxable_litres",
                    "litres_bought",
                    "net_taxable_litres",
                ],
                fleet,
            ),
            "vehicles": table(
                "Per vehicle and jurisdiction",
                RETURN_COLUMNS,
                (
                    [
                        name(r.vehicle),
                        names.get(r.vehicle, ("", None))[1],
                        r.jurisdiction,
                        r.km,
                        r.taxable_litres,
                        r.litres_bought,
                        r.cost,
                        r.net_taxable_litres,
                    ]
                    for r in lines
                ),
            ),
            "economy": table(
                "Fuel economy per vehicle",
                [
                    "vehicle",
                    "distance_km",
                    "litres_bought",
                    "estimated_litres",
                    "km_per_litre",
                    "basis",
                ],
                (
                    [
                        name(e.vehicle),
                        e.km,
                        e.litres_bought,
                        e.estimated_litres,
                        e.km_per_litre,
                        e.basis,
                    ]
                    for e in sorted(economy.values(), key=lambda e: name(e.vehicle))
                ),
            ),
            "purchases": table(
                "Fuel purchases",
                ["purchased_at", "vehicle", "place", "jurisdiction", "litres", "cost", "receipt"],
                (
                    [
                        p.purchased_at,
                        name(str(p.vehicle_id)),
                        p.place,
                        p.jurisdiction,
                        p.litres,
                        p.cost,
                        p.receipt,
                    ]
                    for p in bought_rows
                ),
            ),
        },
        "charts": [
            {"table": "jurisdictions", "x": "jurisdiction", "y": ["distance_km"], "kind": "bars"}
        ],
    }
