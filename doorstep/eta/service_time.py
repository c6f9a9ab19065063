"""How long a stop takes, learned from the organisation's own closed stops.

The plan's service time (or a default) is the prior; the estimate multiplies it by
learned effects of the whole organisation, the number of items, the driver and the
customer:

    log(actual / prior) ≈ overall + items[bucket] + driver[d] + customer[c]

Each effect is the mean of its residuals (what the other effects did not explain)
shrunk toward zero by ``shrink`` pseudo-observations, so a customer seen once moves the
estimate a little and a customer seen twenty times is mostly himself. The effects are
updated one observation at a time (one pass of backfitting), in log space because
service times are skewed and act multiplicatively (a slow customer is slow for any
number of parcels).
"""

from __future__ import annotations

import math
from statistics import NormalDist

DEFAULT_SERVICE_S = 180.0
MIN_LEARNED_S = 5.0
MAX_LEARNED_S = 7200.0
_ITEM_BUCKETS = (1, 2, 3, 4, 5, 7, 10, 15)
PRIOR_SIGMA = 0.4  # spread of log(actual / predicted) before any stop is served
_PRIOR_SPREAD_WEIGHT = 10.0
_NORMAL = NormalDist()


def lognormal_remaining(median_s: float, sigma: float, elapsed_s: float) -> float:
    """Median seconds still to go of something lasting a lognormal time of this median
    and log spread that has lasted ``elapsed_s`` already."""
    if elapsed_s <= 0.0 or median_s <= 0.0:
        return max(median_s - max(elapsed_s, 0.0), 0.0)
    survived = 1.0 - _NORMAL.cdf(math.log(elapsed_s / median_s) / sigma)
    if survived <= 1e-9:
        return median_s * 0.1  # far past anything seen: soon, but not now
    total = median_s * math.exp(sigma * _NORMAL.inv_cdf(1.0 - 0.5 * survived))
    return max(total - elapsed_s, 0.0)


def items_bucket(items: int) -> int:
    """Item counts grouped so large counts share what they teach: 1,2,3,4,5-6,7-9,..."""
    bucket = 0
    for i, lower in enumerate(_ITEM_BUCKETS):
        if items >= lower:
            bucket = i
    return bucket


class _Effect:
    """A shrunk mean of residuals per key."""

    __slots__ = ("_count", "_shrink", "_sum")

    def __init__(self, shrink: float) -> None:
        self._shrink = shrink
        self._sum: dict[object, float] = {}
        self._count: dict[object, int] = {}

    def get(self, key: object) -> float:
        count = self._count.get(key)
        if count is None:
            return 0.0
        return self._sum[key] / (count + self._shrink)

    def add(self, key: object, residual: float) -> None:
        self._sum[key] = self._sum.get(key, 0.0) + residual
        self._count[key] = self._count.get(key, 0) + 1

    def count(self, key: object) -> int:
        return self._count.get(key, 0)


class ServiceTimes:
    """Learned service time per stop: ``observe`` closed stops, ``predict`` open ones."""

    def __init__(self, default_s: float = DEFAULT_SERVICE_S, shrink: float = 5.0) -> None:
        self.default_s = default_s
        self._overall = _Effect(shrink)
        self._items = _Effect(shrink)
        self._driver = _Effect(shrink)
        self._customer = _Effect(shrink)
        self._squares = 0.0  # of what the effects left unexplained, in log space
        self._served = 0

    def _prior(self, planned_s: float) -> float:
        return planned_s if planned_s > 0.0 else self.default_s

    def _parts(
        self, items: int, driver: str | None, customer: str | None
    ) -> tuple[float, float, float, float]:
        return (
            self._overall.get(None),
            self._items.get(items_bucket(items)),
            self._driver.get(driver) if driver is not None else 0.0,
            self._customer.get(customer) if customer is not None else 0.0,
        )

    def predict(
        self,
        planned_s: float,
        *,
        customer: str | None = None,
        driver: str | None = None,
        items: int = 1,
    ) -> float:
        """Expected (geometric-mean) service seconds for a stop not yet served."""
        return self._prior(planned_s) * math.exp(sum(self._parts(items, driver, customer)))

    def observe(
        self,
        planned_s: float,
        actual_s: float,
        *,
        customer: str | None = None,
        driver: str | None = None,
        items: int = 1,
    ) -> None:
        """A served stop: the plan's service seconds and what it really took."""
        if not math.isfinite(actual_s) or actual_s <= 0.0:
            return
        actual_s = min(max(actual_s, MIN_LEARNED_S), MAX_LEARNED_S)
        r = math.log(actual_s / self._prior(planned_s))
        overall, by_items, by_driver, by_customer = self._parts(items, driver, customer)
        self._overall.add(None, r - by_items - by_driver - by_customer)
        overall = self._overall.get(None)
        bucket = items_bucket(items)
        self._items.add(bucket, r - overall - by_driver - by_customer)
        by_items = self._items.get(bucket)
        if driver is not None:
            self._driver.add(driver, r - overall - by_items - by_customer)
            by_driver = self._driver.get(driver)
        if customer is not None:
            self._customer.add(customer, r - overall - by_items - by_driver)
            by_customer = self._customer.get(customer)
        left = r - overall - by_items - by_driver - by_customer
        self._squares += left * left
        self._served += 1

    @property
    def sigma(self) -> float:
        """How far, in log space, a served stop strays from its prediction."""
        prior = _PRIOR_SPREAD_WEIGHT * PRIOR_SIGMA * PRIOR_SIGMA
        return math.sqrt((prior + self._squares) / (_PRIOR_SPREAD_WEIGHT + self._served))

    def remaining(self, predicted_s: float, elapsed_s: float) -> float:
        """Median seconds still to go of a stop predicted at ``predicted_s`` (a median)
        that has lasted ``elapsed_s``: service times are skewed, so a stop already
        longer than usual is likely to go on for a while, not to end this instant."""
        return lognormal_remaining(predicted_s, self.sigma, elapsed_s)

    def observations(self, *, customer: str | None = None, driver: str | None = None) -> int:
        """How many served stops taught this customer's (or driver's) effect."""
        if customer is not None:
            return self._customer.count(customer)
        if driver is not None:
            return self._driver.count(driver)
        return self._overall.count(None)
