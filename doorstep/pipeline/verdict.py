"""What a stage says about a ping: accepted (maybe with flags) or dropped by a named rule."""

from __future__ import annotations

from dataclasses import dataclass

from doorstep.domain.ping import Ping

LATE = "late"
"""Flag: stored, but describes the past (older than the device's last live fix, or older
than ``ValidateParams.stale_after``). A late fix never moves live state and never
feeds the detectors; reports see it when they replay stored fixes in time order."""

JUMP_CONFIRMED = "jump_confirmed"
"""Flag: an implausible jump from the last live fix that later fixes agreed with; the
last live fix was the outlier, so this one is accepted and becomes live."""


@dataclass(frozen=True, slots=True)
class Accepted:
    """The stage lets the ping through. ``flags`` are added to the outcome's flags;
    ``ping``, when given, replaces the ping for the following stages (a stage that
    normalises a field, e.g. a negative accuracy that means "unknown")."""

    flags: frozenset[str] = frozenset()
    ping: Ping | None = None


@dataclass(frozen=True, slots=True)
class Dropped:
    """The stage drops the ping. ``rule`` is a stable name to count and filter by
    (``bad_latitude``, ``duplicate``, ``implausible_jump``, ...); ``reason`` is the
    sentence a person reads, with the values that broke the rule."""

    rule: str
    reason: str

    def __post_init__(self) -> None:
        if not self.rule:
            raise ValueError("a dropped ping must name the rule that dropped it")


Verdict = Accepted | Dropped

ACCEPT = Accepted()
