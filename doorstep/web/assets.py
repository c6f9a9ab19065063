"""The pages' static files: our CSS and JavaScript, and Leaflet from ``xstatic-leaflet``.

Every file is read once, gzipped once and served from memory under a versioned URL
(``/static/<version>/js/map.js``, the version a hash of all the files), so browsers
may keep it for a year and a new release is fetched at once. Only the files listed
here are served: there is no path on disk to walk.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet as xleaflet

HERE = Path(__file__).parent / "static"
LEAFLET_DIR = Path(xleaflet.BASE_DIR)
LEAFLET_VERSION = str(xleaflet.VERSION)
# Leaflet's minified build and its stylesheet; the page draws its markers itself, so
# Leaflet's marker images are not needed.
LEAFLET_FILES = ("leaflet.js", "leaflet.css")
OWN_SUFFIXES = (".js", ".css", ".svg")
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
YEAR = 365 * 24 * 3600


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def _asset(path: Path) -> Asset:
    body = path.read_bytes()
    kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    return Asset(body, gzip.compress(body, compresslevel=9, mtime=0), kind, etag)


@cache
def assets() -> dict[str, Asset]:
    """Every servable file by its path under the version (``js/track.js``)."""
    found: dict[str, Asset] = {}
    for path in sorted(HERE.rglob("*")):
        if path.is_file() and path.suffix in OWN_SUFFIXES:
            found[path.relative_to(HERE).as_posix()] = _asset(path)
    for name in LEAFLET_FILES:
        found[f"leaflet/{name}"] = _asset(LEAFLET_DIR / name)
    return found


@cache
def version() -> str:
    digest = hashlib.sha256()
    for name, asset in sorted(assets().items()):
        digest.update(name.encode())
        digest.update(asset.etag.encode())
    return digest.hexdigest()[:12]


def url(name: str) -> str:
    """The URL of a static file, for templates: ``url('js/track.js')``."""
    if name not in assets():
        raise KeyError(f"no static file {name!r}")
    return f"/static/{version()}/{name}"
