"""Proof of delivery: what an organisation requires, and the files as the API shows them."""

from __future__ import annotations

import uuid

from pydantic import Field

from doorstep.schemas.common import Input, Output, Timestamp


class ProofSettings(Input):
    """A field left out of a PUT is its default again."""

    require_signature: bool = Field(False, description="A signature on glass to deliver.")
    require_photo: bool = Field(False, description="At least one photo to deliver.")
    require_pin: bool = Field(
        False, description="The recipient's delivery code (shown on their tracking page)."
    )
    require_recipient_name: bool = Field(False, description="Who took the parcel.")
    max_photo_mb: int = Field(15, ge=1, le=50, description="Largest photo upload.")
    require_load_scan: bool = Field(
        True,
        description="A route starts only once every parcel is scanned onto the van or "
        "marked missing (chain of custody).",
    )


class ProofSettingsPublic(ProofSettings):
    org_id: uuid.UUID


class ProofPublic(Output):
    id: uuid.UUID
    order_id: uuid.UUID
    stop_id: uuid.UUID | None
    kind: str
    content_type: str
    size: int
    sha256: str
    width: int
    height: int
    captured_at: Timestamp
    lat: float | None
    lon: float | None
    actor_name: str
