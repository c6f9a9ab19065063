"""Fuel used and CO2 emitted, from distance driven and time spent idling.

A logbook knows how far a vehicle drove and how long it idled, not how much fuel went
into the tank, so fuel is *estimated* from the vehicle's rated consumption:

    fuel  = distance_km × consumption_per_100km / 100  +  idle_hours × idle_per_hour
    CO2   = fuel × co2_per_unit

Units follow how each fuel is sold: litres (diesel, petrol, LPG, hybrid), kilograms
(CNG, hydrogen), kilowatt-hours (electric, taken from the grid). ``consumption_per_100km``
is in that unit (the vehicle form says "litres, kWh for electric"; CNG and hydrogen vans
are rated in kg/100 km).

CO2 factors are tank-to-wheel (what the exhaust emits when the fuel burns, from its
carbon content), kg CO2 per unit, the conventional values the EEA, DEFRA and Natural
Resources Canada fuel guides publish for fossil fuels without a bio blend:

- diesel 2.68 kg/l, petrol 2.31 kg/l, LPG 1.51 kg/l;
- CNG 2.75 kg/kg: methane burns as CH4 + 2 O2 -> CO2 + 2 H2O, 44/16 = 2.75 kg of CO2
  per kg (pipeline gas is over 90 % methane, so this is a slight overestimate);
- hybrid: petrol's factor (its fuel is petrol, its consumption already counts the
  electric help);
- hydrogen 0: water is the only exhaust (how the hydrogen was made is upstream and
  out of scope, like the refinery for diesel);
- electric: kWh × the grid's factor, ``DEFAULT_GRID_KG_PER_KWH`` 0.1 kg/kWh unless the
  caller passes its own. 0.1 is about the Finnish and Nordic grid average of recent
  years; the EU-27 average is about 0.25 and a coal-heavy grid 0.7, so an organisation
  elsewhere should pass its own. The tailpipe emits nothing; counting the grid makes
  electric vans comparable with combustion ones instead of flattering them with 0.

Biofuel blends (B7 diesel, E10 petrol) lower the real figure by a few per cent; the
factors above are the fossil values, so reports err on the high side.

Idle consumption (``idle_per_hour``, per unit of the fuel per hour, engine running,
vehicle still) is an assumption per fuel type for a delivery van, used only when the
caller has no figure of its own: diesel 0.8 l/h and petrol 1.0 l/h (the range the US
DOE/Argonne idle studies give for light commercial vehicles with a 2-3 litre engine),
LPG 1.2 l/h (petrol's energy, LPG holds about 25 % less per litre), CNG 0.6 kg/h, a
petrol hybrid 0.3 l/h (its engine mostly stops at a standstill), electric 0 kWh/h and
hydrogen 0 kg/h (nothing turns while standing; cabin heating and refrigeration are not
counted). Vehicles without fuel (``none``: bikes, on foot) use and emit nothing.

Unknown is reported as unknown (``None``), never guessed: without the vehicle's
consumption there is no fuel figure and no CO2, because a made-up number in a fuel-tax
or emissions report is worse than a gap the operator can see and fill in.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

Unit = Literal["l", "kg", "kWh"]

DEFAULT_GRID_KG_PER_KWH = 0.1
"""kg CO2 per kWh of grid electricity; about the Finnish/Nordic average (see above)."""


@dataclass(frozen=True, slots=True)
class FuelFactors:
    unit: Unit
    co2_kg_per_unit: float | None  # None: depends on the grid (electric)
    idle_per_hour: float  # units per hour of idling


FACTORS: MappingProxyType[str, FuelFactors] = MappingProxyType(
    {
        "diesel": FuelFactors("l", 2.68, 0.8),
        "petrol": FuelFactors("l", 2.31, 1.0),
        "lpg": FuelFactors("l", 1.51, 1.2),
        "cng": FuelFactors("kg", 2.75, 0.6),
        "hybrid": FuelFactors("l", 2.31, 0.3),
        "hydrogen": FuelFactors("kg", 0.0, 0.0),
        "electric": FuelFactors("kWh", None, 0.0),
    }
)
NO_FUEL = "none"


@dataclass(frozen=True, slots=True)
class FuelUse:
    """An estimate; every figure is None when it cannot be known."""

    unit: Unit | None
    driving: float | None  # units used while driving
    idling: float | None  # units used while idling
    co2_kg: float | None

    @property
    def total(self) -> float | None:
        if self.driving is None or self.idling is None:
            return None
        return self.driving + self.idling


UNKNOWN = FuelUse(None, None, None, None)
NOTHING = FuelUse(None, 0.0, 0.0, 0.0)


def fuel_use(
    fuel_type: str,
    distance_m: float,
    idle_seconds: float,
    consumption_per_100km: float | None,
    *,
    idle_per_hour: float | None = None,
    grid_kg_per_kwh: float = DEFAULT_GRID_KG_PER_KWH,
) -> FuelUse:
    """Fuel and CO2 for ``distance_m`` driven and ``idle_seconds`` idled.

    ``idle_per_hour`` overrides the fuel type's default idle rate. An unknown fuel type
    or a missing consumption gives ``UNKNOWN``; a vehicle without fuel ``NOTHING``.
    """
    if distance_m < 0 or idle_seconds < 0:
        raise ValueError("distance and idle time cannot be negative")
    if fuel_type == NO_FUEL:
        return NOTHING
    factors = FACTORS.get(fuel_type)
    if factors is None or consumption_per_100km is None:
        return FuelUse(factors.unit if factors else None, None, None, None)
    rate = factors.idle_per_hour if idle_per_hour is None else idle_per_hour
    driving = distance_m / 1000.0 * consumption_per_100km / 100.0
    idling = idle_seconds / 3600.0 * rate
    per_unit = grid_kg_per_kwh if factors.co2_kg_per_unit is None else factors.co2_kg_per_unit
    return FuelUse(factors.unit, driving, idling, (driving + idling) * per_unit)


def co2_factor(fuel_type: str, grid_kg_per_kwh: float = DEFAULT_GRID_KG_PER_KWH) -> float | None:
    """kg CO2 per unit of this fuel; None for a fuel type nobody knows."""
    if fuel_type == NO_FUEL:
        return 0.0
    factors = FACTORS.get(fuel_type)
    if factors is None:
        return None
    return grid_kg_per_kwh if factors.co2_kg_per_unit is None else factors.co2_kg_per_unit
