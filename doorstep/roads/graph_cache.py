"""Keep a parsed network on disk so a restart loads arrays instead of re-reading the PBF.

The cache is an uncompressed ``.npz`` named ``<pbf name>.doorstep-graph-v2.npz``, next
to the PBF when that folder is writable (a folder with no write permission bit counts
as read-only, even for root), else in ``cache_dir`` (named with a hash of
the PBF's absolute path so two networks never share a file). Inside, a key records the
format version and the PBF's size, modification time and the SHA-256 of its first MiB:
any change to the PBF (or to the parsing rules, which bumps ``FORMAT_VERSION``) makes
the key differ and the file is parsed again. A cache that cannot be read is ignored
and rewritten; a cache that cannot be written only costs the next start a parse.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

from doorstep.roads.base import RoadsUnavailable
from doorstep.roads.graph import RoadGraph
from doorstep.roads.osm_parse import parse_pbf

FORMAT_VERSION = 2  # 2: edges carry their legal limit (``limit_kmh``)
SUFFIX = f".doorstep-graph-v{FORMAT_VERSION}.npz"
HEAD_BYTES = 1 << 20

log = logging.getLogger(__name__)


def cache_key(pbf: Path) -> str:
    """Changes whenever the PBF (size, mtime, first MiB) or the format version does."""
    stat = pbf.stat()
    with pbf.open("rb") as handle:
        head = hashlib.sha256(handle.read(HEAD_BYTES)).hexdigest()
    return f"v{FORMAT_VERSION}:{stat.st_size}:{stat.st_mtime_ns}:{head}"


def folder_writable(folder: Path) -> bool:
    """Writable by us AND not marked read-only: a folder without any write permission
    bit is left alone even by root, who could write there regardless."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return False
    return bool(mode & 0o222) and os.access(folder, os.W_OK)


def cache_paths(pbf: Path, cache_dir: Path | None, beside: bool = True) -> list[Path]:
    """Where the cache may live, in order of preference."""
    paths = []
    if beside and folder_writable(pbf.parent):
        paths.append(pbf.with_name(pbf.name + SUFFIX))
    if cache_dir is not None:
        tag = hashlib.sha256(str(pbf.resolve()).encode()).hexdigest()[:12]
        paths.append(cache_dir / f"{pbf.name}-{tag}{SUFFIX}")
    return paths


def read_cached(path: Path, key: str) -> RoadGraph | None:
    """The graph in ``path`` if it exists and was made from the same PBF, else ``None``."""
    if not path.is_file():
        return None
    try:
        graph, meta = RoadGraph.load(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable road cache %s: %s", path, exc)
        return None
    return graph if meta.get("key") == key else None


def write_cached(path: Path, graph: RoadGraph, key: str) -> bool:
    """Write atomically (temp file, then rename); ``False`` when the folder refuses."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        os.close(fd)
    except OSError:
        return False
    try:
        graph.save(Path(temp), key=key)
        os.replace(temp, path)
    except OSError:
        Path(temp).unlink(missing_ok=True)
        return False
    return True


def load_graph(pbf: Path, cache_dir: Path | None = None, beside: bool = True) -> RoadGraph:
    """The network of ``pbf``, from the cache when it is current, else parsed and cached.

    ``beside=False`` keeps the cache out of the PBF's folder (for files that ship inside
    an installed package). Raises :class:`RoadsUnavailable` when the PBF cannot be used.
    """
    try:
        key = cache_key(pbf)
    except OSError as exc:
        raise RoadsUnavailable(f"road network {pbf}: {exc.strerror or exc}") from None
    candidates = cache_paths(pbf, cache_dir, beside)
    for path in candidates:
        graph = read_cached(path, key)
        if graph is not None:
            return graph
    graph = parse_pbf(pbf)
    for path in candidates:
        if write_cached(path, graph, key):
            break
    else:
        log.warning("could not write a road cache for %s (tried %s)", pbf, candidates)
    return graph
