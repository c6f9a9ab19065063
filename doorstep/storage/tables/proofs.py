"""Electronic proof of delivery: the files (signature, photos) captured at a stop."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, IdMixin, UTCDateTime, utcnow


class Proof(IdMixin, Base):
    """One file of a proof; the bytes live in the blob store under ``blob_key``, and
    ``sha256`` is what they hashed to when they were stored."""

    __tablename__ = "proofs"
    __table_args__ = (
        UniqueConstraint("org_id", "client_id", name="uq_proofs_client_id"),
        Index("ix_proofs_order", "order_id"),
        # A stop's proofs: settling a period joins them (and a stop's delete nulls them).
        Index("ix_proofs_stop", "stop_id"),
    )

    org_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    order_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    stop_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("stops.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # signature | photo
    blob_key: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    actor_type: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_name: Mapped[str] = mapped_column(String(200))
    client_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
