"""Orders through the API: creation, validation, idempotency, status, timeline, search."""

from __future__ import annotations

from tests.conftest import auth, create_order, order_body


def test_create_returns_id_tracking_code_and_status(client, org_a):
    response = client.post("/api/v1/orders", json=order_body(), headers=auth(org_a.dispatcher))
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "created"
    assert len(body["tracking_code"]) == 16
    assert body["location"] == {"lat": 60.1699, "lon": 24.9384}
    # stored in UTC, returned with an explicit offset
    assert body["window_start"] == "2026-11-27T08:00:00+00:00"
    assert body["created_at"].endswith("+00:00")
    fetched = client.get(f"/api/v1/orders/{body['id']}", headers=auth(org_a.viewer)).json()
    assert fetched == body


def test_minimal_order_needs_only_recipient_address_and_location(client, org_a):
    response = client.post(
        "/api/v1/orders",
        json={"recipient": {"name": "Bo"}, "address": "Street 2", "location": {"lat": 1, "lon": 2}},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 201, response.text
    assert response.json()["window_start"] is None


def test_tracking_codes_are_unique_and_unguessable(client, org_a):
    codes = {create_order(client, org_a.admin)["tracking_code"] for _ in range(20)}
    assert len(codes) == 20
    assert all(len(c) == 16 for c in codes)


def test_latitude_91_and_longitude_200_are_refused_naming_the_fields(client, org_a):
    body = order_body(location={"lat": 91, "lon": 200})
    response = client.post("/api/v1/orders", json=body, headers=auth(org_a.admin))
    assert response.status_code == 422
    locs = [tuple(e["loc"]) for e in response.json()["errors"]]
    assert ("body", "location", "lat") in locs and ("body", "location", "lon") in locs
    assert "location.lat" in response.json()["detail"]
    assert client.get("/api/v1/orders", headers=auth(org_a.admin)).json()["total"] == 0


def test_window_ending_before_it_starts_is_refused(client, org_a):
    body = order_body(
        window_start="2026-11-27T12:00:00+00:00", window_end="2026-11-27T10:00:00+00:00"
    )
    response = client.post("/api/v1/orders", json=body, headers=auth(org_a.admin))
    assert response.status_code == 422
    assert "window_end must be after window_start" in response.json()["detail"]


def test_time_without_offset_is_refused(client, org_a):
    body = order_body(window_start="2026-11-27T10:00:00", window_end="2026-11-27T12:00:00")
    response = client.post("/api/v1/orders", json=body, headers=auth(org_a.admin))
    assert response.status_code == 422
    assert "timezone" in response.json()["detail"]


def test_malformed_json_is_a_400_saying_so(client, org_a):
    response = client.post(
        "/api/v1/orders",
        content=b'{"recipient": {"name": ',
        headers={**auth(org_a.admin), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]


def test_missing_and_wrong_typed_fields_are_each_named(client, org_a):
    response = client.post(
        "/api/v1/orders",
        json={"recipient": {"name": "X"}, "location": {"lat": "north", "lon": 1}, "items": "many"},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422
    errors = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    assert errors[("body", "address")] == "is required"
    assert ("body", "location", "lat") in errors
    assert ("body", "items") in errors


def test_unknown_fields_are_refused_not_ignored(client, org_a):
    response = client.post(
        "/api/v1/orders", json=order_body(adress="typo"), headers=auth(org_a.admin)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "adress"]


def test_retry_with_the_same_idempotency_key_returns_the_first_order(client, org_a):
    body = order_body()
    headers = {**auth(org_a.dispatcher), "Idempotency-Key": "k-123"}
    first = client.post("/api/v1/orders", json=body, headers=headers)
    second = client.post("/api/v1/orders", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert client.get("/api/v1/orders", headers=auth(org_a.admin)).json()["total"] == 1


def test_reusing_an_idempotency_key_for_another_body_is_refused(client, org_a):
    headers = {**auth(org_a.dispatcher), "Idempotency-Key": "k-9"}
    assert client.post("/api/v1/orders", json=order_body(), headers=headers).status_code == 201
    response = client.post("/api/v1/orders", json=order_body(), headers=headers)
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]


def test_idempotency_keys_are_per_organisation(client, org_a, org_b):
    body = order_body()
    a = client.post(
        "/api/v1/orders", json=body, headers={**auth(org_a.admin), "Idempotency-Key": "same"}
    )
    b = client.post(
        "/api/v1/orders", json=body, headers={**auth(org_b.admin), "Idempotency-Key": "same"}
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_duplicate_external_ref_is_a_conflict(client, org_a):
    create_order(client, org_a.admin, external_ref="SHOP-1")
    response = client.post(
        "/api/v1/orders", json=order_body(external_ref="SHOP-1"), headers=auth(org_a.admin)
    )
    assert response.status_code == 409
    assert "SHOP-1" in response.json()["detail"]


def test_same_external_ref_in_two_organisations_is_fine(client, org_a, org_b):
    create_order(client, org_a.admin, external_ref="SHOP-1")
    create_order(client, org_b.admin, external_ref="SHOP-1")


def test_legal_transition_moves_status_and_appends_an_event(client, org_a):
    order = create_order(client, org_a.admin)
    response = client.post(
        f"/api/v1/orders/{order['id']}/status",
        json={
            "status": "cancelled",
            "reason": "customer asked",
            "location": {"lat": 60, "lon": 24},
        },
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled"
    events = client.get(f"/api/v1/orders/{order['id']}/events", headers=auth(org_a.viewer)).json()
    assert [e["kind"] for e in events["items"]] == ["created", "status_changed"]
    last = events["items"][-1]
    assert (last["from_status"], last["to_status"], last["reason"]) == (
        "created",
        "cancelled",
        "customer asked",
    )
    assert last["actor"]["type"] == "api_key"
    assert last["location"] == {"lat": 60.0, "lon": 24.0}


def test_illegal_transition_is_409_naming_both_states_and_changes_nothing(client, org_a):
    order = create_order(client, org_a.admin)
    response = client.post(
        f"/api/v1/orders/{order['id']}/status",
        json={"status": "delivered"},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 409
    assert "created" in response.json()["detail"] and "delivered" in response.json()["detail"]
    assert (
        client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).json()["status"]
        == "created"
    )
    events = client.get(f"/api/v1/orders/{order['id']}/events", headers=auth(org_a.admin)).json()
    assert events["total"] == 1


def test_failed_needs_a_reason(client, org_a):
    order = create_order(client, org_a.admin)
    route = client.post(
        "/api/v1/routes",
        json={"date": "2026-11-27", "stops": [{"order_id": order["id"]}]},
        headers=auth(org_a.admin),
    )
    assert route.status_code == 201
    url = f"/api/v1/orders/{order['id']}/status"
    assert (
        client.post(url, json={"status": "out_for_delivery"}, headers=auth(org_a.admin)).status_code
        == 200
    )
    response = client.post(url, json={"status": "failed"}, headers=auth(org_a.admin))
    assert response.status_code == 409
    assert "reason" in response.json()["detail"]
    ok = client.post(
        url, json={"status": "failed", "reason": "nobody home"}, headers=auth(org_a.admin)
    )
    assert ok.status_code == 200


def test_update_changes_fields_and_records_which(client, org_a):
    order = create_order(client, org_a.admin)
    response = client.patch(
        f"/api/v1/orders/{order['id']}",
        json={"gate_code": "1234", "dog_warning": True, "instructions": "back door"},
        headers=auth(org_a.dispatcher),
    )
    assert response.status_code == 200
    assert response.json()["gate_code"] == "1234" and response.json()["dog_warning"] is True
    events = client.get(f"/api/v1/orders/{order['id']}/events", headers=auth(org_a.admin)).json()[
        "items"
    ]
    assert events[-1]["kind"] == "updated"
    assert events[-1]["data"]["fields"] == ["dog_warning", "gate_code", "instructions"]


def test_update_cannot_make_the_window_end_before_it_starts(client, org_a):
    order = create_order(client, org_a.admin)
    response = client.patch(
        f"/api/v1/orders/{order['id']}",
        json={"window_end": "2026-11-27T07:00:00+00:00"},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 422


def test_search_by_tracking_code_external_ref_and_text(client, org_a):
    first = create_order(client, org_a.admin, external_ref="AAA-1", address="Aleksanterinkatu 5")
    create_order(client, org_a.admin, external_ref="BBB-2")
    h = auth(org_a.viewer)
    code = first["tracking_code"].lower()
    assert [
        o["id"]
        for o in client.get(f"/api/v1/orders?tracking_code={code}", headers=h).json()["items"]
    ] == [first["id"]]
    assert client.get("/api/v1/orders?external_ref=AAA-1", headers=h).json()["total"] == 1
    assert client.get("/api/v1/orders?q=aleksanteri", headers=h).json()["total"] == 1
    assert client.get("/api/v1/orders?status=created", headers=h).json()["total"] == 2
    assert client.get("/api/v1/orders?status=delivered", headers=h).json()["total"] == 0


def test_sql_injection_in_text_filters_is_just_text(client, org_a):
    create_order(client, org_a.admin)
    h = auth(org_a.admin)
    for attack in ("' OR '1'='1", "%' OR 1=1 --", "x'); DROP TABLE orders; --", "%", "_"):
        for param in ("q", "external_ref", "tracking_code"):
            response = client.get("/api/v1/orders", params={param: attack}, headers=h)
            assert response.status_code == 200, (param, attack)
            assert response.json()["total"] == 0, (param, attack)
    assert client.get("/api/v1/orders", headers=h).json()["total"] == 1


def test_pagination_walks_all_orders_once(client, org_a):
    ids = {create_order(client, org_a.admin)["id"] for _ in range(7)}
    seen = []
    for offset in (0, 3, 6):
        page = client.get(
            f"/api/v1/orders?limit=3&offset={offset}", headers=auth(org_a.admin)
        ).json()
        assert page["total"] == 7
        seen += [o["id"] for o in page["items"]]
    assert sorted(seen) == sorted(ids)


def test_page_size_is_bounded(client, org_a):
    response = client.get("/api/v1/orders?limit=100000", headers=auth(org_a.admin))
    assert response.status_code == 422
    assert "limit" in response.json()["detail"]


def test_unknown_order_id_is_404_and_a_bad_id_is_422(client, org_a):
    h = auth(org_a.admin)
    assert (
        client.get("/api/v1/orders/00000000-0000-0000-0000-000000000000", headers=h).status_code
        == 404
    )
    assert client.get("/api/v1/orders/not-a-uuid", headers=h).status_code == 422


def test_only_a_created_order_can_be_deleted(client, org_a):
    order = create_order(client, org_a.admin)
    other = create_order(client, org_a.admin)
    client.post(
        f"/api/v1/orders/{other['id']}/status",
        json={"status": "cancelled", "reason": "x"},
        headers=auth(org_a.admin),
    )
    assert (
        client.delete(f"/api/v1/orders/{other['id']}", headers=auth(org_a.admin)).status_code == 409
    )
    assert (
        client.delete(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).status_code == 204
    )
    assert client.get(f"/api/v1/orders/{order['id']}", headers=auth(org_a.admin)).status_code == 404


def test_recipient_becomes_a_customer_reused_by_email(client, org_a):
    first = create_order(client, org_a.admin)
    second = create_order(client, org_a.admin)
    assert first["customer_id"] == second["customer_id"] is not None
    customer = client.get(
        f"/api/v1/customers/{first['customer_id']}", headers=auth(org_a.admin)
    ).json()
    assert customer["email"] == "ann@example.com"
