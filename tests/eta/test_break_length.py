"""How long breaks last, and what is left of one under way."""

import math

import pytest

from doorstep.eta.break_length import PRIOR_SIGMA, BreakLengths


def test_before_any_break_one_lasts_the_prior_and_spreads_as_the_prior_says() -> None:
    breaks = BreakLengths(1800.0)
    assert breaks.mean_s == 1800.0
    assert breaks.sigma == pytest.approx(PRIOR_SIGMA)
    assert breaks.median_s == pytest.approx(1800.0 * math.exp(-0.5 * PRIOR_SIGMA**2))
    assert breaks.remaining(0.0) == pytest.approx(breaks.median_s)


def test_a_break_past_its_usual_length_still_has_a_while_to_go() -> None:
    """A fixed length had the driver leave the instant it was over, and every minute
    after: the next stop was "two minutes away" for as long as the break went on."""
    breaks = BreakLengths(1800.0)
    left = [breaks.remaining(s) for s in (600.0, 1200.0, 1800.0, 2400.0, 3600.0)]
    assert left[0] == pytest.approx(breaks.median_s - 600.0, abs=30.0)
    assert all(r > 0.0 for r in left)
    assert left[2] > 120.0  # at its median length: minutes, not none
    assert left == sorted(left, reverse=True)  # less left, the longer it has lasted
    assert breaks.remaining(100_000.0) > 0.0  # far past anything seen: soon, not now


def test_the_spread_is_learned_so_a_fleet_of_punctual_breaks_is_told_to_the_minute() -> None:
    punctual, loose = BreakLengths(1800.0), BreakLengths(1800.0)
    for k in range(40):
        punctual.observe(1800.0)
        loose.observe(1200.0 if k % 2 else 2700.0)
    assert punctual.sigma < 0.1 < PRIOR_SIGMA < loose.sigma
    # 25 minutes into a 30-minute break: about 5 minutes left if breaks are punctual,
    # longer if they vary (and at 40 minutes in, one still to come).
    assert punctual.remaining(1500.0) == pytest.approx(300.0, abs=60.0)
    assert loose.remaining(2400.0) > punctual.remaining(2400.0)


def test_the_mean_follows_the_breaks_seen_and_a_day_long_stand_counts_as_max_s() -> None:
    breaks = BreakLengths(1800.0, max_s=7200.0)
    breaks.observe(1500.0)
    assert breaks.mean_s == pytest.approx(1800.0 + 0.3 * (1500.0 - 1800.0))
    before = breaks.mean_s
    breaks.observe(86_400.0)
    assert breaks.mean_s == pytest.approx(before + 0.3 * (7200.0 - before))


@pytest.mark.parametrize("length", [0.0, -60.0, math.nan, math.inf])
def test_a_break_of_no_length_teaches_nothing(length: float) -> None:
    breaks = BreakLengths(1800.0)
    breaks.observe(length)
    assert breaks.mean_s == 1800.0
    assert breaks.sigma == pytest.approx(PRIOR_SIGMA)


@pytest.mark.parametrize(("prior", "max_s"), [(0.0, 7200.0), (-1.0, 7200.0), (9000.0, 7200.0)])
def test_a_nonsense_prior_is_refused(prior: float, max_s: float) -> None:
    with pytest.raises(ValueError, match="prior length"):
        BreakLengths(prior, max_s)
