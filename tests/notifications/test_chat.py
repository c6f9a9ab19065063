"""Chat per order: the recipient from the tracking page, the driver from the driver
API, relayed by SMS without either side seeing the other's number; limits and closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from doorstep.storage.tables import Conversation
from tests.conftest import auth, order_body
from tests.notifications.conftest import PHONE, drive, schedule


def track(client, code, path="chat", **kwargs):
    method = kwargs.pop("method", "get")
    return getattr(client, method)(f"/api/v1/track/{code}/{path}", **kwargs)


def test_recipient_and_driver_talk_and_mark_read(client, org_a):
    _route, (order,) = schedule(client, org_a)
    code = order["tracking_code"]
    opened = track(client, code)
    assert opened.status_code == 200 and opened.json()["open"] is True
    assert "The gate code is " in opened.json()["quick_replies"]
    sent = track(client, code, method="post", json={"body": "Gate code is 4321"})
    assert sent.status_code == 201, sent.text
    assert sent.json()["author"] == "recipient" and sent.json()["author_name"] == "Ann"

    staff = client.get(f"/api/v1/orders/{order['id']}/chat", headers=auth(org_a.driver))
    assert staff.status_code == 200
    assert [m["body"] for m in staff.json()["messages"]] == ["Gate code is 4321"]
    assert "I'm outside" in staff.json()["quick_replies"]
    reply = client.post(
        f"/api/v1/orders/{order['id']}/chat",
        json={"body": "I'm outside"},
        headers=auth(org_a.driver),
    )
    assert reply.status_code == 201 and reply.json()["author"] == "driver"
    read = client.post(f"/api/v1/orders/{order['id']}/chat/read", headers=auth(org_a.driver))
    assert read.json() == {"read": 1}
    seen = track(client, code).json()["messages"]
    assert seen[0]["read_at"] is not None and seen[1]["read_at"] is None
    assert PHONE not in staff.text and PHONE not in track(client, code).text


def test_a_driver_only_chats_about_orders_on_their_own_routes(client, org_a):
    order = client.post(
        "/api/v1/orders",
        json=order_body(),
        headers=auth(org_a.admin),
    ).json()
    response = client.get(f"/api/v1/orders/{order['id']}/chat", headers=auth(org_a.driver))
    assert response.status_code == 404
    viewer = client.post(
        f"/api/v1/orders/{order['id']}/chat", json={"body": "hi"}, headers=auth(org_a.viewer)
    )
    assert viewer.status_code == 403


def test_bad_messages_get_clear_errors_and_nothing_is_stored(client, org_a):
    _, (order,) = schedule(client, org_a)
    code = order["tracking_code"]
    huge = track(client, code, method="post", json={"body": "x" * 100_000})
    assert huge.status_code in (413, 422)
    assert "1000" in huge.text or "too large" in huge.text.lower()
    empty = track(client, code, method="post", json={"body": "   "})
    assert empty.status_code == 422
    assert track(client, code).json()["messages"] == []


def test_too_many_messages_in_a_minute_are_refused(client, org_a):
    client.put(
        "/api/v1/organisation/notification-settings",
        json={"chat": {"messages_per_minute": 3}},
        headers=auth(org_a.admin),
    )
    _, (order,) = schedule(client, org_a)
    code = order["tracking_code"]
    answers = [
        track(client, code, method="post", json={"body": f"m{i}"}).status_code for i in range(4)
    ]
    assert answers == [201, 201, 201, 429]
    # The driver's side has its own allowance.
    staff = client.post(
        f"/api/v1/orders/{order['id']}/chat", json={"body": "ok"}, headers=auth(org_a.driver)
    )
    assert staff.status_code == 201


def test_the_chat_closes_some_hours_after_delivery(client, org_a, db):
    _, (order,) = drive(client, org_a)
    code = order["tracking_code"]
    still = track(client, code, method="post", json={"body": "Thanks!"})
    assert still.status_code == 201
    with db.sessions.begin() as session:
        session.execute(
            update(Conversation).values(closes_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    closed = track(client, code, method="post", json={"body": "One more thing"})
    assert closed.status_code == 409 and "closed" in closed.json()["detail"]
    assert track(client, code).json()["open"] is False


def test_a_chat_message_reaches_an_open_stream(client, org_a):
    _, (order,) = schedule(client, org_a)
    code = order["tracking_code"]
    with client.stream("GET", f"/api/v1/track/{code}/chat/events") as stream:
        lines = stream.iter_lines()
        assert next(lines).startswith("retry:")
        posted = client.post(
            f"/api/v1/orders/{order['id']}/chat",
            json={"body": "5 min away"},
            headers=auth(org_a.driver),
        )
        assert posted.status_code == 201
        for line in lines:
            if line.startswith("data:"):
                assert '"5 min away"' in line and "tracking_code" not in line
                break
