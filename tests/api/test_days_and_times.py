"""Days and times out of any delivery's range (year 1, year 9999) or without an offset,
in a body, a query or a form: a 422 naming the field, never a 500, and nothing stored.
Year 1 at +14:00 is before the first time UTC has, so turning it into UTC overflowed;
a naive time reached a UTC column. Found by schemathesis against the OpenAPI schema."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest

from doorstep.storage.tables import Order, Route
from tests.api.test_fleet_live import _van
from tests.conftest import auth, create_order, order_body

API = "/api/v1"
DAY_RANGE = "must be a day from 1970-01-01 to 2199-12-31"
EARLY, LATE = "0001-01-01", "9999-12-31"
BEFORE_UTC = "0001-01-01T00:00:00+14:00"


@pytest.mark.parametrize(
    "query",
    [
        f"/routes?date={EARLY}",
        f"/orders/board?day={LATE}",
        f"/reports/service?from={EARLY}&to=0001-01-02",
        f"/reports/fleet?from=9999-12-30&to={LATE}",
        f"/reports/logbook?date={EARLY}",
        f"/fuel-purchases?from={EARLY}&to=0001-01-02",
        f"/maintenance/unusual?since={EARLY}",
        f"/statements?from={EARLY}",
        f"/statements/payroll?from={EARLY}&to=0001-01-31",
    ],
)
def test_a_day_out_of_range_in_a_query_is_refused(client, org_a, query):
    response = client.get(f"{API}{query}", headers=auth(org_a.admin))
    assert response.status_code == 422, response.text
    assert DAY_RANGE in response.json()["detail"]


@pytest.mark.parametrize("key", ["window_from", "window_to"])
@pytest.mark.parametrize("value", [BEFORE_UTC, "9999-12-31T23:59:59-14:00", "2026-11-27T08:00"])
def test_an_order_search_by_a_time_out_of_range_or_without_offset_is_refused(
    client, org_a, key, value
):
    response = client.get(f"{API}/orders", params={key: value}, headers=auth(org_a.admin))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", key]


def test_a_vehicles_track_asked_without_offsets_or_out_of_range_is_refused(client, org_a):
    van, _token = _van(client, org_a)
    for since in ("2026-11-27T00:00:00", BEFORE_UTC):
        response = client.get(
            f"{API}/vehicles/{van['id']}/positions",
            params={"since": since, "until": "2026-11-28T00:00:00Z"},
            headers=auth(org_a.admin),
        )
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["query", "since"]


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (BEFORE_UTC, "out of range: no such time in UTC"),
        # Allowed as written, but 1969 in UTC: the range is checked where it is stored.
        ("1970-01-01T05:00:00+14:00", "must be from 1970-01-01 to 2199-12-31 in UTC"),
    ],
)
def test_an_order_with_a_window_out_of_range_is_refused_and_not_stored(client, org_a, start, why):
    body = order_body(window_start=start, window_end="2026-11-27T10:00:00+00:00")
    response = client.post(f"{API}/orders", json=body, headers=auth(org_a.admin))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "window_start"] and error["msg"].startswith(why)
    assert client.get(f"{API}/orders", headers=auth(org_a.admin)).json()["total"] == 0


def test_a_time_stored_before_the_range_was_checked_still_reads(client, org_a, db):
    order = create_order(client, org_a.admin)
    with db.sessions.begin() as session:
        row = session.get(Order, uuid.UUID(order["id"]))
        assert row is not None
        row.window_start = datetime(1, 1, 1, tzinfo=UTC)  # as the API once took it
    shown = client.get(f"{API}/orders/{order['id']}", headers=auth(org_a.admin))
    assert shown.status_code == 200, shown.text
    assert shown.json()["window_start"] == "0001-01-01T00:00:00+00:00"
    assert client.get(f"{API}/orders", headers=auth(org_a.admin)).status_code == 200


def test_a_route_stored_for_year_1_reads_and_asks_for_its_date_to_be_corrected(client, org_a, db):
    """Before days were checked the API stored a route of year 1. Its day has no
    midnight in UTC (Helsinki is ahead of it), so reordering its stops was a 500; it is
    a 409 saying what to correct, and once the date is corrected the edit goes through."""
    orders = [create_order(client, org_a.admin) for _ in range(2)]
    body = {"name": "Typo", "date": "2026-11-27", "stops": [{"order_id": o["id"]} for o in orders]}
    made = client.post(f"{API}/routes", json=body, headers=auth(org_a.dispatcher)).json()
    with db.sessions.begin() as session:
        row = session.get(Route, uuid.UUID(made["id"]))
        assert row is not None
        row.date = date(1, 1, 1)  # as the API once took it
    url, who = f"{API}/routes/{made['id']}", auth(org_a.dispatcher)
    for read in (url, f"{API}/routes", f"{API}/track/{orders[0]['tracking_code']}"):
        assert client.get(read, headers=who).status_code == 200, read
    reordered = {"stop_ids": [made["stops"][1]["id"], made["stops"][0]["id"]]}
    refused = client.put(f"{url}/sequence", json=reordered, headers=who)
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        "the day 0001-01-01 has no midnight in UTC in Europe/Helsinki: "
        "correct the date (from 1970 to 2199) first"
    )
    assert [s["id"] for s in client.get(url, headers=who).json()["stops"]] == [
        s["id"] for s in made["stops"]
    ]
    corrected = client.patch(url, json={"date": "2026-11-28"}, headers=who)
    assert corrected.status_code == 200, corrected.text
    done = client.put(f"{url}/sequence", json=reordered, headers=who)
    assert done.status_code == 200, done.text
    assert [s["id"] for s in done.json()["stops"]] == reordered["stop_ids"]


def test_a_route_or_a_plan_for_a_day_out_of_range_is_refused(client, org_a):
    order = create_order(client, org_a.admin)
    route = {"name": "Typo", "date": EARLY, "stops": [{"order_id": order["id"]}]}
    response = client.post(f"{API}/routes", json=route, headers=auth(org_a.dispatcher))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "date"]
    assert client.get(f"{API}/routes", headers=auth(org_a.admin)).json()["total"] == 0
    for path, body in (
        ("/routes/reoptimise", {"date": LATE}),
        ("/plans", {"date": EARLY, "depot_id": str(uuid.uuid4()), "order_ids": [order["id"]]}),
    ):
        response = client.post(f"{API}{path}", json=body, headers=auth(org_a.dispatcher))
        assert response.status_code == 422, (path, response.text)
        assert DAY_RANGE in response.json()["detail"]


def test_fixes_at_a_time_utc_does_not_have_are_refused_naming_the_fix(client, org_a):
    _vehicle, token = _van(client, org_a)
    fixes = [
        {"time": "2026-11-27T08:00:00Z", "lat": 60.17, "lon": 24.94},
        {"time": BEFORE_UTC, "lat": 60.17, "lon": 24.94},
    ]
    response = client.post(f"{API}/pings", json=fixes, headers=auth(token))
    assert 400 <= response.status_code < 500, response.text
    assert "fix 1: time: out of range" in response.json()["detail"]


def test_a_time_of_day_with_an_offset_is_refused_naming_the_field(client, org_a):
    """A shift's start is the organisation's wall clock. "06:15-23:16" was taken, and
    PostgreSQL (whose offsets stop at ±15:59) answered the flush with a 500. Found by
    schemathesis against PostgreSQL."""
    local = "a local time without an offset (the organisation's zone), e.g. 08:00"
    who = auth(org_a.admin)
    drivers = client.get(f"{API}/drivers", headers=who).json()["total"]
    made = client.post(
        f"{API}/drivers", json={"name": "Pat", "shift_start": "06:15-23:16"}, headers=who
    )
    assert made.status_code == 422, made.text
    assert made.json()["errors"] == [{"loc": ["body", "shift_start"], "msg": local}]
    assert client.get(f"{API}/drivers", headers=who).json()["total"] == drivers
    made = client.post(
        f"{API}/drivers",
        json={"name": "Pat", "shift_start": "08:00", "shift_end": "17:30"},
        headers=who,
    )
    assert made.status_code == 201, made.text
    url = f"{API}/drivers/{made.json()['id']}"
    for field, value in (("shift_end", "17:30Z"), ("shift_start", "06:15:39-23:16")):
        changed = client.patch(url, json={field: value}, headers=who)
        assert changed.status_code == 422, (value, changed.text)
        assert changed.json()["errors"] == [{"loc": ["body", field], "msg": local}]
    shown = client.get(url, headers=who).json()
    assert (shown["shift_start"], shown["shift_end"]) == ("08:00:00", "17:30:00")
    plan = {
        "date": "2026-11-27",
        "depot_id": str(uuid.uuid4()),
        "order_ids": [create_order(client, org_a.admin)["id"]],
        "break_minutes": 30,
        "break_window": ["11:00", "13:00+02:00"],
    }
    refused = client.post(f"{API}/plans", json=plan, headers=auth(org_a.dispatcher))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [{"loc": ["body", "break_window"], "msg": local}]
