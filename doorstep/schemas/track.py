"""The public tracking view and what a recipient may send, plus the organisation's
tracking settings (kept in ``organisations.settings["tracking"]``).

The view's field names are a contract with the tracking pages and with integrations
that build their own page: change them only together. Its times carry the
organisation's UTC offset, so a page can print them as they are.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from doorstep.schemas.common import Input, Output, ShortText, Timestamp, WebUrl
from doorstep.schemas.orders import GateCode

LocalTime = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
CheckKind = Literal["none", "postcode", "phone_last4"]

DEFAULT_SLOTS: list[tuple[str, str]] = [("09:00", "12:00"), ("12:00", "15:00"), ("15:00", "18:00")]


class TrackingSettings(Input):
    """What the public tracking view shows and offers. A field left out of a PUT is its
    default again."""

    show_vehicle_from_stops_away: int = Field(
        3,
        ge=0,
        le=50,
        description="Show the van (position and last leg) once this order is at most this "
        "many stops away (1: the next stop); 0 never shows it.",
    )
    access_days_after_delivery: int = Field(
        14,
        ge=0,
        le=365,
        description="Days after the order is delivered, returned or cancelled until the "
        "view shows only its final status.",
    )
    show_driver_photo: bool = Field(False, description="Show the driver's photo.")
    brand_colour: Colour = Field("#1a56db", description="#rrggbb for the pages.")
    logo_url: WebUrl | None = Field(None, description="https://… of the logo.")
    require_check: CheckKind = Field(
        "none",
        description="Ask for the delivery postcode or the last 4 digits of the recipient's "
        "phone as well as the code (?check=…).",
    )
    reschedule_slots: list[tuple[LocalTime, LocalTime]] = Field(
        default_factory=lambda: list(DEFAULT_SLOTS),
        max_length=12,
        description='Windows a recipient may pick, local times: [["09:00", "12:00"], …].',
    )
    reschedule_days_ahead: int = Field(
        7,
        ge=1,
        le=14,
        description="Slots are offered today (those not begun) and this many days after.",
    )
    reschedule_slot_capacity: int = Field(
        50, ge=1, le=100_000, description="A slot is full once this many orders are in it."
    )

    @field_validator("reschedule_slots")
    @classmethod
    def _ordered(cls, slots: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for start, end in slots:
            if end <= start:
                raise ValueError(f"the slot {start}-{end} must end after it starts")
        return sorted(set(slots))


class TrackingSettingsPublic(TrackingSettings):
    org_id: uuid.UUID


# -- the view -----------------------------------------------------------------------


class TrackOrganisation(Output):
    name: str
    logo_url: str | None
    colour: str


class TrackWindow(Output):
    start: datetime
    end: datetime


class TrackEta(Output):
    expected: datetime
    earliest: datetime
    latest: datetime
    stale: bool = Field(description="The van has not reported for a while.")


class TrackDriver(Output):
    first_name: str
    photo_url: str | None


class TrackVehicle(Output):
    name: str


class TrackPosition(Output):
    lat: float
    lon: float
    heading: float | None
    time: datetime


class TrackPoint(Output):
    lat: float
    lon: float


class TrackEvent(Output):
    at: datetime
    kind: str
    label: str
    reason: str | None


class TrackProof(Output):
    delivered_at: datetime
    recipient_name: str | None
    photo_url: str | None
    lat: float
    lon: float


class TrackInstructions(Output):
    """Recipient-written text: every page must escape it when showing it."""

    text: str | None
    gate_code: str | None
    dog_warning: bool
    safe_place: str | None
    editable: bool


class TrackRating(Output):
    stars: int
    comment: str | None
    on_time: bool | None
    courteous: bool | None
    package_ok: bool | None
    at: datetime


class TrackView(Output):
    """Everything the recipient sees, and nothing of anyone else."""

    tracking_code: str
    status: str
    status_label: str
    organisation: TrackOrganisation
    recipient_first_name: str | None
    address: str | None
    window: TrackWindow | None
    eta: TrackEta | None
    late: bool = Field(description="The expected time is after the promised window.")
    stops_away: int | None = Field(description="1: this is the van's next stop.")
    driver: TrackDriver | None
    vehicle: TrackVehicle | None
    vehicle_position: TrackPosition | None = Field(
        description="Only while the van is at most N stops away, rounded to ~10 m."
    )
    path: list[tuple[float, float]] | None = Field(
        description="The road path of the van's last leg to this address, [[lat, lon], …]."
    )
    destination: TrackPoint | None
    timeline: list[TrackEvent]
    proof: TrackProof | None
    instructions: TrackInstructions | None
    rating: TrackRating | None
    can_rate: bool
    can_reschedule: bool
    delivery_code: str | None = Field(
        None,
        description="Tell the driver this code at the door (when the organisation asks "
        "for one as proof of delivery).",
    )
    expires_at: datetime | None
    expired: bool = Field(description="Past expires_at: only the status is left.")
    timezone: str


# -- what the recipient sends -------------------------------------------------------

RecipientText = Annotated[str, StringConstraints(max_length=1000)]


class InstructionsUpdate(Input):
    """Replaces all four (PUT): a field left out is cleared."""

    text: RecipientText | None = None
    gate_code: GateCode | None = None
    dog_warning: bool = False
    safe_place: ShortText | None = None


class RatingCreate(Input):
    stars: int = Field(ge=1, le=5)
    comment: RecipientText | None = None
    on_time: bool | None = None
    courteous: bool | None = None
    package_ok: bool | None = None


class Slot(Output):
    start: datetime
    end: datetime


class SlotList(Output):
    timezone: str
    slots: list[Slot]


class RecipientReschedule(Input):
    """Either a new window (one of the offered slots) or a neighbour to leave it with."""

    window_start: Timestamp | None = None
    window_end: Timestamp | None = None
    neighbour: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        None, description='Who and where, e.g. "Virtanen / flat 12".'
    )

    @model_validator(mode="after")
    def _one_choice(self) -> Self:
        window = self.window_start is not None or self.window_end is not None
        if window and self.neighbour is not None:
            raise ValueError("give either a window or a neighbour, not both")
        if not window and self.neighbour is None:
            raise ValueError("give window_start and window_end, or a neighbour")
        if window and (self.window_start is None or self.window_end is None):
            raise ValueError("give both window_start and window_end")
        return self


class OrderRatingPublic(Output):
    """A recipient's rating as operators read it (times in UTC)."""

    order_id: uuid.UUID
    stars: int
    comment: str | None = Field(description="Recipient-written: escape it when shown.")
    on_time: bool | None
    courteous: bool | None
    package_ok: bool | None
    created_at: Timestamp
