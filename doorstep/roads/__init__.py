"""Road network and travel times. Pure computation on arrays; reading a PBF or an HTTP
call to OSRM happens only in the providers that need it."""

from doorstep.roads.base import (
    Matrix,
    RoadsUnavailable,
    RoutePath,
    Snapped,
    TravelTimeProvider,
)

__all__ = ["Matrix", "RoadsUnavailable", "RoutePath", "Snapped", "TravelTimeProvider"]
