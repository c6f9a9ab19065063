"""Every pipeline threshold, declared once with its default and why.

Per-organisation overrides are built by the caller with ``dataclasses.replace``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from doorstep.domain.detectors.device_health import OFFLINE_AFTER


@dataclass(frozen=True, slots=True)
class ValidateParams:
    max_future: timedelta = timedelta(hours=24)
    """A fix time further ahead of ``now`` than this is a broken clock (dropped as
    ``time_in_future``). 24 h tolerates any time-zone mistake a tracker makes while
    still catching the year-2099 and GPS week-rollover clocks."""

    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    """Fixes before this are a tracker without a clock fix (1970, 1980 epochs):
    dropped as ``time_before_2000``."""

    max_accuracy_m: float = 500.0
    """A fix whose horizontal accuracy is worse than this is a cell-tower or Wi-Fi guess,
    useless for a delivery van on a street: dropped as ``low_accuracy``. A negative
    accuracy means "unknown" (kept, accuracy set to None)."""

    stale_after: timedelta = timedelta(hours=1)
    """A fix older than this (relative to ``now``) is kept but flagged ``late``: it
    describes where the vehicle was, not where it is, so it must not move live state or
    fire live alerts. One hour matches the motion detector's data gap that ends a trip;
    reports replay these fixes from the store."""


@dataclass(frozen=True, slots=True)
class JumpParams:
    max_speed_kmh: float = 300.0
    """The implied speed (distance / time from the last live fix) above which a fix is
    an implausible jump. No road vehicle Doorstep tracks drives 300 km/h; the margin
    absorbs GPS error on fast roads. A 50 km jump in one second (180 000 km/h) is far
    beyond it."""

    min_interval_s: float = 1.0
    """Time deltas shorter than this count as this long, so two fixes in the same second
    (or a few milliseconds apart) do not divide by almost zero."""

    ignore_below_m: float = 100.0
    """Moves shorter than this are never jumps: GPS jitter between two fixes a fraction
    of a second apart would otherwise imply hundreds of km/h."""

    confirm_after: int = 3
    """When this many fixes in a row are implausible from the last live fix but plausible
    from each other, the last live fix was the outlier: the newest is accepted (flag
    ``jump_confirmed``) and becomes live, so one bad fix cannot freeze a vehicle."""


ALL_STAGES: tuple[str, ...] = ("validate", "dedupe", "order", "jump")


@dataclass(frozen=True, slots=True)
class PipelineParams:
    validate: ValidateParams = field(default_factory=ValidateParams)
    jump: JumpParams = field(default_factory=JumpParams)
    disabled: frozenset[str] = frozenset()
    """Names of stages left out of the list (see ``stages.build_stages``)."""


@dataclass(frozen=True, slots=True)
class LiveParams:
    offline_after: timedelta = OFFLINE_AFTER
    """No fix for this long and the vehicle shows offline (the same default as the
    device-health detector: 10 minutes)."""

    moving_above_ms: float = 1.4
    """Speeds above this (about 5 km/h, walking pace) show the vehicle as moving; below
    it is GPS drift of a parked van. Trips and stops are the motion detector's job."""
