"""What the organisation's drivers do about windows and breaks, learned from what they did.

The plan assumes two rules: a driver early at a stop waits for its window to open, and
a driver takes the break the rules require at the first stop after it falls due. Many
fleets keep both; others deliver early whenever the customer is home, or take the
break an hour or two sooner or later, or not at all. An engine that held to the rules where the
drivers do not would put a wait of an hour, or a half-hour break, into every ETA that
lies past it; one stop's evidence at a time, this learns which way it goes.

Both are counted with the rule as a prior of ``PRIOR`` observations, so a handful of
stops that say otherwise change the engine's mind, and one does not. A break sooner
than the rule is seen as a long stand before it fell due (``EtaParams.break_learn_s``),
and the time worked before the breaks seen brings the rule forward.
"""

from __future__ import annotations

import math
from collections import deque

PRIOR = 3.0  # observations' worth of belief in the rules before any stop says more
EARLY_MIN_S = 300.0  # an arrival at least this early (and 3 services) tells wait or not
NEVER = 1_000_000  # due stops before a break drivers are not seen to take
WORKED_KEPT = 50  # the last breaks' times worked before them
WORKED_MIN = 3  # breaks seen before their time worked is believed over the rule


def early_enough_to_tell(arrived_s: float, opens_s: float, service_s: float) -> bool:
    """Whether a van this early at a stop (with this service to do) must have waited
    if it left after the window opened: early by well more than a service."""
    return opens_s - arrived_s >= max(EARLY_MIN_S, 3.0 * service_s)


class DriverHabits:
    """Counts of early arrivals served at once or after the window opened, and of
    stops left after the break fell due with the break taken there or not."""

    __slots__ = (
        "_early_served",
        "_early_waited",
        "_passed",
        "_taken",
        "_worked",
        "_worked_low",
        "break_after_stops",
    )

    def __init__(self) -> None:
        self._early_waited = PRIOR
        self._early_served = 0.0
        self._taken = PRIOR
        self._passed = 0.0
        # How many stops left after the break falls due until it is more likely taken
        # than not (1: at the first); kept up to date, the refresh reads it.
        self.break_after_stops = 1
        self._worked: deque[float] = deque(maxlen=WORKED_KEPT)
        self._worked_low = math.inf

    # ---- windows ------------------------------------------------------------------

    def observe_early(
        self, arrived_s: float, opens_s: float, left_s: float, service_s: float
    ) -> None:
        """A stop reached before its window opened and left at ``left_s``. It tells
        something only when the van was early by well more than a service: then it
        left before the window opened if and only if the driver did not wait."""
        if not early_enough_to_tell(arrived_s, opens_s, service_s):
            return
        if left_s < opens_s:
            self._early_served += 1.0
        else:
            self._early_waited += 1.0

    @property
    def wait_for_window(self) -> bool:
        """Whether an early driver more likely waits for the window than serves at once."""
        return self._early_waited >= self._early_served

    # ---- breaks -------------------------------------------------------------------

    def observe_due_stop(self, took_break: bool) -> None:
        """A stop left once the break was due: the break taken there, or driven on.

        Each due stop is one more chance with the learned odds p, so the break's
        median is the first k due stops with 1 - (1 - p)^k >= 1/2."""
        if took_break:
            self._taken += 1.0
        else:
            self._passed += 1.0
        p = self._taken / (self._taken + self._passed)
        if p >= 0.5:
            self.break_after_stops = 1
        else:
            k = math.log(0.5) / math.log1p(-p)
            self.break_after_stops = math.ceil(k) if k < NEVER else NEVER

    def observe_break(self, worked_s: float) -> None:
        """A break taken after ``worked_s`` seconds of work (since the route began or
        the last break ended)."""
        if not math.isfinite(worked_s) or worked_s <= 0.0:
            return
        self._worked.append(worked_s)
        if len(self._worked) >= WORKED_MIN:
            self._worked_low = sorted(self._worked)[len(self._worked) // 4]

    def break_after_s(self, rule_s: float) -> float:
        """Time worked until the break falls due: the rule's, or the lower quartile of
        the times worked before the breaks seen when that is sooner. Only sooner: a
        break is taken at the first stop left once due, so the times worked before it
        overshoot the rule by up to a stop; breaks later than the rule are learned
        as due stops driven past (``break_after_stops``)."""
        return self._worked_low if self._worked_low < rule_s else rule_s
