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


class S3BlobStore:
    """An S3-compatible bucket (AWS, MinIO, Ceph…): ``s3://bucket/prefix?endpoint=…``.

    Credentials come from the URL's user:password or the usual AWS environment. Keys are
    the same content addresses as on disk, so a store can move between the two.
    """

    def __init__(self, url: str) -> None:
        from urllib.parse import parse_qs, unquote, urlsplit

        import boto3  # an optional dependency: pip install 'doorstep[s3]'

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.hostname:
            raise ValueError(
                f"a blob store URL looks like s3://bucket/prefix?endpoint=…, not {url!r}"
            )
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.bucket = parts.hostname
        self.prefix = parts.path.strip("/") + "/" if parts.path.strip("/") else ""
        self._client = boto3.client(
            "s3",
            endpoint_url=query.get("endpoint"),
            region_name=query.get("region", "us-east-1"),
            aws_access_key_id=unquote(parts.username) if parts.username else None,
            aws_secret_access_key=unquote(parts.password) if parts.password else None,
        )

    def put(self, data: bytes, extension: str) -> str:
        key = f"{hashlib.sha256(data).hexdigest()}.{extension}"
        self._client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)
        return key

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            answer = self._client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BlobMissing(key) from None
            raise
        return bytes(answer["Body"].read())


def blob_store(url: str | None, data_dir: Path) -> BlobStore:
    """The configured store: ``DOORSTEP_BLOB_URL`` (s3://…), else the data dir."""
    if url:
        return S3BlobStore(url)
    return LocalBlobStore(data_dir / "blobs")
