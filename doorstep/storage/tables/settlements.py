"""Driver pay: versioned pay rules, statements with their lines, and adjustments to a
statement that can no longer change (``services.settlements``)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from doorstep.storage.tables.base import Base, IdMixin, OrgMixin, UTCDateTime

Money = Numeric(14, 2)


class PayRuleVersion(OrgMixin, Base):
    """The rates for a driver, a carrier, or (neither) the organisation's default from a
    date on; never edited once a statement used it (a new version instead)."""

    __tablename__ = "pay_rule_versions"
    __table_args__ = (Index("ix_pay_rule_versions_org_driver", "org_id", "driver_id"),)

    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE")
    )
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("carriers.id", ondelete="CASCADE")
    )
    effective_from: Mapped[date] = mapped_column(Date)
    rates: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Statement(OrgMixin, Base):
    """A payee's pay for a period: draft (computed again on demand), approved (frozen),
    paid. The payee is a driver or (``carrier_id``) a subcontracted carrier."""

    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("org_id", "driver_id", "period_start", "period_end"),
        UniqueConstraint(
            "org_id", "carrier_id", "period_start", "period_end", name="uq_statements_carrier"
        ),
    )

    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE")
    )
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("carriers.id", ondelete="CASCADE")
    )
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_by: Mapped[str | None] = mapped_column(String(200))
    # SHA-256 of the lines last written: settling again leaves identical lines alone.
    lines_digest: Mapped[str | None] = mapped_column(String(64))


class StatementLine(IdMixin, Base):
    __tablename__ = "statement_lines"
    __table_args__ = (Index("ix_statement_lines_statement", "statement_id"),)

    org_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    statement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column()
    day: Mapped[date | None] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    rate: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    amount: Mapped[Decimal] = mapped_column(Money)
    version_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pay_rule_versions.id", ondelete="SET NULL")
    )
    adjustment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pay_adjustments.id", ondelete="SET NULL")
    )
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flag: Mapped[str | None] = mapped_column(String(200))


class PayAdjustment(OrgMixin, Base):
    """A correction to a frozen statement: paid out (or taken) on the driver's next
    statement, never by editing the old one."""

    __tablename__ = "pay_adjustments"

    driver_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE")
    )
    carrier_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("carriers.id", ondelete="CASCADE")
    )
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    refers_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL")
    )
    applied_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("statements.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(200))


class PayDispute(OrgMixin, Base):
    """A driver's objection to a line of their statement, and how it was settled."""

    __tablename__ = "pay_disputes"
    __table_args__ = (Index("ix_pay_disputes_org_status", "org_id", "status"),)

    statement_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("statements.id", ondelete="CASCADE"))
    driver_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    line_position: Mapped[int | None] = mapped_column()
    comment: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    adjustment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pay_adjustments.id", ondelete="SET NULL")
    )
