"""Which past days are added up (``closed_days``), and reopening one when a fix for it
arrives late (a phone that was offline uploads its buffer the next morning).

Kept apart from ``services.rollups`` so the fix pipeline can reopen days without
importing the logbook that replays them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from doorstep.storage.tables import ClosedDay

# A fix older than this may belong to a day already closed somewhere on Earth; younger
# ones cannot (no local day closes before the first day after it begins).
OLD_ENOUGH = timedelta(hours=6)


def reopen_for(session: Session, fixes: Iterable[tuple[uuid.UUID, datetime]], now: datetime) -> int:
    """Reopen every closed day from the day before each organisation's oldest old fix
    (a local day differs from the UTC one by at most a day); returns days reopened."""
    oldest: dict[uuid.UUID, datetime] = {}
    cutoff = now - OLD_ENOUGH
    for org_id, time in fixes:
        if time < cutoff and (org_id not in oldest or time < oldest[org_id]):
            oldest[org_id] = time
    reopened = 0
    for org_id, time in oldest.items():
        since = time.date() - timedelta(days=1)
        result = session.execute(
            delete(ClosedDay).where(ClosedDay.org_id == org_id, ClosedDay.date >= since)
        )
        reopened += result.rowcount  # type: ignore[attr-defined]
    return reopened
