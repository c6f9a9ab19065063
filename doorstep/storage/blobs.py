"""Where proof files' bytes live: content-addressed, so the same bytes are one file and
a stored file's name is its own checksum. The local file system (under the data dir)
by default; anything with ``put``/``get`` can stand in (an S3-compatible store)."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Protocol


class BlobStore(Protocol):
    def put(self, data: bytes, extension: str) -> str: ...

    def get(self, key: str) -> bytes: ...


class BlobMissing(LookupError):
    pass


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        name = Path(key).name  # keys are ours, but never follow a path out of the root
        if name != key or not name or name.startswith("."):
            raise BlobMissing(key)
        return self.root / name[:2] / name

    def put(self, data: bytes, extension: str) -> str:
        """Store the bytes (atomically: a crash leaves no half file); their key."""
        key = f"{hashlib.sha256(data).hexdigest()}.{extension}"
        path = self._path(key)
        if path.exists():
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None
