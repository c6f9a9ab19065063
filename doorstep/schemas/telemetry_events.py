"""What the detectors saw, as the API shows it: the stored event plus a sentence."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import Field

from doorstep.schemas.common import Output, Timestamp


class TelemetryEventPublic(Output):
    id: int
    time: Timestamp = Field(description="When it happened (not when it was detected).")
    kind: str
    alert: bool = Field(description="A kind that calls for a person's attention.")
    vehicle_id: uuid.UUID | None
    vehicle_name: str | None
    device_id: uuid.UUID | None = Field(description="None for events about a vehicle alone.")
    summary: str = Field(description="Why it fired, in plain language.")
    data: dict[str, Any] = Field(description="The fixes and thresholds that fired it.")
