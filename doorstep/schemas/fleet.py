"""Depots, vehicles, drivers and tracker devices as the API speaks them."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import uuid
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from shapely.geometry import LineString, Polygon
from shapely.validation import explain_validity

from doorstep.domain.detectors.off_hours import WeeklySchedule
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
    WebUrl,
    not_null,
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

    _kept = not_null("name", "address", "location")


class DepotPublic(Output):
    id: uuid.UUID
    name: str
    address: str
    location: Location
    created_at: Timestamp
    updated_at: Timestamp


NonNegative = Annotated[float, Field(ge=0, le=1e6)]
ShiftMinutes = Annotated[int, Field(ge=1, le=24 * 60)]

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = datetime.weekday()
END_OF_DAY = "24:00"


def _clock(value: str) -> str:
    """HH:MM, 00:00-23:59, or 24:00 (only meaningful as an end: midnight)."""
    hours, sep, minutes = value.partition(":")
    if (
        sep
        and len(hours) == 2
        and len(minutes) == 2
        and hours.isdigit()
        and minutes.isdigit()
        and ((int(hours) < 24 and int(minutes) < 60) or value == END_OF_DAY)
    ):
        return value
    raise ValueError(
        f"{value!r} is not a time of day: use HH:MM from 00:00 to 23:59 (24:00 as an end)"
    )


Clock = Annotated[str, AfterValidator(_clock)]


def _interval(value: tuple[str, str]) -> tuple[str, str]:
    """End 00:00 or 24:00 is midnight at the day's end, stored as 24:00."""
    start, end = value
    if start == END_OF_DAY:
        raise ValueError("an interval cannot start at 24:00; start the next day at 00:00")
    if end == "00:00":
        end = END_OF_DAY
    if start >= end:
        raise ValueError(
            f"{start}-{end} ends before it starts: a night across midnight is two intervals, "
            "e.g. mon [22:00, 24:00] and tue [00:00, 06:00]"
        )
    return start, end


Interval = Annotated[tuple[Clock, Clock], AfterValidator(_interval)]


def _no_overlap(intervals: list[tuple[str, str]]) -> list[tuple[str, str]]:
    ordered = sorted(intervals)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start < end:
            raise ValueError(f"intervals overlap around {start}: merge them into one")
    return ordered


DayHours = Annotated[
    list[Interval],
    Field(max_length=4, description="[start, end] pairs, HH:MM local time."),
    AfterValidator(_no_overlap),
]


class AllowedHours(BaseModel):
    """When a vehicle may be used, per weekday, in the organisation's time zone. A day
    left out or empty allows no use that day; an end of 24:00 (or 00:00) is midnight."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    mon: DayHours = Field(default_factory=list)
    tue: DayHours = Field(default_factory=list)
    wed: DayHours = Field(default_factory=list)
    thu: DayHours = Field(default_factory=list)
    fri: DayHours = Field(default_factory=list)
    sat: DayHours = Field(default_factory=list)
    sun: DayHours = Field(default_factory=list)


def _time(clock: str) -> dt.time:
    return dt.time(0) if clock == END_OF_DAY else dt.time.fromisoformat(clock)


def weekly_schedule(
    allowed_hours: Mapping[str, Sequence[Sequence[str]]] | AllowedHours,
) -> WeeklySchedule:
    """A vehicle's stored ``allowed_hours`` as the off-hours detector's schedule.

    Validated again on the way, so a hand-edited row fails loudly instead of alerting
    at the wrong hours; 24:00 becomes 00:00, the detector's midnight at the day's end.
    """
    hours = (
        allowed_hours
        if isinstance(allowed_hours, AllowedHours)
        else AllowedHours.model_validate(allowed_hours)
    )
    days: dict[int, tuple[tuple[dt.time, dt.time], ...]] = {}
    for index, day in enumerate(DAYS):
        intervals = getattr(hours, day)
        if intervals:
            days[index] = tuple((_time(start), _time(end)) for start, end in intervals)
    return WeeklySchedule(days)


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
    allowed_hours: AllowedHours | None = Field(
        None, description="When it may be used; omitted or null: at any time."
    )
    designated_zone_id: uuid.UUID | None = Field(
        None, description="The zone it belongs in; leaving it raises an alert."
    )


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
    allowed_hours: AllowedHours | None = Field(None, description="null: at any time.")
    designated_zone_id: uuid.UUID | None = None

    _kept = not_null("name", "vehicle_type", "fuel_type", "skills", "active")


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
    allowed_hours: AllowedHours | None
    designated_zone_id: uuid.UUID | None
    created_at: Timestamp
    updated_at: Timestamp


class DriverCreate(Input):
    name: Name
    user_id: uuid.UUID | None = None
    phone: Phone | None = None
    email: Email | None = None
    photo_url: WebUrl | None = None
    depot_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    shift_start: dt.time | None = Field(None, description="Local time, e.g. 08:00.")
    shift_end: dt.time | None = Field(None, description="Local time, e.g. 17:30.")
    max_shift_minutes: ShiftMinutes | None = None
    active: bool = True
    carrier_id: uuid.UUID | None = Field(
        None, description="Drives for this carrier: the carrier is paid for the work."
    )


class DriverUpdate(Input):
    name: Name | None = None
    user_id: uuid.UUID | None = None
    phone: Phone | None = None
    email: Email | None = None
    photo_url: WebUrl | None = None
    depot_id: uuid.UUID | None = None
    vehicle_id: uuid.UUID | None = None
    shift_start: dt.time | None = None
    shift_end: dt.time | None = None
    max_shift_minutes: ShiftMinutes | None = None
    active: bool | None = None
    carrier_id: uuid.UUID | None = None

    _kept = not_null("name", "active")


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
    carrier_id: uuid.UUID | None
    created_at: Timestamp
    updated_at: Timestamp


class CarrierCreate(Input):
    name: Name
    email: Email | None = None
    phone: Phone | None = None
    tax_ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = (
        Field(None, description="The carrier's VAT or company number, for its statements.")
    )
    active: bool = True


class CarrierUpdate(Input):
    name: Name | None = None
    email: Email | None = None
    phone: Phone | None = None
    tax_ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)] | None = None
    active: bool | None = None

    _kept = not_null("name", "active")


class CarrierPublic(Output):
    id: uuid.UUID
    name: str
    email: str | None
    phone: str | None
    tax_ref: str | None
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

    _kept = not_null("name", "identifier", "protocol", "active")


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


def _simple_polygon(polygon: list[Location]) -> None:
    """A zone whose edges cross is ambiguous (which side is inside?), so it is refused
    with where the first crossing is, for the user to fix that corner."""
    ring = [(p.lon, p.lat) for p in polygon]
    if len(set(ring)) < 3:
        raise ValueError("a polygon needs at least three different corners")
    shape = Polygon(ring)
    if LineString(ring).minimum_rotated_rectangle.area == 0:
        raise ValueError("the polygon's corners lie on one line: it encloses no area")
    if not shape.is_valid:
        reason = explain_validity(shape)
        where = re.search(r"\[(-?[\d.e+-]+) (-?[\d.e+-]+)\]", reason)
        near = f" near lat {float(where[2]):.6f}, lon {float(where[1]):.6f}" if where else ""
        if reason.startswith(("Self-intersection", "Ring Self-intersection")):
            raise ValueError(
                f"the polygon's edges cross each other{near}; "
                "list the corners in order around the zone"
            )
        raise ValueError(f"the polygon is not a simple shape ({reason.split('[')[0]}){near}")


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
        if self.polygon is not None:
            _simple_polygon(self.polygon)
        return self


class ZoneUpdate(Input):
    name: Name | None = None
    kind: ZoneKind | None = None
    restricted: bool | None = None
    dwell_minutes: Annotated[float, Field(gt=0, le=24 * 60)] | None = None
    active: bool | None = None

    _kept = not_null("name", "kind", "restricted", "active")


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
