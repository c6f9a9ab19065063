"""The parsed-graph cache: reused across restarts, refreshed when the PBF changes."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from doorstep.roads.graph import RoadGraph
from doorstep.roads.graph_cache import SUFFIX, cache_key, folder_writable, load_graph


@pytest.fixture
def monaco_copy(tmp_path, osm_dir):
    folder = tmp_path / "maps"
    folder.mkdir()
    return Path(shutil.copy(osm_dir / "monaco.osm.pbf", folder / "monaco.osm.pbf"))


def test_the_first_load_writes_a_cache_beside_the_pbf_and_the_second_reads_it(monaco_copy):
    pbf = monaco_copy
    cache = pbf.with_name(pbf.name + SUFFIX)
    start = time.perf_counter()
    first = load_graph(pbf)
    parse_s = time.perf_counter() - start
    assert cache.is_file()
    written = cache.stat().st_mtime_ns
    start = time.perf_counter()
    second = load_graph(pbf)
    load_s = time.perf_counter() - start
    assert cache.stat().st_mtime_ns == written  # read, not rewritten
    assert np.array_equal(first.seconds, second.seconds)
    assert load_s < parse_s


def test_a_changed_pbf_is_parsed_again(monaco_copy, tmp_path):
    pbf = monaco_copy
    load_graph(pbf)
    key = cache_key(pbf)
    os.utime(pbf, ns=(time.time_ns(), time.time_ns() + 10**9))
    assert cache_key(pbf) != key
    load_graph(pbf)
    _, meta = RoadGraph.load(pbf.with_name(pbf.name + SUFFIX))
    assert meta["key"] == cache_key(pbf)


def test_a_corrupt_cache_is_ignored_and_rewritten(monaco_copy):
    pbf = monaco_copy
    cache = pbf.with_name(pbf.name + SUFFIX)
    cache.write_bytes(b"not an npz")
    graph = load_graph(pbf)
    assert graph.node_count > 0 and cache.stat().st_size > 1000


def test_a_read_only_folder_sends_the_cache_to_the_cache_dir(osm_dir, tmp_path):
    # /work/shared is read-only by its permissions: nothing may be written beside it.
    assert not folder_writable(osm_dir)
    before = sorted(p.name for p in osm_dir.iterdir())
    load_graph(osm_dir / "monaco.osm.pbf", cache_dir=tmp_path / "cache")
    assert sorted(p.name for p in osm_dir.iterdir()) == before
    assert len(list((tmp_path / "cache").glob(f"monaco.osm.pbf-*{SUFFIX}"))) == 1


def test_beside_false_keeps_the_cache_out_of_the_pbf_folder(monaco_copy, tmp_path):
    pbf = monaco_copy
    load_graph(pbf, cache_dir=tmp_path / "cache", beside=False)
    assert not pbf.with_name(pbf.name + SUFFIX).exists()
    assert list((tmp_path / "cache").iterdir())
