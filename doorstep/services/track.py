"""The recipient's side of a delivery, reached with nothing but its tracking code: the
public view, its live updates, instructions, rescheduling and the rating.

There is no principal here: the code is the key, and every function starts from
``open_code``, which answers an unknown, malformed or overlong code with the same 404
and asks for the organisation's extra check. The view is built field by field from
this order's own rows (never a serialised table row), through the rules of
``domain.tracking_rules``; ``docs/privacy.md`` says what may appear and why.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from doorstep import clock
from doorstep.bus import Event
from doorstep.domain import tracking_rules as rules
from doorstep.domain.errors import Conflict, DoorstepError, FieldError, Forbidden, InvalidInput
from doorstep.domain.order_status import FINAL, OrderStatus
from doorstep.domain.principal import Principal, system
from doorstep.domain.roles import Role
from doorstep.domain.route_status import ACTIVE
from doorstep.roads.base import TravelTimeProvider
from doorstep.roads.straight_line import StraightLineProvider
from doorstep.schemas.planning import Reschedule
from doorstep.schemas.track import (
    InstructionsUpdate,
    RatingCreate,
    RecipientReschedule,
    TrackDriver,
    TrackEta,
    TrackEvent,
    TrackingSettings,
    TrackInstructions,
    TrackOrganisation,
    TrackPoint,
    TrackPosition,
    TrackProof,
    TrackRating,
    TrackVehicle,
    TrackView,
    TrackWindow,
)
from doorstep.services import events, proof_rules, route_edits
from doorstep.services.accounts import organisation_tracking
from doorstep.services.eta_live import split_legs
from doorstep.services.orders import get_order
from doorstep.storage import repository as repo
from doorstep.storage.tables import (
    Driver,
    LiveState,
    Order,
    OrderEvent,
    Organisation,
    Rating,
    Route,
    Stop,
    Vehicle,
)

NOT_FOUND = "no delivery with this tracking code"
ACTIVE_ROUTES = frozenset(s.value for s in ACTIVE)
# Before the van's next stop is this one, its path starts this far into the leg, so it
# never begins at the previous recipient's door.
PATH_TRIM_M = 150.0
PATH_DECIMALS = 5
TIMELINE_LIMIT = 200
NEIGHBOUR_PREFIX = "Leave with neighbour: "
# Orders that no longer take a place in a slot.
NOT_IN_SLOTS = (OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value)


class UnknownCode(DoorstepError):
    """Unknown, malformed and overlong codes all look the same."""

    status = 404

    def __init__(self) -> None:
        super().__init__(NOT_FOUND)


class CheckFailed(Forbidden):
    """The organisation asks for a postcode or phone digits, and they were missing or
    wrong. Carries the code so the caller can count failures per code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


CHECK_PROMPTS = {
    "postcode": "the delivery address's postcode",
    "phone_last4": "the last 4 digits of the recipient's phone number",
}


@dataclass(frozen=True)
class Opened:
    order: Order
    org: Organisation
    settings: TrackingSettings

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.org.timezone)


@dataclass(frozen=True)
class Scope:
    """Which bus events can change one order's view (for its live stream)."""

    org_id: str
    order_id: str
    route_id: str | None
    vehicle_id: str | None
    vehicle_visible: bool


@dataclass(frozen=True)
class Snapshot:
    view: TrackView
    scope: Scope


@dataclass(frozen=True)
class _Leg:
    """The order's current stop and its route, if it is on one."""

    stop: Stop
    route: Route


def open_code(session: Session, text: str, check: str | None) -> Opened:
    """The order behind a tracking code, once the organisation's check (if any) is met."""
    code = rules.parse_code(text)
    if code is None:
        raise UnknownCode()
    order = session.scalar(select(Order).where(Order.tracking_code == code))
    if order is None:
        raise UnknownCode()
    org = session.get(Organisation, order.org_id)
    if org is None:
        raise UnknownCode()
    settings = organisation_tracking(org)
    kind = settings.require_check
    if kind != "none":
        if not check:
            raise CheckFailed(code, f"to see this delivery, add ?check= with {CHECK_PROMPTS[kind]}")
        if not rules.check_matches(kind, check, order.postcode, order.recipient_phone):
            raise CheckFailed(code, f"the check does not match; give {CHECK_PROMPTS[kind]}")
    return Opened(order, org, settings)


def tracking_view(
    session: Session, text: str, check: str | None, now: datetime | None = None
) -> TrackView:
    """The public view of one order (``GET /api/v1/track/{code}`` and the pages)."""
    return snapshot(session, text, check, now).view


def snapshot(
    session: Session, text: str, check: str | None, now: datetime | None = None
) -> Snapshot:
    """The view and what its live stream must listen for."""
    opened = open_code(session, text, check)
    return _build(session, opened, now or clock.now())


def _build(session: Session, opened: Opened, now: datetime) -> Snapshot:
    order, org, settings, zone = opened.order, opened.org, opened.settings, opened.zone
    status = OrderStatus(order.status)
    history = list(
        session.scalars(
            select(OrderEvent)
            .where(OrderEvent.org_id == order.org_id, OrderEvent.order_id == order.id)
            .order_by(OrderEvent.id)
        )
    )
    ended = _final_at(order, status, history)
    expires = rules.expires_at(ended, settings.access_days_after_delivery)
    expired = expires is not None and now >= expires
    organisation = TrackOrganisation(
        name=org.name, logo_url=settings.logo_url, colour=settings.brand_colour
    )
    base: dict[str, Any] = {
        "tracking_code": order.tracking_code,
        "status": status.value,
        "status_label": rules.STATUS_LABELS[status],
        "organisation": organisation,
        "expires_at": None if expires is None else _local(expires, zone),
        "expired": expired,
        "timezone": org.timezone,
    }
    scope = Scope(str(order.org_id), str(order.id), None, None, False)
    if expired:
        return Snapshot(_expired_view(base), scope)

    leg = _current_leg(session, order, status)
    stop, route = (leg.stop, leg.route) if leg else (None, None)
    open_stop = (
        stop is not None
        and route is not None
        and route.status in ACTIVE_ROUTES
        and stop.status in rules.OPEN_STOPS
        and status not in FINAL
    )
    eta = None
    if open_stop and stop is not None and stop.eta is not None:
        eta = TrackEta(
            expected=_local(stop.eta, zone),
            earliest=_local((stop.eta_earliest or stop.eta), zone),
            latest=_local((stop.eta_latest or stop.eta), zone),
            stale=bool(stop.eta_stale),
        )
    stops_away = stop.stops_away if open_stop and stop is not None else None
    visible = rules.vehicle_visible(
        route_status=route.status if route else None,
        stop_status=stop.status if stop else None,
        order_status=status,
        stops_away=stops_away,
        show_from_stops_away=settings.show_vehicle_from_stops_away,
    )
    position = path = None
    if visible and route is not None and stop is not None:
        position = _position(session, route, zone)
        if position is not None:
            path = _last_leg(route, stop, position)
    stop_status = stop.status if open_stop and stop is not None else None
    rating = session.scalar(select(Rating).where(Rating.order_id == order.id))
    view = TrackView(
        **base,
        recipient_first_name=rules.first_name(order.recipient_name),
        address=order.address,
        window=(
            TrackWindow(start=_local(order.window_start, zone), end=_local(order.window_end, zone))
            if order.window_start is not None and order.window_end is not None
            else None
        ),
        eta=eta,
        late=bool(
            open_stop
            and stop is not None
            and stop.eta is not None
            and order.window_end is not None
            and stop.eta > order.window_end
        ),
        stops_away=stops_away,
        driver=_driver(session, route, settings),
        vehicle=_vehicle(session, route),
        vehicle_position=position,
        path=path,
        destination=TrackPoint(lat=order.lat, lon=order.lon),
        timeline=_timeline(history, zone),
        proof=_proof(order, status, history, zone),
        instructions=TrackInstructions(
            text=order.instructions,
            gate_code=order.gate_code,
            dog_warning=order.dog_warning,
            safe_place=order.safe_place,
            editable=rules.instructions_editable(status, stop_status),
        ),
        rating=_rating(rating, zone),
        can_rate=status == OrderStatus.DELIVERED and rating is None,
        can_reschedule=rules.reschedulable(status, stop_status),
        delivery_code=_delivery_code(session, order, status),
    )
    scope = Scope(
        scope.org_id,
        scope.order_id,
        str(route.id) if route is not None and route.status in ACTIVE_ROUTES else None,
        str(route.vehicle_id) if route is not None and route.vehicle_id else None,
        visible,
    )
    return Snapshot(view, scope)


CODE_SHOWN = frozenset(
    {
        OrderStatus.SCHEDULED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.ARRIVING,
        OrderStatus.RESCHEDULED,
    }
)


def _delivery_code(session: Session, order: Order, status: OrderStatus) -> str | None:
    """The recipient's code, while the delivery is still to come and only when the
    organisation asks drivers for it."""
    if status not in CODE_SHOWN or not order.delivery_pin:
        return None
    org = session.get(Organisation, order.org_id)
    return order.delivery_pin if proof_rules.organisation_settings(org).require_pin else None


def _expired_view(base: dict[str, Any]) -> TrackView:
    """Past the access period: the final status and the organisation, nothing else."""
    return TrackView(
        **base,
        recipient_first_name=None,
        address=None,
        window=None,
        eta=None,
        late=False,
        stops_away=None,
        driver=None,
        vehicle=None,
        vehicle_position=None,
        path=None,
        destination=None,
        timeline=[],
        proof=None,
        instructions=None,
        rating=None,
        can_rate=False,
        can_reschedule=False,
    )


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    """In the organisation's zone, to the second: what a recipient reads."""
    return moment.astimezone(zone).replace(microsecond=0)


def _final_at(order: Order, status: OrderStatus, history: Sequence[OrderEvent]) -> datetime | None:
    """When the order reached its final status (the access period counts from there)."""
    if status not in FINAL:
        return None
    for event in reversed(history):
        if event.kind == "status_changed" and event.to_status == status.value:
            return event.at
    return order.updated_at


def _current_leg(session: Session, order: Order, status: OrderStatus) -> _Leg | None:
    """The delivery stop the recipient is waiting for: on an active route (one being
    driven first); once delivered, the stop that delivered it. A failed attempt on a
    finished route is history, not a van to follow."""
    rows = session.execute(
        select(Stop, Route)
        .join(Route, Route.id == Stop.route_id)
        .where(
            Stop.org_id == order.org_id,
            Stop.order_id == order.id,
            Stop.kind != "pickup",
        )
    ).all()
    active = [(s, r) for s, r in rows if r.status in ACTIVE_ROUTES]
    if active:
        stop, route = max(
            active, key=lambda sr: (sr[1].status == "in_progress", sr[1].date, sr[0].created_at)
        )
        return _Leg(stop, route)
    if status == OrderStatus.DELIVERED:
        done = [(s, r) for s, r in rows if s.status == "completed"]
        if done:
            stop, route = max(done, key=lambda sr: (sr[1].date, sr[0].created_at))
            return _Leg(stop, route)
    return None


def _driver(
    session: Session, route: Route | None, settings: TrackingSettings
) -> TrackDriver | None:
    """First name only; the photo if the organisation shows it. Never the phone."""
    if route is None or route.driver_id is None:
        return None
    driver = session.get(Driver, route.driver_id)
    name = rules.first_name(driver.name) if driver else None
    if driver is None or name is None:
        return None
    return TrackDriver(
        first_name=name, photo_url=driver.photo_url if settings.show_driver_photo else None
    )


def _vehicle(session: Session, route: Route | None) -> TrackVehicle | None:
    if route is None or route.vehicle_id is None:
        return None
    vehicle = session.get(Vehicle, route.vehicle_id)
    return None if vehicle is None else TrackVehicle(name=vehicle.name)


def _position(session: Session, route: Route, zone: ZoneInfo) -> TrackPosition | None:
    """The van's newest live fix (any of its trackers), rounded to ~10 m."""
    if route.vehicle_id is None:
        return None
    state = session.scalar(
        select(LiveState)
        .where(LiveState.org_id == route.org_id, LiveState.vehicle_id == route.vehicle_id)
        .order_by(LiveState.time.desc())
        .limit(1)
    )
    if state is None:
        return None
    return TrackPosition(
        lat=round(state.lat, rules.POSITION_DECIMALS),
        lon=round(state.lon, rules.POSITION_DECIMALS),
        heading=None if state.heading is None else float(round(state.heading)),
        time=_local(state.time, zone),
    )


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: plenty for trimming a path by a hundred metres."""
    lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * 111_320.0
    dx = (a[1] - b[1]) * 111_320.0 * math.cos(lat)
    return math.hypot(dx, dy)


def _last_leg(
    route: Route, stop: Stop, position: TrackPosition
) -> list[tuple[float, float]] | None:
    """The road path into this stop. As the next stop, from the van's nearest point on
    it; further off, without its first ``PATH_TRIM_M`` (another recipient's door)."""
    if not route.geometry:
        return None
    stops = sorted(route.stops, key=lambda s: s.sequence)
    index = next((i for i, s in enumerate(stops) if s.id == stop.id), None)
    if index is None:
        return None
    leg = split_legs(route.geometry, [(s.lat, s.lon) for s in stops])[index]
    if stop.stops_away == 1:
        here = (position.lat, position.lon)
        nearest = min(range(len(leg)), key=lambda i: _metres(leg[i], here), default=0)
        leg = leg[nearest:]
    else:
        travelled, start = 0.0, len(leg)
        for i in range(1, len(leg)):
            travelled += _metres(leg[i - 1], leg[i])
            if travelled >= PATH_TRIM_M:
                start = i
                break
        leg = leg[start:]
    points = [(round(lat, PATH_DECIMALS), round(lon, PATH_DECIMALS)) for lat, lon in leg]
    return points if len(points) >= 2 else None


def _timeline(history: Sequence[OrderEvent], zone: ZoneInfo) -> list[TrackEvent]:
    """What happened, in the recipient's words. Only known kinds are shown: operators'
    edits, who did what and any kind added later stay internal until listed here."""
    shown: list[TrackEvent] = []
    for event in history:
        reason = None
        if event.kind == "status_changed" and event.to_status:
            status = OrderStatus(event.to_status)
            kind = status.value
            label = rules.TIMELINE_LABELS.get(f"status:{kind}", rules.STATUS_LABELS[status])
            reason = event.reason if status in rules.REASONS_SHOWN else None
        elif event.kind == "instructions_changed" and event.data.get("neighbour"):
            kind, label = "neighbour_requested", rules.TIMELINE_LABELS["neighbour_requested"]
        elif event.kind in rules.TIMELINE_LABELS:
            kind, label = event.kind, rules.TIMELINE_LABELS[event.kind]
            reason = event.reason if event.kind == "rescheduled" else None
        else:
            continue
        shown.append(TrackEvent(at=_local(event.at, zone), kind=kind, label=label, reason=reason))
    return shown[-TIMELINE_LIMIT:]


def _proof(
    order: Order, status: OrderStatus, history: Sequence[OrderEvent], zone: ZoneInfo
) -> TrackProof | None:
    """When, who took it and where the driver confirmed it (the door, ~10 m); the
    destination when the driver's app sent no place."""
    if status != OrderStatus.DELIVERED:
        return None
    delivered = next(
        (
            e
            for e in reversed(history)
            if e.kind == "status_changed" and e.to_status == OrderStatus.DELIVERED.value
        ),
        None,
    )
    if delivered is None:
        return None
    data = delivered.data or {}
    name, photo = data.get("recipient_name"), data.get("photo_url")
    lat = delivered.lat if delivered.lat is not None else order.lat
    lon = delivered.lon if delivered.lon is not None else order.lon
    return TrackProof(
        delivered_at=_local(delivered.at, zone),
        recipient_name=name if isinstance(name, str) else None,
        photo_url=photo if isinstance(photo, str) else None,
        lat=round(lat, rules.POSITION_DECIMALS),
        lon=round(lon, rules.POSITION_DECIMALS),
    )


def _rating(rating: Rating | None, zone: ZoneInfo) -> TrackRating | None:
    if rating is None:
        return None
    return TrackRating(
        stars=rating.stars,
        comment=rating.comment,
        on_time=rating.on_time,
        courteous=rating.courteous,
        package_ok=rating.package_ok,
        at=_local(rating.created_at, zone),
    )


# -- the live stream ------------------------------------------------------------------


def concerns(scope: Scope, event: Event) -> bool:
    """Could this bus event change the view? A position only while the van is shown."""
    if event.org_id != scope.org_id:
        return False
    data, topic = event.data, event.topic
    if topic.startswith("order."):
        return data.get("order_id") == scope.order_id
    if topic == "vehicle.position":
        return scope.vehicle_visible and data.get("vehicle_id") == scope.vehicle_id
    if topic == "eta.updated" or topic.startswith(("stop.", "route.")):
        return scope.route_id is not None and data.get("route_id") == scope.route_id
    return False


STREAM_TOPICS = ("order", "vehicle.position", "eta.updated", "stop", "route")


# -- what the recipient may do --------------------------------------------------------


def _recipient(org_id: uuid.UUID) -> Principal:
    """Who the timeline says acted: the recipient, through the tracking code."""
    return Principal(org_id, Role.VIEWER, "recipient", None, "recipient (tracking page)")


def _open_stop_status(session: Session, order: Order) -> str | None:
    leg = _current_leg(session, order, OrderStatus(order.status))
    if leg is None or leg.route.status not in ACTIVE_ROUTES:
        return None
    return leg.stop.status


def _refuse_after_arrival(session: Session, order: Order, doing: str) -> None:
    status = OrderStatus(order.status)
    stop_status = _open_stop_status(session, order)
    if status in FINAL:
        raise Conflict(f"the delivery is {status.value}; {doing} is no longer possible")
    if not rules.instructions_editable(status, stop_status):
        raise Conflict(f"the driver has already arrived; {doing} is no longer possible")


def set_instructions(
    session: Session,
    text: str,
    check: str | None,
    data: InstructionsUpdate,
    now: datetime | None = None,
) -> TrackView:
    """Replace the recipient's instructions until the driver arrives. Stored as given:
    every page that shows them escapes them."""
    now = now or clock.now()
    opened = open_code(session, text, check)
    order = opened.order
    _refuse_after_arrival(session, order, "changing the instructions")
    new = {
        "instructions": data.text,
        "gate_code": data.gate_code,
        "dog_warning": data.dog_warning,
        "safe_place": data.safe_place,
    }
    changed = sorted(k for k, v in new.items() if getattr(order, k) != v)
    if changed:
        for key in changed:
            setattr(order, key, new[key])
        _instructions_changed(session, order, now, {"fields": changed})
    return _build(session, opened, now).view


def _instructions_changed(
    session: Session, order: Order, now: datetime, data: dict[str, Any]
) -> None:
    """The recipient changed what the driver reads: the order and its timeline."""
    order.updated_at = now
    session.flush()
    events.record(
        session, order, _recipient(order.org_id), "instructions_changed", at=now, data=data
    )
    session.flush()


def rate(
    session: Session,
    text: str,
    check: str | None,
    data: RatingCreate,
    now: datetime | None = None,
) -> TrackRating:
    """Once per order, after delivery."""
    now = now or clock.now()
    opened = open_code(session, text, check)
    order = opened.order
    if order.status != OrderStatus.DELIVERED.value:
        raise Conflict(f"the delivery is {order.status}; it can be rated once delivered")
    view = _build(session, opened, now).view
    if view.expired:
        raise Conflict("this tracking link has expired; the delivery can no longer be rated")
    if session.scalar(select(Rating.id).where(Rating.order_id == order.id)) is not None:
        raise Conflict("this delivery has already been rated")
    rating = Rating(
        org_id=order.org_id,
        order_id=order.id,
        stars=data.stars,
        comment=data.comment,
        on_time=data.on_time,
        courteous=data.courteous,
        package_ok=data.package_ok,
        created_at=now,
        updated_at=now,
    )
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:  # two submissions at the same moment
        raise Conflict("this delivery has already been rated") from None
    events.record(
        session, order, _recipient(order.org_id), "rated", at=now, data={"stars": data.stars}
    )
    session.flush()
    result = _rating(rating, opened.zone)
    assert result is not None
    return result


def _all_slots(opened: Opened, now: datetime) -> list[tuple[datetime, datetime]]:
    """Every configured window from today to ``reschedule_days_ahead`` days on, in UTC."""
    zone, settings = opened.zone, opened.settings
    today = now.astimezone(zone).date()
    slots = []
    for offset in range(settings.reschedule_days_ahead + 1):
        day = today + timedelta(days=offset)
        for start, end in settings.reschedule_slots:
            slots.append(
                (
                    datetime.combine(day, time.fromisoformat(start), zone),
                    datetime.combine(day, time.fromisoformat(end), zone),
                )
            )
    return slots


def _taken(
    session: Session, opened: Opened, slots: Sequence[tuple[datetime, datetime]]
) -> dict[tuple[datetime, datetime], int]:
    """How many of the organisation's other orders lie in each slot (one query)."""
    if not slots:
        return {}
    first, last = min(s for s, _ in slots), max(e for _, e in slots)
    windows = session.execute(
        select(Order.window_start, Order.window_end).where(
            Order.org_id == opened.org.id,
            Order.id != opened.order.id,
            Order.status.not_in(NOT_IN_SLOTS),
            Order.window_start >= first,
            Order.window_end <= last,
        )
    ).all()
    counts = dict.fromkeys(slots, 0)
    for start, end in windows:
        for slot in slots:
            if start is not None and end is not None and start >= slot[0] and end <= slot[1]:
                counts[slot] += 1
    return counts


def slots(
    session: Session, text: str, check: str | None, now: datetime | None = None
) -> dict[str, Any]:
    """The windows the recipient may move the delivery to: not begun, not full."""
    now = now or clock.now()
    opened = open_code(session, text, check)
    candidates = [s for s in _all_slots(opened, now) if s[0] > now]
    taken = _taken(session, opened, candidates)
    capacity = opened.settings.reschedule_slot_capacity
    allowed = rules.reschedulable(
        OrderStatus(opened.order.status), _open_stop_status(session, opened.order)
    )
    offered = [s for s in candidates if taken[s] < capacity] if allowed else []
    return {
        "timezone": opened.org.timezone,
        "slots": [
            {"start": s.astimezone(opened.zone), "end": e.astimezone(opened.zone)}
            for s, e in offered
        ],
    }


def reschedule(
    session: Session,
    roads: Callable[[], TravelTimeProvider],
    text: str,
    check: str | None,
    data: RecipientReschedule,
    now: datetime | None = None,
) -> TrackView:
    """Move the delivery to an offered slot (off its route, through the state machine
    and back to the planner), or ask the driver to leave it with a neighbour."""
    now = now or clock.now()
    opened = open_code(session, text, check)
    order = opened.order
    doing = "asking for a neighbour" if data.neighbour is not None else "rescheduling"
    _refuse_after_arrival(session, order, doing)
    if data.neighbour is not None:
        _leave_with_neighbour(session, order, data.neighbour, now)
        return _build(session, opened, now).view
    assert data.window_start is not None and data.window_end is not None
    chosen = (data.window_start, data.window_end)
    if chosen[0] <= now:
        raise InvalidInput(
            [FieldError(("body", "window_start"), "that slot has already begun; pick a later one")],
            "the slot is in the past",
        )
    if chosen not in _all_slots(opened, now):
        raise InvalidInput(
            [FieldError(("body", "window_start"), "not one of the offered slots (see /slots)")],
            "the slot is not offered",
        )
    if _taken(session, opened, [chosen])[chosen] >= opened.settings.reschedule_slot_capacity:
        raise InvalidInput(
            [FieldError(("body", "window_start"), "that slot is full; pick another")],
            "the slot is full",
        )
    actor = system(order.org_id, "recipient (tracking page)")
    provider = roads() if _needs_roads(session, order) else StraightLineProvider()
    request = Reschedule(
        window_start=chosen[0], window_end=chosen[1], reason="the recipient chose a new time"
    )
    route_edits.reschedule(session, actor, provider, order.id, request)
    return _build(session, opened, now).view


def _needs_roads(session: Session, order: Order) -> bool:
    """Taking the order off an active route re-times the rest of it on the roads; an
    order on no route needs no road network (which can take seconds to load)."""
    stop = session.scalar(
        repo.owned(Stop, order.org_id).where(Stop.order_id == order.id, Stop.status == "pending")
    )
    if stop is None:
        return False
    route = session.get(Route, stop.route_id)
    return route is not None and route.status in ACTIVE_ROUTES


def _leave_with_neighbour(session: Session, order: Order, neighbour: str, now: datetime) -> None:
    """The request goes on top of the instructions the driver reads, replacing an
    earlier neighbour line."""
    lines = [
        line
        for line in (order.instructions or "").splitlines()
        if not line.startswith(NEIGHBOUR_PREFIX)
    ]
    order.instructions = "\n".join([f"{NEIGHBOUR_PREFIX}{neighbour.strip()}", *lines])
    data = {"fields": ["instructions"], "neighbour": neighbour.strip()}
    _instructions_changed(session, order, now, data)


# -- operators ------------------------------------------------------------------------


def order_rating(session: Session, principal: Principal, order_id: uuid.UUID) -> Rating:
    """The recipient's rating of one of the organisation's orders."""
    order = get_order(session, principal, order_id)
    rating = session.scalar(repo.owned(Rating, principal.org_id).where(Rating.order_id == order.id))
    if rating is None:
        raise RatingMissing(order.id)
    return rating


class RatingMissing(DoorstepError):
    status = 404

    def __init__(self, order_id: uuid.UUID) -> None:
        super().__init__(f"order {order_id} has not been rated")
