"""Speeding: above the limit plus a tolerance for long enough to be deliberate.

A fix is *over* when its speed is strictly above ``limit + tolerance_kmh`` (default
10 km/h: speedometers read high and GPS speed is noisy; exactly at the bound is not
over). The limit is the road's, from ``params.limit_kmh_for(ping)`` (the caller binds it
to the road network's maxspeed at the snapped position), else
``default_limit_kmh`` (50 km/h, the urban default in most of Europe).

An episode is a run of consecutive over fixes; it counts once it has lasted at least
``min_duration`` (10 s, from its first over fix to its latest), which filters single
GPS speed spikes. Two events per episode:

- ``speeding_started`` as soon as it counts (so a live alert can go out), at the time
  of its first over fix;
- ``speeding_ended`` at its end (the first fix not over, or a gap in fixes longer than
  ``max_gap``, 60 s), with peak speed, the limit at the peak, duration, first, peak and
  last fixes and the thresholds.

A fix without a speed neither extends nor ends an episode (only the gap rule does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from doorstep.domain.detectors.events import DetectorEvent, fix_data
from doorstep.domain.ping import Ping


@dataclass(frozen=True, slots=True)
class Params:
    default_limit_kmh: float = 50.0
    tolerance_kmh: float = 10.0
    min_duration: timedelta = timedelta(seconds=10)
    max_gap: timedelta = timedelta(seconds=60)
    limit_kmh_for: Callable[[Ping], float | None] | None = None

    def limit_kmh(self, ping: Ping) -> float:
        limit = None if self.limit_kmh_for is None else self.limit_kmh_for(ping)
        return self.default_limit_kmh if limit is None else limit


@dataclass(frozen=True, slots=True)
class Episode:
    first: Ping
    last: Ping
    peak: Ping
    peak_limit_kmh: float
    started: bool = False  # speeding_started was emitted


@dataclass(frozen=True, slots=True)
class State:
    last: Ping | None = None
    episode: Episode | None = None


def update(state: State | None, ping: Ping, params: Params) -> tuple[State, list[DetectorEvent]]:
    state = state or State()
    if state.last is not None and ping.time <= state.last.time:
        return state, []
    if ping.speed is None:
        if state.episode is not None and ping.time - state.episode.last.time > params.max_gap:
            return State(ping, None), _ended(state.episode, ping, params, "data_gap")
        return State(ping, state.episode), []

    events: list[DetectorEvent] = []
    episode = state.episode
    if episode is not None and ping.time - episode.last.time > params.max_gap:
        events += _ended(episode, ping, params, "data_gap")
        episode = None

    limit = params.limit_kmh(ping)
    if ping.speed <= (limit + params.tolerance_kmh) / 3.6:  # compared in m/s, as sent
        if episode is not None:
            events += _ended(episode, ping, params, "slowed_down")
        return State(ping, None), events

    if episode is None:
        episode = Episode(ping, ping, ping, limit)
    else:
        higher = ping.speed > (episode.peak.speed or 0.0)
        episode = Episode(
            episode.first,
            ping,
            ping if higher else episode.peak,
            limit if higher else episode.peak_limit_kmh,
            episode.started,
        )
    if not episode.started and ping.time - episode.first.time >= params.min_duration:
        episode = Episode(episode.first, ping, episode.peak, episode.peak_limit_kmh, True)
        events.append(
            DetectorEvent(
                "speeding_started", episode.first.time, ping.device, _data(episode, ping, params)
            )
        )
    return State(ping, episode), events


def _data(episode: Episode, detected: Ping, params: Params) -> dict[str, Any]:
    peak_kmh = (episode.peak.speed or 0.0) * 3.6
    return {
        "first": fix_data(episode.first),
        "last": fix_data(episode.last),
        "peak": fix_data(episode.peak),
        "peak_speed_kmh": round(peak_kmh, 1),
        "limit_kmh": episode.peak_limit_kmh,
        "over_by_kmh": round(peak_kmh - episode.peak_limit_kmh, 1),
        "tolerance_kmh": params.tolerance_kmh,
        "min_duration_s": params.min_duration.total_seconds(),
        "duration_s": (episode.last.time - episode.first.time).total_seconds(),
        "detected_at": detected.time.isoformat(),
    }


def _ended(episode: Episode, ping: Ping, params: Params, reason: str) -> list[DetectorEvent]:
    if not episode.started:
        return []  # too short to count: a GPS speed spike or a brief overtake
    data = _data(episode, ping, params) | {"reason": reason}
    return [DetectorEvent("speeding_ended", episode.last.time, ping.device, data)]
