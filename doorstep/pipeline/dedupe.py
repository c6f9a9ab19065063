"""De-duplication: the same device and fix time is the same fix, sent again.

Trackers resend when an acknowledgement is lost, and batch uploads overlap. The
device's memory holds its recent fix times and its last live fix; a fix time in either
is dropped as ``duplicate``. Position is not compared: one device cannot be in two
places at the same instant, and a resend after re-processing may round differently.
"""

from __future__ import annotations

from datetime import datetime

from doorstep.domain.ping import Ping
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import PipelineParams
from doorstep.pipeline.verdict import ACCEPT, Dropped, Verdict


def dedupe(ping: Ping, memory: DeviceMemory, params: PipelineParams, now: datetime) -> Verdict:
    last = memory.last_live
    if (last is not None and last.time == ping.time) or ping.time in memory.recent_times:
        return Dropped("duplicate", f"a fix at {ping.time.isoformat()} was already received")
    return ACCEPT
