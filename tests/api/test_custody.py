"""Chain of custody through the API: load scans (all or nothing, refused labels named),
the same queued scan sent three times, delivery, a hand-off both sides confirm, and a
forged event that verification finds."""

from __future__ import annotations

from sqlalchemy import update

from doorstep.storage.tables import CustodyEvent
from tests.conftest import auth, create_order

API = "/api/v1"


def _route(client, org, items=(2, 1)):
    orders = [create_order(client, org.admin, items=n) for n in items]
    route = client.post(
        f"{API}/routes",
        json={
            "name": "Morning",
            "date": "2026-11-27",
            "driver_id": str(org.driver_id),
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org.dispatcher),
    ).json()
    return route, orders


def scan(text, **extra):
    return {"label": text, **extra}


def test_loading_scans_every_parcel_or_marks_it_missing(client, org_a):
    route, (two, one) = _route(client, org_a)
    status = client.get(f"{API}/routes/{route['id']}/load-status", headers=auth(org_a.driver))
    assert status.status_code == 200
    assert status.json()["unscanned"] == 3 and status.json()["ready"] is False
    body = {
        "scans": [scan(f"{two['tracking_code']}-1"), scan(f"{two['tracking_code'].lower()}-2")],
        "missing": [scan(one["tracking_code"])],
    }
    loaded = client.post(
        f"{API}/routes/{route['id']}/load-scans", json=body, headers=auth(org_a.driver)
    )
    assert loaded.status_code == 200, loaded.text
    states = {p["label"]: p["state"] for p in loaded.json()["parcels"]}
    assert states == {
        f"{two['tracking_code']}-1": "loaded",
        f"{two['tracking_code']}-2": "loaded",
        f"{one['tracking_code']}-1": "missing",
    }
    assert loaded.json()["ready"] is True


def test_a_label_of_another_route_or_organisation_refuses_the_whole_scan(client, org_a, org_b):
    route, (two, _) = _route(client, org_a)
    _other_route, (elsewhere, _) = _route(client, org_a)
    theirs = create_order(client, org_b.admin)
    body = {
        "scans": [
            scan(f"{two['tracking_code']}-1"),
            scan(f"{elsewhere['tracking_code']}-1"),
            scan(f"{theirs['tracking_code']}-1"),
            scan(f"{two['tracking_code']}-3"),  # the order has two parcels
            scan("not a label"),
        ]
    }
    refused = client.post(
        f"{API}/routes/{route['id']}/load-scans", json=body, headers=auth(org_a.driver)
    )
    assert refused.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in refused.json()["errors"]}
    assert "not on this route" in errors[("body", "scans", 1, "label")]
    assert errors[("body", "scans", 2, "label")] == errors[("body", "scans", 1, "label")].replace(
        elsewhere["tracking_code"], theirs["tracking_code"]
    )
    assert "not on this route" in errors[("body", "scans", 3, "label")]
    assert errors[("body", "scans", 4, "label")] == "not a parcel label"
    status = client.get(f"{API}/routes/{route['id']}/load-status", headers=auth(org_a.driver))
    assert status.json()["unscanned"] == 3  # nothing was recorded


def test_the_same_queued_scan_sent_three_times_is_one_event(client, org_a):
    route, (two, _) = _route(client, org_a)
    body = {"scans": [scan(f"{two['tracking_code']}-1", client_id="device-action-17")]}
    for _ in range(3):
        response = client.post(
            f"{API}/routes/{route['id']}/load-scans", json=body, headers=auth(org_a.driver)
        )
        assert response.status_code == 200, response.text
    chain = client.get(f"{API}/parcels/{two['tracking_code']}-1/custody", headers=auth(org_a.admin))
    assert [e["kind"] for e in chain.json()["events"]] == ["loaded"]


def test_delivery_closes_the_chain_of_the_parcels_on_the_van(client, org_a):
    route, (two, one) = _route(client, org_a)
    client.post(
        f"{API}/routes/{route['id']}/load-scans",
        json={
            "scans": [scan(f"{two['tracking_code']}-1"), scan(f"{two['tracking_code']}-2")],
            "missing": [scan(f"{one['tracking_code']}-1")],
        },
        headers=auth(org_a.driver),
    )
    client.post(f"{API}/routes/{route['id']}/start", headers=auth(org_a.driver))
    stop = route["stops"][0]["id"]
    done = client.post(
        f"{API}/routes/{route['id']}/stops/{stop}/complete",
        json={"outcome": "delivered", "location": {"lat": 60.17, "lon": 24.94}},
        headers=auth(org_a.driver),
    )
    assert done.status_code == 200, done.text
    for n in (1, 2):
        chain = client.get(
            f"{API}/parcels/{two['tracking_code']}-{n}/custody", headers=auth(org_a.admin)
        ).json()
        assert [e["kind"] for e in chain["events"]] == ["loaded", "delivered"]
        assert chain["verified"] is True
        assert chain["events"][1]["prev_hash"] == chain["events"][0]["hash"]


def test_a_hand_off_needs_the_receiver_to_confirm(client, org_a):
    route, (two, _) = _route(client, org_a)
    label = f"{two['tracking_code']}-1"
    client.post(
        f"{API}/routes/{route['id']}/load-scans",
        json={"scans": [scan(label)]},
        headers=auth(org_a.dispatcher),
    )
    given = client.post(
        f"{API}/handoffs",
        json={"scans": [scan(label)], "to_driver_id": str(org_a.driver_id), "note": "van swap"},
        headers=auth(org_a.dispatcher),
    )
    assert given.status_code == 200, given.text
    wrong = client.post(
        f"{API}/handoffs/accept", json={"scans": [scan(label)]}, headers=auth(org_a.dispatcher)
    )
    assert wrong.status_code == 409 and "not handed to you" in wrong.json()["detail"]
    taken = client.post(
        f"{API}/handoffs/accept", json={"scans": [scan(label)]}, headers=auth(org_a.driver)
    )
    assert taken.status_code == 200, taken.text
    chain = client.get(f"{API}/parcels/{label}/custody", headers=auth(org_a.admin)).json()
    assert [e["kind"] for e in chain["events"]] == ["loaded", "handoff_out", "handoff_in"]
    assert chain["verified"]
    again = client.post(
        f"{API}/handoffs/accept", json={"scans": [scan(label)]}, headers=auth(org_a.driver)
    )
    assert again.status_code == 409


def test_a_forged_event_fails_verification_and_says_where(client, org_a, db):
    route, (two, _) = _route(client, org_a)
    label = f"{two['tracking_code']}-1"
    client.post(
        f"{API}/routes/{route['id']}/load-scans",
        json={"scans": [scan(label)]},
        headers=auth(org_a.driver),
    )
    client.post(
        f"{API}/handoffs",
        json={"scans": [scan(label)], "to_driver_id": str(org_a.driver_id)},
        headers=auth(org_a.dispatcher),
    )
    with db.sessions.begin() as session:
        session.execute(
            update(CustodyEvent).where(CustodyEvent.seq == 1).values(actor_name="Mallory")
        )
    chain = client.get(f"{API}/parcels/{label}/custody", headers=auth(org_a.admin)).json()
    assert chain["verified"] is False and chain["broken_at"] == 1
    assert "changed after it was recorded" in chain["problem"]


def test_a_route_starts_only_once_every_parcel_is_accounted_for(client, org_a):
    settings = client.get(f"{API}/organisation/proof-settings", headers=auth(org_a.admin))
    assert settings.json()["require_load_scan"] is True  # the default
    route, (two, one) = _route(client, org_a)
    early = client.post(f"{API}/routes/{route['id']}/start", headers=auth(org_a.driver))
    assert early.status_code == 409 and "3 parcel(s)" in early.json()["detail"]
    client.post(
        f"{API}/routes/{route['id']}/load-scans",
        json={
            "scans": [scan(f"{two['tracking_code']}-1"), scan(f"{two['tracking_code']}-2")],
            "missing": [scan(f"{one['tracking_code']}-1")],
        },
        headers=auth(org_a.driver),
    )
    started = client.post(f"{API}/routes/{route['id']}/start", headers=auth(org_a.driver))
    assert started.status_code == 200, started.text


def test_an_organisation_that_does_not_scan_starts_routes_without(client, org_a):
    off = client.put(
        f"{API}/organisation/proof-settings",
        json={"require_load_scan": False},
        headers=auth(org_a.admin),
    )
    assert off.status_code == 200 and off.json()["require_load_scan"] is False
    route, _ = _route(client, org_a)
    started = client.post(f"{API}/routes/{route['id']}/start", headers=auth(org_a.driver))
    assert started.status_code == 200, started.text


def test_parcel_labels_to_print_at_the_depot(client, org_a, org_b):
    route, (nine, one) = _route(client, org_a, items=(9, 1))
    pdf = client.get(f"/routes/{route['id']}/labels.pdf", headers=auth(org_a.dispatcher))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and b"/Count 2" in pdf.content  # 8 to a page
    for n in range(1, 10):
        assert f"({nine['tracking_code']}-{n})".encode() in pdf.content
    assert f"({one['tracking_code']}-1)".encode() in pdf.content
    assert b"(Parcel 9 of 9)" in pdf.content and b"(Stop 2)" in pdf.content
    foreign = client.get(f"/routes/{route['id']}/labels.pdf", headers=auth(org_b.admin))
    assert foreign.status_code == 404
    assert client.get(f"/routes/{route['id']}/labels.pdf").status_code == 401


def test_a_hand_off_to_a_partner_depot_is_confirmed_by_its_staff(client, org_a, org_b):
    route, (two, _) = _route(client, org_a)
    label = f"{two['tracking_code']}-1"
    client.post(
        f"{API}/routes/{route['id']}/load-scans",
        json={"scans": [scan(label)]},
        headers=auth(org_a.driver),
    )
    depot = client.post(
        f"{API}/depots",
        json={"name": "Partner hub", "location": {"lat": 60.2, "lon": 24.9}},
        headers=auth(org_a.admin),
    )
    assert depot.status_code == 201, depot.text
    theirs = client.post(
        f"{API}/depots",
        json={"name": "Elsewhere", "location": {"lat": 60.2, "lon": 24.9}},
        headers=auth(org_b.admin),
    ).json()
    both = client.post(
        f"{API}/handoffs",
        json={
            "scans": [scan(label)],
            "to_driver_id": str(org_a.driver_id),
            "to_depot_id": depot.json()["id"],
        },
        headers=auth(org_a.driver),
    )
    assert both.status_code == 422 and "one receiver" in both.text
    foreign = client.post(
        f"{API}/handoffs",
        json={"scans": [scan(label)], "to_depot_id": theirs["id"]},
        headers=auth(org_a.driver),
    )
    assert foreign.status_code == 422 and "no depot" in foreign.text
    given = client.post(
        f"{API}/handoffs",
        json={"scans": [scan(label)], "to_depot_id": depot.json()["id"]},
        headers=auth(org_a.driver),
    )
    assert given.status_code == 200, given.text
    body = {"scans": [scan(label)], "depot_id": depot.json()["id"]}
    by_driver = client.post(f"{API}/handoffs/accept", json=body, headers=auth(org_a.driver))
    assert by_driver.status_code == 403 and "depot's staff" in by_driver.json()["detail"]
    as_driver = client.post(
        f"{API}/handoffs/accept", json={"scans": [scan(label)]}, headers=auth(org_a.driver)
    )
    assert as_driver.status_code == 409 and "not handed to you" in as_driver.json()["detail"]
    taken = client.post(f"{API}/handoffs/accept", json=body, headers=auth(org_a.dispatcher))
    assert taken.status_code == 200, taken.text
    chain = client.get(f"{API}/parcels/{label}/custody", headers=auth(org_a.admin)).json()
    assert [e["kind"] for e in chain["events"]] == ["loaded", "handoff_out", "handoff_in"]
    assert chain["events"][1]["counterparty"] == f"depot:{depot.json()['id']}"
    assert chain["verified"]
