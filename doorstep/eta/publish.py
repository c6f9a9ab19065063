"""Which refreshed ETAs are worth telling anyone about.

A route is refreshed on every fix, but a customer's page, a webhook or an SMS rule
only needs to hear when something they would notice changed. A stop's ETA is
published when, compared with what was *last published* for it (not last computed,
so slow drift still adds up):

* the ETA, or an edge of its window, moved by more than ``threshold_s`` (60 s);
* the ETA crossed an edge of the stop's promised window (before / inside / after);
* the route's position went stale or fresh again (every stop is published);
* its stops-away changed (optional, on by default: "2 stops away" must stay honest);
* it was never published.

Stops that left the route's result (closed, or removed by a route change) are
reported as withdrawn, once.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from doorstep.eta.model import RouteEta, RoutePlan, StopEta


@dataclass(frozen=True, slots=True)
class Publication:
    """What to publish for one route now: changed ETAs and stops that have none any more."""

    route_id: str
    changed: tuple[StopEta, ...]
    withdrawn: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.changed or self.withdrawn)


_Window = tuple[float | None, float | None]
# what was published for a stop, as the box the next values may stay in unpublished:
# (eta low, eta high, earliest low, earliest high, latest low, latest high, stops away)
_Quiet = tuple[float, float, float, float, float, float, int]
_BELOW = -math.inf


def _eta_range(eta_s: float, window: _Window | None, limit: float) -> tuple[float, float]:
    """Where an ETA may move without being published: within ``limit`` seconds, and on
    the same side of each edge of the promised window (before / inside / after)."""
    low, high = eta_s - limit, eta_s + limit
    if window is None:
        return low, high
    start, end = window
    if start is not None:
        if eta_s < start:
            high = min(high, math.nextafter(start, _BELOW))
        else:
            low = max(low, start)
    if end is not None:
        if eta_s > end:
            low = max(low, math.nextafter(end, math.inf))
        else:
            high = min(high, end)
    return low, high


def _inside(quiet: _Quiet, stop: StopEta) -> bool:
    low, high, e_low, e_high, l_low, l_high, away = quiet
    return (
        low <= stop.eta_s <= high
        and e_low <= stop.earliest_s <= e_high
        and l_low <= stop.latest_s <= l_high
        and (away < 0 or away == stop.stops_away)
    )


class ChangeGate:
    """Remembers what was last published per route and stop, and lets through changes.

    The promised windows (stop id -> (start, end) as POSIX seconds) tell the gate
    where the boundaries are; give them with ``promise_plan`` when a route is set.
    """

    def __init__(
        self,
        threshold_s: float = 60.0,
        *,
        watch_window_edges: bool = True,
        watch_stops_away: bool = True,
    ) -> None:
        self.threshold_s = threshold_s
        self.watch_window_edges = watch_window_edges
        self.watch_stops_away = watch_stops_away
        self._published: dict[str, dict[str, _Quiet]] = {}
        self._stale: dict[str, bool] = {}
        self._windows: dict[str, _Window] = {}

    def promise(
        self, stop_id: str, window_start: dt.datetime | None, window_end: dt.datetime | None
    ) -> None:
        """The stop's promised window, whose edges an ETA may cross."""
        self._windows[stop_id] = (
            window_start.timestamp() if window_start is not None else None,
            window_end.timestamp() if window_end is not None else None,
        )

    def promise_plan(self, plan: RoutePlan) -> None:
        """Every stop's promised window of a route, as dispatched or changed."""
        for stop in plan.stops:
            self.promise(stop.stop_id, stop.window_start, stop.window_end)

    def _quiet(self, stop: StopEta) -> _Quiet:
        limit = self.threshold_s
        low, high = _eta_range(stop.eta_s, self._windows.get(stop.stop_id), limit)
        edge = limit if self.watch_window_edges else math.inf
        return (
            low,
            high,
            stop.earliest_s - edge,
            stop.earliest_s + edge,
            stop.latest_s - edge,
            stop.latest_s + edge,
            stop.stops_away if self.watch_stops_away else -1,
        )

    def moved(self, before: StopEta, after: StopEta) -> bool:
        """Whether ``after`` differs enough from the published ``before``."""
        return not _inside(self._quiet(before), after)

    def review(self, route: RouteEta) -> Publication:
        """Decide what of ``route`` to publish, and remember it as published."""
        published = self._published.setdefault(route.route_id, {})
        # The van's position going stale (or fresh again) is news for every stop,
        # even when the ETAs themselves stay put (e.g. pinned to a window's start).
        flipped = self._stale.get(route.route_id, False) != route.position_stale
        self._stale[route.route_id] = route.position_stale
        changed = []
        for stop in route.stops:
            quiet = published.get(stop.stop_id)
            if flipped or quiet is None or not _inside(quiet, stop):
                changed.append(stop)
                published[stop.stop_id] = self._quiet(stop)
        withdrawn: tuple[str, ...] = ()
        if len(published) > len(route.stops):  # every stop of ``route`` is in it now
            present = {s.stop_id for s in route.stops}
            withdrawn = tuple(sid for sid in published if sid not in present)
            for sid in withdrawn:
                del published[sid]
        return Publication(route.route_id, tuple(changed), withdrawn)

    def forget(self, route_id: str) -> None:
        """The route is over: drop what was published for it."""
        self._stale.pop(route_id, None)
        for sid in self._published.pop(route_id, {}):
            self._windows.pop(sid, None)
