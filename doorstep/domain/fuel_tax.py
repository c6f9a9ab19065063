"""Fuel tax per jurisdiction, the way IFTA-style returns are filed: each vehicle's
kilometres in each jurisdiction, the fuel it burnt there and the fuel it bought there.

The fuel burnt in a jurisdiction is its kilometres divided by the vehicle's economy over
the period (km per litre). The economy comes from the fuel actually bought when there
is any (``basis="purchases"``: total km / total litres bought, as the returns require)
and otherwise from the logbook's estimate (``basis="estimate"``); with neither it is
unknown and so is the taxable fuel. ``net_taxable`` is the fuel burnt minus the fuel
bought (tax already paid at the pump): positive is owed to that jurisdiction, negative
is a credit. Rates differ by jurisdiction and quarter and are applied by whoever files;
the numbers here are what they are applied to.

Quantities are ``Decimal``: litres to the millilitre, kilometres to the metre, money to
the cent, each rounded half up once at the end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

LITRE = Decimal("0.001")
KM = Decimal("0.001")
CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Driven:
    """Kilometres a vehicle drove in a jurisdiction over the period."""

    vehicle: str
    jurisdiction: str
    km: Decimal


@dataclass(frozen=True, slots=True)
class Bought:
    vehicle: str
    jurisdiction: str
    litres: Decimal
    cost: Decimal


@dataclass(frozen=True, slots=True)
class Economy:
    vehicle: str
    km: Decimal
    litres_bought: Decimal
    estimated_litres: Decimal | None  # the logbook's estimate of fuel used
    km_per_litre: Decimal | None
    basis: str  # purchases, estimate, unknown


@dataclass(frozen=True, slots=True)
class Row:
    vehicle: str
    jurisdiction: str
    km: Decimal
    taxable_litres: Decimal | None
    litres_bought: Decimal
    cost: Decimal
    net_taxable_litres: Decimal | None


def economies(
    driven: Iterable[Driven], bought: Iterable[Bought], estimated: dict[str, Decimal]
) -> dict[str, Economy]:
    """Each vehicle's km per litre over the period. ``estimated`` is the logbook's fuel
    used per vehicle (absent where the vehicle has no consumption set)."""
    km: dict[str, Decimal] = defaultdict(Decimal)
    litres: dict[str, Decimal] = defaultdict(Decimal)
    for d in driven:
        km[d.vehicle] += d.km
    for b in bought:
        litres[b.vehicle] += b.litres
    out: dict[str, Economy] = {}
    for vehicle in sorted(set(km) | set(litres)):
        distance, fuel, guess = km[vehicle], litres[vehicle], estimated.get(vehicle)
        if fuel > 0 and distance > 0:
            per, basis = distance / fuel, "purchases"
        elif guess is not None and guess > 0 and distance > 0:
            per, basis = distance / guess, "estimate"
        else:
            per, basis = None, "unknown"
        out[vehicle] = Economy(
            vehicle,
            distance.quantize(KM, ROUND_HALF_UP),
            fuel.quantize(LITRE, ROUND_HALF_UP),
            None if guess is None else guess.quantize(LITRE, ROUND_HALF_UP),
            None if per is None else per.quantize(Decimal("0.0001"), ROUND_HALF_UP),
            basis,
        )
    return out


def rows(
    driven: Iterable[Driven], bought: Iterable[Bought], economy: dict[str, Economy]
) -> list[Row]:
    """One row per vehicle and jurisdiction where it drove or bought fuel, sorted."""
    km: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    litres: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    cost: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for d in driven:
        km[(d.vehicle, d.jurisdiction)] += d.km
    for b in bought:
        litres[(b.vehicle, b.jurisdiction)] += b.litres
        cost[(b.vehicle, b.jurisdiction)] += b.cost
    out = []
    for key in sorted(set(km) | set(litres)):
        vehicle, jurisdiction = key
        found = economy.get(vehicle)
        per = found.km_per_litre if found is not None else None
        taxable = None if per is None else (km[key] / per).quantize(LITRE, ROUND_HALF_UP)
        bought_here = litres[key].quantize(LITRE, ROUND_HALF_UP)
        out.append(
            Row(
                vehicle,
                jurisdiction,
                km[key].quantize(KM, ROUND_HALF_UP),
                taxable,
                bought_here,
                cost[key].quantize(CENT, ROUND_HALF_UP),
                None if taxable is None else taxable - bought_here,
            )
        )
    return out


def by_jurisdiction(
    table: Iterable[Row],
) -> list[tuple[str, Decimal, Decimal | None, Decimal, Decimal | None]]:
    """The fleet's totals per jurisdiction (km, taxable, bought, net): what a return
    lists. A jurisdiction with any vehicle of unknown economy has no taxable total."""
    km: dict[str, Decimal] = defaultdict(Decimal)
    taxable: dict[str, Decimal | None] = {}
    bought: dict[str, Decimal] = defaultdict(Decimal)
    for r in table:
        km[r.jurisdiction] += r.km
        bought[r.jurisdiction] += r.litres_bought
        before = taxable.get(r.jurisdiction, ZERO)
        taxable[r.jurisdiction] = (
            None if before is None or r.taxable_litres is None else before + r.taxable_litres
        )
    out = []
    for name in sorted(km):
        burnt = taxable[name]
        out.append(
            (name, km[name], burnt, bought[name], None if burnt is None else burnt - bought[name])
        )
    return out
