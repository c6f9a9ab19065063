"""Proof files' stores: the data dir (atomic, content-addressed) and an S3-compatible
bucket, the latter against moto's S3 server over real HTTP."""

from __future__ import annotations

import hashlib
import io
import socket
from collections.abc import Iterator

import pytest
from PIL import Image

from doorstep.storage.blobs import BlobMissing, LocalBlobStore, S3BlobStore
from tests.conftest import auth, create_order

boto3 = pytest.importorskip("boto3")
moto_server = pytest.importorskip("moto.server")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    port = _port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket="proofs")
    yield f"s3://test:test@proofs/doorstep?endpoint={endpoint}"
    server.stop()


def test_the_local_store_is_content_addressed_and_refuses_paths(tmp_path):
    store = LocalBlobStore(tmp_path)
    key = store.put(b"signature bytes", "png")
    assert key == hashlib.sha256(b"signature bytes").hexdigest() + ".png"
    assert store.put(b"signature bytes", "png") == key  # the same bytes, one file
    assert store.get(key) == b"signature bytes"
    assert not list(tmp_path.rglob(".tmp-*"))
    with pytest.raises(BlobMissing):
        store.get("../../etc/passwd")
    with pytest.raises(BlobMissing):
        store.get("0" * 64 + ".png")


def test_the_s3_store_round_trips_through_a_real_s3_server(s3_url):
    store = S3BlobStore(s3_url)
    key = store.put(b"\x89PNG fake", "png")
    assert store.get(key) == b"\x89PNG fake"
    with pytest.raises(BlobMissing):
        store.get("f" * 64 + ".jpg")
    with pytest.raises(ValueError, match="s3://bucket"):
        S3BlobStore("http://not-s3/")


def test_proof_files_go_to_the_bucket_when_configured(client, org_a, db, s3_url):
    store = S3BlobStore(s3_url)
    db.use_blobs(store)
    try:
        order = create_order(client, org_a.admin)
        route = client.post(
            "/api/v1/routes",
            json={"name": "R", "date": "2026-11-27", "stops": [{"order_id": order["id"]}]},
            headers=auth(org_a.dispatcher),
        ).json()
        picture = io.BytesIO()
        Image.new("RGB", (64, 48), (200, 100, 50)).save(picture, "JPEG")
        uploaded = client.post(
            f"/api/v1/routes/{route['id']}/stops/{route['stops'][0]['id']}/proofs",
            data={"kind": "photo"},
            files={"file": ("door.jpg", picture.getvalue(), "image/jpeg")},
            headers=auth(org_a.dispatcher),
        )
        assert uploaded.status_code == 201, uploaded.text
        proof = uploaded.json()
        assert hashlib.sha256(store.get(f"{proof['sha256']}.jpg")).hexdigest() == proof["sha256"]
        served = client.get(f"/api/v1/proofs/{proof['id']}/file", headers=auth(org_a.admin))
        assert served.status_code == 200
        assert hashlib.sha256(served.content).hexdigest() == proof["sha256"]
    finally:
        db.use_blobs(None)
