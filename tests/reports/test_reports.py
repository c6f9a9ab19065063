"""The manager's reports over a period, on a small hand-checked day: one van, one
driver, three deliveries (on time, late, failed), a rating, and a day of fixes with one
harsh brake. Each figure below is worked out from that day by hand."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.services import rollups
from doorstep.storage.tables import ClosedDay, Rating, Stop, VehicleDay
from tests.conftest import auth, load_van
from tests.tracking.test_logbook import DAY, send, vehicle_with_device, working_day

HEL = ZoneInfo("Europe/Helsinki")


def local(hour: int, minute: int = 0) -> str:
    return datetime(2026, 11, 10, hour, minute, tzinfo=HEL).isoformat()


def the_day(client, org, db, alarm=True):
    """The van's fixes and the route: 09:30 on time, 12:30 late (window 09-12), 13:00
    failed (nobody home); the first recipient rates 5 stars."""
    vehicle, device = vehicle_with_device(client, org)
    send(client, device, working_day(alarm=alarm))
    orders = []
    for i in range(3):
        body = {
            "recipient": {"name": f"R{i}", "phone": "+358401234567"},
            "address": f"Street {i}",
            "location": {"lat": 60.17 + i * 0.001, "lon": 24.94},
            "window_start": local(9),
            "window_end": local(12),
        }
        made = client.post("/api/v1/orders", json=body, headers=auth(org.admin))
        assert made.status_code == 201, made.text
        orders.append(made.json())
    route = client.post(
        "/api/v1/routes",
        json={
            "name": "Tuesday",
            "date": DAY,
            "driver_id": str(org.driver_id),
            "vehicle_id": vehicle["id"],
            "stops": [{"order_id": o["id"]} for o in orders],
        },
        headers=auth(org.admin),
    ).json()
    load_van(client, org, route["id"])
    base = f"/api/v1/routes/{route['id']}"
    h = auth(org.driver)
    assert client.post(f"{base}/start", json={"at": local(8)}, headers=h).status_code == 200
    for stop, (hour, minute), outcome in zip(
        route["stops"],
        ((9, 30), (12, 30), (13, 0)),
        ("delivered", "delivered", "failed"),
        strict=True,
    ):
        at = local(hour, minute)
        assert client.post(f"{base}/stops/{stop['id']}/arrive", json={"at": at}, headers=h)
        body = {"outcome": outcome, "at": at}
        if outcome == "failed":
            body["reason"] = "Nobody home"
        done = client.post(f"{base}/stops/{stop['id']}/complete", json=body, headers=h)
        assert done.status_code == 200, done.text
    # Rated on the day (the tracking link has long expired since, so straight in).
    with db.sessions.begin() as session:
        session.add(
            Rating(
                org_id=org.id,
                order_id=uuid.UUID(orders[0]["id"]),
                stars=5,
                comment="Friendly and quick",
            )
        )
    return vehicle, route


def report(client, key, kind, start=DAY, end=DAY, **params):
    response = client.get(
        f"/api/v1/reports/{kind}", params={"from": start, "to": end, **params}, headers=auth(key)
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_service_report_counts_on_time_first_attempts_and_failures(client, org_a, db):
    the_day(client, org_a, db)
    body = report(client, org_a.viewer, "service")
    s = body["summary"]
    assert (s["stops"], s["delivered"], s["failed"]) == (3, 2, 1)
    assert s["on_time_rate"] == 0.5  # 09:30 inside 09-12, 12:30 after it
    assert s["first_attempt_success_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["rating"] == 5 and s["ratings"] == 1
    # 2 deliveries over the tracker's day, 08:00:00 to 08:40:40 (2440 s).
    assert s["deliveries_per_hour"] == pytest.approx(2 / (2440 / 3600), abs=0.01)
    tables = body["tables"]
    assert tables["failure_reasons"]["rows"] == [["nobody home", 1]]
    assert tables["by_day"]["rows"] == [[DAY, 3, 2, 1, 0.5, 5.0, 1]]
    hours = dict(tables["by_hour"]["rows"])
    assert hours[9] == 1 and hours[12] == 1 and sum(hours.values()) == 2
    assert tables["feedback"]["rows"] == [[DAY, 5, "Friendly and quick"]]
    assert {c["table"] for c in body["charts"]} <= set(tables)
    assert s["eta_mae_s"] is None  # no live ETAs were given on that day


def test_eta_accuracy_compares_the_etas_given_with_the_arrivals(client, org_a, db):
    _, route = the_day(client, org_a, db)
    # An hour ahead the first stop was promised 09:40 (09:25-09:50); it came at 09:30.
    with db.sessions.begin() as session:
        stop = session.get(Stop, uuid.UUID(route["stops"][0]["id"]))
        assert stop is not None
        stop.eta_samples = {"30-60": [local(9, 40), local(9, 25), local(9, 50)]}
    body = report(client, org_a.viewer, "service")
    rows = {r[0]: r for r in body["tables"]["eta_accuracy"]["rows"]}
    assert rows["30-60"] == ["30-60", 1, 600.0, 600.0, 1.0, 1500.0]
    assert rows["0-15"][1] == 0
    assert body["summary"]["eta_mae_s"] == 600.0 and body["summary"]["eta_window_coverage"] == 1.0


def test_a_scorecard_reflects_the_harsh_brake_per_100_km_with_a_hint(client, org_a, db):
    the_day(client, org_a, db)
    body = report(client, org_a.viewer, "drivers")
    (card,) = body["scorecards"]
    assert card["name"] == "Dana" and card["rank"] == 1
    km = card["distance_km"]
    assert 14 < km < 15  # two trips of 7.08 and 7.32 km
    assert card["braking_per_100km"] == pytest.approx(100 / km, abs=0.05)
    assert card["speeding_per_100km"] == 0
    assert card["on_time_pct"] == 50.0 and card["rating"] == 5.0
    assert card["deliveries"] == 2
    assert card["hint"]  # one driver is the fleet's median: praise
    assert body["previous_period"] == {"from": "2026-11-09", "to": "2026-11-09", "days": 1}
    assert card["trend"]["safety_score"] is None  # no driving the day before


def test_the_weakest_area_gets_the_hint():
    from doorstep.domain.scorecards import DriverFacts, rank_and_coach

    steady = DriverFacts("a", "Ann", distance_m=200_000, driving_s=20_000, idle_s=1000)
    braker = DriverFacts(
        "b", "Bob", distance_m=200_000, driving_s=20_000, idle_s=1000, harsh_braking=12
    )
    third = DriverFacts("c", "Cy", distance_m=200_000, driving_s=20_000, idle_s=1000)
    cards = {c.name: c for c in rank_and_coach([steady, braker, third])}
    assert cards["Bob"].hint.startswith("Harsh braking is the area to work on: 6.0 per 100 km")
    assert cards["Bob"].rank == 3 and cards["Ann"].rank == 1
    assert "keep it up" in cards["Ann"].hint


def test_the_fleet_report_adds_up_distance_fuel_co2_and_cost(client, org_a, db):
    the_day(client, org_a, db)
    body = report(client, org_a.viewer, "fleet", fuel_price="1.899")
    (van,) = [
        dict(zip(body["tables"]["vehicles"]["columns"], r, strict=True))
        for r in body["tables"]["vehicles"]["rows"]
    ]
    assert van["vehicle"] == "Van 1" and van["days"] == 1 and van["deliveries"] == 2
    logbook = client.get(
        "/api/v1/reports/logbook", params={"date": DAY}, headers=auth(org_a.viewer)
    ).json()[0]
    assert van["distance_km"] == round(logbook["distance_m"] / 1000, 2)
    assert van["fuel"] == round(logbook["fuel_used"], 2)
    assert van["co2_kg"] == round(logbook["co2_kg"], 2)
    assert van["idle_fuel"] == round(logbook["idle_fuel"], 2)
    # Money is exact: litres x price, rounded half up to the cent.
    from decimal import ROUND_HALF_UP, Decimal

    expected = (Decimal(str(round(logbook["fuel_used"], 6))) * Decimal("1.899")).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    assert van["fuel_cost"] == str(expected)
    assert van["co2_kg_per_delivery"] == round(logbook["co2_kg"] / 2, 3)
    (route,) = [
        dict(zip(body["tables"]["routes"]["columns"], r, strict=True))
        for r in body["tables"]["routes"]["rows"]
    ]
    assert route["route"] == "Tuesday" and route["driven_km"] == van["distance_km"]
    (driver,) = body["tables"]["drivers"]["rows"]
    assert driver[0] == "Dana"


def test_a_closed_day_reads_the_same_from_its_rollup_and_a_late_fix_reopens_it(client, org_a, db):
    the_day(client, org_a, db)
    before = {k: report(client, org_a.viewer, k) for k in ("service", "drivers", "fleet")}
    now = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    assert rollups.close_days(db.sessions, now, lookback_days=3, org_id=org_a.id) == 3
    assert rollups.close_days(db.sessions, now, lookback_days=3, org_id=org_a.id) == 0
    with db.sessions.begin() as session:
        assert session.query(VehicleDay).filter_by(org_id=org_a.id).count() == 1
    after = {k: report(client, org_a.viewer, k) for k in ("service", "drivers", "fleet")}
    assert after == before
    # A buffered fix for that day arrives: the day is open again (replayed until the
    # next close), the days before it untouched.
    _, device = vehicle_with_device(client, org_a)
    send(client, device, [working_day()[0]])
    with db.sessions.begin() as session:
        days = {d for (d,) in session.query(ClosedDay.date).filter_by(org_id=org_a.id)}
    assert date(2026, 11, 10) not in days and date(2026, 11, 9) not in days


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        ("2016-11-10", "2026-11-10", "at most 366 days"),
        ("2026-11-10", "2026-11-01", "ends (2026-11-01) before it starts"),
    ],
)
def test_a_period_too_long_or_backwards_is_refused_with_why(client, org_a, start, end, words):
    for kind in ("service", "drivers", "fleet", "fixes"):
        response = client.get(
            f"/api/v1/reports/{kind}", params={"from": start, "to": end}, headers=auth(org_a.viewer)
        )
        assert response.status_code == 422, (kind, response.text)
        assert words in response.json()["detail"]


def test_a_year_is_allowed(client, org_a, db):
    body = report(client, org_a.viewer, "service", start="2025-11-11", end="2026-11-10")
    assert body["period"]["days"] == 365 and body["summary"]["stops"] == 0


def test_every_table_exports_as_csv_with_the_same_numbers(client, org_a, db):
    the_day(client, org_a, db)
    body = report(client, org_a.viewer, "service")
    response = client.get(
        "/api/v1/reports/service",
        params={"from": DAY, "to": DAY, "format": "csv", "table": "by_day"},
        headers=auth(org_a.viewer),
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "service-by_day-2026-11-10-2026-11-10.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == body["tables"]["by_day"]["columns"]
    assert rows[1] == [DAY, "3", "2", "1", "0.5", "5.0", "1"]
    unknown = client.get(
        "/api/v1/reports/service",
        params={"from": DAY, "to": DAY, "format": "csv", "table": "nope"},
        headers=auth(org_a.viewer),
    )
    assert unknown.status_code == 422
    assert "has no table 'nope'" in unknown.json()["detail"]


def test_the_fixes_export_streams_every_fix_of_the_organisation_only(client, org_a, org_b, db):
    vehicle, _ = the_day(client, org_a, db)
    sent = len(working_day())
    response = client.get(
        "/api/v1/reports/fixes", params={"from": DAY, "to": DAY}, headers=auth(org_a.viewer)
    )
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0][:3] == ["time", "vehicle", "device_id"] and len(rows) == sent + 1
    assert rows[1][1] == "Van 1"
    times = [r[0] for r in rows[1:]]
    assert times == sorted(times)
    other = client.get(
        "/api/v1/reports/fixes", params={"from": DAY, "to": DAY}, headers=auth(org_b.admin)
    )
    assert len(other.text.strip().splitlines()) == 1  # the header alone
    foreign = client.get(
        "/api/v1/reports/fixes",
        params={"from": DAY, "to": DAY, "vehicle_id": vehicle["id"]},
        headers=auth(org_b.admin),
    )
    assert foreign.status_code == 404


def test_csv_leaves_in_chunks_as_rows_are_read_not_after_all_of_them():
    from doorstep.api import csv_stream

    read = 0

    def rows():
        nonlocal read
        for i in range(1_000_000):
            read += 1
            yield (datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=i), "Van", i, 60.1, 24.9)

    stream = csv_stream.chunks(["time", "vehicle", "n", "lat", "lon"], rows())
    first = next(stream)
    assert first.startswith(b"time,vehicle,n,lat,lon\n")
    assert read < 5000  # the first 64 KB left after a few thousand rows, not a million
    size, count = len(first), 1
    for chunk in stream:
        size += len(chunk)
        count += 1
        assert len(chunk) < 2 * csv_stream.CHUNK_BYTES
    assert read == 1_000_000 and count > 500


def test_a_driver_cannot_read_the_reports(client, org_a, db):
    response = client.get(
        "/api/v1/reports/drivers", params={"from": DAY, "to": DAY}, headers=auth(org_a.driver)
    )
    assert response.status_code == 403


def test_a_day_is_not_closed_on_a_replay_that_missed_a_fix_arriving_meanwhile(
    client, org_a, db, monkeypatch
):
    the_day(client, org_a, db)
    _, device = vehicle_with_device(client, org_a)
    replay = rollups.day_logbook

    def replay_while_a_phone_uploads(*args, **kwargs):
        rows = replay(*args, **kwargs)
        send(client, device, [working_day()[1]])  # stored after the replay read its fixes
        return rows

    monkeypatch.setattr(rollups, "day_logbook", replay_while_a_phone_uploads)
    now = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    assert rollups.close_day(db.sessions, org_a.id, date(2026, 11, 10), now) is False
    monkeypatch.setattr(rollups, "day_logbook", replay)
    assert rollups.close_day(db.sessions, org_a.id, date(2026, 11, 10), now) is True
    with db.sessions() as session:
        rows = session.query(VehicleDay).filter_by(org_id=org_a.id).all()
    assert sorted(r.row["fixes"] for r in rows) == [1, len(working_day())]


def test_the_mileage_log_has_each_vehicle_day_with_hours_and_kilometres(client, org_a, db):
    the_day(client, org_a, db)
    body = report(client, org_a.viewer, "mileage")
    (row,) = [
        dict(zip(body["tables"]["log"]["columns"], r, strict=True))
        for r in body["tables"]["log"]["rows"]
    ]
    logbook = client.get(
        "/api/v1/reports/logbook", params={"date": DAY}, headers=auth(org_a.viewer)
    ).json()[0]
    assert row["vehicle"] == "Van 1" and row["driver"] == "Dana"
    assert row["distance_km"] == round(logbook["distance_m"] / 1000, 2)
    assert row["on_duty_h"] == round(2440 / 3600, 2) and row["trips"] == logbook["trips"]
    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    "/api/v1/reports/mileage",
                    params={"from": DAY, "to": DAY, "format": "csv"},
                    headers=auth(org_a.viewer),
                ).text
            )
        )
    )
    assert csv_rows[0][:4] == ["date", "vehicle", "plate", "driver"] and len(csv_rows) == 2
