"""Depots, vehicles, drivers and tracker devices as the API speaks them."""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated, Self

from pydantic import Field, HttpUrl, StringConstraints, model_validator

from doorstep.schemas.common import (
    Email,
    Input,
    Location,
    Name,
    Output,
    Phone,
    ShortText,
    Skills,
    Timestamp,
)


class VehicleType(StrEnum):
    VAN = "van"
    TRUCK = "truck"
    CAR = "car"
    CARGO_BIKE = "cargo_bike"
    BIKE = "bike"
    SCOOTER = "scooter"
    ON_FOOT = "on_foot"


class FuelType(StrEnum):
    DIESEL = "diesel"
    PETROL = "petrol"
    ELECTRIC = "electric"
    HYBRID = "hybrid"
    CNG = "cng"
    LPG = "lpg"
    HYDROGEN = "hydrogen"
    NONE = "none"


class DeviceProtocol(StrEnum):
    OSMAND = "osmand"
    OWNTRACKS = "owntracks"
    NATIVE = "native"
    DRIVER_APP = "driver_app"


class DepotCreate(Input):
    name: Name
    address: ShortText = ""
    location: Location


class DepotUpdate(Input):
    name: Name | None = None
    address: ShortText | None = None
    location: Location | None = None


class DepotPublic(Output):
    id: uuid.UUID
    name: str
    address: str
    location: Location
    created_at: Timestamp
    updated_at: Timestamp


NonNegative = Annotated[float, Field(ge=0, le=1e6)]
ShiftMinutes = Annotated[int, Field(ge=1, le=24 * 60)]


class VehicleCreate(Input):
    name: Name
    plate: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    vehicle_type: VehicleType = VehicleType.VAN
    fuel_type: FuelType = FuelType.DIESEL
    consumption_per_100km: NonNegative | None = Field(
        None, description="Litres (kWh for electric) per 100 km."
    )
    capacity_weight_kg: NonNegative | None = None
    capacity_volume_m3: NonNegative | None = None
    capacity_items: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    depot_id: uuid.UUID | None = None
    skills: Skills = Field(
        default_factory=list, description="What it offers: refrigerated, tail_lift, ..."
    )
    active: bool = True


class VehicleUpdate(Input):
    name: Name | None = None
    plate: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] | None = None
    vehicle_type: VehicleType | None = None
    fuel_type: FuelType | None = None
    consumption_per_100km: NonNegative | None = None
    capacity_weight_kg: NonNegative | None = None
    capacity_volume_m3: NonNegative | None = None
    capacity_items: Annotated[int, Field(ge=0, le=1_000_000)] | None = None
    depot_id: uuid.UUID | None = None
    skills: Skills | None = None
    active: bool | None = None


class VehiclePublic(Output):
    id: uuid.UUID
    name: str
    plate: str | None
    vehicle_type: VehicleType
    fuel_type: FuelType
    consumption_per_100km: float | None
    capacity_weight_kg: float | None
    capacity_volume_m3: float | None
    capacity_items: int | None
    depot_id: uuid.UUID | None
    skills: list[str]
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


class DriverCreate(Input):
    name: Name
    user_id: uuid.UUID | None = None
    phone: Phone | None = None
    email: Email | None = None
    photo_url: HttpUrl | None = None
    depot_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    shift_start: dt.time | None = Field(None, description="Local time, e.g. 08:00.")
    shift_end: dt.time | None = Field(None, description="Local time, e.g. 17:30.")
    max_shift_minutes: ShiftMinutes | None = None
    active: bool = True


class DriverUpdate(Input):
    name: Name | None = None
    user_id: uuid.UUID | None = None
    phone: Phone | None = None
    email: Email | None = None
    photo_url: HttpUrl | None = None
    depot_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    shift_start: dt.time | None = None
    shift_end: dt.time | None = None
    max_shift_minutes: ShiftMinutes | None = None
    active: bool | None = None


class DriverPublic(Output):
    id: uuid.UUID
    name: str
    user_id: uuid.UUID | None
    phone: str | None
    email: str | None
    photo_url: str | None
    depot_id: uuid.UUID | None
    vehicle_id: uuid.UUID | None
    shift_start: dt.time | None
    shift_end: dt.time | None
    max_shift_minutes: int | None
    active: bool
    created_at: Timestamp
    updated_at: Timestamp


DeviceIdentifier = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.:@/\-]{1,100}$")
]


class DeviceCreate(Input):
    name: Name | None = Field(None, description="Omitted: named after its identifier.")
    identifier: DeviceIdentifier | None = Field(
        None,
        description="What the tracker sends as its id (OsmAnd `id`, OwnTracks user/device). "
        "It is a secret: omitted, Doorstep makes a long random one.",
    )
    protocol: DeviceProtocol = DeviceProtocol.OSMAND
    vehicle_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    active: bool = True


class DeviceUpdate(Input):
    name: Name | None = None
    identifier: DeviceIdentifier | None = None
    protocol: DeviceProtocol | None = None
    vehicle_id: uuid.UUID | None = None
    driver_id: uuid.UUID | None = None
    active: bool | None = None


class DevicePublic(Output):
    id: uuid.UUID
    name: str
    identifier: str
    protocol: DeviceProtocol
    vehicle_id: uuid.UUID | None
    driver_id: uuid.UUID | None
    active: bool
    last_seen_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class DeviceCreated(DevicePublic):
    token: str = Field(description="For the native API (`POST /api/v1/pings`); shown once.")


class ZoneKind(StrEnum):
    DEPOT = "depot"
    CUSTOMER = "customer"
    PARKING = "parking"
    RESTRICTED = "restricted"
    JURISDICTION = "jurisdiction"
    DESIGNATED_AREA = "designated_area"


Radius = Annotated[float, Field(gt=0, le=100_000)]
Vertices = Annotated[list[Location], Field(min_length=3, max_length=5000)]


def _one_shape(location: object, radius: object, polygon: object) -> None:
    circle = location is not None or radius is not None
    if circle and polygon is not None:
        raise ValueError("a zone is a circle (location and radius_m) or a polygon, not both")
    if circle and (location is None or radius is None):
        raise ValueError("a circle zone needs both location and radius_m")
    if not circle and polygon is None:
        raise ValueError("give location and radius_m for a circle, or polygon")


class ZoneCreate(Input):
    name: Name
    kind: ZoneKind = ZoneKind.CUSTOMER
    location: Location | None = Field(None, description="Centre of a circle zone.")
    radius_m: Radius | None = None
    polygon: Vertices | None = Field(None, description="At least three corners, in order.")
    restricted: bool = Field(False, description="Entering it raises an alert.")
    dwell_minutes: Annotated[float, Field(gt=0, le=24 * 60)] | None = None
    active: bool = True

    @model_validator(mode="after")
    def _shape(self) -> Self:
        _one_shape(self.location, self.radius_m, self.polygon)
        return self


class ZoneUpdate(Input):
    name: Name | None = None
    kind: ZoneKind | None = None
    restricted: bool | None = None
    dwell_minutes: Annotated[float, Field(gt=0, le=24 * 60)] | None = None
    active: bool | None = None


class ZonePublic(Output):
    id: uuid.UUID
    name: str
    kind: ZoneKind
    location: Location | None
    radius_m: float | None
    polygon: list[Location] | None
    restricted: bool
    dwell_minutes: float | None
    active: bool
    created_at: Timestamp
    updated_at: Timestamp
