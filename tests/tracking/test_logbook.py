"""The daily logbook replays a vehicle's stored fixes of a local day (late ones too)
through the live detectors: trips, stops, idle time, distance, fuel and CO2 by the
documented formula, safety events per 100 km and the driver; as JSON or CSV."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.detectors.geometry import offset
from doorstep.domain.geo import LatLon
from doorstep.domain.ping import Ping
from doorstep.services.logbook import COLUMNS, summarise
from doorstep.services.tracking import organisation_params
from tests.conftest import auth

DAY = "2026-11-10"  # a past day: every fix arrives late, as a buffered upload would
START = datetime(2026, 11, 10, 8, 0, tzinfo=ZoneInfo("Europe/Helsinki"))
DEPOT = LatLon(60.17, 24.94)
LOGBOOK = "/api/v1/reports/logbook"


def fix(t, east_m, speed, ignition=None, **attributes):
    """A fix ``t`` seconds after 08:00 local, ``east_m`` metres east of the depot."""
    point = offset(DEPOT, east_m=east_m)
    if ignition is not None:
        attributes["ignition"] = ignition
    return {
        "time": (START + timedelta(seconds=t)).isoformat(),
        "lat": point.lat,
        "lon": point.lon,
        "speed": speed,
        "heading": 90.0,
        "accuracy": 5.0,
        "attributes": attributes,
    }


def working_day(speeding=False, alarm=False):
    """Parked 5 min; drive 10 min east at 12 m/s; stop 10 min (first 5 idling with the
    ignition on, then off); drive 10 more min east; parked 5 min.

    By ``motion``'s rules (a trip runs from the last fix within 200 m of the stop it
    left to the first fix of the stop it reached): trip 1 runs 7080 m in 590 s, the
    stop lasts 600 s, trip 2 runs 7320 m in 610 s."""
    fixes = [fix(t, 0, 0.0, False) for t in range(0, 301, 30)]
    fixes += [fix(t, 12 * (t - 300), 12.0, True) for t in range(310, 911, 10)]
    fixes += [fix(t, 7320, 0.0, t <= 1230) for t in range(930, 1501, 30)]
    for t in range(1510, 2111, 10):
        fast = speeding and 1700 <= t <= 1760  # 72 km/h for a minute, 50 km/h zone
        extra = {"alarm": "hardBraking"} if alarm and t == 2000 else {}
        fixes.append(fix(t, 7320 + 12 * (t - 1500), 20.0 if fast else 12.0, True, **extra))
    fixes += [fix(t, 14640, 0.0, False) for t in range(2140, 2441, 30)]
    return fixes


def vehicle_with_device(client, org, consumption=10.0, fuel_type="diesel", **device):
    body = {"name": "Van 1", "plate": "ABC-123", "fuel_type": fuel_type}
    if consumption is not None:
        body["consumption_per_100km"] = consumption
    vehicle = client.post("/api/v1/vehicles", json=body, headers=auth(org.admin)).json()
    response = client.post(
        "/api/v1/devices",
        json={"vehicle_id": vehicle["id"], "protocol": "native", **device},
        headers=auth(org.admin),
    )
    assert response.status_code == 201, response.text
    return vehicle, response.json()


def send(client, device, fixes):
    response = client.post("/api/v1/pings", json=fixes, headers=auth(device["token"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == len(fixes) and body["dropped"] == []
    return body


def logbook(client, org, **params):
    return client.get(LOGBOOK, params={"date": DAY, **params}, headers=auth(org.viewer))


def only_row(client, org, **params):
    response = logbook(client, org, **params)
    assert response.status_code == 200, response.text
    rows = response.json()
    assert len(rows) == 1, rows
    return rows[0]


def test_a_day_of_two_trips_gives_trips_stops_idle_and_distance_as_motion_measures_them(
    client, org_a
):
    vehicle, device = vehicle_with_device(client, org_a)
    assert send(client, device, working_day())["late"] == len(working_day())
    row = only_row(client, org_a)
    assert row["vehicle_id"] == vehicle["id"] and row["device_id"] == device["id"]
    assert row["date"] == DAY and row["plate"] == "ABC-123"
    assert row["fixes"] == len(working_day())
    assert row["first_fix"] == "2026-11-10T06:00:00+00:00"
    assert row["last_fix"] == "2026-11-10T06:40:40+00:00"
    assert row["trips"] == 2
    assert row["driving_seconds"] == 590 + 610
    assert row["distance_m"] == pytest.approx(7080 + 7320, abs=20)
    assert row["stops"] == 1  # the parking before and after the day's trips is not a stop
    assert row["stop_seconds"] == 600 and row["stop_mean_seconds"] == 600
    assert row["idle_seconds"] == 300


def test_fuel_and_co2_follow_the_documented_formula(client, org_a):
    _, device = vehicle_with_device(client, org_a, consumption=10.0)
    send(client, device, working_day())
    row = only_row(client, org_a)
    litres = row["distance_m"] / 1000 * 10.0 / 100 + 300 / 3600 * 0.8  # diesel idles 0.8 l/h
    assert row["fuel_unit"] == "l" and row["fuel_type"] == "diesel"
    assert row["fuel_used"] == pytest.approx(litres, abs=0.001)
    assert row["fuel_used"] == pytest.approx(1.44 + 0.0667, abs=0.005)
    assert row["co2_kg"] == pytest.approx(litres * 2.68, abs=0.002)


def test_an_electric_van_reports_kwh_and_grid_co2(client, org_a):
    _, device = vehicle_with_device(client, org_a, consumption=25.0, fuel_type="electric")
    send(client, device, working_day())
    row = only_row(client, org_a)
    kwh = row["distance_m"] / 1000 * 25.0 / 100  # standing costs nothing
    assert row["fuel_unit"] == "kWh" and row["fuel_used"] == pytest.approx(kwh, abs=0.001)
    assert row["co2_kg"] == pytest.approx(kwh * 0.1, abs=0.001)


def test_without_a_rated_consumption_fuel_and_co2_are_unknown_not_guessed(client, org_a):
    _, device = vehicle_with_device(client, org_a, consumption=None)
    send(client, device, working_day())
    row = only_row(client, org_a)
    assert row["fuel_used"] is None and row["co2_kg"] is None and row["trips"] == 2


def test_safety_events_count_once_per_episode_and_per_100_km(client, org_a):
    _, device = vehicle_with_device(client, org_a)
    send(client, device, working_day(speeding=True, alarm=True))
    row = only_row(client, org_a)
    assert row["speeding_episodes"] == 1  # seven fixes over the limit: one episode
    assert row["harsh_events"] == 1
    assert row["safety_events"] == 2
    expected = 2 / (row["distance_m"] / 1000) * 100
    assert row["safety_events_per_100km"] == pytest.approx(expected, abs=0.01)


def test_a_quiet_day_has_no_safety_events(client, org_a):
    _, device = vehicle_with_device(client, org_a)
    send(client, device, working_day())
    row = only_row(client, org_a)
    assert row["safety_events"] == 0 and row["safety_events_per_100km"] == 0


def test_the_csv_has_a_header_and_the_same_figures(client, org_a):
    vehicle, device = vehicle_with_device(client, org_a, consumption=None)
    send(client, device, working_day())
    response = logbook(client, org_a, format="csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert f"logbook-{DAY}.csv" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert tuple(rows[0]) == COLUMNS
    assert len(rows) == 2
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["vehicle_id"] == vehicle["id"] and record["trips"] == "2"
    assert record["first_fix"] == "2026-11-10T06:00:00+00:00"
    assert record["fuel_used"] == "" and record["co2_kg"] == ""  # unknown stays empty
    assert float(record["idle_seconds"]) == 300


def test_the_json_is_a_list_of_objects_with_the_csv_columns(client, org_a):
    _, device = vehicle_with_device(client, org_a)
    send(client, device, working_day())
    assert tuple(only_row(client, org_a)) == COLUMNS


def test_the_day_runs_from_local_midnight_to_local_midnight(client, org_a):
    _, device = vehicle_with_device(client, org_a)
    helsinki = ZoneInfo("Europe/Helsinki")
    times = [
        datetime(2026, 11, 9, 23, 59, tzinfo=helsinki),  # the day before
        datetime(2026, 11, 10, 0, 0, tzinfo=helsinki),  # 22:00 UTC on the 9th
        datetime(2026, 11, 10, 23, 59, tzinfo=helsinki),
        datetime(2026, 11, 11, 0, 0, tzinfo=helsinki),  # 22:00 UTC on the 10th: the next day
    ]
    send(
        client,
        device,
        [{"time": t.isoformat(), "lat": DEPOT.lat, "lon": DEPOT.lon} for t in times],
    )
    row = only_row(client, org_a)
    assert row["fixes"] == 2
    assert row["first_fix"] == "2026-11-09T22:00:00+00:00"
    assert row["last_fix"] == "2026-11-10T21:59:00+00:00"


def test_only_vehicles_with_fixes_that_day_are_listed_and_one_can_be_asked_for(client, org_a):
    busy, device = vehicle_with_device(client, org_a)
    idle, _ = vehicle_with_device(client, org_a)
    send(client, device, working_day())
    assert [r["vehicle_id"] for r in logbook(client, org_a).json()] == [busy["id"]]
    assert only_row(client, org_a, vehicle_id=busy["id"])["trips"] == 2
    assert logbook(client, org_a, vehicle_id=idle["id"]).json() == []
    assert logbook(client, org_a, date="2026-11-11").json() == []


def test_two_trackers_in_one_van_count_its_distance_once(client, org_a):
    vehicle, device = vehicle_with_device(client, org_a)
    second = client.post(
        "/api/v1/devices",
        json={"vehicle_id": vehicle["id"], "protocol": "native"},
        headers=auth(org_a.admin),
    ).json()
    send(client, device, working_day())
    send(client, second, working_day()[::3])  # a phone reporting less often
    row = only_row(client, org_a)
    assert row["device_id"] == device["id"] and row["trips"] == 2
    assert row["distance_m"] == pytest.approx(14_400, abs=20)


def test_the_driver_is_the_devices_when_there_is_no_route(client, org_a):
    _, device = vehicle_with_device(client, org_a, driver_id=str(org_a.driver_id))
    send(client, device, working_day())
    row = only_row(client, org_a)
    assert row["driver_id"] == str(org_a.driver_id) and row["driver_name"] == "Dana"
    assert row["driver_from"] == "device"


def test_the_driver_is_the_one_whose_van_it_is_when_nothing_else_says(client, org_a):
    vehicle, device = vehicle_with_device(client, org_a)
    client.patch(
        f"/api/v1/drivers/{org_a.driver_id}",
        json={"vehicle_id": vehicle["id"]},
        headers=auth(org_a.admin),
    ).raise_for_status()
    send(client, device, working_day())
    row = only_row(client, org_a)
    assert row["driver_id"] == str(org_a.driver_id) and row["driver_from"] == "vehicle"


def test_the_routes_driver_that_day_comes_first_and_filters_by_driver(client, org_a):
    vehicle, device = vehicle_with_device(client, org_a, driver_id=str(org_a.driver_id))
    other = client.post("/api/v1/drivers", json={"name": "Olli"}, headers=auth(org_a.admin)).json()
    route = client.post(
        "/api/v1/routes",
        json={"date": DAY, "driver_id": other["id"], "vehicle_id": vehicle["id"]},
        headers=auth(org_a.admin),
    )
    assert route.status_code == 201, route.text
    send(client, device, working_day())
    row = only_row(client, org_a, driver_id=other["id"])
    assert row["driver_name"] == "Olli" and row["driver_from"] == "route"
    assert logbook(client, org_a, driver_id=str(org_a.driver_id)).json() == []


def test_no_driver_is_guessed_when_two_share_the_van(client, org_a):
    vehicle, device = vehicle_with_device(client, org_a)
    for name in ("Aino", "Eero"):
        client.post(
            "/api/v1/drivers",
            json={"name": name, "vehicle_id": vehicle["id"]},
            headers=auth(org_a.admin),
        ).raise_for_status()
    send(client, device, working_day())
    row = only_row(client, org_a)
    assert row["driver_id"] is None and row["driver_from"] is None


def test_another_organisations_vehicle_or_driver_answers_like_an_unknown_id(client, org_a, org_b):
    theirs, device = vehicle_with_device(client, org_b)
    send(client, device, working_day())
    for name, ident in (("vehicle", theirs["id"]), ("driver", str(org_b.driver_id))):
        foreign = logbook(client, org_a, **{f"{name}_id": ident})
        unknown = logbook(client, org_a, **{f"{name}_id": str(uuid.uuid4())})
        assert foreign.status_code == unknown.status_code == 404
        assert foreign.json()["detail"].replace(ident, "?") == unknown.json()["detail"].replace(
            unknown.request.url.params[f"{name}_id"], "?"
        )
    assert logbook(client, org_a).json() == []  # their van is not in our day
    assert len(logbook(client, org_b).json()) == 1


def test_a_viewer_reads_the_logbook_and_a_driver_may_not(client, org_a):
    assert logbook(client, org_a).status_code == 200
    response = client.get(LOGBOOK, params={"date": DAY}, headers=auth(org_a.driver))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"date": "2026-13-01"},
        {"date": "yesterday"},
        {},
        {"date": DAY, "format": "xlsx"},
        {"date": DAY, "vehicle_id": "not-a-uuid"},
    ],
)
def test_a_bad_query_is_422(client, org_a, params):
    response = client.get(LOGBOOK, params=params, headers=auth(org_a.viewer))
    assert response.status_code == 422, response.text


def pings(fixes):
    return [
        Ping(
            "van",
            datetime.fromisoformat(f["time"]),
            f["lat"],
            f["lon"],
            f["speed"],
            accuracy=f["accuracy"],
            ignition=f["attributes"].get("ignition"),
        )
        for f in fixes
    ]


def until(t):
    return [f for f in working_day() if datetime.fromisoformat(f["time"]) <= START + t]


def test_a_trip_still_running_at_the_days_last_fix_counts_up_to_that_fix():
    summary = summarise(pings(until(timedelta(seconds=2000))))
    assert summary.trips == 2
    assert summary.driving_seconds == 590 + (2000 - 1500)
    assert summary.distance_m == pytest.approx(7080 + 12 * 500, abs=20)
    assert summary.stop_durations == (600.0,)


def test_idling_still_running_at_the_days_last_fix_counts_up_to_that_fix():
    summary = summarise(pings(until(timedelta(seconds=1200))))
    assert summary.idle_seconds == 1200 - 930
    assert summary.stop_durations == ()  # not left yet: the van's parking, not a stop


def test_fixes_given_out_of_order_are_replayed_in_time_order():
    fixes = pings(working_day())
    assert summarise(fixes[::-1]) == summarise(fixes)


def _jurisdiction(client, org, name, west_m, east_m):
    sw, ne = offset(DEPOT, -1000, west_m), offset(DEPOT, 1000, east_m)
    polygon = [
        {"lat": sw.lat, "lon": sw.lon},
        {"lat": sw.lat, "lon": ne.lon},
        {"lat": ne.lat, "lon": ne.lon},
        {"lat": ne.lat, "lon": sw.lon},
    ]
    body = {"name": name, "kind": "jurisdiction", "polygon": polygon}
    response = client.post("/api/v1/zones", json=body, headers=auth(org.admin))
    assert response.status_code == 201, response.text


def test_distance_is_split_by_jurisdiction_for_fuel_tax(client, org_a):
    """The day drives 14.4 km east; the border is 5 km east of the depot."""
    _jurisdiction(client, org_a, "West", -2000, 5000)
    _jurisdiction(client, org_a, "East", 5000, 20000)
    _, device = vehicle_with_device(client, org_a)
    send(client, device, working_day())
    row = only_row(client, org_a)
    split = row["distance_by_jurisdiction_m"]
    assert set(split) == {"West", "East"}
    assert split["West"] == pytest.approx(5000, abs=130)
    assert sum(split.values()) == pytest.approx(row["distance_m"], abs=250)
    csv_text = logbook(client, org_a, format="csv").text
    assert "West=" in csv_text and "; East=" in csv_text


def test_without_jurisdiction_zones_the_split_is_empty(client, org_a):
    _, device = vehicle_with_device(client, org_a)
    send(client, device, working_day())
    assert only_row(client, org_a)["distance_by_jurisdiction_m"] == {}


def test_the_logbook_counts_speeding_with_the_organisation_s_thresholds(client, org_a):
    response = client.put(
        "/api/v1/organisation/telemetry-settings",
        json={"speeding": {"default_limit_kmh": 80}},
        headers=auth(org_a.admin),
    )
    assert response.status_code == 200, response.text
    _, device = vehicle_with_device(client, org_a)
    send(client, device, working_day(speeding=True))
    assert only_row(client, org_a)["speeding_episodes"] == 0  # 72 km/h is legal at 80


def test_the_replay_uses_the_road_limits_the_live_tracker_is_given():
    """Road limits bind the same way live and in the logbook (``organisation_params``)."""
    start = datetime(2026, 11, 10, 9, 0, tzinfo=ZoneInfo("UTC"))
    pings = [
        Ping("d", start + timedelta(seconds=t), 60.17, 24.94 + t * 2e-4, speed=45 / 3.6)
        for t in range(20)
    ]
    flat = organisation_params(uuid.uuid4(), {})
    on_a_30_street = organisation_params(uuid.uuid4(), {}, limits=lambda lat, lon: 30.0)
    assert summarise(pings, flat).speeding_episodes == 0
    assert summarise(pings, on_a_30_street).speeding_episodes == 1
