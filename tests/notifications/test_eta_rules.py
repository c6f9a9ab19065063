"""The rules that watch the live ETA: "arriving" once per stop, "delayed" once per new
window, neither for a van whose position is stale; quiet hours hold back the rest."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from doorstep.services import notifications
from doorstep.storage.tables import Order, OutboxMessage, Stop
from tests.conftest import auth, create_order, load_van
from tests.notifications.conftest import use_twilio

WINDOW_END = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)  # order_body's 12:00 +02:00


def started(client, org):
    order = create_order(client, org.admin)
    route = client.post(
        "/api/v1/routes",
        json={
            "name": "R",
            "date": "2026-11-27",
            "driver_id": str(org.driver_id),
            "stops": [{"order_id": order["id"]}],
        },
        headers=auth(org.dispatcher),
    ).json()
    load_van(client, org, route["id"])
    assert (
        client.post(f"/api/v1/routes/{route['id']}/start", headers=auth(org.driver)).status_code
        == 200
    )
    return order, route["stops"][0]["id"]


def eta_moves(db, order_id, stop_id, now, eta, *, stale=False, spread=timedelta(minutes=10)):
    with db.sessions.begin() as session:
        stop = session.get(Stop, stop_id)
        stop.eta, stop.eta_stale, stop.stops_away = eta, stale, 1
        stop.eta_earliest, stop.eta_latest = eta - spread, eta + spread
        order = session.get(Order, order_id)
        notifications.on_eta(session, order, stop, now)


def written(db, order_id, kind):
    with db.sessions() as session:
        return list(
            session.scalars(
                select(OutboxMessage).where(
                    OutboxMessage.order_id == order_id, OutboxMessage.kind == kind
                )
            )
        )


def test_arriving_is_sent_once_when_the_eta_comes_within_fifteen_minutes(client, org_a, db, twilio):
    use_twilio(client, org_a, twilio)
    order, stop = started(client, org_a)
    oid, sid = uuid.UUID(order["id"]), uuid.UUID(stop)
    now = WINDOW_END - timedelta(hours=1)
    eta_moves(db, oid, sid, now, now + timedelta(minutes=40))
    assert written(db, oid, "arriving") == []
    eta_moves(db, oid, sid, now, now + timedelta(minutes=12), stale=True)
    assert written(db, oid, "arriving") == []  # a stale position promises nothing
    eta_moves(db, oid, sid, now, now + timedelta(minutes=12))
    eta_moves(db, oid, sid, now + timedelta(minutes=2), now + timedelta(minutes=11))
    rows = written(db, oid, "arriving")
    assert {r.channel for r in rows} == {"sms", "email"}
    sms = next(r for r in rows if r.channel == "sms")
    assert "12 min" in sms.body


def test_delayed_is_sent_once_per_new_window(client, org_a, db, twilio):
    use_twilio(client, org_a, twilio, rules={"arriving": {"enabled": False}})
    order, stop = started(client, org_a)
    oid, sid = uuid.UUID(order["id"]), uuid.UUID(stop)
    now = WINDOW_END - timedelta(minutes=30)
    eta_moves(db, oid, sid, now, WINDOW_END + timedelta(minutes=5))  # within the threshold
    assert written(db, oid, "delayed") == []
    eta_moves(db, oid, sid, now, WINDOW_END + timedelta(minutes=20))
    eta_moves(db, oid, sid, now, WINDOW_END + timedelta(minutes=22))  # the same new window
    first = [r for r in written(db, oid, "delayed") if r.channel == "sms"]
    assert len(first) == 1
    eta_moves(db, oid, sid, now, WINDOW_END + timedelta(minutes=95))  # much later again
    assert len([r for r in written(db, oid, "delayed") if r.channel == "sms"]) == 2


def test_quiet_hours_hold_back_the_day_before_message_but_not_the_delivery_day(
    client, org_a, db, twilio
):
    use_twilio(client, org_a, twilio, quiet_hours={"start": "00:00", "end": "23:59"})
    order, _ = started(client, org_a)
    rows = written(db, uuid.UUID(order["id"]), "scheduled") + written(
        db, uuid.UUID(order["id"]), "out_for_delivery"
    )
    scheduled = [r for r in rows if r.kind == "scheduled"]
    out = [r for r in rows if r.kind == "out_for_delivery"]
    assert scheduled and out
    # Out for delivery goes at once; the scheduled message waits for the quiet hours' end.
    assert all(r.not_before == r.event_at for r in out)
    assert all(r.not_before > r.event_at for r in scheduled)
