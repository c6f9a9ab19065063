"""Legs from the road network: a provider's :class:`RoutePath` as a :class:`SimLeg`.

When the provider gives per-segment seconds and road classes (the embedded one does),
they are used as they are. Otherwise the path's seconds are spread over its segments
by length, and every segment gets the road class its average speed suggests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from doorstep.domain.geo import LatLon
from doorstep.roads.base import RoutePath, TravelTimeProvider
from doorstep.sim.day_plan import LegBuilder
from doorstep.sim.geometry import metres_between
from doorstep.sim.model import Point, SimLeg, SimRoute, SimStop

# Lowest average km/h of each class guess, fastest first (see roads.tagging speeds).
CLASS_BY_SPEED: tuple[tuple[float, str], ...] = (
    (75.0, "motorway"),
    (58.0, "trunk"),
    (45.0, "primary"),
    (35.0, "secondary"),
    (28.0, "tertiary"),
    (18.0, "residential"),
    (0.0, "service"),
)


def guess_road_class(kmh: float) -> str:
    """The road class whose usual speed this average resembles."""
    for lowest, name in CLASS_BY_SPEED:
        if kmh >= lowest:
            return name
    return CLASS_BY_SPEED[-1][1]


def leg_from_path(path: RoutePath) -> SimLeg:
    points: list[Point] = [(p.lat, p.lon) for p in path.geometry]
    if len(points) == 1:
        points.append(points[0])
    detail = getattr(path, "segment_seconds", None)
    classes = getattr(path, "segment_classes", None)
    if detail is not None and len(detail) == len(points) - 1:
        road_class = tuple(classes) if classes is not None and len(classes) == len(detail) else None
        return SimLeg(tuple(points), tuple(float(s) for s in detail), road_class)
    lengths = [metres_between(a, b) for a, b in pairwise(points)]
    total = sum(lengths)
    n = len(lengths)
    seconds = tuple(path.seconds * (m / total if total > 0 else 1.0 / n) for m in lengths)
    kmh = path.metres / path.seconds * 3.6 if path.seconds > 0 else 0.0
    return SimLeg(tuple(points), seconds, (guess_road_class(kmh),) * n)


def leg_between(
    provider: TravelTimeProvider, a: Point, b: Point, depart_at: datetime | None = None
) -> SimLeg:
    return leg_from_path(provider.route(LatLon(*a), LatLon(*b), depart_at))


def provider_leg_builder(
    provider: TravelTimeProvider, depart_at: datetime | None = None
) -> LegBuilder:
    """A ``leg_between`` for :class:`Simulation` (legs for swapped stops)."""

    def build(a: Point, b: Point) -> SimLeg:
        return leg_between(provider, a, b, depart_at)

    return build


def build_route(
    provider: TravelTimeProvider,
    vehicle_key: str,
    driver_key: str,
    start: datetime,
    depot: Point,
    stops: Sequence[SimStop],
    depart_at: datetime | None = None,
) -> SimRoute:
    """Depot -> stops in this order -> depot, every leg routed on ``provider``.
    ``depart_at=None`` asks for free-flow times: the simulator adds its own traffic."""
    places = [depot, *((s.lat, s.lon) for s in stops), depot]
    legs = tuple(leg_between(provider, a, b, depart_at) for a, b in pairwise(places))
    return SimRoute(vehicle_key, driver_key, start, depot, tuple(stops), legs)
