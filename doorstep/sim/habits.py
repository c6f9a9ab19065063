"""Lasting traits: each driver's pace, each customer's speed at the door and how often
they are out. Drawn from the *scenario's* seed and the key alone, so the same driver
or customer behaves alike on every simulated day: something an ETA engine can learn."""

from __future__ import annotations

from doorstep.sim.randomness import lognormal, mean_one, stream
from doorstep.sim.scenario import Scenario

PACE_RANGE = (0.6, 1.4)


class Habits:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._customers: dict[str, tuple[float, float]] = {}
        self._drivers: dict[str, float] = {}

    def driver_pace(self, driver_key: str) -> float:
        """Speed factor ~ N(1, speed_sigma): 1.1 drives 10 % faster than traffic."""
        if driver_key not in self._drivers:
            rng = stream(self.scenario.seed, "driver", driver_key)
            pace = rng.gauss(1.0, self.scenario.drivers.speed_sigma)
            self._drivers[driver_key] = min(max(pace, PACE_RANGE[0]), PACE_RANGE[1])
        return self._drivers[driver_key]

    def customer(self, customer_key: str) -> tuple[float, float]:
        """``(service factor, failure propensity)``: a median-1 lognormal multiplier of
        the service time, and a mean-1 lognormal multiplier of the failure rate."""
        if customer_key not in self._customers:
            rng = stream(self.scenario.seed, "customer", customer_key)
            factor = lognormal(rng, 1.0, self.scenario.service.customer_sigma)
            propensity = mean_one(rng, self.scenario.failures.customer_sigma)
            self._customers[customer_key] = (factor, propensity)
        return self._customers[customer_key]
