"""Traffic by hour: how much longer (or shorter) legs take than planned at each hour.

The roads provider's leg times carry a fixed speed profile at best; the factor for an
hour is the organisation's summed actual drive seconds over summed predicted seconds
of legs that started in that (local) hour, with ``prior_s`` seconds at factor 1.0 added
so an hour with little history stays near 1.0.

The factor may reach 4.0, as far as one leg may claim: a gridlocked city's rush (with
its incidents) can take legs to three times their plan, and a cap at 2.0 held every
hour from 9:00 to 18:00 of `doorstep bench eta --scenario rush_hour --road-network
andorra.osm.pbf` at the cap, its stops two hours ahead predicted 24 minutes early on
average (120+ coverage 0.684 with the cap, 0.708 without; only the rush worlds' hours
go past 2.0, so only they moved).
"""

from __future__ import annotations

HOURS = 24
LEG_CLAIM = 4.0  # one leg counts as at most this many times (or 1/this of) its plan


class TimeOfDayFactors:
    """Hourly drive-time factors, 1.0 until history says otherwise."""

    def __init__(self, prior_s: float = 1800.0, low: float = 0.5, high: float = LEG_CLAIM) -> None:
        self._prior_s = prior_s
        self._low = low
        self._high = high
        self._actual = [0.0] * HOURS
        self._predicted = [0.0] * HOURS
        self._factors = [1.0] * HOURS

    @property
    def factors(self) -> list[float]:
        """The 24 factors by local hour; the engine reads this list on every refresh."""
        return self._factors

    def factor(self, hour: int) -> float:
        return self._factors[hour % HOURS]

    def observe(self, hour: int, predicted_s: float, actual_s: float) -> None:
        """A driven leg that started at local ``hour``."""
        if predicted_s <= 0.0 or actual_s <= 0.0:
            return
        h = hour % HOURS
        actual_s = min(max(actual_s, predicted_s / LEG_CLAIM), predicted_s * LEG_CLAIM)
        self._actual[h] += actual_s
        self._predicted[h] += predicted_s
        value = (self._actual[h] + self._prior_s) / (self._predicted[h] + self._prior_s)
        self._factors[h] = min(max(value, self._low), self._high)
