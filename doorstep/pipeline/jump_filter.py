"""The jump filter: a fix the vehicle could not have reached from its last live fix.

The implied speed is distance / |time difference| from the last live fix (the absolute
difference, so a late fix is judged the same way). Short moves (``ignore_below_m``)
are never jumps, and time differences under ``min_interval_s`` count as that long, so
two fixes in the same second do not divide by zero. Dropped as ``implausible_jump``.

One bad fix that got through must not freeze a vehicle: when ``confirm_after`` fixes
in a row are implausible from the last live fix but plausible from one another, the
newest is accepted with the flag ``jump_confirmed``.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from doorstep.domain.detectors.geometry import distance_m
from doorstep.domain.ping import Ping
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import JumpParams, PipelineParams
from doorstep.pipeline.verdict import ACCEPT, JUMP_CONFIRMED, Accepted, Dropped, Verdict


def implied_speed_kmh(a: Ping, b: Ping, params: JumpParams) -> float:
    """Speed needed to go from ``a`` to ``b``; 0 for moves shorter than ``ignore_below_m``."""
    metres = distance_m(a, b)
    if metres < params.ignore_below_m:
        return 0.0
    dt = max(abs((b.time - a.time).total_seconds()), params.min_interval_s)
    return metres / dt * 3.6


def jump(ping: Ping, memory: DeviceMemory, params: PipelineParams, now: datetime) -> Verdict:
    p = params.jump
    last = memory.last_live
    if last is None:
        return ACCEPT
    speed = implied_speed_kmh(last, ping, p)
    if speed <= p.max_speed_kmh:
        return ACCEPT
    if _confirmed(ping, memory.jump_streak, p):
        return Accepted(frozenset({JUMP_CONFIRMED}))
    return Dropped(
        "implausible_jump",
        f"{distance_m(last, ping) / 1000:.1f} km in "
        f"{abs((ping.time - last.time).total_seconds()):.0f} s from the last live fix "
        f"implies {speed:.0f} km/h, above {p.max_speed_kmh:.0f} km/h",
    )


def _confirmed(ping: Ping, streak: tuple[Ping, ...], params: JumpParams) -> bool:
    needed = params.confirm_after - 1  # earlier dropped fixes that must agree with this one
    if needed < 1 or len(streak) < needed:
        return False
    chain = (*streak[-needed:], ping)
    return all(
        b.time > a.time and implied_speed_kmh(a, b, params) <= params.max_speed_kmh
        for a, b in itertools.pairwise(chain)
    )
