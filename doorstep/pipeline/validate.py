"""Validation: coordinates, fix time and accuracy a fix must have to be believed.

Rules (the ``Dropped.rule`` names): ``bad_latitude``, ``bad_longitude``,
``time_in_future``, ``time_before_2000``, ``low_accuracy``. An old fix (hours or days)
is legitimate: trackers buffer while out of coverage. It is accepted but flagged
``late`` so it is stored without moving live state.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime

from doorstep.domain.ping import Ping
from doorstep.pipeline.memory import DeviceMemory
from doorstep.pipeline.params import PipelineParams
from doorstep.pipeline.verdict import LATE, Accepted, Dropped, Verdict


def validate(ping: Ping, memory: DeviceMemory, params: PipelineParams, now: datetime) -> Verdict:
    p = params.validate
    if not (math.isfinite(ping.lat) and -90.0 <= ping.lat <= 90.0):
        return Dropped("bad_latitude", f"latitude {ping.lat} is outside -90..90")
    if not (math.isfinite(ping.lon) and -180.0 <= ping.lon <= 180.0):
        return Dropped("bad_longitude", f"longitude {ping.lon} is outside -180..180")
    if ping.time - now > p.max_future:
        return Dropped(
            "time_in_future",
            f"fix time {ping.time.isoformat()} is more than {p.max_future} after {now.isoformat()}",
        )
    if ping.time < p.earliest:
        return Dropped(
            "time_before_2000",
            f"fix time {ping.time.isoformat()} is before {p.earliest.isoformat()}",
        )
    replaced: Ping | None = None
    if ping.accuracy is not None:
        if not math.isfinite(ping.accuracy) or ping.accuracy < 0:
            replaced = dataclasses.replace(ping, accuracy=None)  # the tracker's "unknown"
        elif ping.accuracy > p.max_accuracy_m:
            return Dropped(
                "low_accuracy",
                f"accuracy {ping.accuracy:.0f} m is worse than {p.max_accuracy_m:.0f} m",
            )
    flags = frozenset({LATE}) if now - ping.time > p.stale_after else frozenset()
    return Accepted(flags, replaced)
