"""The event bus: what happened, fanned out to whoever listens (live pages, workers).

Two implementations of one small interface: :class:`InProcessBus` for the embedded
default and :class:`RedisBus` for several processes. Events are published only after
the transaction that caused them commits, so nobody hears of a change that was rolled
back.
"""

from doorstep.bus.base import ALL_ORGS, Bus, Event, Subscription
from doorstep.bus.memory import InProcessBus
from doorstep.bus.redis import RedisBus

__all__ = ["ALL_ORGS", "Bus", "Event", "InProcessBus", "RedisBus", "Subscription"]
