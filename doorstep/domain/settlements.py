"""Driver pay from proven work: pure pricing of a period's facts by versioned pay rules.

Money is ``Decimal`` in the organisation's currency, never a float. Each line's amount
is its quantity times its rate rounded once, half up, to the cent (``CENT``); a
statement's total is the sum of its rounded lines, so the total always equals the sum
of the lines a driver can check. A day is priced by the rule version in force that day
(the newest whose ``effective_from`` is on or before it); the period's bonuses and
deductions by the version in force on its last day. A version dated after a period
therefore never changes it.

A delivery without proof is priced only when the rule version allows it, and its line
is flagged either way; a failed attempt is paid only with a proof of attempt (a photo
at the door) unless the version allows it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Any

CENT = Decimal("0.01")
ZERO = Decimal("0")


class Metric(StrEnum):
    ON_TIME_RATE = "on_time_rate"  # 0-1, deliveries inside their window
    RATING = "rating"  # mean stars, 1-5
    SAFETY_PER_100KM = "safety_per_100km"  # speeding and harsh events per 100 km
    DELIVERIES = "deliveries"  # delivered stops in the period


@dataclass(frozen=True, slots=True)
class Condition:
    metric: Metric
    at_least: Decimal | None = None
    at_most: Decimal | None = None

    def holds(self, value: Decimal | None) -> bool:
        if value is None:
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        return not (self.at_most is not None and value > self.at_most)


@dataclass(frozen=True, slots=True)
class Extra:
    """A bonus (paid) or a deduction (taken) when its condition holds over the period."""

    name: str
    amount: Decimal  # positive; a deduction subtracts it
    condition: Condition
    deduction: bool = False


@dataclass(frozen=True, slots=True)
class Rates:
    per_stop: Decimal = ZERO
    per_parcel: Decimal = ZERO
    per_failed_attempt: Decimal = ZERO
    per_km: Decimal = ZERO
    per_hour: Decimal = ZERO
    min_per_day: Decimal = ZERO
    extras: tuple[Extra, ...] = ()
    pay_unproven: bool = False  # price deliveries without proof (flagged)


@dataclass(frozen=True, slots=True)
class Version:
    id: str
    effective_from: date
    rates: Rates


@dataclass(frozen=True, slots=True)
class Stop:
    """A finished delivery stop of the driver's."""

    day: date
    stop_id: str
    order_id: str | None
    delivered: bool  # False: a failed attempt
    parcels: int
    proof_ids: tuple[str, ...] = ()
    route_id: str | None = None
    sequence: int = 0  # its place in the route: lines follow the day's order


@dataclass(frozen=True, slots=True)
class Day:
    """What the logbook measured of the driver's day."""

    day: date
    km: Decimal
    hours: Decimal
    vehicle: str = ""


@dataclass(frozen=True, slots=True)
class Facts:
    stops: tuple[Stop, ...] = ()
    days: tuple[Day, ...] = ()
    metrics: dict[Metric, Decimal | None] = field(default_factory=dict)


@dataclass(slots=True)  # not frozen: a month of a fleet makes 170k of them
class Line:
    day: date | None
    kind: str  # stop, parcel, failed_attempt, km, hour, minimum, bonus, deduction
    description: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    version_id: str | None
    evidence: dict[str, Any] = field(default_factory=dict)
    flag: str | None = None


class NoRule(ValueError):
    """A day the organisation has no pay rule for."""


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@lru_cache(maxsize=4096)
def _amount(quantity: Decimal, rate: Decimal) -> Decimal:
    """Quantity times rate, in cents: most lines repeat a handful of these."""
    return money(quantity * rate)


def in_force(versions: Sequence[Version], day: date) -> Version | None:
    fitting = [v for v in versions if v.effective_from <= day]
    return max(fitting, key=lambda v: v.effective_from) if fitting else None


def _line(
    day: date | None,
    kind: str,
    description: str,
    quantity: Decimal,
    rate: Decimal,
    version: Version,
    evidence: dict[str, Any] | None = None,
    flag: str | None = None,
    sign: int = 1,
) -> Line:
    return Line(
        day,
        kind,
        description,
        quantity,
        rate,
        _amount(quantity, rate) * sign,
        version.id,
        evidence or {},
        flag,
    )


def price(
    facts: Facts,
    versions: Sequence[Version],
    start: date,
    end: date,
    fallback: Sequence[Version] = (),
) -> list[Line]:
    """Every line of the period, day by day, then the period's bonuses and deductions.
    ``versions`` are the driver's own; on a day none of them is in force, ``fallback``
    (the organisation's) prices it. Days with no version at all are an error
    (``NoRule``), not unpaid work."""
    return _price_days(facts, versions, start, end, fallback) + _extras(
        facts.metrics, versions, end, fallback
    )


def price_carrier(
    drivers: Sequence[tuple[str, Facts]],
    metrics: dict[Metric, Decimal | None],
    versions: Sequence[Version],
    start: date,
    end: date,
    fallback: Sequence[Version] = (),
) -> list[Line]:
    """A subcontracted carrier's period: each of its drivers' work priced at the
    carrier's rates (a daily minimum per driver and day), every line naming the driver,
    then the bonuses and deductions on the carrier's figures over all its drivers."""
    lines: list[Line] = []
    for name, facts in sorted(drivers, key=lambda d: d[0]):
        for line in _price_days(facts, versions, start, end, fallback):
            evidence = {**line.evidence, "driver": name}
            lines.append(
                Line(
                    line.day,
                    line.kind,
                    f"{name}: {line.description}",
                    line.quantity,
                    line.rate,
                    line.amount,
                    line.version_id,
                    evidence,
                    line.flag,
                )
            )
    lines.sort(key=lambda line: line.day or end)  # stable: by day, drivers by name within it
    lines.extend(_extras(metrics, versions, end, fallback))
    return lines


def _price_days(
    facts: Facts,
    versions: Sequence[Version],
    start: date,
    end: date,
    fallback: Sequence[Version],
) -> list[Line]:
    lines: list[Line] = []
    days = sorted({s.day for s in facts.stops} | {d.day for d in facts.days})
    stops_by_day: dict[date, list[Stop]] = {}
    for s in facts.stops:
        stops_by_day.setdefault(s.day, []).append(s)
    logbook = {d.day: d for d in facts.days}
    for day in days:
        if not start <= day <= end:
            continue
        version = in_force(versions, day) or in_force(fallback, day)
        if version is None:
            raise NoRule(f"no pay rule is in force on {day}")
        lines.extend(_price_day(day, stops_by_day.get(day, []), logbook.get(day), version))
    return lines


def _extras(
    metrics: dict[Metric, Decimal | None],
    versions: Sequence[Version],
    end: date,
    fallback: Sequence[Version],
) -> list[Line]:
    lines: list[Line] = []
    closing = in_force(versions, end) or in_force(fallback, end)
    if closing is not None:
        for extra in closing.rates.extras:
            value = metrics.get(extra.condition.metric)
            if extra.condition.holds(value):
                lines.append(
                    _line(
                        None,
                        "deduction" if extra.deduction else "bonus",
                        f"{extra.name} ({extra.condition.metric.value} = {value})",
                        Decimal(1),
                        extra.amount,
                        closing,
                        {"metric": extra.condition.metric.value, "value": str(value)},
                        sign=-1 if extra.deduction else 1,
                    )
                )
    return lines


def _price_day(day: date, stops: Iterable[Stop], work: Day | None, version: Version) -> list[Line]:
    rates = version.rates
    lines: list[Line] = []
    parcels, parcel_stops = 0, []
    for s in sorted(stops, key=lambda s: (s.route_id or "", s.sequence, s.stop_id)):
        evidence: dict[str, Any] = {
            "stop_id": s.stop_id,
            "order_id": s.order_id,
            "route_id": s.route_id,
            "proof_ids": list(s.proof_ids),
        }
        proven = bool(s.proof_ids)
        if s.delivered:
            flag = None if proven else "delivered without proof"
            paid = proven or rates.pay_unproven
            qty = Decimal(1) if paid else ZERO
            note = "" if paid else " (not priced: no proof)"
            lines.append(
                _line(day, "stop", f"Delivery{note}", qty, rates.per_stop, version, evidence, flag)
            )
            if paid:
                parcels += s.parcels
                parcel_stops.append(s.stop_id)
        else:
            paid = proven or rates.pay_unproven
            flag = None if proven else "attempt without proof"
            lines.append(
                _line(
                    day,
                    "failed_attempt",
                    "Failed attempt" + ("" if paid else " (not priced: no proof of attempt)"),
                    Decimal(1) if paid else ZERO,
                    rates.per_failed_attempt,
                    version,
                    evidence,
                    flag,
                )
            )
    if rates.per_parcel and parcels:
        lines.append(
            _line(
                day,
                "parcel",
                f"{parcels} parcel(s) delivered",
                Decimal(parcels),
                rates.per_parcel,
                version,
                {"stop_ids": parcel_stops},
            )
        )
    if work is not None:
        evidence = {"logbook_date": day.isoformat(), "vehicle": work.vehicle}  # the trip log
        if rates.per_km:
            lines.append(
                _line(day, "km", "Kilometres driven", work.km, rates.per_km, version, evidence)
            )
        if rates.per_hour:
            lines.append(
                _line(day, "hour", "Hours on duty", work.hours, rates.per_hour, version, evidence)
            )
    earned = sum((line.amount for line in lines), ZERO)
    if rates.min_per_day and (lines or work is not None) and earned < rates.min_per_day:
        lines.append(
            _line(
                day,
                "minimum",
                f"Top-up to the day's minimum of {rates.min_per_day}",
                Decimal(1),
                rates.min_per_day - earned,
                version,
                {"earned": str(earned)},
            )
        )
    return lines


def total(lines: Iterable[Line]) -> Decimal:
    return sum((line.amount for line in lines), ZERO)
