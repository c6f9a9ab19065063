"""Texts to the organisation's number: Twilio's signature checked, STOP and START
honoured, a reply relayed into the delivery's chat and the driver's answer back by SMS."""

from __future__ import annotations

from doorstep.domain.signatures import twilio_signature
from tests.conftest import auth
from tests.notifications.conftest import PHONE, messages, schedule, sender_for, use_twilio

BASE = "http://testserver"


def inbound(client, org, fake, form, *, signature=None, path="inbound"):
    url = f"/api/v1/sms/twilio/{org.id}/{path}"
    sig = signature or twilio_signature(fake.auth_token, BASE + url, form)
    return client.post(url, data=form, headers={"X-Twilio-Signature": sig})


def text(client, org, fake, body, sender=PHONE):
    form = {"From": sender, "To": "+358500000001", "Body": body, "MessageSid": "SM1"}
    response = inbound(client, org, fake, form)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return response.text


def test_a_bad_signature_is_refused_and_nothing_happens(client, org_a, twilio, caplog):
    use_twilio(client, org_a, twilio)
    _, (_order,) = schedule(client, org_a)
    form = {"From": PHONE, "To": "+358500000001", "Body": "STOP"}
    response = inbound(client, org_a, twilio, form, signature="bm90IGl0")
    assert response.status_code == 403
    assert "X-Twilio-Signature" in response.json()["detail"]
    assert "bad Twilio signature" in caplog.text
    contacts = client.get("/api/v1/contacts", headers=auth(org_a.admin)).json()
    assert contacts == []


def test_an_organisation_without_twilio_has_no_inbound_number(client, org_a, twilio):
    form = {"From": PHONE, "Body": "hello"}
    response = inbound(client, org_a, twilio, form)
    assert response.status_code == 404


def test_stop_and_start(client, org_a, twilio, db, later):
    use_twilio(client, org_a, twilio)
    assert "no more messages" in text(client, org_a, twilio, "Stop")
    _, (order,) = schedule(client, org_a)
    assert {r["channel"] for r in messages(client, org_a, order["id"])} == {"email"}
    assert "again" in text(client, org_a, twilio, "START")
    _, (other,) = schedule(client, org_a)
    assert "sms" in {r["channel"] for r in messages(client, org_a, other["id"])}


def test_an_opt_out_after_a_message_was_written_stops_it_being_sent(
    client, org_a, twilio, db, later
):
    use_twilio(client, org_a, twilio)
    _, (order,) = schedule(client, org_a)
    text(client, org_a, twilio, "STOP")
    sender = sender_for(db, None, later)
    sender.drain()
    sender.close()
    sms = [r for r in messages(client, org_a, order["id"]) if r["channel"] == "sms"]
    assert sms[0]["status"] == "cancelled" and "opted out" in sms[0]["last_error"]
    assert twilio.messages == []


def test_an_unknown_number_is_told_politely(client, org_a, twilio):
    use_twilio(client, org_a, twilio)
    reply = text(client, org_a, twilio, "where is my parcel", sender="+358409999999")
    assert "could not find a delivery" in reply


def test_a_text_joins_the_chat_and_the_driver_answers_by_sms(client, org_a, twilio, db, later):
    use_twilio(client, org_a, twilio, rules={"scheduled": {"enabled": False}})
    _, (order,) = schedule(client, org_a)
    assert "<Message>" not in text(client, org_a, twilio, "The dog is friendly")
    chat = client.get(f"/api/v1/orders/{order['id']}/chat", headers=auth(org_a.driver)).json()
    assert [(m["author"], m["via"], m["body"]) for m in chat["messages"]] == [
        ("recipient", "sms", "The dog is friendly")
    ]
    assert PHONE not in str(chat)
    answer = client.post(
        f"/api/v1/orders/{order['id']}/chat",
        json={"body": "Great, see you soon"},
        headers=auth(org_a.driver),
    )
    assert answer.status_code == 201
    sender = sender_for(db, None, later)
    sender.drain()
    sender.close()
    (sms,) = twilio.messages
    assert sms.to == PHONE and sms.sender == "+358500000001"
    assert "Great, see you soon" in sms.body


def test_status_callbacks_record_what_became_of_a_message(client, org_a, twilio, db, later):
    use_twilio(client, org_a, twilio)
    _, (order,) = schedule(client, org_a)
    sender = sender_for(db, None, later)
    sender.drain()
    sender.close()
    (sms,) = twilio.messages
    assert sms.status_callback.endswith(f"/api/v1/sms/twilio/{org_a.id}/status")
    form = {"MessageSid": sms.sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    response = inbound(client, org_a, twilio, form, path="status")
    assert response.status_code == 204
    row = next(r for r in messages(client, org_a, order["id"]) if r["channel"] == "sms")
    assert row["status"] == "failed" and "30003" in row["last_error"]
