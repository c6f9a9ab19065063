"""Which OpenStreetMap ways a delivery van may drive, in which direction, how fast.

Pure functions of a way's tags, so each rule is testable without a file.

Road classes and their default speeds (km/h), used when a way has no usable
``maxspeed``. They follow OSRM's ``car.lua`` closely, so the embedded network and an
OSRM server built with the stock car profile give answers of the same magnitude:

=================  =====  ===========================================
class              km/h   note
=================  =====  ===========================================
motorway           90     one-way unless ``oneway=no``
motorway_link      45
trunk              85
trunk_link         40
primary            65
primary_link       30
secondary          55
secondary_link     25
tertiary           40
tertiary_link      20
unclassified       25
residential        25
living_street      10
service            15     driveways, yards and parking aisles included
=================  =====  ===========================================

``maxspeed``: a number is km/h (``"50"``, ``"50 km/h"``), ``"30 mph"`` is converted,
several values (``"50;30"``) take the lowest; ``"walk"`` is 7 km/h; zone codes
(``"RU:urban"``, ``"DE:zone30"``), ``"none"``, ``"signals"`` and anything else fall back
to the class default (the class default is already a realistic urban travel speed, and
an unlimited motorway is not driven at unlimited speed by a van). A posted limit is
driven at ``LIMIT_FACTOR`` (0.8) of the limit: nobody holds the limit between junctions,
lights and double-parked vans. ``maxspeed:forward``/``maxspeed:backward`` win for their
direction.

Legal limits (for speeding alerts, not travel times): the way's ``maxspeed`` (per
direction as above) when it gives a number; the zone codes ``XX:zone30`` /
``XX:zone:30`` (the number), ``XX:urban`` (50), ``XX:living_street`` (20) and ``none``
(``NO_LIMIT_KMH``, 130: the German advisory speed, as fast as a fleet policy allows);
else (``XX:rural``, ``XX:motorway``, ``signals``, no tag) the class's
``LEGAL_DEFAULT_KMH``. Those defaults are the usual European limits of the class in and
around towns, taken at the high end: an untagged road must not make a lawful driver
look like a speeder, so a doubt counts for the driver:

=================  =====   =================  =====
motorway           120     motorway_link      80
trunk              100     trunk_link         70
primary            80      primary_link       60
secondary          70      secondary_link     50
tertiary           60      tertiary_link      50
unclassified       50      residential        50  (the general urban limit)
living_street      20      service            30  (yards, parking aisles)
=================  =====   =================  =====

Access: the most specific of ``motorcar``, ``motor_vehicle``, ``vehicle``, ``access``
that carries a known value decides. ``no``, ``private``, ``agricultural``,
``forestry``, ``emergency``, ``psv``, ``bus``, ``military`` exclude the way.
``destination``, ``delivery`` and ``customers`` are ALLOWED: a delivery van is exactly
the traffic those tags admit (this also keeps residential cul-de-sacs signed
"residents only" reachable). ``oneway=reversible`` ways (direction changes by time of
day) are left out, since the direction at a given moment is unknown; ``area=yes``
highways (squares) are left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum


class RoadClass(IntEnum):
    """The drivable ``highway`` values, stored as one byte per edge."""

    MOTORWAY = 0
    MOTORWAY_LINK = 1
    TRUNK = 2
    TRUNK_LINK = 3
    PRIMARY = 4
    PRIMARY_LINK = 5
    SECONDARY = 6
    SECONDARY_LINK = 7
    TERTIARY = 8
    TERTIARY_LINK = 9
    UNCLASSIFIED = 10
    RESIDENTIAL = 11
    LIVING_STREET = 12
    SERVICE = 13

    @property
    def osm(self) -> str:
        return self.name.lower()


DEFAULT_KMH: dict[RoadClass, float] = {
    RoadClass.MOTORWAY: 90.0,
    RoadClass.MOTORWAY_LINK: 45.0,
    RoadClass.TRUNK: 85.0,
    RoadClass.TRUNK_LINK: 40.0,
    RoadClass.PRIMARY: 65.0,
    RoadClass.PRIMARY_LINK: 30.0,
    RoadClass.SECONDARY: 55.0,
    RoadClass.SECONDARY_LINK: 25.0,
    RoadClass.TERTIARY: 40.0,
    RoadClass.TERTIARY_LINK: 20.0,
    RoadClass.UNCLASSIFIED: 25.0,
    RoadClass.RESIDENTIAL: 25.0,
    RoadClass.LIVING_STREET: 10.0,
    RoadClass.SERVICE: 15.0,
}

# Legal limit (km/h) of a way that states none; see the module's docstring.
LEGAL_DEFAULT_KMH: dict[RoadClass, float] = {
    RoadClass.MOTORWAY: 120.0,
    RoadClass.MOTORWAY_LINK: 80.0,
    RoadClass.TRUNK: 100.0,
    RoadClass.TRUNK_LINK: 70.0,
    RoadClass.PRIMARY: 80.0,
    RoadClass.PRIMARY_LINK: 60.0,
    RoadClass.SECONDARY: 70.0,
    RoadClass.SECONDARY_LINK: 50.0,
    RoadClass.TERTIARY: 60.0,
    RoadClass.TERTIARY_LINK: 50.0,
    RoadClass.UNCLASSIFIED: 50.0,
    RoadClass.RESIDENTIAL: 50.0,
    RoadClass.LIVING_STREET: 20.0,
    RoadClass.SERVICE: 30.0,
}
URBAN_KMH = 50.0
LIVING_STREET_KMH = 20.0
NO_LIMIT_KMH = 130.0

BY_OSM_VALUE: dict[str, RoadClass] = {c.osm: c for c in RoadClass}

LIMIT_FACTOR = 0.8
WALK_KMH = 7.0
MPH_TO_KMH = 1.609344

ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")  # most specific first
DENIED = frozenset(
    {"no", "private", "agricultural", "forestry", "emergency", "psv", "bus", "military"}
)
ALLOWED = frozenset(
    {"yes", "permissive", "designated", "destination", "delivery", "customers", "official"}
)
ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
ONEWAY_BACKWARD = frozenset({"-1", "reverse"})
ONEWAY_NONE = frozenset({"no", "false", "0", "alternating"})

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*$")
_ZONE = re.compile(r"^[a-z]{2}:zone:?(\d+)$")  # DE:zone30, DE:zone:30


@dataclass(frozen=True, slots=True)
class WayRule:
    """What the tags say: the class, whether each direction is open, at what km/h it is
    driven and what its legal limit is."""

    road_class: RoadClass
    forward: bool
    backward: bool
    forward_kmh: float
    backward_kmh: float
    forward_limit_kmh: float  # legal limits, for speeding alerts
    backward_limit_kmh: float


def road_class(tags: Mapping[str, str]) -> RoadClass | None:
    """The class of a drivable way, or ``None`` when a car does not use it."""
    return BY_OSM_VALUE.get(tags.get("highway", ""))


def vehicle_allowed(tags: Mapping[str, str]) -> bool:
    """The most specific access tag with a known value decides; unknown values are ignored."""
    for key in ACCESS_KEYS:
        value = tags.get(key, "").strip().lower()
        if value in DENIED:
            return False
        if value in ALLOWED:
            return True
    return True


def directions(tags: Mapping[str, str], cls: RoadClass) -> tuple[bool, bool] | None:
    """``(forward, backward)`` along the way's node order; ``None`` = not routable."""
    oneway = tags.get("oneway", "").strip().lower()
    if oneway == "reversible":
        return None
    if oneway in ONEWAY_FORWARD:
        return True, False
    if oneway in ONEWAY_BACKWARD:
        return False, True
    if oneway in ONEWAY_NONE:
        return True, True
    if tags.get("junction") in ("roundabout", "circular") or cls is RoadClass.MOTORWAY:
        return True, False
    return True, True


def parse_maxspeed(value: str | None) -> float | None:
    """Km/h for a posted limit, or ``None`` when the value gives no number to use."""
    if not value:
        return None
    text = value.strip().lower()
    if text == "walk":
        return WALK_KMH
    speeds = []
    for part in text.split(";"):
        match = _NUMBER.match(part)
        if match is None:
            continue
        number = float(match.group(1))
        if match.group(2) == "mph":
            number *= MPH_TO_KMH
        if number > 0:
            speeds.append(number)
    return min(speeds) if speeds else None


def legal_limit_kmh(value: str | None, cls: RoadClass) -> float:
    """The legal limit a ``maxspeed`` value states, else the class's default."""
    posted = parse_maxspeed(value)
    if posted is not None:
        return posted
    text = (value or "").strip().lower()
    if text == "none":
        return NO_LIMIT_KMH
    zone = _ZONE.match(text)
    if zone is not None and float(zone.group(1)) > 0:
        return float(zone.group(1))
    if text.endswith(":urban"):
        return URBAN_KMH
    if text.endswith(":living_street"):
        return LIVING_STREET_KMH
    return LEGAL_DEFAULT_KMH[cls]


def travel_kmh(limit_kmh: float | None, cls: RoadClass) -> float:
    """Speed driven on a road with this limit (or the class default without one)."""
    if limit_kmh is None:
        return DEFAULT_KMH[cls]
    if limit_kmh == WALK_KMH:
        return WALK_KMH
    return limit_kmh * LIMIT_FACTOR


def way_rule(tags: Mapping[str, str]) -> WayRule | None:
    """Everything the graph needs from one way's tags; ``None`` when vans cannot use it."""
    cls = road_class(tags)
    if cls is None or tags.get("area") == "yes" or not vehicle_allowed(tags):
        return None
    open_dirs = directions(tags, cls)
    if open_dirs is None:
        return None
    fwd_tag = _maxspeed(tags, "maxspeed:forward")
    bwd_tag = _maxspeed(tags, "maxspeed:backward")
    fwd, bwd = parse_maxspeed(fwd_tag), parse_maxspeed(bwd_tag)
    return WayRule(
        cls,
        open_dirs[0],
        open_dirs[1],
        travel_kmh(fwd, cls),
        travel_kmh(bwd, cls),
        legal_limit_kmh(fwd_tag, cls),
        legal_limit_kmh(bwd_tag, cls),
    )


def _maxspeed(tags: Mapping[str, str], directional: str) -> str | None:
    """The direction's own ``maxspeed`` when it gives a number, else the way's."""
    value = tags.get(directional)
    return value if parse_maxspeed(value) is not None else tags.get("maxspeed")
