"""How wide an ETA window must be, learned from how wrong past ETAs were.

Errors are signed (actual − predicted arrival, seconds) and grouped by horizon (how
far ahead the prediction was made). Within a bucket each error is divided by
``horizon + 1000 s``, so errors of predictions made 31 and 44 minutes ahead are
comparable. A bucket's band is split-conformal: the *shortest* interval of its
normalised errors holding enough of them to cover ``coverage`` (80 %) of new arrivals.
Shortest, not the 10 %/90 % quantiles: when errors are skewed (late is likelier and
larger than early) it is narrower and sits where the errors are, so the window is
asymmetric about the prediction. The middle is what the engine reports as the ETA:
its own prediction, moved into the window only if it falls outside. Not shifted by
the errors' median: the engine's learners (service times, pace, hourly traffic)
already correct its bias, and past errors were made by a less-informed engine, so
shifting again double counts (`doorstep bench eta` measured it: the median shift
raised the MAE at every horizon, by 10 % at 0-15 minutes, with the same coverage).

A bucket with fewer than ``min_samples`` errors borrows all buckets' errors; with fewer
than that in total the default is ±(2 min + 12 % of the horizon), which is exactly
±0.12 of ``horizon + 1000 s``, with a normal distribution behind it for late risk.

Errors of one day are not exchangeable with another's (a day of incidents, a new
driver), so the coverage each bucket asks of its band adapts online (adaptive
conformal inference, Gibbs & Candès 2021): every arrival outside its bucket's current
band raises the level the band is fitted at, every one inside lowers it a little, so
the long-run share inside stays at ``coverage`` even when the errors drift.

Late risk is read from the same errors: the share of them that would have put the
arrival after the promised window's end.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

SCALE_OFFSET_S = 1000.0
DEFAULT_HALF_WIDTH = 0.12  # ±(120 s + 12 % of horizon) == ±0.12 * (horizon + 1000 s)
HORIZON_EDGES_S: tuple[float, ...] = (
    0.0,
    300.0,
    600.0,
    1200.0,
    1800.0,
    2700.0,
    3600.0,
    5400.0,
    7200.0,
    10800.0,
    14400.0,
)
_Z80 = 1.2815515655446004  # the normal's 90 % quantile: ±z covers 80 %


def scale_s(horizon_s: float) -> float:
    """What a bucket's errors are divided by before they are compared."""
    return horizon_s + SCALE_OFFSET_S


@dataclass(frozen=True, slots=True)
class ErrorBand:
    """One horizon bucket's band, in units of ``scale_s(horizon)``.

    ``errors`` are the sorted normalised errors it was fitted on; empty for the default,
    whose late risk comes from a normal distribution of deviation ``sigma``.
    """

    lower: float
    middle: float
    upper: float
    errors: tuple[float, ...]
    sigma: float
    source: str  # "bucket", "pooled" or "default"

    def late_probability(self, z: float) -> float:
        """P(normalised error > z): the chance of arriving after predicted + z*scale."""
        n = len(self.errors)
        if n == 0:
            return 0.5 * math.erfc(z / (self.sigma * math.sqrt(2.0)))
        return (n - bisect_right(self.errors, z)) / n


DEFAULT_BAND = ErrorBand(
    lower=-DEFAULT_HALF_WIDTH,
    middle=0.0,
    upper=DEFAULT_HALF_WIDTH,
    errors=(),
    sigma=DEFAULT_HALF_WIDTH / _Z80,
    source="default",
)


def shortest_band(errors: Iterable[float], coverage: float, source: str) -> ErrorBand:
    """The split-conformal band: the shortest run of sorted errors that is big enough.

    With n calibration errors, the interval between order statistics a < b holds a new
    error with probability (b − a)/(n + 1); b − a = ceil(coverage·(n + 1)) makes that at
    least ``coverage``.
    """
    ordered = sorted(errors)
    n = len(ordered)
    if n == 0:
        return DEFAULT_BAND
    span = min(math.ceil(coverage * (n + 1)), n - 1)
    best = 0
    width = math.inf
    for i in range(n - span):
        w = ordered[i + span] - ordered[i]
        if w < width:
            width = w
            best = i
    lower, upper = ordered[best], ordered[best + span]
    middle = min(max(0.0, lower), upper)  # the engine's own prediction, kept inside
    return ErrorBand(lower, middle, upper, tuple(ordered), 0.0, source)


class Calibration:
    """Horizon-bucketed conformal bands of signed ETA errors.

    ``observe``/``fit`` add (horizon, error) records; each bucket keeps the latest
    ``max_samples`` so the bands follow an organisation (and an engine still learning
    its service times and paces) that changes. Refitting sorts every bucket, so the
    bands are refitted once per ``refit_every`` observations, or at once after ``fit``.
    ``by_minute`` is
    the lookup the engine uses on every stop of every refresh: the band for a horizon of
    m minutes is ``by_minute[min(m, len - 1)]``.
    """

    def __init__(
        self,
        coverage: float = 0.8,
        min_samples: int = 40,
        max_samples: int = 1000,
        edges: tuple[float, ...] = HORIZON_EDGES_S,
        refit_every: int = 100,
        adapt_rate: float = 0.005,
    ) -> None:
        if not 0.0 < coverage < 1.0:
            raise ValueError("coverage must be between 0 and 1")
        if not edges or edges[0] != 0.0 or list(edges) != sorted(edges):
            raise ValueError("edges must start at 0 and increase")
        if any(e % 60.0 for e in edges):
            raise ValueError("edges must be whole minutes")
        self.coverage = coverage
        self.min_samples = min_samples
        self.edges = edges
        self._errors: list[deque[float]] = [deque(maxlen=max_samples) for _ in edges]
        self._bands: tuple[ErrorBand, ...] = tuple(DEFAULT_BAND for _ in edges)
        self._by_minute: tuple[ErrorBand, ...] = ()
        self._dirty = True
        self._refit_every = refit_every
        self._pending = 0
        self._adapt_rate = adapt_rate
        self._miss_target = 1.0 - coverage
        self._miss_allowed = [self._miss_target for _ in edges]  # per bucket, adapted

    def bucket(self, horizon_s: float) -> int:
        return max(0, bisect_right(self.edges, horizon_s) - 1)

    def observe(self, horizon_s: float, error_s: float) -> None:
        """One arrival: predicted ``horizon_s`` ahead, it came ``error_s`` late (< 0: early)."""
        if not (math.isfinite(horizon_s) and math.isfinite(error_s)) or horizon_s < 0.0:
            return
        self._add(horizon_s, error_s, adapt=True)

    def _add(self, horizon_s: float, error_s: float, *, adapt: bool) -> None:
        b = self.bucket(horizon_s)
        z = error_s / scale_s(horizon_s)
        band = self._bands[b]
        if adapt and band.source == "bucket":  # judged against the band it was given
            missed = 1.0 if z < band.lower or z > band.upper else 0.0
            allowed = self._miss_allowed[b] + self._adapt_rate * (self._miss_target - missed)
            self._miss_allowed[b] = min(max(allowed, 0.01), 0.5)
        self._errors[b].append(z)
        self._pending += 1
        if self._pending >= self._refit_every:
            self._dirty = True

    def fit(self, records: Iterable[tuple[float, float]]) -> None:
        """Many (horizon_s, error_s) records at once, e.g. the organisation's history;
        the bands are refitted right after (history adapts no level: it was never
        shown a band)."""
        for horizon_s, error_s in records:
            if math.isfinite(horizon_s) and math.isfinite(error_s) and horizon_s >= 0.0:
                self._add(horizon_s, error_s, adapt=False)
        self._dirty = True

    def samples(self, horizon_s: float) -> int:
        return len(self._errors[self.bucket(horizon_s)])

    @property
    def bands(self) -> tuple[ErrorBand, ...]:
        self._refit()
        return self._bands

    @property
    def by_minute(self) -> tuple[ErrorBand, ...]:
        self._refit()
        return self._by_minute

    def band(self, horizon_s: float) -> ErrorBand:
        return self.bands[self.bucket(max(0.0, horizon_s))]

    def window(self, predicted_s: float, horizon_s: float) -> tuple[float, float, float]:
        """(earliest, eta, latest) around a raw prediction made ``horizon_s`` ahead."""
        band = self.band(horizon_s)
        s = scale_s(max(0.0, horizon_s))
        return (
            predicted_s + band.lower * s,
            predicted_s + band.middle * s,
            predicted_s + band.upper * s,
        )

    def late_risk(self, predicted_s: float, horizon_s: float, deadline_s: float) -> float:
        """P(arrival > deadline) for a raw prediction made ``horizon_s`` ahead."""
        s = scale_s(max(0.0, horizon_s))
        return self.band(horizon_s).late_probability((deadline_s - predicted_s) / s)

    def _refit(self) -> None:
        if not self._dirty:
            return
        pooled = [e for bucket in self._errors for e in bucket]
        fallback = (
            shortest_band(pooled, self.coverage, "pooled")
            if len(pooled) >= self.min_samples
            else DEFAULT_BAND
        )
        self._bands = tuple(
            shortest_band(bucket, 1.0 - allowed, "bucket")
            if len(bucket) >= self.min_samples
            else fallback
            for bucket, allowed in zip(self._errors, self._miss_allowed, strict=True)
        )
        minutes = int(self.edges[-1] // 60) + 1
        self._by_minute = tuple(self._bands[self.bucket(m * 60.0)] for m in range(minutes))
        self._dirty = False
        self._pending = 0
