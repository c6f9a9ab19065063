"""Window widths learned from past errors: ~80 % coverage, narrow, asymmetric if skewed."""

from __future__ import annotations

import math
import random
from collections import deque

import pytest

from doorstep.eta.calibration import (
    DEFAULT_BAND,
    Calibration,
    ErrorBand,
    scale_s,
    shortest_band,
)


def skewed_errors(rng: random.Random, n: int) -> list[tuple[float, float]]:
    """(horizon, actual − predicted): late more often and by more than early, and wider
    further ahead, though not exactly in proportion to the engine's scale."""
    records = []
    for _ in range(n):
        horizon = rng.uniform(0.0, 4 * 3600.0)
        spread = 60.0 + 0.1 * horizon
        records.append((horizon, spread * (rng.gammavariate(2.0, 0.6) - 1.0)))
    return records


def covered(calibration: Calibration, records: list[tuple[float, float]]) -> float:
    inside = 0
    for horizon, error in records:
        earliest, _, latest = calibration.window(0.0, horizon)
        inside += earliest <= error <= latest
    return inside / len(records)


def test_before_any_history_the_window_is_two_minutes_plus_twelve_percent_of_the_horizon():
    calibration = Calibration()
    for horizon in (0.0, 600.0, 3600.0, 4 * 3600.0):
        earliest, eta, latest = calibration.window(1000.0, horizon)
        half = 120.0 + 0.12 * horizon
        assert (earliest, eta, latest) == (
            pytest.approx(1000.0 - half),
            1000.0,
            pytest.approx(1000.0 + half),
        )
    assert calibration.band(600.0).source == "default"


def test_on_skewed_errors_the_window_covers_80_percent_of_held_out_arrivals():
    rng = random.Random(2025)
    calibration = Calibration()
    calibration.fit(skewed_errors(rng, 20_000))
    held_out = skewed_errors(rng, 20_000)
    assert covered(calibration, held_out) == pytest.approx(0.80, abs=0.05)


def test_the_coverage_holds_at_every_horizon_not_only_on_average():
    rng = random.Random(7)
    calibration = Calibration()
    calibration.fit(skewed_errors(rng, 30_000))
    held_out = skewed_errors(rng, 30_000)
    for low, high in zip(calibration.edges, calibration.edges[1:], strict=False):
        bucket = [r for r in held_out if low <= r[0] < high]
        if len(bucket) >= 500:
            assert covered(calibration, bucket) == pytest.approx(0.80, abs=0.05), (low, high)


def test_skewed_errors_make_an_asymmetric_window():
    rng = random.Random(3)
    calibration = Calibration(max_samples=5000)
    # at most five minutes early, sometimes very late (a long tail of lateness)
    errors = [300.0 * (rng.lognormvariate(0.0, 1.0) - 1.0) for _ in range(5000)]
    calibration.fit((2700.0, e) for e in errors)
    earliest, eta, latest = calibration.window(0.0, 2700.0)
    assert latest - eta > 1.25 * (eta - earliest)
    # narrower than the symmetric window around the ETA that covers as many
    symmetric = sorted(abs(e - eta) for e in errors)[math.ceil(0.8 * 5001)]
    assert latest - earliest < 0.95 * (2 * symmetric)


def test_the_shortest_window_is_no_wider_than_the_equal_tailed_one():
    rng = random.Random(4)
    errors = [rng.gammavariate(1.5, 1.0) for _ in range(2000)]
    band = shortest_band(errors, 0.8, "bucket")
    ordered = sorted(errors)
    n = len(ordered)
    equal_tailed = ordered[math.ceil(0.9 * (n + 1)) - 1] - ordered[math.floor(0.1 * (n + 1)) - 1]
    assert band.upper - band.lower < equal_tailed


def test_the_band_holds_enough_calibration_errors_for_its_coverage():
    rng = random.Random(5)
    for _ in range(200):
        n = rng.randint(3, 300)
        errors = [rng.gauss(0, 1) * rng.choice((1.0, 3.0)) for _ in range(n)]
        band = shortest_band(errors, 0.8, "bucket")
        inside = sum(band.lower <= e <= band.upper for e in errors)
        assert inside >= min(n, math.ceil(0.8 * (n + 1)))
        assert band.lower <= band.middle <= band.upper


def test_late_risk_matches_how_often_arrivals_were_late():
    rng = random.Random(6)
    calibration = Calibration()
    calibration.fit(skewed_errors(rng, 20_000))
    bins: dict[int, list[tuple[float, bool]]] = {}
    total_risk = total_late = 0.0
    for horizon, error in skewed_errors(rng, 20_000):
        deadline = rng.uniform(-0.2, 0.4) * scale_s(horizon)
        risk = calibration.late_risk(0.0, horizon, deadline)
        late = error > deadline
        total_risk += risk
        total_late += late
        bins.setdefault(min(int(risk * 5), 4), []).append((risk, late))
    assert total_risk / 20_000 == pytest.approx(total_late / 20_000, abs=0.02)
    for pairs in bins.values():
        if len(pairs) >= 300:
            mean_risk = sum(p[0] for p in pairs) / len(pairs)
            late_share = sum(p[1] for p in pairs) / len(pairs)
            assert mean_risk == pytest.approx(late_share, abs=0.06)


def test_before_history_late_risk_is_a_half_at_the_prediction_and_falls_after_it():
    calibration = Calibration()
    assert calibration.late_risk(1000.0, 600.0, 1000.0) == pytest.approx(0.5)
    half = 120.0 + 0.12 * 600.0
    assert calibration.late_risk(1000.0, 600.0, 1000.0 + half) == pytest.approx(0.1, abs=1e-6)
    assert calibration.late_risk(1000.0, 600.0, 1000.0 + 10 * half) < 1e-6


def test_a_bucket_with_too_little_history_borrows_the_nearest_buckets_band():
    rng = random.Random(8)
    calibration = Calibration(min_samples=40)
    calibration.fit((rng.uniform(0, 1200), rng.gauss(60, 120)) for _ in range(500))
    assert calibration.band(300.0).source == "bucket"
    far, near = calibration.band(3 * 3600.0), calibration.band(900.0)  # 10-20 minutes
    assert far.source == "borrowed" and (far.lower, far.upper) == (near.lower, near.upper)


def test_with_no_bucket_full_enough_every_buckets_errors_are_pooled():
    rng = random.Random(9)
    calibration = Calibration(min_samples=40)
    calibration.fit([(300.0, rng.gauss(0, 60)) for _ in range(30)])
    calibration.fit([(3000.0, rng.gauss(0, 300)) for _ in range(30)])
    assert {calibration.band(h).source for h in (300.0, 3000.0, 9000.0)} == {"pooled"}


def test_with_too_little_history_anywhere_the_default_stands():
    calibration = Calibration(min_samples=40)
    calibration.fit([(600.0, 30.0)] * 39)
    assert calibration.band(600.0) is DEFAULT_BAND


def test_the_bands_follow_an_organisation_that_changes():
    calibration = Calibration(max_samples=200)
    calibration.fit([(600.0, 600.0)] * 200)
    assert calibration.window(0.0, 600.0)[1] == pytest.approx(600.0)
    calibration.fit([(600.0, -300.0)] * 200)
    assert calibration.window(0.0, 600.0)[1] == pytest.approx(-300.0)


DAY = 86_400.0


def test_a_bad_day_is_remembered_for_a_week_however_many_errors_came_after():
    """A day of incidents (arrivals 20 minutes late), then a calm day with more errors
    than a bucket once kept in all: the bad day still widens the window, as it may
    come again, until a week after it."""
    rng = random.Random(12)
    calibration = Calibration()
    for k in range(1000):
        calibration.observe(3600.0, rng.gauss(1200.0, 60.0), ("bad", k % 8), at_s=9 * 3600.0)
    for k in range(1200):
        calibration.observe(3600.0, rng.gauss(0.0, 60.0), ("calm", k % 8), at_s=DAY + 9 * 3600.0)
    assert calibration.samples(3600.0) == 2200
    assert calibration.window(0.0, 3600.0)[2] > 1000.0  # the bad day's lateness held
    calibration.observe(3600.0, 0.0, ("later", 0), at_s=7 * DAY + 9 * 3600.0 + 1.0)
    assert calibration.samples(3600.0) == 1201
    calibration.observe(3600.0, 0.0, ("later", 0))  # no time: as of the newest arrival
    assert calibration.samples(3600.0) == 1202
    calibration.fit([])  # refit now
    assert calibration.window(0.0, 3600.0)[2] < 300.0


def test_a_bucket_no_arrival_comes_to_forgets_its_week_old_errors_too():
    calibration = Calibration(min_samples=10)
    for _ in range(50):
        calibration.observe(7200.0, 600.0, at_s=0.0)
    for _ in range(50):
        calibration.observe(600.0, 30.0, at_s=8 * DAY)  # only the ten-minute bucket
    assert calibration.band(7200.0).source == "borrowed"  # its own errors are gone
    assert calibration.samples(7200.0) == 0


def test_nonsense_memory_is_refused():
    with pytest.raises(ValueError, match="memory_s"):
        Calibration(memory_s=-1.0)
    with pytest.raises(ValueError, match="max_samples"):
        Calibration(max_samples=0)


def test_a_bucket_holds_at_most_max_samples_dropping_history_before_arrivals():
    calibration = Calibration(max_samples=100, min_samples=10)
    calibration.fit([(600.0, 500.0)] * 80)
    for _ in range(50):
        calibration.observe(600.0, -100.0, at_s=1000.0)
    assert calibration.samples(600.0) == 100  # 30 of the history's errors dropped
    calibration.fit([(600.0, 500.0)] * 10)
    assert calibration.samples(600.0) == 100
    for _ in range(100):
        calibration.observe(600.0, -100.0, at_s=2000.0)
    assert calibration.samples(600.0) == 100
    assert calibration.window(0.0, 600.0)[2] == pytest.approx(-100.0)  # no history left


def test_nonsense_records_are_ignored():
    calibration = Calibration(min_samples=1)
    calibration.fit([(math.nan, 10.0), (600.0, math.inf), (-5.0, 10.0)])
    assert calibration.samples(600.0) == 0


def test_edges_must_be_whole_minutes_from_zero():
    with pytest.raises(ValueError):
        Calibration(edges=(0.0, 90.0))
    with pytest.raises(ValueError):
        Calibration(edges=(60.0, 120.0))
    with pytest.raises(ValueError):
        Calibration(coverage=1.0)


def test_the_minute_lookup_agrees_with_the_buckets():
    rng = random.Random(10)
    calibration = Calibration()
    calibration.fit(skewed_errors(rng, 5000))
    lookup = calibration.by_minute
    for minute in range(0, 300, 7):
        band = lookup[min(minute, len(lookup) - 1)]
        assert band is calibration.band(minute * 60.0 + 30.0)


def test_each_minutes_band_holds_until_its_end_and_no_further():
    """The engine keeps a band while horizons grow, until ``band_ends`` says it ends."""
    calibration = Calibration()
    calibration.fit(skewed_errors(random.Random(10), 5000))
    lookup, ends = calibration.by_minute, calibration.band_ends
    assert len(ends) == len(lookup)
    for minute, end in enumerate(ends):
        band = lookup[minute]
        if math.isinf(end):
            assert band is calibration.band(10 * 24 * 3600.0)
            continue
        assert calibration.band(end - 0.001) is band
        assert calibration.band(end) is not band
        assert calibration.band(end) is lookup[int(end // 60)]


def test_the_widest_band_is_known_after_a_refit():
    calibration = Calibration()
    assert calibration.widest == pytest.approx(2 * 0.12)
    calibration.fit(skewed_errors(random.Random(11), 5000))
    assert calibration.widest == max(b.upper - b.lower for b in calibration.bands)


def test_the_eta_is_the_engines_own_prediction_when_the_window_holds_it():
    band = shortest_band([-0.2, -0.1, 0.05, 0.1, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], 0.8, "bucket")
    assert band.lower < 0.0 < band.upper and band.middle == 0.0


def test_an_eta_outside_its_window_is_moved_to_the_windows_nearest_edge():
    always_late = shortest_band([0.2 + 0.01 * i for i in range(50)], 0.8, "bucket")
    assert always_late.middle == always_late.lower > 0.0
    always_early = shortest_band([-0.5 + 0.01 * i for i in range(20)], 0.8, "bucket")
    assert always_early.middle == always_early.upper < 0.0


def test_when_errors_keep_growing_the_adapted_level_keeps_coverage_at_80_percent():
    """Days are not alike: with the spread drifting upwards the recent errors a band is
    fitted on are always a little too narrow; adapting the level makes up for it."""

    def online_coverage(adapt_rate: float) -> float:
        rng = random.Random(5)
        calibration = Calibration(adapt_rate=adapt_rate)
        inside = n = 0
        for t in range(20_000):
            error = rng.gauss(0.0, 100.0 * (1 + t / 2000.0))
            earliest, _, latest = calibration.window(0.0, 1800.0)
            if t >= 5000:
                inside += earliest <= error <= latest
                n += 1
            calibration.observe(1800.0, error)
        return inside / n

    assert online_coverage(0.0) < 0.78
    assert online_coverage(0.0025) == pytest.approx(0.80, abs=0.01)


def test_errors_of_one_route_are_trusted_less_than_the_same_errors_of_many_routes():
    """A thousand errors of one calm route say little about tomorrow's routes (one
    day's traffic, one incident moves them together): the band stays partly the
    default's until many routes have been seen."""
    rng = random.Random(3)
    errors = [(3600.0, rng.gauss(0.0, 30.0)) for _ in range(1000)]
    one_route, many_routes, each_alone = Calibration(), Calibration(), Calibration()
    for i, (horizon, error) in enumerate(errors):
        one_route.observe(horizon, error, "route-1")
        many_routes.observe(horizon, error, f"route-{i % 200}")
        each_alone.observe(horizon, error)
    raw = shortest_band((e / scale_s(3600.0) for _, e in errors), 0.8, "bucket")
    width = {c: c.band(3600.0).upper - c.band(3600.0).lower for c in (one_route, many_routes)}
    assert raw.upper - raw.lower < width[many_routes] < width[one_route] / 2
    assert width[one_route] < DEFAULT_BAND.upper - DEFAULT_BAND.lower
    # Errors without a route are each their own evidence: a thousand of them, whole.
    assert each_alone.band(3600.0).upper == pytest.approx(raw.upper)


def test_history_given_to_fit_is_trusted_whole():
    rng = random.Random(4)
    records = [(1800.0, rng.gauss(0.0, 30.0)) for _ in range(500)]
    calibration = Calibration()
    calibration.fit(records)
    raw = shortest_band((e / scale_s(1800.0) for _, e in records), 0.8, "bucket")
    assert calibration.band(1800.0).upper == pytest.approx(raw.upper)


def test_the_level_is_judged_by_the_band_an_arrival_was_predicted_with():
    """Long-horizon arrivals come hours after their window was shown, by which time the
    band has learned from the misses before them: judged by today's band, a late
    arrival on a day turning bad looks covered, and the level goes the wrong way."""

    def shown_coverage(judge_by_shown: bool) -> float:
        rng = random.Random(8)
        calibration = Calibration(max_samples=1000)  # errors drifting this fast: recent
        waiting: deque[tuple[float, ErrorBand]] = deque()
        inside = n = 0
        for t in range(20_000):
            error = rng.gauss(0.0, 100.0 * (1 + t / 2000.0))
            band = calibration.band(7200.0)
            earliest, _, latest = calibration.window(0.0, 7200.0)
            if t >= 5000:
                inside += earliest <= error <= latest
                n += 1
            waiting.append((error, band))
            if len(waiting) > 300:  # arrivals come a while after their prediction
                past, shown = waiting.popleft()
                calibration.observe(7200.0, past, shown=shown if judge_by_shown else None)
        return inside / n

    by_shown = shown_coverage(True)
    assert by_shown == pytest.approx(0.80, abs=0.005)
    assert shown_coverage(False) < by_shown - 0.005


def test_errors_that_share_one_draw_count_once_in_the_span() -> None:
    """Every 30-s prediction of one break is off by that break's length: 20 breaks of
    40 predictions each are 20 errors, not 800, and the run spans ceil(0.8 × 21) of
    them, not 80 % of 800 (which held 65 % of the next breaks' arrivals)."""
    errors = [float(i) for i in range(20) for _ in range(40)]
    plain = shortest_band(errors, 0.8, "bucket")
    grouped = shortest_band(errors, 0.8, "bucket", units=20)
    assert plain.upper - plain.lower == 16.0
    assert grouped.upper - grouped.lower == 17.0
    assert shortest_band(errors, 0.8, "bucket", units=800) == plain


def _units_band(units: bool, days: tuple[int, ...] = (0,)) -> ErrorBand:
    calibration = Calibration(edges=(0.0, 600.0), adapt_rate=0.0, prior_groups=0.0)
    for day in days:
        for i in range(20):
            for k in range(40):
                calibration.observe(
                    300.0,
                    (i + 20 * day) * 13.0,
                    group=(day, i),
                    at_s=day * 86_400.0 + i * 60.0 + k,
                    unit=(day, i) if units else None,
                )
    return calibration.band(300.0)


def test_a_calibration_told_the_units_widens_its_band_to_them() -> None:
    plain, grouped = _units_band(units=False), _units_band(units=True)
    scale = 300.0 + 1000.0
    assert (plain.upper - plain.lower) * scale == pytest.approx(16 * 13.0)
    assert (grouped.upper - grouped.lower) * scale == pytest.approx(17 * 13.0)


def test_units_forgotten_with_their_errors() -> None:
    """A week on, the first day's breaks are gone, and so are their units: the band
    is the last day's 20, spanning 17 of them."""
    band = _units_band(units=True, days=(0, 8))
    scale = 300.0 + 1000.0
    assert band.lower * scale >= 20 * 13.0 - 1e-6
    assert (band.upper - band.lower) * scale == pytest.approx(17 * 13.0)
