"""Where the vehicle is along its leg, in seconds still to drive."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from doorstep.domain.geo import LatLon, haversine_m
from doorstep.eta.progress import LegPath, LocalPlane, distance_m, remaining_drive_s


def test_the_local_plane_measures_a_city_within_half_a_percent_of_the_great_circle():
    rng = random.Random(3)
    plane = LocalPlane(60.17, 24.94)
    for _ in range(200):
        a = (60.17 + rng.uniform(-0.1, 0.1), 24.94 + rng.uniform(-0.2, 0.2))
        b = (60.17 + rng.uniform(-0.1, 0.1), 24.94 + rng.uniform(-0.2, 0.2))
        truth = haversine_m(LatLon(*a), LatLon(*b))
        flat = distance_m(plane.project(*a), plane.project(*b))
        assert flat == pytest.approx(truth, rel=0.005, abs=1.0)


def test_a_vehicle_half_way_along_the_polyline_has_half_the_leg_ahead():
    path = LegPath([(0.0, 0.0), (300.0, 0.0), (300.0, 400.0)])  # 700 m with a corner
    done, off = path.locate(300.0, 50.0)
    assert done == pytest.approx(350.0 / 700.0)
    assert off == pytest.approx(0.0)
    assert remaining_drive_s((300.0, 50.0), (300.0, 400.0), 140.0, path, 0.2, 150.0) == (
        pytest.approx(70.0)
    )


def test_a_vehicle_beside_the_road_snaps_to_its_nearest_point():
    path = LegPath([(0.0, 0.0), (1000.0, 0.0)])
    done, off = path.locate(250.0, -30.0)
    assert done == pytest.approx(0.25)
    assert off == pytest.approx(30.0)


def test_positions_before_the_start_or_past_the_end_clamp_to_the_ends():
    path = LegPath([(0.0, 0.0), (1000.0, 0.0)])
    assert path.locate(-50.0, 0.0)[0] == 0.0
    assert path.locate(1200.0, 0.0)[0] == 1.0


def test_a_vehicle_off_the_path_is_estimated_from_the_straight_line():
    path = LegPath([(0.0, 0.0), (1000.0, 0.0)])
    position = (500.0, 600.0)  # 600 m off the road
    seconds = remaining_drive_s(position, (1000.0, 0.0), 200.0, path, 0.2, 150.0)
    assert seconds == pytest.approx(math.hypot(500.0, 600.0) * 0.2)


def test_without_a_path_the_remaining_drive_scales_with_the_straight_line():
    assert remaining_drive_s((0.0, 0.0), (300.0, 400.0), 999.0, None, 0.15, 150.0) == (
        pytest.approx(75.0)
    )


def test_a_path_needs_two_points():
    with pytest.raises(ValueError, match="two points"):
        LegPath([(0.0, 0.0)])


def test_snapping_agrees_with_a_brute_force_search_on_random_polylines():
    rng = random.Random(11)
    for _ in range(100):
        points = [(rng.uniform(0, 2000), rng.uniform(0, 2000)) for _ in range(rng.randint(2, 9))]
        path = LegPath(points)
        x, y = rng.uniform(-200, 2200), rng.uniform(-200, 2200)
        _, off = path.locate(x, y)
        brute = min(
            math.hypot(x - (a[0] + t / 200 * (b[0] - a[0])), y - (a[1] + t / 200 * (b[1] - a[1])))
            for a, b in itertools.pairwise(points)
            for t in range(201)
        )
        assert off <= brute + 1e-6
        assert off >= brute - 15.0  # the brute force samples every 0.5 % of a segment
