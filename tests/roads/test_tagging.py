"""Tag rules: which ways a van drives, in which direction, at what speed."""

from __future__ import annotations

import pytest

from doorstep.roads.tagging import (
    DEFAULT_KMH,
    LIMIT_FACTOR,
    WALK_KMH,
    RoadClass,
    directions,
    parse_maxspeed,
    travel_kmh,
    vehicle_allowed,
    way_rule,
)

DRIVABLE = [
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
]


def test_every_drivable_highway_value_has_a_class_and_a_default_speed():
    for value in DRIVABLE:
        rule = way_rule({"highway": value})
        assert rule is not None and rule.road_class.osm == value
    assert set(DEFAULT_KMH) == set(RoadClass)


@pytest.mark.parametrize("value", ["footway", "cycleway", "path", "steps", "track", "proposed"])
def test_ways_cars_do_not_use_are_left_out(value):
    assert way_rule({"highway": value}) is None


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"oneway": "yes"}, (True, False)),
        ({"oneway": "true"}, (True, False)),
        ({"oneway": "1"}, (True, False)),
        ({"oneway": "-1"}, (False, True)),
        ({"oneway": "no"}, (True, True)),
        ({"junction": "roundabout"}, (True, False)),
        ({"junction": "circular"}, (True, False)),
        ({"junction": "roundabout", "oneway": "no"}, (True, True)),
        ({}, (True, True)),
    ],
)
def test_oneway_tags_open_the_right_directions(tags, expected):
    assert directions(tags, RoadClass.RESIDENTIAL) == expected


def test_a_motorway_is_one_way_unless_tagged_otherwise():
    assert directions({}, RoadClass.MOTORWAY) == (True, False)
    assert directions({"oneway": "no"}, RoadClass.MOTORWAY) == (True, True)


def test_a_reversible_way_is_not_routed():
    assert way_rule({"highway": "primary", "oneway": "reversible"}) is None


@pytest.mark.parametrize(
    ("tags", "allowed"),
    [
        ({"access": "no"}, False),
        ({"access": "private"}, False),
        ({"motor_vehicle": "no"}, False),
        ({"vehicle": "private"}, False),
        ({"access": "destination"}, True),
        ({"access": "delivery"}, True),
        ({"motor_vehicle": "customers"}, True),
        ({"access": "no", "motor_vehicle": "yes"}, True),
        ({"access": "yes", "motor_vehicle": "private"}, False),
        ({"access": "something-new"}, True),
    ],
)
def test_the_most_specific_access_tag_decides(tags, allowed):
    assert vehicle_allowed(tags) is allowed


@pytest.mark.parametrize(
    ("value", "kmh"),
    [
        ("50", 50.0),
        ("50 km/h", 50.0),
        ("30 mph", 30 * 1.609344),
        ("50;30", 30.0),
        ("walk", WALK_KMH),
        ("RU:urban", None),
        ("DE:zone30", None),
        ("none", None),
        ("signals", None),
        ("", None),
        (None, None),
    ],
)
def test_maxspeed_values_parse_to_kmh_or_nothing(value, kmh):
    assert parse_maxspeed(value) == pytest.approx(kmh) if kmh else parse_maxspeed(value) is None


def test_a_posted_limit_is_driven_a_little_below_and_no_limit_means_the_class_default():
    assert travel_kmh(50.0, RoadClass.PRIMARY) == 50.0 * LIMIT_FACTOR
    assert travel_kmh(None, RoadClass.PRIMARY) == DEFAULT_KMH[RoadClass.PRIMARY]
    rule = way_rule({"highway": "primary", "maxspeed": "RU:urban"})
    assert rule is not None and rule.forward_kmh == DEFAULT_KMH[RoadClass.PRIMARY]


def test_directional_maxspeed_wins_for_its_direction():
    rule = way_rule({"highway": "primary", "maxspeed": "50", "maxspeed:backward": "30"})
    assert rule is not None
    assert (rule.forward_kmh, rule.backward_kmh) == (40.0, 30.0 * LIMIT_FACTOR)
