"""The ETA engine: when each remaining stop will be reached, how sure we are, and
whether it will be late. Pure: no I/O, no clock; time is a parameter."""

from doorstep.eta.calibration import Calibration, ErrorBand
from doorstep.eta.engine import EtaEngine, EtaParams
from doorstep.eta.model import (
    Fix,
    PlannedStop,
    RouteEta,
    RoutePlan,
    ServedRoute,
    ServedStop,
    StopEta,
)
from doorstep.eta.pace import DriverPaces, Pace
from doorstep.eta.publish import ChangeGate, Publication
from doorstep.eta.service_time import ServiceTimes
from doorstep.eta.time_of_day import TimeOfDayFactors

__all__ = [
    "Calibration",
    "ChangeGate",
    "DriverPaces",
    "ErrorBand",
    "EtaEngine",
    "EtaParams",
    "Fix",
    "Pace",
    "PlannedStop",
    "Publication",
    "RouteEta",
    "RoutePlan",
    "ServedRoute",
    "ServedStop",
    "ServiceTimes",
    "StopEta",
    "TimeOfDayFactors",
]
