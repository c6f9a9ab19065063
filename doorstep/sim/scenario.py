"""Every parameter of the simulated world, in one validated model with a seed.

The world is deliberately *not* the ETA engine's model: traffic follows a time-of-day
profile scaled per road class, incidents slow random areas, drivers have their own
pace, service times are skewed (lognormal) with per-customer habits, some customers are
never home, and trackers are noisy. A scenario file (YAML or JSON, see
:mod:`doorstep.sim.scenario_files`) holds any subset of these fields; the rest keep the
defaults below, which are also shipped as ``scenarios/default.yaml``. Unknown keys are
refused so a typo never silently falls back to a default.

Ranges are ``[low, high]`` pairs drawn uniformly; ``LogNormal`` is a median and a
sigma (of the log), the shape of service and delay times: most short, a long tail.
"""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from doorstep.roads.tagging import BY_OSM_VALUE


def _ordered(value: tuple[float, float]) -> tuple[float, float]:
    if value[0] > value[1]:
        raise ValueError(f"low {value[0]} is above high {value[1]}")
    return value


Span = Annotated[
    tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(ge=0)]], AfterValidator(_ordered)
]


class Part(BaseModel):
    """Frozen, and refuses keys it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LogNormal(Part):
    median: float = Field(gt=0)
    sigma: float = Field(default=0.5, ge=0, le=3)


class Peak(Part):
    """A rush hour: travel times grow by ``slowdown`` (0.6 = 60 % slower on a fully
    sensitive road) at ``hour`` (local), fading as a Gaussian of ``width_h``."""

    hour: float = Field(ge=0, le=24)
    width_h: float = Field(gt=0, le=12)
    slowdown: float = Field(ge=0, le=5)


DEFAULT_SENSITIVITY = {
    "motorway": 1.3,
    "motorway_link": 1.2,
    "trunk": 1.2,
    "trunk_link": 1.1,
    "primary": 1.0,
    "primary_link": 0.9,
    "secondary": 0.9,
    "secondary_link": 0.8,
    "tertiary": 0.7,
    "tertiary_link": 0.6,
    "unclassified": 0.4,
    "residential": 0.3,
    "living_street": 0.1,
    "service": 0.1,
}


class Congestion(Part):
    """Travel time factor = base x (1 + sensitivity(class) x peaks(hour)) x the day's
    factor x a per-segment factor (lights, parked vans; mean 1)."""

    base_factor: float = Field(default=1.0, ge=0.3, le=5)
    daily_sigma: float = Field(default=0.05, ge=0, le=1)
    segment_sigma: float = Field(default=0.15, ge=0, le=1.5)
    weekend_scale: float = Field(default=0.3, ge=0, le=2)
    peaks: tuple[Peak, ...] = (
        Peak(hour=8.0, width_h=1.0, slowdown=0.6),
        Peak(hour=16.75, width_h=1.25, slowdown=0.7),
    )
    class_sensitivity: dict[str, Annotated[float, Field(ge=0, le=5)]] = Field(
        default_factory=lambda: dict(DEFAULT_SENSITIVITY)
    )
    default_sensitivity: float = Field(default=0.6, ge=0, le=5)

    @field_validator("class_sensitivity")
    @classmethod
    def _known_classes(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(BY_OSM_VALUE))
        if unknown:
            raise ValueError(f"unknown road classes {unknown}; known: {sorted(BY_OSM_VALUE)}")
        return value


class Incidents(Part):
    """Poisson arrivals; each slows every road within a disk by a factor for a while."""

    per_hour: float = Field(default=0.3, ge=0, le=100)
    radius_m: Span = (150.0, 600.0)
    factor: Span = (1.5, 3.0)
    duration_min: Span = (15.0, 90.0)

    @field_validator("factor")
    @classmethod
    def _slows(cls, value: tuple[float, float]) -> tuple[float, float]:
        if value[0] < 1:
            raise ValueError("an incident slows traffic: factors must be >= 1")
        return value


class Drivers(Part):
    """How vans are driven: each driver's pace is ~N(1, speed_sigma) (above 1 = faster),
    held for the whole day. Between junctions vans cruise at ``cruise_factor`` x the
    segment's free-flow speed (which averages in junctions and lights), never above
    ``max_speed_factor`` x it nor ``max_speed_kmh`` (urban vans; keep it below the
    speeding detector's limit + tolerance so that only the scripted episodes speed,
    or null for no cap); speeds ramp with ``accel_ms2``/``decel_ms2`` and bends are
    taken at most at ``corner_accel_ms2`` sideways."""

    speed_sigma: float = Field(default=0.08, ge=0, le=0.5)
    cruise_factor: float = Field(default=1.1, gt=0.3, le=3)
    max_speed_factor: float = Field(default=1.15, gt=0.3, le=3)
    max_speed_kmh: float | None = Field(default=55.0, gt=5, le=200)
    accel_ms2: float = Field(default=1.2, gt=0.1, le=2.4)
    decel_ms2: float = Field(default=1.5, gt=0.1, le=2.9)
    corner_accel_ms2: float = Field(default=2.0, gt=0.1, le=6)
    start_delay_min: LogNormal = LogNormal(median=3.0, sigma=0.8)
    swap_probability: float = Field(default=0.03, ge=0, le=1)
    wait_for_window: bool = True


class Service(Part):
    """Time at a stop = planned x median_factor x customer habit x LogNormal(0, sigma),
    at least ``min_s`` and at most ``max_factor`` x planned (+ min_s)."""

    median_factor: float = Field(default=1.0, gt=0, le=20)
    sigma: float = Field(default=0.5, ge=0, le=3)
    customer_sigma: float = Field(default=0.3, ge=0, le=3)
    min_s: float = Field(default=20.0, ge=0)
    max_factor: float = Field(default=8.0, ge=1)


class Failures(Part):
    """A delivery fails with ``probability`` on average, more often for customers
    who are rarely home (a lognormal propensity of mean 1); a failed attempt takes
    ``attempt_s``; its reason is drawn by weight."""

    probability: float = Field(default=0.05, ge=0, le=1)
    customer_sigma: float = Field(default=0.8, ge=0, le=3)
    attempt_s: LogNormal = LogNormal(median=90.0, sigma=0.4)
    reasons: dict[str, Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: {"nobody_home": 0.85, "no_access": 0.1, "refused": 0.05},
        min_length=1,
    )


class Breaks(Part):
    """A break once ``after_hours`` have passed since the start (or the last break),
    taken at the next stop once it is done."""

    enabled: bool = True
    after_hours: float = Field(default=4.5, gt=0, le=24)
    duration_min: LogNormal = LogNormal(median=30.0, sigma=0.1)


class Gps(Part):
    """The tracker: a fix every ``interval_s`` while moving, ``stationary_interval_s``
    while standing and ``event_interval_s`` around an unsafe manoeuvre (devices report
    those densely). Noise is correlated from fix to fix; ``drop_probability`` loses
    single fixes, gaps (Poisson, ``gaps_per_hour``) lose ``gap_s`` of them, and a jump
    puts one fix ``jump_m`` away with a confident accuracy."""

    interval_s: float = Field(default=5.0, gt=0, le=3600)
    stationary_interval_s: float = Field(default=30.0, gt=0, le=3600)
    event_interval_s: float = Field(default=1.0, gt=0, le=60)
    noise_m: float = Field(default=4.0, ge=0, le=500)
    noise_correlation: float = Field(default=0.7, ge=0, lt=1)
    speed_noise_ms: float = Field(default=0.2, ge=0, le=10)
    drop_probability: float = Field(default=0.01, ge=0, lt=1)
    gaps_per_hour: float = Field(default=0.3, ge=0, le=60)
    gap_s: Span = (30.0, 240.0)
    jump_probability: float = Field(default=0.002, ge=0, lt=1)
    jump_m: Span = (300.0, 3000.0)


class Speeding(Part):
    """``count`` episodes a day across the fleet, each on a straight stretch at
    ``limit_kmh`` + ``over_kmh`` for about ``duration_s``."""

    count: int = Field(default=2, ge=0, le=1000)
    limit_kmh: float = Field(default=50.0, gt=0, le=200)
    over_kmh: Span = (20.0, 35.0)
    duration_s: Span = (30.0, 90.0)


class HarshBraking(Part):
    """``count`` sudden stops a day across the fleet, braking at ``decel_ms2``."""

    count: int = Field(default=2, ge=0, le=1000)
    decel_ms2: Span = (4.5, 6.5)
    pause_s: Span = (2.0, 6.0)


class Idling(Part):
    """``count`` times a day a van stands at a stop with the engine running."""

    count: int = Field(default=1, ge=0, le=1000)
    minutes: Span = (4.0, 10.0)


class Unsafe(Part):
    speeding: Speeding = Speeding()
    harsh_braking: HarshBraking = HarshBraking()
    idling: Idling = Idling()


class Scenario(Part):
    """One simulated world. ``seed`` fixes the lasting traits (each driver's pace, each
    customer's habits); a run's own seed (default: this one) draws the day."""

    name: str = Field(default="default", min_length=1)
    description: str = ""
    seed: int = 0
    timezone: str = "UTC"
    congestion: Congestion = Congestion()
    incidents: Incidents = Incidents()
    drivers: Drivers = Drivers()
    service: Service = Service()
    failures: Failures = Failures()
    breaks: Breaks = Breaks()
    gps: Gps = Gps()
    unsafe: Unsafe = Unsafe()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
