"""How long the drivers' breaks last, learned from the breaks seen.

The breaks still ahead of a route add their mean length. A break under way is
another matter: its end is what the stop driven to next waits for, and a driver half
an hour into a break that usually lasts thirty minutes is not about to leave this
instant, as a fixed length had it (the next stop's window then said "in two minutes"
for as long as the break went on, and held 16-22 % of those arrivals, ``doorstep
bench eta``). Break lengths are skewed like service times (a few run long), so what
is left of one that has lasted so long is read from a lognormal of the lengths' spread
(``lognormal_remaining``), the spread learned with a prior of ``PRIOR_WEIGHT`` breaks.
"""

from __future__ import annotations

import math

from doorstep.eta.service_time import lognormal_remaining

GAIN = 0.3  # of each break's length in the mean: drivers' habits move, slowly
PRIOR_SIGMA = 0.25  # log spread of break lengths before any is seen
PRIOR_WEIGHT = 5.0  # breaks' worth of belief in the prior spread


class BreakLengths:
    """The mean length of the drivers' breaks and their spread, in log space."""

    __slots__ = ("_breaks", "_squares", "max_s", "mean_s")

    def __init__(self, prior_s: float = 1800.0, max_s: float = 7200.0) -> None:
        if not 0.0 < prior_s <= max_s:
            raise ValueError("a break's prior length must be positive and at most max_s")
        self.mean_s = prior_s
        self.max_s = max_s
        self._squares = 0.0  # of log(length / median) before each was learned
        self._breaks = 0

    @property
    def sigma(self) -> float:
        prior = PRIOR_WEIGHT * PRIOR_SIGMA * PRIOR_SIGMA
        return math.sqrt((prior + self._squares) / (PRIOR_WEIGHT + self._breaks))

    @property
    def median_s(self) -> float:
        sigma = self.sigma
        return self.mean_s * math.exp(-0.5 * sigma * sigma)

    def observe(self, length_s: float) -> None:
        """A break that lasted ``length_s`` (one longer than ``max_s`` counts as that)."""
        if not math.isfinite(length_s) or length_s <= 0.0:
            return
        length = min(length_s, self.max_s)
        off = math.log(length / self.median_s)
        self._squares += off * off
        self._breaks += 1
        self.mean_s += GAIN * (length - self.mean_s)

    def remaining(self, elapsed_s: float) -> float:
        """Median seconds still to go of a break that has lasted ``elapsed_s``."""
        return lognormal_remaining(self.median_s, self.sigma, elapsed_s)
