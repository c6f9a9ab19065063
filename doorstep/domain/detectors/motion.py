"""Trips and stops.

A vehicle is *moving* once a fix is at least ``move_radius_m`` (200 m) from the point
where it was last standing (the anchor); it is *stopped* once its fixes have stayed
within ``move_radius_m`` of one point for at least ``stop_after`` (180 s). Measuring
against a radius instead of the reported speed makes GPS drift of a parked van (tens
of metres) and a traffic-light wait (under 3 minutes) neither a trip nor a stop.

Events (``time`` is when it happened; ``detected_at`` in ``data`` when it was known):

- ``trip_started`` at the last fix within the radius (the departure).
- ``trip_ended`` at the arrival (the first fix of the stop), with distance (sum of
  haversine legs), duration, start and end fixes; or at the last fix before a data gap.
- ``stop_started`` at the arrival; ``stop_ended`` at the departure, with the duration.

A gap of more than ``gap_ends_trip`` (one hour) between fixes ends a running trip at the
last fix before the gap (``reason: data_gap``): nobody knows what happened meanwhile. A
stop survives a gap if the vehicle is still within the radius afterwards. The first fix
of a vehicle (and the first after a gap) starts in ``unknown``: neither a trip nor a
stop until the rules above decide. Fixes with accuracy worse than ``max_accuracy_m``
(100 m) are ignored: they could start a trip on their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.detectors.geometry import distance_m
from doorstep.domain.ping import Ping

Mode = Literal["unknown", "moving", "stopped"]


@dataclass(frozen=True, slots=True)
class Params:
    move_radius_m: float = 200.0
    stop_after: timedelta = timedelta(seconds=180)
    gap_ends_trip: timedelta = timedelta(hours=1)
    max_accuracy_m: float = 100.0


@dataclass(frozen=True, slots=True)
class Trip:
    start: Ping
    distance_m: float  # up to the newest fix
    distance_at_anchor_m: float  # up to the anchor (the arrival, if this becomes a stop)


@dataclass(frozen=True, slots=True)
class State:
    mode: Mode
    anchor: Ping  # the stop point, or where a candidate stop began
    last_near: Ping  # the newest fix within the radius of the anchor
    last: Ping  # the newest fix considered
    trip: Trip | None = None


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    if ping.accuracy is not None and ping.accuracy > params.max_accuracy_m:
        return _fresh(ping) if state is None else state, []
    if state is None:
        return _fresh(ping), []
    if ping.time <= state.last.time:
        return state, []
    events: list[DetectorEvent] = []
    if ping.time - state.last.time > params.gap_ends_trip:
        state, events = _gap(state, ping, params)
        if state.mode == "unknown":
            return state, events

    trip = state.trip
    if trip is not None:
        leg = distance_m(state.last, ping)
        trip = Trip(trip.start, trip.distance_m + leg, trip.distance_at_anchor_m)

    if distance_m(state.anchor, ping) < params.move_radius_m:
        if state.mode != "stopped" and ping.time - state.anchor.time >= params.stop_after:
            if trip is not None:
                events.append(_trip_ended(trip, state.anchor, ping, params, "stopped"))
            events.append(_event("stop_started", state.anchor, ping, params))
            return State("stopped", state.anchor, ping, ping, None), events
        return State(state.mode, state.anchor, ping, ping, trip), events

    # Left the radius around the anchor.
    if state.mode == "stopped":
        events.append(_stop_ended(state.anchor, state.last_near, ping, params))
    if trip is None or state.mode != "moving":
        trip = Trip(state.last_near, distance_m(state.last_near, ping), 0.0)
        events.append(_event("trip_started", state.last_near, ping, params))
    trip = Trip(trip.start, trip.distance_m, trip.distance_m)  # this fix is the new anchor
    return State("moving", ping, ping, ping, trip), events


def _fresh(ping: Ping) -> State:
    return State("unknown", ping, ping, ping, None)


def _gap(state: State, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    """Close what a data gap makes unknowable; keep a stop the vehicle is still at."""
    events: list[DetectorEvent] = []
    if state.mode == "moving" and state.trip is not None:
        events.append(_trip_ended(state.trip, state.last, ping, params, "data_gap"))
        return _fresh(ping), events
    if state.mode == "stopped":
        if distance_m(state.anchor, ping) < params.move_radius_m:
            return state, events
        events.append(_stop_ended(state.anchor, state.last_near, ping, params, "data_gap"))
    return _fresh(ping), events


def _data(at: Ping, detected: Ping, params: Params) -> dict[str, Any]:
    return {
        "fix": fix_data(at),
        "detected_at": detected.time.isoformat(),
        "move_radius_m": params.move_radius_m,
        "stop_after_s": params.stop_after.total_seconds(),
    }


def _event(kind: str, at: Ping, detected: Ping, params: Params) -> DetectorEvent:
    return DetectorEvent(kind, at.time, at.device, _data(at, detected, params))


def _trip_ended(
    trip: Trip, end: Ping, detected: Ping, params: Params, reason: str
) -> DetectorEvent:
    distance = trip.distance_at_anchor_m if reason == "stopped" else trip.distance_m
    data = _data(end, detected, params) | {
        "reason": reason,
        "start": fix_data(trip.start),
        "end": fix_data(end),
        "distance_m": round(distance, 1),
        "duration_s": (end.time - trip.start.time).total_seconds(),
    }
    if reason == "data_gap":
        data["gap_ends_trip_s"] = params.gap_ends_trip.total_seconds()
    return DetectorEvent("trip_ended", end.time, end.device, data)


def _stop_ended(
    anchor: Ping, departure: Ping, detected: Ping, params: Params, reason: str = "moved"
) -> DetectorEvent:
    data = _data(departure, detected, params) | {
        "reason": reason,
        "start": fix_data(anchor),
        "end": fix_data(departure),
        "duration_s": (departure.time - anchor.time).total_seconds(),
    }
    return DetectorEvent("stop_ended", departure.time, departure.device, data)
