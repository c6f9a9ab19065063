"""Distance per jurisdiction, as fuel-tax reports (IFTA-style) need it: how far each
vehicle drove inside each jurisdiction geofence.

Only driving counts: a step between two consecutive fixes that both lie inside one of
the given intervals (the trips the motion detector found), so that GPS drift while
parked is never distance, exactly as in the logbook's trip distance. A step is put in
the jurisdiction that holds its midpoint (the first such zone, in the order given); a
step outside every zone is put under ``OUTSIDE``. Steps are haversine metres, so the
sum over jurisdictions matches the trips' distance.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime

from doorstep.domain.detectors.geofence import Zone
from doorstep.domain.detectors.geometry import distance_m
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping

OUTSIDE = "(outside any jurisdiction)"


def distance_by_jurisdiction(
    pings: Sequence[Ping],
    intervals: Sequence[tuple[datetime, datetime]],
    zones: Sequence[Zone],
) -> dict[str, float]:
    """Metres per jurisdiction name; ``pings`` in time order. Empty without zones."""
    if not zones:
        return {}
    totals: dict[str, float] = {}
    spans = sorted(intervals)
    span = 0
    for a, b in itertools.pairwise(pings):
        while span < len(spans) and spans[span][1] < b.time:
            span += 1
        if span == len(spans):
            break
        start, end = spans[span]
        if not (start <= a.time and b.time <= end):
            continue
        middle = LatLon.trusted((a.lat + b.lat) / 2, (a.lon + b.lon) / 2)
        name = next((zone.name for zone in zones if zone.contains(middle)), OUTSIDE)
        totals[name] = totals.get(name, 0.0) + distance_m(a, b)
    return totals
