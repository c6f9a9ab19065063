"""Driver scorecards: rates that compare drivers fairly, a rank, and one coaching hint.

Counts become rates so a driver who drove 900 km is not ranked below one who drove 90
for having more events: safety events per 100 km, idle as a share of engine time, on
time as a share of deliveries with a window, deliveries per hour on duty. The hint names
the one area where the driver is furthest behind the fleet's median, in words a driver
can act on; the rank orders by a safety score first (what hurts people and vans), then
service.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

MIN_KM_FOR_RATES = 10.0
"""Below this distance, per-100 km rates say more about chance than about driving."""


@dataclass(frozen=True, slots=True)
class DriverFacts:
    """What one driver did in a period, added up from the logbook, stops and ratings."""

    driver_id: str
    name: str
    distance_m: float = 0.0
    driving_s: float = 0.0
    idle_s: float = 0.0
    duty_s: float = 0.0
    speeding: int = 0
    harsh_braking: int = 0
    harsh_acceleration: int = 0
    harsh_cornering: int = 0
    deliveries: int = 0
    failed: int = 0
    with_window: int = 0
    on_time: int = 0
    rating_sum: int = 0
    ratings: int = 0


@dataclass(frozen=True, slots=True)
class Scorecard:
    driver_id: str
    name: str
    distance_km: float
    driving_h: float
    deliveries: int
    speeding_per_100km: float | None
    braking_per_100km: float | None
    acceleration_per_100km: float | None
    cornering_per_100km: float | None
    idle_pct: float | None
    on_time_pct: float | None
    rating: float | None
    deliveries_per_hour: float | None
    safety_score: float | None
    rank: int | None = None
    hint: str = ""
    trend: dict[str, float | None] = field(default_factory=dict)


# metric -> (higher is worse?, what to say when it is the weakest area)
AREAS: dict[str, tuple[bool, str]] = {
    "speeding_per_100km": (
        True,
        "Speeding is the area to work on: {value} episodes per 100 km against the fleet's "
        "{median}. Watch the limit on the roads where it happens most.",
    ),
    "braking_per_100km": (
        True,
        "Harsh braking is the area to work on: {value} per 100 km against the fleet's "
        "{median}. Leave more distance and look further ahead.",
    ),
    "acceleration_per_100km": (
        True,
        "Harsh acceleration is the area to work on: {value} per 100 km against the fleet's "
        "{median}. Pull away gently: it saves fuel too.",
    ),
    "cornering_per_100km": (
        True,
        "Harsh cornering is the area to work on: {value} per 100 km against the fleet's "
        "{median}. Slow down before the turn, not in it.",
    ),
    "idle_pct": (
        True,
        "Idling is the area to work on: {value} % of engine time against the fleet's "
        "{median} %. Switch off when parked for more than a minute.",
    ),
    "on_time_pct": (
        False,
        "Punctuality is the area to work on: {value} % on time against the fleet's "
        "{median} %. Tell dispatch early when the route runs late.",
    ),
    "rating": (
        False,
        "Customer rating is the area to work on: {value} stars against the fleet's "
        "{median}. Read the latest feedback for what customers noticed.",
    ),
}
WEAK_BY = 1.25
"""How far behind the fleet's median (a ratio) an area must be to be worth a hint."""


def scorecard(facts: DriverFacts) -> Scorecard:
    km = facts.distance_m / 1000.0
    per_100 = km >= MIN_KM_FOR_RATES

    def rate(count: int) -> float | None:
        return round(count / km * 100.0, 2) if per_100 else None

    engine = facts.driving_s + facts.idle_s
    speeding = rate(facts.speeding)
    braking = rate(facts.harsh_braking)
    accel = rate(facts.harsh_acceleration)
    cornering = rate(facts.harsh_cornering)
    safety = None
    if speeding is not None and braking is not None and accel is not None:
        events = speeding + braking + accel + (cornering or 0.0)
        safety = round(max(0.0, 100.0 - 10.0 * events), 1)
    return Scorecard(
        driver_id=facts.driver_id,
        name=facts.name,
        distance_km=round(km, 1),
        driving_h=round(facts.driving_s / 3600.0, 2),
        deliveries=facts.deliveries,
        speeding_per_100km=speeding,
        braking_per_100km=braking,
        acceleration_per_100km=accel,
        cornering_per_100km=cornering,
        idle_pct=round(100.0 * facts.idle_s / engine, 1) if engine > 0 else None,
        on_time_pct=(
            round(100.0 * facts.on_time / facts.with_window, 1) if facts.with_window else None
        ),
        rating=round(facts.rating_sum / facts.ratings, 2) if facts.ratings else None,
        deliveries_per_hour=(
            round(facts.deliveries / (facts.duty_s / 3600.0), 2) if facts.duty_s > 0 else None
        ),
        safety_score=safety,
    )


def hint(card: Scorecard, medians: dict[str, float | None]) -> str:
    """The weakest area against the fleet, or praise when there is none."""
    worst, worst_ratio = "", WEAK_BY
    for metric, (higher_is_worse, _) in AREAS.items():
        value, median = getattr(card, metric), medians.get(metric)
        if value is None or median is None:
            continue
        if higher_is_worse:
            ratio = (value + 0.1) / (median + 0.1)  # +0.1: a median of 0 is not infinite
        else:
            ratio = (median + 0.1) / (value + 0.1)
        if ratio > worst_ratio:
            worst, worst_ratio = metric, ratio
    if not worst:
        if card.safety_score is None:
            return "Not enough driving in this period to compare with the fleet."
        return "On or better than the fleet's median in every area: keep it up."
    return AREAS[worst][1].format(value=getattr(card, worst), median=medians[worst])


def fleet_medians(cards: Sequence[Scorecard]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for metric in AREAS:
        values = [v for c in cards if (v := getattr(c, metric)) is not None]
        out[metric] = round(statistics.median(values), 2) if values else None
    return out


TREND_METRICS = (*AREAS, "deliveries_per_hour", "safety_score")


def rank_and_coach(
    current: Sequence[DriverFacts], previous: Sequence[DriverFacts] = ()
) -> list[Scorecard]:
    """Scorecards ranked (1 = best: safety score, then on time, then deliveries per
    hour), each with its hint and its change against the previous period."""
    cards = [scorecard(f) for f in current]
    before = {f.driver_id: scorecard(f) for f in previous}
    medians = fleet_medians(cards)
    ranked = sorted(
        cards,
        key=lambda c: (
            c.safety_score is None,
            -(c.safety_score or 0.0),
            -(c.on_time_pct or 0.0),
            -(c.deliveries_per_hour or 0.0),
            c.name,
        ),
    )
    out = []
    for place, card in enumerate(ranked, start=1):
        old = before.get(card.driver_id)
        trend: dict[str, float | None] = {}
        for metric in TREND_METRICS:
            now_value = getattr(card, metric)
            old_value = getattr(old, metric) if old else None
            trend[metric] = (
                None if now_value is None or old_value is None else round(now_value - old_value, 2)
            )
        out.append(
            replace(
                card,
                rank=place if card.safety_score is not None else None,
                hint=hint(card, medians),
                trend=trend,
            )
        )
    return out
