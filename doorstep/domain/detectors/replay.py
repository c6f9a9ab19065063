"""Replay: run stored fixes through a detector, the same function the live pipeline uses.

Reports (trips, stops, idling, speeding for a day) and the simulator call this instead
of re-implementing any rule. Fixes are replayed in time order; the final state is
returned too, so a report can continue from where a previous one stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from doorstep.domain.detectors.events import DetectorEvent
from doorstep.domain.ping import Ping

S = TypeVar("S")
P = TypeVar("P")

Update = Callable[[S | None, Ping, P], tuple[S, list[DetectorEvent]]]


def replay_with_state(
    update: Update[S, P], params: P, pings: Iterable[Ping], state: S | None = None
) -> tuple[S | None, list[DetectorEvent]]:
    events: list[DetectorEvent] = []
    for ping in sorted(pings, key=lambda p: p.time):
        state, found = update(state, ping, params)
        events.extend(found)
    return state, events


def replay(update: Update[S, P], params: P, pings: Iterable[Ping]) -> list[DetectorEvent]:
    """Every event ``update`` emits over ``pings`` (sorted by fix time), from a fresh state."""
    return replay_with_state(update, params, pings)[1]
