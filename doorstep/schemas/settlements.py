"""Pay rules, settlement statements and adjustments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import Field, StringConstraints, field_validator, model_validator

from doorstep.domain.settlements import Metric
from doorstep.schemas.common import Day, Input, Output, Timestamp

Amount = Annotated[Decimal, Field(max_digits=12, decimal_places=4, le=Decimal("100000"))]
RATE_FIELDS = ("per_stop", "per_parcel", "per_failed_attempt", "per_km", "per_hour", "min_per_day")


class ExtraIn(Input):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
    metric: Metric
    at_least: Decimal | None = None
    at_most: Decimal | None = None
    deduction: bool = Field(False, description="Taken from the pay instead of added.")

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least or at_most: when does it apply?")
        return self


class RatesIn(Input):
    per_stop: Amount = Decimal(0)
    per_parcel: Amount = Decimal(0)
    per_failed_attempt: Amount = Decimal(0)
    per_km: Amount = Decimal(0)
    per_hour: Amount = Decimal(0)
    min_per_day: Amount = Decimal(0)
    extras: list[ExtraIn] = Field(default_factory=list, max_length=20)
    pay_unproven: bool = Field(
        False, description="Price a delivery without proof (its line is flagged anyway)."
    )

    @field_validator(*RATE_FIELDS)
    @classmethod
    def _not_negative(cls, value: Decimal) -> Decimal:
        if value < 0:
            raise ValueError(
                "cannot be negative: money taken from a driver is a deduction "
                "(extras with deduction: true), not a negative rate"
            )
        return value


class PayRuleCreate(Input):
    driver_id: uuid.UUID | None = Field(
        None, description="Omitted (and no carrier): the organisation's default."
    )
    carrier_id: uuid.UUID | None = Field(
        None, description="A carrier's rates, for all its drivers' work."
    )
    effective_from: Day
    rates: RatesIn
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""

    @model_validator(mode="after")
    def _one_payee(self) -> Self:
        if self.driver_id is not None and self.carrier_id is not None:
            raise ValueError("a version is a driver's or a carrier's: give one of them")
        return self


class PayRulePublic(Output):
    id: uuid.UUID
    driver_id: uuid.UUID | None
    carrier_id: uuid.UUID | None
    effective_from: dt.date
    rates: dict[str, Any]
    note: str
    created_by: str
    created_at: Timestamp


class SettleRequest(Input):
    driver_id: uuid.UUID | None = None
    carrier_id: uuid.UUID | None = Field(None, description="Instead of driver_id.")
    period_start: Day
    period_end: Day

    @model_validator(mode="after")
    def _one_payee(self) -> Self:
        if (self.driver_id is None) == (self.carrier_id is None):
            raise ValueError("settle a driver (driver_id) or a carrier (carrier_id): one of them")
        return self


class SettleAll(Input):
    period_start: Day
    period_end: Day


class SettledAll(Output):
    statements: int
    drafts: int
    frozen: int
    total: Decimal
    computed_ms: float


class StatementLinePublic(Output):
    position: int
    day: dt.date | None
    kind: str
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    version_id: uuid.UUID | None
    evidence: dict[str, Any]
    flag: str | None


class StatementPublic(Output):
    id: uuid.UUID
    driver_id: uuid.UUID | None
    carrier_id: uuid.UUID | None = None
    period_start: dt.date
    period_end: dt.date
    status: Literal["draft", "approved", "paid"]
    currency: str
    total: Decimal
    computed_at: Timestamp
    approved_at: Timestamp | None
    approved_by: str | None
    paid_at: Timestamp | None
    paid_by: str | None
    lines: list[StatementLinePublic] = Field(default_factory=list)


class AdjustmentCreate(Input):
    amount: Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
    # Carried to the next statement as the line "Adjustment: <reason>", 500 characters.
    reason: Annotated[str, Field(min_length=1, max_length=480)]

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, value: Decimal) -> Decimal:
        if value == 0:
            raise ValueError("an adjustment of 0 changes nothing")
        return value


class AdjustmentPublic(Output):
    id: uuid.UUID
    driver_id: uuid.UUID | None
    carrier_id: uuid.UUID | None = None
    amount: Decimal
    reason: str
    refers_to: uuid.UUID | None
    applied_to: uuid.UUID | None
    created_by: str
    created_at: Timestamp


class DisputeCreate(Input):
    line: int | None = Field(None, ge=0, description="The line's position; omitted: the whole.")
    comment: Annotated[str, Field(min_length=1, max_length=2000)]


class DisputeResolve(Input):
    accepted: bool
    resolution: Annotated[str, Field(min_length=1, max_length=2000)]
    amount: Annotated[Decimal, Field(max_digits=12, decimal_places=2)] | None = Field(
        None, description="Accepted: what the driver is owed (or owes); an adjustment line."
    )

    @model_validator(mode="after")
    def _amount_with_acceptance(self) -> Self:
        if self.amount is not None and not self.accepted:
            raise ValueError("a refused dispute pays nothing: leave amount out")
        if self.amount == 0:
            raise ValueError("an amount of 0 changes nothing: leave it out")
        return self


class DisputePublic(Output):
    id: uuid.UUID
    statement_id: uuid.UUID
    driver_id: uuid.UUID
    line_position: int | None
    comment: str
    status: Literal["open", "accepted", "refused"]
    resolution: str | None
    resolved_by: str | None
    resolved_at: Timestamp | None
    adjustment_id: uuid.UUID | None
    created_at: Timestamp
    line: StatementLinePublic | None = None


class Earnings(Output):
    day: dt.date
    total: Decimal
    currency: str
    lines: list[StatementLinePublic]
    note: str = Field(description="Earnings so far are an estimate until the statement.")
