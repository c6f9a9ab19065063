"""Electronic proof of delivery through the API: a signature and a photo uploaded,
re-encoded without the camera's metadata, checksummed, required by the organisation,
shown to the recipient, and refused with a clear reason when they are not proof."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image, ImageDraw

from tests.conftest import auth, create_order, load_van

API = "/api/v1"


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (3000, 2000), (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (60.0, 10.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def signature_png(strokes: bool = True) -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if strokes:
        ImageDraw.Draw(image).line([(20, 150), (200, 40), (400, 160)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def stop(client, org_a):
    order = create_order(client, org_a.admin)
    route = client.post(
        f"{API}/routes",
        json={
            "name": "R",
            "date": "2026-11-27",
            "driver_id": str(org_a.driver_id),
            "stops": [{"order_id": order["id"]}],
        },
        headers=auth(org_a.dispatcher),
    ).json()
    load_van(client, org_a, route["id"])
    client.post(f"{API}/routes/{route['id']}/start", headers=auth(org_a.driver))
    return route["id"], route["stops"][0]["id"], order


def upload(client, org, stop, kind, data, name="file.bin", **form):
    route_id, stop_id, _ = stop
    return client.post(
        f"{API}/routes/{route_id}/stops/{stop_id}/proofs",
        data={"kind": kind, **form},
        files={"file": (name, data, "application/octet-stream")},
        headers=auth(org.driver),
    )


def complete(client, org, stop, **body):
    route_id, stop_id, _ = stop
    return client.post(
        f"{API}/routes/{route_id}/stops/{stop_id}/complete",
        json={"outcome": "delivered", **body},
        headers=auth(org.driver),
    )


def test_a_photo_is_reencoded_without_metadata_and_checksummed(client, org_a, stop):
    response = upload(
        client, org_a, stop, "photo", jpeg_with_gps(), "door.jpg", lat="60.17", lon="24.94"
    )
    assert response.status_code == 201, response.text
    proof = response.json()
    assert proof["kind"] == "photo" and proof["content_type"] == "image/jpeg"
    assert max(proof["width"], proof["height"]) == 2048
    stored = client.get(f"{API}/proofs/{proof['id']}/file", headers=auth(org_a.admin))
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(stored.content).hexdigest() == proof["sha256"]
    assert stored.headers["etag"] == f'"{proof["sha256"]}"'
    assert not Image.open(io.BytesIO(stored.content)).getexif()  # no GPS, no maker
    assert (proof["lat"], proof["lon"]) == (60.17, 24.94)


def test_delivery_with_proof_reaches_the_recipients_page(client, org_a, stop):
    client.put(
        f"{API}/organisation/proof-settings",
        json={"require_signature": True, "require_photo": True},
        headers=auth(org_a.admin),
    )
    photo = upload(client, org_a, stop, "photo", jpeg_with_gps()).json()
    refused = complete(client, org_a, stop, proof_ids=[photo["id"]])
    assert refused.status_code == 409 and "a signature" in refused.json()["detail"]
    sign = upload(client, org_a, stop, "signature", signature_png()).json()
    done = complete(client, org_a, stop, proof_ids=[photo["id"], sign["id"]], received_by="Ann")
    assert done.status_code == 200, done.text
    code = stop[2]["tracking_code"]
    view = client.get(f"{API}/track/{code}").json()
    assert view["proof"]["recipient_name"] == "Ann"
    url = view["proof"]["photo_url"]
    assert url == f"{API}/track/{code}/proof/{photo['id']}"
    shown = client.get(url)
    assert shown.status_code == 200 and hashlib.sha256(shown.content).hexdigest() == photo["sha256"]
    listed = client.get(f"{API}/orders/{stop[2]['id']}/proofs", headers=auth(org_a.viewer)).json()
    assert {p["kind"] for p in listed} == {"photo", "signature"}


def test_the_recipients_code_is_checked_when_the_organisation_asks(client, org_a, stop):
    client.put(
        f"{API}/organisation/proof-settings", json={"require_pin": True}, headers=auth(org_a.admin)
    )
    code = client.get(f"{API}/track/{stop[2]['tracking_code']}").json()["delivery_code"]
    assert code is not None and len(code) == 4
    missing = complete(client, org_a, stop)
    assert missing.status_code == 409 and "delivery code" in missing.json()["detail"]
    wrong = complete(client, org_a, stop, pin="9999" if code != "9999" else "0000")
    assert wrong.status_code == 409 and "does not match" in wrong.json()["detail"]
    assert complete(client, org_a, stop, pin=code).status_code == 200
    assert client.get(f"{API}/track/{stop[2]['tracking_code']}").json()["delivery_code"] is None


def test_bad_proof_files_are_refused_with_the_reason(client, org_a, stop):
    huge = upload(client, org_a, stop, "photo", b"\xff" * (50 * 1024 * 1024))
    assert huge.status_code == 413 and "at most 15 MB" in huge.json()["detail"]
    text = upload(client, org_a, stop, "photo", b"hello, not a picture", "note.txt")
    assert text.status_code == 422 and "not an image" in text.json()["detail"]
    empty = upload(client, org_a, stop, "signature", signature_png(strokes=False))
    assert empty.status_code == 422 and "signature is empty" in empty.json()["detail"]
    for taken in ("2026-11-27T08:00:00", "0001-01-01T00:00:00+14:00"):  # no offset; no UTC
        dated = upload(client, org_a, stop, "signature", signature_png(), captured_at=taken)
        assert dated.status_code == 422, dated.text
        assert dated.json()["errors"][0]["loc"] == ["body", "captured_at"]
    assert (
        client.get(f"{API}/orders/{stop[2]['id']}/proofs", headers=auth(org_a.admin)).json() == []
    )


def test_the_same_queued_upload_sent_three_times_is_one_proof(client, org_a, stop):
    ids = {
        upload(client, org_a, stop, "photo", jpeg_with_gps(), client_id="act-1").json()["id"]
        for _ in range(3)
    }
    assert len(ids) == 1
    assert (
        len(client.get(f"{API}/orders/{stop[2]['id']}/proofs", headers=auth(org_a.admin)).json())
        == 1
    )


def test_a_stop_cancelled_while_the_driver_was_offline_cannot_be_delivered(client, org_a, stop):
    route_id, stop_id, order = stop
    removed = client.delete(
        f"{API}/routes/{route_id}/stops/{stop_id}", headers=auth(org_a.dispatcher)
    )
    assert removed.status_code in (200, 204), removed.text
    late = complete(client, org_a, stop)
    assert late.status_code == 404 and "no stop" in late.json()["detail"]
    photo = upload(client, org_a, stop, "photo", jpeg_with_gps())
    assert photo.status_code == 404
    assert (
        client.get(f"{API}/orders/{order['id']}", headers=auth(org_a.admin)).json()["status"]
        != "delivered"
    )


def test_another_organisations_proof_is_not_found(client, org_a, org_b, stop):
    photo = upload(client, org_a, stop, "photo", jpeg_with_gps()).json()
    theirs = client.get(f"{API}/proofs/{photo['id']}/file", headers=auth(org_b.admin))
    assert theirs.status_code == 404
    before = client.get(f"{API}/track/{stop[2]['tracking_code']}/proof/{photo['id']}")
    assert before.status_code == 404  # not delivered yet: the recipient sees nothing


def test_a_failed_attempt_keeps_its_photo_and_note(client, org_a, stop):
    route_id, stop_id, order = stop
    door = upload(client, org_a, stop, "photo", jpeg_with_gps()).json()
    failed = client.post(
        f"{API}/routes/{route_id}/stops/{stop_id}/complete",
        json={
            "outcome": "failed",
            "reason": "nobody_home",
            "note": "Rang twice, left a card",
            "proof_ids": [door["id"]],
        },
        headers=auth(org_a.driver),
    )
    assert failed.status_code == 200, failed.text
    events = client.get(f"{API}/orders/{order['id']}/events", headers=auth(org_a.admin)).json()
    last = events["items"][-1] if isinstance(events, dict) else events[-1]
    assert last["to_status"] == "failed"
    assert last["data"] == {"proof_ids": [door["id"]], "note": "Rang twice, left a card"}


def test_the_receipt_holds_the_proof_and_the_custody_chain(client, org_a, org_b, stop):
    *_, order = stop
    early = client.get(f"/orders/{order['id']}/receipt", headers=auth(org_a.admin))
    assert early.status_code == 409 and "once it is delivered" in early.json()["detail"]
    sign = upload(client, org_a, stop, "signature", signature_png()).json()
    photo = upload(client, org_a, stop, "photo", jpeg_with_gps()).json()
    done = complete(
        client, org_a, stop, proof_ids=[sign["id"], photo["id"]], received_by="Ann Example"
    )
    assert done.status_code == 200
    receipt = client.get(f"/orders/{order['id']}/receipt", headers=auth(org_a.viewer))
    assert receipt.status_code == 200 and receipt.headers["content-type"].startswith("text/html")
    assert sign["sha256"] in receipt.text and photo["sha256"] in receipt.text
    assert "data:image/png;base64," in receipt.text and "Ann Example" in receipt.text
    theirs = client.get(f"/orders/{order['id']}/receipt", headers=auth(org_b.admin))
    assert theirs.status_code == 404
    public = client.get(f"/t/{order['tracking_code']}/receipt")
    assert public.status_code == 200 and photo["sha256"] in public.text
    assert "Driver" not in public.text  # operators' names stay inside


def test_the_receipt_as_pdf(client, org_a, stop):
    *_, order = stop
    photo = upload(client, org_a, stop, "photo", jpeg_with_gps()).json()
    assert (
        complete(client, org_a, stop, proof_ids=[photo["id"]], received_by="Ann").status_code == 200
    )
    pdf = client.get(f"/orders/{order['id']}/receipt.pdf", headers=auth(org_a.admin))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and b"/Subtype /Image" in pdf.content
    assert photo["sha256"].encode() in pdf.content and b"Received by: Ann" in pdf.content
    public = client.get(f"/t/{order['tracking_code']}/receipt.pdf")
    assert public.status_code == 200 and public.content.startswith(b"%PDF-")
