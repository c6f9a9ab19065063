"""CRUD endpoints for the reference data, made from one template so they behave alike."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from doorstep.api.deps import Limit, Offset, Reader, Search, SessionDep, Writer
from doorstep.schemas.common import Page
from doorstep.schemas.customers import CustomerCreate, CustomerPublic, CustomerUpdate
from doorstep.schemas.fleet import (
    CarrierCreate,
    CarrierPublic,
    CarrierUpdate,
    DepotCreate,
    DepotPublic,
    DepotUpdate,
    DeviceCreate,
    DeviceProtocol,
    DevicePublic,
    DeviceUpdate,
    DriverCreate,
    DriverPublic,
    DriverUpdate,
    FuelType,
    VehicleCreate,
    VehiclePublic,
    VehicleType,
    VehicleUpdate,
    ZoneCreate,
    ZoneKind,
    ZonePublic,
    ZoneUpdate,
)
from doorstep.services import resources as svc


def crud_router(
    path: str,
    res: svc.Resource[Any],
    create_model: type[BaseModel],
    update_model: type[BaseModel],
    public_model: type[BaseModel],
    filters_model: type[BaseModel],
    *,
    with_create: bool = True,
) -> APIRouter:
    tag = path.strip("/")
    router = APIRouter(prefix=path, tags=[tag])
    kind = res.kind

    if with_create:

        @router.post(
            "",
            status_code=status.HTTP_201_CREATED,
            response_model=public_model,
            summary=f"Create a {kind}",
        )
        def create(body: create_model, session: SessionDep, who: Writer) -> Any:  # type: ignore[valid-type]
            return svc.create(session, who, res, body)

    @router.get("", response_model=Page[public_model], summary=f"List {tag}")  # type: ignore[valid-type]
    def list_all(
        session: SessionDep,
        who: Reader,
        filters: Annotated[filters_model, Depends()],  # type: ignore[valid-type]
        q: Search = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Any:
        rows, total = svc.list_rows(
            session,
            who,
            res,
            q=q,
            filters=filters.model_dump(),  # type: ignore[attr-defined]
            limit=limit,
            offset=offset,
        )
        return {"items": rows, "total": total, "limit": limit, "offset": offset}

    @router.get("/{item_id}", response_model=public_model, summary=f"Get a {kind}")
    def get_one(item_id: uuid.UUID, session: SessionDep, who: Reader) -> Any:
        return svc.get(session, who, res, item_id)

    @router.patch("/{item_id}", response_model=public_model, summary=f"Change a {kind}")
    def update(item_id: uuid.UUID, body: update_model, session: SessionDep, who: Writer) -> Any:  # type: ignore[valid-type]
        return svc.update(session, who, res, item_id, body)

    @router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete a {kind}")
    def delete(item_id: uuid.UUID, session: SessionDep, who: Writer) -> Response:
        svc.delete(session, who, res, item_id)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


class NoFilters(BaseModel):
    pass


class VehicleFilters(BaseModel):
    depot_id: uuid.UUID | None = Query(None)
    active: bool | None = Query(None)
    vehicle_type: VehicleType | None = Query(None)
    fuel_type: FuelType | None = Query(None)


class DriverFilters(BaseModel):
    depot_id: uuid.UUID | None = Query(None)
    vehicle_id: uuid.UUID | None = Query(None)
    user_id: uuid.UUID | None = Query(None)
    carrier_id: uuid.UUID | None = Query(None)
    active: bool | None = Query(None)


class CarrierFilters(BaseModel):
    active: bool | None = Query(None)


class DeviceFilters(BaseModel):
    vehicle_id: uuid.UUID | None = Query(None)
    driver_id: uuid.UUID | None = Query(None)
    protocol: DeviceProtocol | None = Query(None)
    identifier: str | None = Query(None, max_length=100)
    active: bool | None = Query(None)


class ZoneFilters(BaseModel):
    kind: ZoneKind | None = Query(None)
    restricted: bool | None = Query(None)
    active: bool | None = Query(None)


class CustomerFilters(BaseModel):
    email: str | None = Query(None, max_length=320)
    phone: str | None = Query(None, max_length=32)
    external_ref: str | None = Query(None, max_length=100)


routers = [
    crud_router("/depots", svc.DEPOTS, DepotCreate, DepotUpdate, DepotPublic, NoFilters),
    crud_router(
        "/vehicles", svc.VEHICLES, VehicleCreate, VehicleUpdate, VehiclePublic, VehicleFilters
    ),
    crud_router("/drivers", svc.DRIVERS, DriverCreate, DriverUpdate, DriverPublic, DriverFilters),
    crud_router(
        "/carriers", svc.CARRIERS, CarrierCreate, CarrierUpdate, CarrierPublic, CarrierFilters
    ),
    # Devices are created in routes/devices.py: they get a generated identifier and token.
    crud_router(
        "/devices",
        svc.DEVICES,
        DeviceCreate,
        DeviceUpdate,
        DevicePublic,
        DeviceFilters,
        with_create=False,
    ),
    crud_router("/zones", svc.ZONES, ZoneCreate, ZoneUpdate, ZonePublic, ZoneFilters),
    crud_router(
        "/customers",
        svc.CUSTOMERS,
        CustomerCreate,
        CustomerUpdate,
        CustomerPublic,
        CustomerFilters,
    ),
]
