"""Road network and travel times. Pure computation on arrays; reading a PBF or an HTTP
call to OSRM happens only in the providers that need it.

Modules: ``base`` (the interface), ``tagging`` (OSM tag rules and default speeds),
``graph`` (CSR arrays, largest strongly connected component), ``osm_parse`` (PBF ->
graph), ``graph_cache`` (on-disk cache), ``snapping`` (points onto roads),
``snap_bound`` (refusing far points), ``shortest_paths`` (Dijkstra matrices and
routes), ``speed_profile`` (hour-of-week speeds), ``embedded`` / ``osrm`` /
``straight_line`` (the providers), ``synthetic`` (generated cities), ``helsinki`` (the
bundled default network), ``factory`` (``build_provider``), ``bench`` (figures for
``doorstep bench``).
"""

from doorstep.roads.base import (
    Matrix,
    RoadsUnavailable,
    RoutePath,
    Snapped,
    TravelTimeProvider,
)
from doorstep.roads.snap_bound import MAX_SNAP_M, SnapTooFar, require_near

__all__ = [
    "MAX_SNAP_M",
    "Matrix",
    "RoadsUnavailable",
    "RoutePath",
    "SnapTooFar",
    "Snapped",
    "TravelTimeProvider",
    "require_near",
]
