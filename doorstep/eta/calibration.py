"""How wide an ETA window must be, learned from how wrong past ETAs were.

Errors are signed (actual − predicted arrival, seconds) and grouped by horizon (how
far ahead the prediction was made). Within a bucket each error is divided by
``horizon + 1000 s``, so errors of predictions made 31 and 44 minutes ahead are
comparable. A bucket's band is split-conformal: the *shortest* interval of its
normalised errors holding enough of them to cover ``coverage`` (80 %) of new arrivals.
Shortest, not the 10 %/90 % quantiles: when errors are skewed (late is likelier and
larger than early) it is narrower and sits where the errors are, so the window is
asymmetric about the prediction. Errors observed with a ``unit`` (predictions sharing
one draw of luck: every 30-s prediction of one break is off by that break's length)
count once per unit in the span, so the band holds 80 % of the next unit's, not of
the next error's. The middle is what the engine reports as the ETA:
its own prediction, moved into the window only if it falls outside. Not shifted by
the errors' median: the engine's learners (service times, pace, hourly traffic)
already correct its bias, and past errors were made by a less-informed engine, so
shifting again double counts (`doorstep bench eta` measured it: the median shift
raised the MAE at every horizon, by 10 % at 0-15 minutes, with the same coverage).

A bucket with fewer than ``min_samples`` errors borrows the band of the nearest bucket
that has enough (errors further ahead arrive last: on a first day the long horizons
borrow from the nearest shorter one, not from a pool dominated by short-horizon
errors, which are relatively wider); with no such bucket, all buckets' errors pooled;
with fewer than ``min_samples`` in total the default is ±(2 min + 12 % of the
horizon), which is exactly ±0.12 of ``horizon + 1000 s``, with a normal distribution
behind it for late risk.

Errors of one route move together (one day's traffic, one incident, one slow
customer early on), so a thousand errors of a single calm day say little about
tomorrow. A bucket's band is believed in proportion to the routes behind it,
``routes / (routes + prior_groups)``, the rest being the default's: the first days'
bands are not narrowed to what one calm day showed (`doorstep bench eta --seed 11`:
after a calm first day, the second day's two-hour windows were 8 minutes wide and
held 37 % of arrivals). History given to ``fit`` is trusted whole.

Errors of one day are not exchangeable with another's (a day of incidents, a new
driver), so the coverage each bucket asks of its band adapts online (adaptive
conformal inference, Gibbs & Candès 2021): every arrival outside the band its
prediction was shown with raises the level the band is fitted at, every one inside
lowers it a little, so the long-run share inside stays at ``coverage`` even when the
errors drift. The window *shown* (the band, widened where a break may fall on either
side of a departure: judged by the band alone, the arrivals the break's width caught
counted as misses, and the long horizons' windows held 85-86 % on Baltimore), not the
bucket's band now: an arrival two hours after
its prediction would be judged by a band that has since learned from the misses
before it, so on a day turning bad it looks covered and the level moves the wrong
way. Judged by the band shown, the feedback comes hours late, and a fast rate then
swings the level from one bound to the other (the cause of a miss is corrected long
before the miss is heard of), so the rate is half Gibbs & Candès' 0.005
(``doorstep bench eta``, 13 runs, cells outside 80 % ± 5 % of 65: 7 judged by the band
now; judged by the band shown, 5 at a rate of 0.005 and 1 at 0.0025). A bucket
still borrowing its neighbour's band adapts its level too, ready for when it has its
own errors.

Late risk is read from the same errors: the share of them that would have put the
arrival after the promised window's end.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np

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
GROUPS_COUNTED = 1000  # beyond this many routes the default's weight is nil anyway
Z80 = 1.2815515655446004  # the normal's 90 % quantile: ±z covers 80 %


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
    source: str  # "bucket", "borrowed" (a nearer bucket's), "pooled" or "default"

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
    sigma=DEFAULT_HALF_WIDTH / Z80,
    source="default",
)


def shortest_band(
    errors: Iterable[float], coverage: float, source: str, units: int | None = None
) -> ErrorBand:
    """The split-conformal band: the shortest run of sorted errors that is big enough.

    With n calibration errors, the interval between order statistics a < b holds a new
    error with probability (b − a)/(n + 1); b − a = ceil(coverage·(n + 1)) makes that at
    least ``coverage``. Errors that come in ``units`` groups sharing one draw (every
    30-s prediction of one break is off by that break's length) are that many
    independent errors, each counted n/units times: the run spans
    ceil(coverage·(units + 1)) of them.
    """
    ordered = np.sort(np.fromiter(errors, dtype=np.float64))  # a week's: thousands
    n = int(ordered.size)
    if n == 0:
        return DEFAULT_BAND
    if units is None or units >= n or units < 1:
        span = math.ceil(coverage * (n + 1))
    else:
        span = math.ceil(math.ceil(coverage * (units + 1)) * n / units)
    span = min(span, n - 1)
    best = int(np.argmin(ordered[span:] - ordered[: n - span]))  # the first shortest
    lower, upper = float(ordered[best]), float(ordered[best + span])
    middle = min(max(0.0, lower), upper)  # the engine's own prediction, kept inside
    return ErrorBand(lower, middle, upper, tuple(ordered.tolist()), 0.0, source)


def _towards_default(band: ErrorBand, weight: float) -> ErrorBand:
    """``band`` with ``1 - weight`` of the default's edges mixed in."""
    if weight >= 1.0:
        return band
    lower = weight * band.lower + (1.0 - weight) * DEFAULT_BAND.lower
    upper = weight * band.upper + (1.0 - weight) * DEFAULT_BAND.upper
    middle = min(max(0.0, lower), upper)
    return ErrorBand(lower, middle, upper, band.errors, band.sigma, band.source)


class Calibration:
    """Horizon-bucketed conformal bands of signed ETA errors.

    ``observe``/``fit`` add (horizon, error) records. Each bucket keeps the errors
    observed in the last ``memory_s`` (a week) before the newest arrival, so the bands
    follow an organisation (and an engine still learning its service times and paces)
    that changes; and at most ``max_samples`` of them with the history given to
    ``fit`` (kept until the cap pushes it out, oldest history first). 5000: about a
    week of an 8-van fleet's errors in its busiest bucket. A week, not a count: one
    day's traffic moves all its errors together, and a bucket that kept its last
    thousand kept one or two days of an 8-van fleet, so after a calm day the long
    horizons' windows were narrowed to it (``doorstep bench eta`` on Andorra's rush
    hour: the third day's two-hour windows 40 % narrower than the second's, holding
    44 % of arrivals). Refitting sorts every bucket, so the bands are refitted once
    per ``refit_every`` observations, or at once after ``fit``. ``by_minute`` is the
    lookup the engine uses on every stop of every refresh: the band for a horizon of
    m minutes is ``by_minute[min(m, len - 1)]``.
    """

    def __init__(
        self,
        coverage: float = 0.8,
        min_samples: int = 40,
        max_samples: int = 5000,
        memory_s: float = 7 * 86_400.0,
        edges: tuple[float, ...] = HORIZON_EDGES_S,
        refit_every: int = 100,
        adapt_rate: float = 0.0025,
        prior_groups: float = 1.0,
    ) -> None:
        if not 0.0 < coverage < 1.0:
            raise ValueError("coverage must be between 0 and 1")
        if not edges or edges[0] != 0.0 or list(edges) != sorted(edges):
            raise ValueError("edges must start at 0 and increase")
        if any(e % 60.0 for e in edges):
            raise ValueError("edges must be whole minutes")
        if max_samples < 1 or not memory_s >= 0.0:
            raise ValueError("max_samples must be at least 1 and memory_s not negative")
        self.coverage = coverage
        self.min_samples = min_samples
        self.edges = edges
        self.max_samples = max_samples
        self.memory_s = memory_s
        # Per bucket: the errors observed, when each arrival was (oldest first), and
        # the history given to fit.
        self._errors: list[deque[float]] = [deque() for _ in edges]
        self._times: list[deque[float]] = [deque() for _ in edges]
        self._history: list[deque[float]] = [deque() for _ in edges]
        self._units: list[deque[object]] = [deque() for _ in edges]  # by kept error
        self._any_units = False
        self._latest = -math.inf  # the newest arrival time observed
        self._bands: tuple[ErrorBand, ...] = tuple(DEFAULT_BAND for _ in edges)
        self._by_minute: tuple[ErrorBand, ...] = ()
        self._widest = DEFAULT_BAND.upper - DEFAULT_BAND.lower
        self._dirty = True
        self._refit_every = refit_every
        self._pending = 0
        self._adapt_rate = adapt_rate
        self._miss_target = 1.0 - coverage
        self._miss_allowed = [self._miss_target for _ in edges]  # per bucket, adapted
        self.prior_groups = prior_groups
        self._groups: list[set[object]] = [set() for _ in edges]  # up to GROUPS_COUNTED
        self._loose = [0 for _ in edges]  # errors of no group: each its own
        self._fitted = [False for _ in edges]
        self._held = 0  # errors held across buckets, kept as they come: read every refresh
        # Where the band of a horizon of m minutes gives way to the next bucket's, in
        # seconds (inf: never), indexed like ``by_minute``: a refresh walks its stops
        # with horizons that only grow, and looks the band up again only there.
        last = len(edges) - 1
        self.band_ends: tuple[float, ...] = tuple(
            edges[b + 1] if b < last else math.inf
            for b in (self.bucket(m * 60.0) for m in range(int(edges[-1] // 60) + 1))
        )

    def bucket(self, horizon_s: float) -> int:
        return max(0, bisect_right(self.edges, horizon_s) - 1)

    def observe(
        self,
        horizon_s: float,
        error_s: float,
        group: object = None,
        shown: ErrorBand | None = None,
        at_s: float | None = None,
        unit: object = None,
    ) -> None:
        """One arrival: predicted ``horizon_s`` ahead, it came ``error_s`` late (< 0: early).
        ``group``: what the error shares its luck with (the route of the day), so
        many errors of one route count as one piece of evidence about the band; None:
        an error on its own. ``shown``: the band the prediction was shown with, which
        the adaptive level judges (None: the bucket's band now). ``at_s``: when the
        arrival was, for forgetting it ``memory_s`` after the newest arrival (None, or
        one reported late: as of the newest arrival observed; before any time was
        given, forgotten with the first). ``unit``: the predictions sharing one draw
        of luck with this one (one leg's, one break's), counted once in the band's
        span (``shortest_band``); None: an independent error."""
        if not (math.isfinite(horizon_s) and math.isfinite(error_s)) or horizon_s < 0.0:
            return
        if at_s is not None and math.isfinite(at_s) and at_s > self._latest:
            self._latest = at_s
        b = self._add(horizon_s, error_s, adapt=True, shown=shown, unit=unit)
        groups = self._groups[b]
        if group is None:
            self._loose[b] += 1
        elif len(groups) < GROUPS_COUNTED and group not in groups:
            groups.add(group)
            self._dirty = True

    def _add(
        self,
        horizon_s: float,
        error_s: float,
        *,
        adapt: bool,
        shown: ErrorBand | None = None,
        unit: object = None,
    ) -> int:
        b = self.bucket(horizon_s)
        z = error_s / scale_s(horizon_s)
        band = self._bands[b] if shown is None else shown
        if adapt and band.source in ("bucket", "borrowed"):  # against the band it was given
            missed = 1.0 if z < band.lower or z > band.upper else 0.0
            allowed = self._miss_allowed[b] + self._adapt_rate * (self._miss_target - missed)
            self._miss_allowed[b] = min(max(allowed, 0.01), 0.5)
        kept, times, history = self._errors[b], self._times[b], self._history[b]
        if adapt:
            kept.append(z)
            times.append(self._latest)
            self._units[b].append(unit)
            if unit is not None:
                self._any_units = True
            self._forget(b)
        else:
            history.append(z)
        self._held += 1
        if len(kept) + len(history) > self.max_samples:
            if history:
                history.popleft()
                self._held -= 1
            else:
                self._drop_oldest(b)
        self._pending += 1
        if self._pending >= self._refit_every:
            self._dirty = True
        return b

    def _forget(self, b: int) -> None:
        """Bucket ``b``'s errors observed more than ``memory_s`` before the newest
        arrival (oldest first: the times only grow)."""
        times = self._times[b]
        forget = self._latest - self.memory_s
        while times and times[0] < forget:
            self._drop_oldest(b)

    def _drop_oldest(self, b: int) -> None:
        """Bucket ``b``'s oldest observed error, with its time and unit."""
        self._errors[b].popleft()
        self._times[b].popleft()
        self._units[b].popleft()
        self._held -= 1

    def fit(self, records: Iterable[tuple[float, float]]) -> None:
        """Many (horizon_s, error_s) records at once, e.g. the organisation's history;
        the bands are refitted right after (history adapts no level: it was never
        shown a band)."""
        for horizon_s, error_s in records:
            if math.isfinite(horizon_s) and math.isfinite(error_s) and horizon_s >= 0.0:
                b = self._add(horizon_s, error_s, adapt=False)
                if self._history[b]:  # kept: the bucket was not full of arrivals
                    self._fitted[b] = True
        self._dirty = True

    @property
    def learned(self) -> bool:
        """Whether any errors shaped the bands, so they say more than the default."""
        return self._held >= self.min_samples

    def samples(self, horizon_s: float) -> int:
        b = self.bucket(horizon_s)
        return len(self._errors[b]) + len(self._history[b])

    @property
    def bands(self) -> tuple[ErrorBand, ...]:
        self._refit()
        return self._bands

    @property
    def by_minute(self) -> tuple[ErrorBand, ...]:
        self._refit()
        return self._by_minute

    @property
    def widest(self) -> float:
        """The widest band's width (upper - lower), in units of the scale."""
        self._refit()
        return self._widest

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

    def _trust(self, fitted: bool, groups: int) -> float:
        """How much a bucket's own errors are believed over the default: errors of one
        route (one day's traffic, one incident) move together, so a thousand errors of
        a single calm day say little about tomorrow; history given to ``fit`` is
        trusted whole. With ``GROUPS_COUNTED`` routes seen it is trusted whole too."""
        if fitted or groups >= GROUPS_COUNTED or self.prior_groups <= 0.0:
            return 1.0
        return groups / (groups + self.prior_groups)

    def _independent(self, b: int) -> int | None:
        """How many independent errors bucket ``b`` holds: one per unit observed, one
        per error of none and of history (None: every error is)."""
        if not self._any_units:
            return None
        units = self._units[b]
        alone = units.count(None)
        return len(set(units)) - (1 if alone else 0) + alone + len(self._history[b])

    def _refit(self) -> None:
        if not self._dirty:
            return
        for b in range(len(self.edges)):  # a bucket no arrival came to forgets too
            self._forget(b)
        held = [
            [*history, *kept] for history, kept in zip(self._history, self._errors, strict=True)
        ]
        own = [
            _towards_default(
                shortest_band(bucket, 1.0 - allowed, "bucket", self._independent(b)),
                self._trust(fitted, len(groups) + loose),
            )
            if len(bucket) >= self.min_samples
            else None
            for b, (bucket, allowed, fitted, groups, loose) in enumerate(
                zip(
                    held,
                    self._miss_allowed,
                    self._fitted,
                    self._groups,
                    self._loose,
                    strict=True,
                )
            )
        ]
        filled = [i for i, band in enumerate(own) if band is not None]
        fallback = DEFAULT_BAND
        pooled = [] if filled else [e for bucket in held for e in bucket]
        if len(pooled) >= self.min_samples:  # no bucket has enough: all of them together
            fallback = _towards_default(
                shortest_band(pooled, self.coverage, "pooled"),
                self._trust(any(self._fitted), len(set().union(*self._groups)) + sum(self._loose)),
            )
        bands = []
        for i, band in enumerate(own):
            if band is None and filled:
                near = own[min(filled, key=lambda k: (abs(k - i), -k))]
                band = None if near is None else replace(near, source="borrowed")
            bands.append(band if band is not None else fallback)
        self._bands = tuple(bands)
        minutes = int(self.edges[-1] // 60) + 1
        self._by_minute = tuple(self._bands[self.bucket(m * 60.0)] for m in range(minutes))
        self._widest = max(band.upper - band.lower for band in self._bands)
        self._dirty = False
        self._pending = 0
