import math

import pytest

from doorstep.sim import SimLeg
from doorstep.sim.geometry import LegShape, offset
from doorstep.sim.kinematics import Motion, Piece, plan_motion, split


def pieces(*specs):
    out, x = [], 0.0
    for length, speed in specs:
        out.append(Piece(x, length, speed, 1.2, 1.5))
        x += length
    return out


def samples(motion, step=0.1):
    t = motion.start_t
    while t <= motion.end_t:
        yield t, *motion.at(t)
        t += step


def test_a_drive_starts_and_ends_at_rest_and_covers_the_whole_length():
    ps = pieces((300, 14.0), (200, 8.0), (500, 14.0))
    motion = Motion(plan_motion(ps, 100.0), 100.0, 1000.0)
    assert motion.at(100.0) == (0.0, 0.0)
    x, v = motion.phases[-1].at(motion.end_t)
    assert x == pytest.approx(1000.0, abs=1e-6)
    assert v == pytest.approx(0.0, abs=1e-6)


def test_speed_never_exceeds_the_pieces_cruise_and_changes_within_the_rates():
    ps = pieces((300, 14.0), (40, 5.0), (500, 14.0))
    motion = Motion(plan_motion(ps, 0.0), 0.0, 840.0)
    previous = None
    for _, x, v in samples(motion):
        cruise = 5.0 if 300 <= x < 340 else 14.0
        assert v <= cruise + 1e-6
        if previous is not None:
            assert -1.5 * 0.1 - 1e-6 <= v - previous <= 1.2 * 0.1 + 1e-6
        previous = v


def test_a_short_piece_is_a_triangle_below_cruise():
    phases = plan_motion(pieces((20, 30.0)), 0.0)
    peak = max(p.v0 + p.accel * p.duration for p in phases)
    assert peak < 30.0
    assert peak == pytest.approx(math.sqrt(2 * 20 * 1.2 * 1.5 / 2.7), rel=1e-6)


def test_a_pause_is_a_standstill_with_a_hard_stop_before_it():
    ps = pieces((200, 14.0), (200, 14.0))
    ps[0] = Piece(0, 200, 14.0, 1.2, 6.0)
    ps[1] = Piece(200, 200, 14.0, 1.2, 1.5, pause_s=4.0)
    phases = plan_motion(ps, 0.0)
    stop = [p for p in phases if p.v0 == 0.0 and p.accel == 0.0]
    assert len(stop) == 1 and stop[0].duration == 4.0 and stop[0].x0 == 200
    braking = [p for p in phases if p.accel < 0]
    assert braking[0].accel == pytest.approx(-6.0)


def test_time_at_inverts_the_motion():
    ps = pieces((300, 14.0), (200, 8.0))
    motion = Motion(plan_motion(ps, 0.0), 0.0, 500.0)
    for x in (0.0, 50.0, 299.0, 420.0, 500.0):
        assert motion.x_at(motion.time_at(x)) == pytest.approx(x, abs=1e-6)


def test_split_cuts_a_piece_without_moving_anything():
    ps = pieces((300, 14.0), (200, 8.0))
    index = split(ps, 120.0)
    assert index == 1
    assert [(p.start_m, p.length_m) for p in ps] == [(0, 120), (120, 180), (300, 200)]
    assert split(ps, 300.0) == 2
    assert split(ps, 999.0) == 3


def bent_leg(turns_deg, step_m=10.0):
    """A polyline turning ``turns_deg`` at each point."""
    points, bearing = [(60.0, 24.0)], 90.0
    points.append(offset(points[-1], step_m, bearing))
    for turn in turns_deg:
        bearing += turn
        points.append(offset(points[-1], step_m, bearing))
    n = len(points) - 1
    return SimLeg(tuple(points), (step_m / 10.0,) * n)


def test_a_hairpin_of_small_kinks_is_as_slow_as_one_sharp_corner():
    hairpin = LegShape.of(bent_leg([18.0] * 10))  # 180 degrees over 100 m of 18-degree kinks
    corner = LegShape.of(bent_leg([0.0] * 4 + [90.0] + [0.0] * 4))
    gentle = LegShape.of(bent_leg([2.0] * 10))
    slow_hairpin = min(hairpin.bend_speed(j, 2.0) for j in range(1, 11))
    slow_corner = corner.bend_speed(5, 2.0)
    assert slow_hairpin < 9 and slow_corner < 6
    assert min(gentle.bend_speed(j, 2.0) for j in range(1, 11)) > 15


def test_straight_runs_end_where_bends_add_up():
    shape = LegShape.of(bent_leg([0.0] * 30 + [8.0] * 5 + [0.0] * 30))
    runs = shape.straight_runs(20.0)
    assert len(runs) >= 2
    assert runs[0][0] == 0.0 and runs[-1][1] == pytest.approx(shape.length)
    assert max(b - a for a, b in runs) < shape.length


def test_degenerate_segments_merge_but_keep_their_seconds():
    leg = SimLeg(((60.0, 24.0), (60.0, 24.0), (60.0, 24.001), (60.0, 24.001)), (3.0, 5.0, 2.0))
    shape = LegShape.of(leg)
    assert len(shape.metres) == 1
    assert shape.seconds == (10.0,)
    assert shape.total_seconds == 10.0
