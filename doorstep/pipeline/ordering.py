"""Ordering: a fix that is not newer than the device's last live fix arrived late.

It is kept (stored, replayed by reports) but flagged ``late``: live state never moves
backwards and the detectors, which are state machines over time, never see time run
backwards either.
"""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.ping import Ping
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import PipelineParams
from doorstep.pipeline.verdict import ACCEPT, LATE, Accepted, Verdict


def order(ping: Ping, memory: DeviceMemory, params: PipelineParams, now: datetime) -> Verdict:
    last = memory.last_live
    if last is not None and ping.time <= last.time:
        return Accepted(frozenset({LATE}))
    return ACCEPT
