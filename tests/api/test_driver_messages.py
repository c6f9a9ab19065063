"""Messages and alerts from dispatch to a driver: sent by staff who may act, read by the
driver (only their own), marked read, refused clearly when wrong."""

from __future__ import annotations

import uuid

from tests.conftest import add_driver, auth


def test_dispatch_writes_the_driver_reads_and_marks_read(client, org_a, db):
    url = f"/api/v1/drivers/{org_a.driver_id}/messages"
    sent = client.post(
        url, json={"body": "  Gate code 4411  ", "urgent": True}, headers=auth(org_a.dispatcher)
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["body"] == "Gate code 4411" and message["urgent"] is True
    assert message["author_name"] == "dispatcher" and message["read_at"] is None
    mine = client.get("/api/v1/me/messages", headers=auth(org_a.driver)).json()
    assert [m["id"] for m in mine] == [message["id"]]
    read = client.post(f"/api/v1/me/messages/{message['id']}/read", headers=auth(org_a.driver))
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert client.get(url, headers=auth(org_a.viewer)).json()[0]["read_at"] is not None
    # Another driver of the same organisation neither sees nor marks it.
    other_key, _ = add_driver(db, org_a, "Eve")
    assert client.get("/api/v1/me/messages", headers=auth(other_key)).json() == []
    theirs = client.post(f"/api/v1/me/messages/{message['id']}/read", headers=auth(other_key))
    assert theirs.status_code == 404


def test_bad_messages_and_wrong_senders_are_refused(client, org_a, org_b):
    url = f"/api/v1/drivers/{org_a.driver_id}/messages"
    for body in ({"body": "   "}, {"body": "x" * 1001}, {}):
        response = client.post(url, json=body, headers=auth(org_a.dispatcher))
        assert response.status_code == 422, body
        assert "body" in response.json()["detail"]
    assert client.post(url, json={"body": "hi"}, headers=auth(org_a.viewer)).status_code == 403
    assert client.post(url, json={"body": "hi"}, headers=auth(org_a.driver)).status_code == 403
    assert client.post(url, json={"body": "hi"}, headers=auth(org_b.admin)).status_code == 404
    unknown = f"/api/v1/drivers/{uuid.uuid4()}/messages"
    assert client.post(unknown, json={"body": "hi"}, headers=auth(org_a.admin)).status_code == 404
    assert client.get(url, headers=auth(org_a.admin)).json() == []
