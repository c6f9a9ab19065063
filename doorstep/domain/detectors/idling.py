"""Idling: the engine runs while the vehicle stands still.

With ignition known (``ping.ignition`` is True/False), a vehicle that is stationary with
the ignition on for at least ``idle_after`` (3 min: long enough for any traffic light,
short enough to catch a van left running at a doorstep) is *idling*. Ignition off or
moving ends it.

Trackers without ignition (``ping.ignition is None``, e.g. a phone) cannot tell idling
from parking; for them, standing still for at least ``stationary_after`` (5 min)
somewhere that is not a known place (``params.in_known_place(ping)``: a planned stop,
a depot, a parking zone; the caller binds it) is reported as *stationary*, not idling.
Arriving in a known place ends it.

Stationary means a speed at most ``max_speed_ms`` (0.5 m/s) or, without a speed, within
``radius_m`` (50 m) of where the standing began. A gap in fixes longer than ``max_gap``
(10 min, when a device counts as offline) ends an episode at the last fix before it.

Events: ``idling_started`` / ``idling_ended`` and ``stationary_started`` /
``stationary_ended``; ``*_started`` carries the time standing began (not when the
threshold passed), ``*_ended`` the duration, first and last fixes and thresholds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.detectors.geometry import distance_m
from doorstep.domain.ping import Ping

Kind = Literal["idling", "stationary"]


@dataclass(frozen=True, slots=True)
class Params:
    idle_after: timedelta = timedelta(minutes=3)
    stationary_after: timedelta = timedelta(minutes=5)
    max_speed_ms: float = 0.5
    radius_m: float = 50.0
    max_gap: timedelta = timedelta(minutes=10)
    in_known_place: Callable[[Ping], bool] | None = None


@dataclass(frozen=True, slots=True)
class State:
    last: Ping
    kind: Kind | None = None  # what the current standing would be
    since: Ping | None = None  # first fix of the current standing
    active: bool = False  # the *_started event was emitted


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    if state is not None and ping.time <= state.last.time:
        return state, []
    events: list[DetectorEvent] = []
    if state is not None and ping.time - state.last.time > params.max_gap:
        events += _end(state, state.last, params, "data_gap")
        state = None

    kind, why_not = _kind(state, ping, params)
    if kind is None or state is None or state.since is None or kind != state.kind:
        if state is not None:
            events += _end(state, state.last, params, why_not or "ignition_changed")
        if kind is None:
            return State(ping), events
        state = State(ping, kind, ping)
    assert state.since is not None
    threshold = params.idle_after if kind == "idling" else params.stationary_after
    active = state.active
    if not active and ping.time - state.since.time >= threshold:
        active = True
        data = _data(state.since, ping, kind, params) | {"detected_at": ping.time.isoformat()}
        events.append(DetectorEvent(f"{kind}_started", state.since.time, ping.device, data))
    return State(ping, kind, state.since, active), events


def _kind(state: State | None, ping: Ping, params: Params) -> tuple[Kind | None, str]:
    """What standing this fix belongs to, or None and why it is not one."""
    if ping.speed is not None:
        still = ping.speed <= params.max_speed_ms
    else:
        anchor = state.since if state is not None and state.since is not None else ping
        still = distance_m(anchor, ping) <= params.radius_m
    if not still:
        return None, "moved"
    if ping.ignition is False:
        return None, "ignition_off"
    if ping.ignition is True:
        return "idling", ""
    if params.in_known_place is not None and params.in_known_place(ping):
        return None, "known_place"
    return "stationary", ""


def _data(since: Ping, last: Ping, kind: Kind, params: Params) -> dict[str, Any]:
    threshold = params.idle_after if kind == "idling" else params.stationary_after
    return {
        "start": fix_data(since),
        "last": fix_data(last),
        "duration_s": (last.time - since.time).total_seconds(),
        "threshold_s": threshold.total_seconds(),
        "max_speed_ms": params.max_speed_ms,
    }


def _end(state: State, last: Ping, params: Params, reason: str) -> list[DetectorEvent]:
    if not state.active or state.since is None or state.kind is None:
        return []
    data = _data(state.since, last, state.kind, params) | {"reason": reason}
    return [DetectorEvent(f"{state.kind}_ended", last.time, last.device, data)]
