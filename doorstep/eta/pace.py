"""How fast this driver is really driving this route, compared with the plan.

The live pace is the weighted median of the ratios (actual / predicted drive seconds)
of the last few legs, each weighted by its predicted seconds, together with a prior
that weighs as much as ``prior_weight_s`` seconds of driving. A median, not a mean:
one leg held up by a slow light or a delivery van in the way is outvoted and moves
nothing, while a driver who is slower leg after leg wins the vote within a few legs.
The ratio is clamped to [0.6, 2.0] so no single observation can be absurd.

The prior is the driver's long-run pace across routes (``DriverPaces``): a ratio of
summed actual to summed predicted seconds, shrunk toward 1.0.
"""

from __future__ import annotations

from collections import deque

PACE_MIN = 0.6
PACE_MAX = 2.0


def _clamp(value: float, low: float = PACE_MIN, high: float = PACE_MAX) -> float:
    return low if value < low else high if value > high else value


def _weighted_median(pairs: list[tuple[float, float]]) -> float:
    """Median of (value, weight) pairs: the smallest value holding half the weight."""
    pairs.sort()
    half = 0.5 * sum(w for _, w in pairs)
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= half:
            return value
    return pairs[-1][0]


class Pace:
    """The damped live pace factor of one route."""

    __slots__ = ("_legs", "_prior", "_prior_weight_s", "_value")

    def __init__(self, prior: float = 1.0, prior_weight_s: float = 900.0, keep: int = 8) -> None:
        self._prior = _clamp(prior)
        self._prior_weight_s = prior_weight_s
        self._legs: deque[tuple[float, float]] = deque(maxlen=keep)
        self._value = self._prior

    @property
    def value(self) -> float:
        """The pace from completed legs (cached: reading it costs nothing)."""
        return self._value

    @property
    def legs(self) -> int:
        return len(self._legs)

    def observe_leg(self, predicted_s: float, actual_s: float) -> None:
        """A completed leg: its predicted and actual drive seconds."""
        if predicted_s <= 0.0 or actual_s <= 0.0:
            return
        self._legs.append((_clamp(actual_s / predicted_s), predicted_s))
        self._value = self._median(None)

    def with_partial(self, predicted_s: float, actual_s: float) -> float:
        """The pace counting the leg under way: ``predicted_s`` of plan driven in
        ``actual_s``. Votes like a completed leg, with the weight of its progress."""
        if predicted_s <= 0.0 or actual_s <= 0.0:
            return self._value
        return self._median((_clamp(actual_s / predicted_s), predicted_s))

    def _median(self, extra: tuple[float, float] | None) -> float:
        pairs = [(self._prior, self._prior_weight_s), *self._legs]
        if extra is not None:
            pairs.append(extra)
        return _weighted_median(pairs)


class DriverPaces:
    """Each driver's long-run pace across routes, shrunk toward 1.0 until known.

    ``prior_s`` seconds of driving at pace 1.0 are added to every driver's history, so
    a new driver starts at 1.0 and a driver with an hour of history is mostly himself.
    """

    def __init__(self, prior_s: float = 3600.0) -> None:
        self._prior_s = prior_s
        self._actual: dict[str, float] = {}
        self._predicted: dict[str, float] = {}

    def observe(self, driver_key: str, predicted_s: float, actual_s: float) -> None:
        if predicted_s <= 0.0 or actual_s <= 0.0:
            return
        actual_s = predicted_s * _clamp(actual_s / predicted_s)
        self._actual[driver_key] = self._actual.get(driver_key, 0.0) + actual_s
        self._predicted[driver_key] = self._predicted.get(driver_key, 0.0) + predicted_s

    def prior(self, driver_key: str | None) -> float:
        if driver_key is None:
            return 1.0
        actual = self._actual.get(driver_key, 0.0)
        predicted = self._predicted.get(driver_key, 0.0)
        return _clamp((actual + self._prior_s) / (predicted + self._prior_s))
