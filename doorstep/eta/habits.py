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
and the time worked before the breaks seen brings the rule forward; breaks taken once
due that agree on a later time than the rule's, as in a fleet that breaks at six hours
on a rule of four and a half, put it off.

A break a little later than the rule, or only sometimes, is counted in due stops: the
stops left once it fell due before it was taken. Their law is a life table, the odds
of the break at the n-th due stop given it was not taken before, so a route that has
driven past n of them expects it where drivers who got that far took theirs: soon, in
a fleet that breaks a few stops late, and not at all, in one that does not break.
"""

from __future__ import annotations

import math
from collections import deque

PRIOR = 3.0  # observations' worth of belief in the rules before any stop says more
DOUBT = 0.2  # odds of the other way the windows hold (as much as they may leave out)
EARLY_MIN_S = 300.0  # an arrival at least this early (and 3 services) tells wait or not
NEVER = 1_000_000  # due stops before a break drivers are not seen to take
TABLE_WEIGHT = 1.0  # stops' worth of the pooled odds in each due stop's own odds
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
        "_at_risk",
        "_early_served",
        "_early_waited",
        "_late_for",
        "_late_s",
        "_pending",
        "_pending_beyond",
        "_spans",
        "_taken_at",
        "_worked",
        "_worked_low",
    )

    def __init__(self) -> None:
        self._early_waited = PRIOR
        self._early_served = 0.0
        # The life table of due stops: of the due stops left with n passed before them
        # on the same route, how many (at risk) and at how many the break was taken.
        self._at_risk = [PRIOR]
        self._taken_at = [PRIOR]
        # Kept up to date for the refresh: after n due stops driven past, the due stops
        # still to leave until the break is more likely taken than not (1: the next).
        self._pending = [1]
        self._pending_beyond = 1
        self._worked: deque[float] = deque(maxlen=WORKED_KEPT)
        self._worked_low = math.inf
        # Breaks taken once due: (after, no later than) what time worked they came.
        self._spans: deque[tuple[float, float]] = deque(maxlen=WORKED_KEPT)
        self._late_for = self._late_s = math.nan  # _later's answer, for this rule

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

    @property
    def wait_in_doubt(self) -> bool:
        """Whether the drivers may well not wait, though the rule still holds: the odds
        of serving at once are 20 % or more by the stops seen alone, with half of each
        as the prior (Jeffreys'; none seen: even, two waits seen: 17 %). The windows
        then keep that way open."""
        waited = self._early_waited - PRIOR
        served = self._early_served
        return self.wait_for_window and served + 0.5 >= DOUBT * (waited + served + 1.0)

    # ---- breaks -------------------------------------------------------------------

    def observe_due_stop(self, took_break: bool, passed: int = 0) -> None:
        """A stop left once the break was due, with ``passed`` due stops of the same
        route driven past before it: the break taken there, or driven on."""
        while len(self._at_risk) <= passed:
            self._at_risk.append(0.0)
            self._taken_at.append(0.0)
        self._at_risk[passed] += 1.0
        if took_break:
            self._taken_at[passed] += 1.0
        self._tabulate()

    def break_after_stops(self, passed: int = 0) -> int:
        """Due stops still to leave, after ``passed`` driven past, until the break is
        more likely taken than not: 1 where drivers keep the rule."""
        pending = self._pending
        return pending[passed] if passed < len(pending) else self._pending_beyond

    def _tabulate(self) -> None:
        """Each due stop's odds are its own counts with ``TABLE_WEIGHT`` stops of the
        pooled odds, which stand alone past the last due stop seen: the median number
        of due stops to the break from each count passed, a product of survivals."""
        total = sum(self._at_risk)
        pooled = sum(self._taken_at) / total
        odds = [
            (taken + TABLE_WEIGHT * pooled) / (risk + TABLE_WEIGHT)
            for taken, risk in zip(self._taken_at, self._at_risk, strict=True)
        ]
        last = len(odds)
        pending: list[int] = []
        for start in range(last):
            survive = 1.0
            for n in range(start, last):
                survive *= 1.0 - odds[n]
                if survive <= 0.5:
                    found = n - start + 1
                    break
            else:
                found = last - start + _geometric_median(pooled, survive)
            pending.append(min(found, NEVER))
        self._pending = pending
        self._pending_beyond = _geometric_median(pooled, 1.0)

    def observe_break(self, worked_s: float) -> None:
        """A break taken after ``worked_s`` seconds of work (since the route began or
        the last break ended)."""
        if not math.isfinite(worked_s) or worked_s <= 0.0:
            return
        self._worked.append(worked_s)
        if len(self._worked) >= WORKED_MIN:
            self._worked_low = sorted(self._worked)[len(self._worked) // 4]

    def observe_late(self, lo_s: float, hi_s: float) -> None:
        """A break taken once due, after ``hi_s`` of work, at the first stop left once
        the drivers' own time for it had come: that time is after ``lo_s``, the time
        worked at the stop left before, and no later than ``hi_s`` (inf: a route
        over, its due stops driven past since ``lo_s`` with no break)."""
        self._spans.append((lo_s, hi_s))
        self._late_for = math.nan

    def _later(self, rule_s: float) -> float:
        """The time worked the breaks taken once due agree on, when more of them
        agree on a time after the rule than on the rule with its prior: the middle
        of the span all of them hold. A wait for a window before the first stop once
        due delays drivers who keep the rule too, but their span still holds it."""
        spans = self._spans
        if len(spans) < WORKED_MIN:
            return rule_s
        best, at = 0, rule_s
        for x in sorted({hi for _, hi in spans}):  # inf: routes over with no break
            if x <= rule_s:
                continue
            n = sum(1 for lo, hi in spans if lo < x <= hi)
            if n > best:
                best, at = n, x
        if best <= PRIOR + sum(1 for lo, hi in spans if lo < rule_s <= hi):
            return rule_s
        holding = [(lo, hi) for lo, hi in spans if lo < at <= hi]
        low = max(lo for lo, _ in holding)
        high = min(hi for _, hi in holding)
        return 0.5 * (max(low, rule_s) + high)  # above the rule: high >= at > rule

    def break_after_s(self, rule_s: float) -> float:
        """Time worked until the break falls due: the rule's, or the lower quartile of
        the times worked before the breaks seen when that is sooner; or later, where
        the breaks taken once due agree on a later time (``_later``). Breaks later
        only now and then are learned as due stops driven past
        (``break_after_stops``)."""
        if self._worked_low < rule_s:
            return self._worked_low
        if self._late_for != rule_s:
            self._late_for, self._late_s = rule_s, self._later(rule_s)
        return self._late_s


def _geometric_median(p: float, survive: float) -> int:
    """Stops, each with odds ``p`` of the break, until the chance it was not taken
    falls from ``survive`` to a half or less (0: already there)."""
    if survive <= 0.5:
        return 0
    if p >= 1.0:
        return 1
    if p <= 0.0:
        return NEVER
    k = math.log(0.5 / survive) / math.log1p(-p)
    return math.ceil(k) if k < NEVER else NEVER
