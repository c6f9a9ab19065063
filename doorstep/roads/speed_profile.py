"""Time-of-week speeds: a multiplier per road class and hour of the week.

A :class:`SpeedProfile` is a 14 x 168 table (road classes x hours, Monday 00:00 is hour
0) of multipliers on the free-flow speeds the graph was built with; 0.5 on primary
roads at hour 8 means Monday 08:00-09:00 primary roads take twice as long. Until
observed speeds exist every multiplier is 1, which leaves the graph's own speeds.

A matrix asked for with ``depart_at`` uses the hour of week of ``depart_at`` for every
leg: legs that start later in the day are not re-weighted. That keeps one matrix one
set of edge weights; a planner that wants afternoon legs priced as afternoon asks for a
second matrix.

The hour of week is read in ``depart_at``'s own time zone, so pass local time of the
network (a naive datetime is taken as already local).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from doorstep.roads.tagging import DEFAULT_KMH, RoadClass

HOURS_PER_WEEK = 168
CLASSES = len(RoadClass)
MIN_MULTIPLIER = 0.05  # a road at 5 % of its speed is a jam, not a closure


def hour_of_week(moment: datetime) -> int:
    """0 for Monday 00:00-00:59 up to 167 for Sunday 23:00-23:59, in ``moment``'s zone."""
    return moment.weekday() * 24 + moment.hour


@dataclass(frozen=True, eq=False)
class SpeedProfile:
    """``multipliers[road_class, hour_of_week]``; speeds are divided into seconds."""

    multipliers: NDArray[np.float64]

    def __post_init__(self) -> None:
        table = np.asarray(self.multipliers, dtype=np.float64)
        if table.shape != (CLASSES, HOURS_PER_WEEK):
            raise ValueError(f"speed profile must be {CLASSES} x {HOURS_PER_WEEK}")
        if not np.all(np.isfinite(table)) or np.any(table < MIN_MULTIPLIER):
            raise ValueError(f"speed multipliers must be finite and at least {MIN_MULTIPLIER}")
        object.__setattr__(self, "multipliers", table)

    @classmethod
    def free_flow(cls) -> SpeedProfile:
        """Every class at its graph speed at every hour (what holds until data exists)."""
        return cls(np.ones((CLASSES, HOURS_PER_WEEK)))

    @classmethod
    def from_kmh(cls, kmh: Mapping[RoadClass, NDArray[np.float64] | float]) -> SpeedProfile:
        """From observed km/h per class (168 values or one for all hours), relative to
        the class defaults; classes not given keep multiplier 1."""
        table = np.ones((CLASSES, HOURS_PER_WEEK))
        for road_class, speeds in kmh.items():
            table[int(road_class)] = np.broadcast_to(
                np.asarray(speeds, dtype=np.float64) / DEFAULT_KMH[road_class], HOURS_PER_WEEK
            )
        return cls(table)

    @property
    def is_free_flow(self) -> bool:
        return bool(np.all(self.multipliers == 1.0))

    def edge_seconds(
        self, seconds: NDArray[np.float64], road_class: NDArray[np.uint8], hour: int
    ) -> NDArray[np.float64]:
        """Edge travel times for one hour of the week."""
        if not 0 <= hour < HOURS_PER_WEEK:
            raise ValueError(f"hour of week {hour} is outside 0..167")
        result: NDArray[np.float64] = seconds / self.multipliers[road_class, hour]
        return result
