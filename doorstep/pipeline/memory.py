"""What the pipeline remembers about one device between pings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from doorstep.domain.ping import Ping

RECENT_TIMES = 64
"""How many recent fix times a device's memory keeps for de-duplication. Trackers
resend a batch after a lost acknowledgement; 64 covers several such batches. Older
duplicates are the store's unique key's job (device, fix time)."""

JUMP_STREAK = 8
"""How many fixes dropped as implausible jumps in a row the memory keeps (the jump
filter needs only the last few to confirm that the last live fix was the outlier)."""


@dataclass(frozen=True, slots=True)
class DeviceMemory:
    """``last_live`` is the newest fix that moved live state; ``recent_times`` the fix
    times of recently accepted fixes (live or late), sorted, at most ``RECENT_TIMES``;
    ``jump_streak`` the fixes the jump filter dropped since the last live fix."""

    last_live: Ping | None = None
    recent_times: tuple[datetime, ...] = ()
    jump_streak: tuple[Ping, ...] = ()

    def remember_accepted(self, ping: Ping, *, live: bool) -> DeviceMemory:
        if not self.recent_times or ping.time > self.recent_times[-1]:  # the usual case
            times = (*self.recent_times[-(RECENT_TIMES - 1) :], ping.time)
        else:
            times = tuple(sorted({*self.recent_times, ping.time}))[-RECENT_TIMES:]
        if not live:
            return DeviceMemory(self.last_live, times, self.jump_streak)
        return DeviceMemory(ping, times, ())

    def remember_jump(self, ping: Ping) -> DeviceMemory:
        streak = (*self.jump_streak, ping)[-JUMP_STREAK:]
        return DeviceMemory(self.last_live, self.recent_times, streak)
