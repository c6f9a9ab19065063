"""OsmAnd / Traccar Client: the captured requests in tests/fixtures/pings/osmand decode to
exactly these fixes, and bad requests are refused naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from doorstep.domain.ping import KNOT_MS, Ping
from doorstep.ingest import DecodeError, OsmAndDecoder, decode_json, decode_params, decode_query
from tests.ingest.payloads import RECEIVED, names, payload

R = RECEIVED


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fix(device: str, time: datetime, lat: float, lon: float, **fields) -> Ping:
    return Ping(device=device, time=time, lat=lat, lon=lon, protocol="osmand", received=R, **fields)


STILL_ANDROID = {"is_moving": False, "event": "motionchange", "activity": "still"}

EXPECTED: dict[str, Ping] = {
    "query_obd_ignition_rpm_fuel.txt": fix(
        "123456789012345",
        at(2017, 9, 7, 5, 56, 50),
        40.7232948571,
        -74.0061408571,
        speed=40 * KNOT_MS,
        heading=7.19889788244,
        ignition=True,
        attributes={"rpm": 933, "fuel": 24},
    ),
    "query_iso8601_timestamp.txt": fix(
        "902064",
        at(2016, 1, 27, 18, 55, 47),
        42.06288,
        -88.23412,
        speed=0.0,
        altitude=224.0,
        attributes={"hdop": 6.0},
    ),
    "query_epoch_millis.txt": fix(
        "902064",
        at(2015, 9, 12, 14, 38, 6, 579000),
        42.06288,
        -88.23412,
        speed=0.0,
        altitude=224.0,
        attributes={"hdop": 6.0},
    ),
    "query_datetime_text.txt": fix(
        "353861053849681",
        at(2014, 6, 4, 9, 10, 11),
        49.60688,
        6.15788,
        speed=0.0,
        altitude=384.7,
    ),
    "query_bearing_hdop.txt": fix(
        "123456",
        at(2013, 8, 22, 13, 14, 27),
        60.0,
        30.0,
        speed=0.0,
        heading=0.0,
        altitude=0.0,
        attributes={"hdop": 0.0},
    ),
    "query_minimal.txt": fix("123456", at(2013, 8, 22, 13, 14, 27), 60.0, 30.0),
    "query_deviceid_without_timestamp.txt": fix(
        "123456",
        R,
        60.0,
        30.0,
        speed=0.0,
        heading=0.0,
        altitude=0.0,
        attributes={"vacc": 0, "hacc": 0},
    ),
    "query_battery_without_timestamp.txt": fix(
        "861001000719969",
        R,
        41.666667,
        -0.883333,
        speed=0.0,
        altitude=350.059479,
        battery=87.0,
    ),
    "query_location_pair.txt": fix("123456", at(2013, 8, 22, 13, 14, 27), 60.0, 30.0),
    "query_hardware_ignition_off.txt": fix(
        "863071016800770",
        at(2016, 1, 15, 21, 41, 18),
        -26.619913,
        152.859238,
        speed=0.72 * KNOT_MS,
        heading=108.42,
        altitude=433.10,
        battery=11.43,
        ignition=False,
        attributes={"hdop": 81, "sat": 11},
    ),
    "json_traccar_client_android.json": fix(
        "48241179",
        at(2025, 6, 15, 13, 45, 12, 862000),
        37.4219983,
        -122.084,
        speed=0.0,
        heading=None,
        accuracy=5.0,
        altitude=5.0,
        battery=100.0,
        charging=False,
        odometer=0.0,
        attributes=STILL_ANDROID,
    ),
    "json_traccar_client_extras.json": fix(
        "48241179",
        at(2025, 6, 15, 13, 45, 12, 862000),
        37.4219983,
        -122.084,
        speed=0.0,
        heading=None,
        accuracy=5.0,
        altitude=5.0,
        battery=100.0,
        charging=False,
        odometer=0.0,
        attributes={
            "device_string_test": "long_device_id",
            "device_bool_test": True,
            "device_bool_false_test": False,
            "device_integer_test": 1,
            "device_double_test": 1.345,
            "device_very_long_double_test": 1763636.3442,
            **STILL_ANDROID,
        },
    ),
    "json_traccar_client_ios_unknowns.json": fix(
        "658765",
        at(2025, 5, 9, 4, 11, 30, 579000),
        37.785834,
        -122.406417,
        speed=None,
        heading=None,
        accuracy=5.0,
        altitude=0.0,
        battery=None,
        charging=False,
        odometer=0.0,
        attributes={
            "mock": True,
            "is_moving": False,
            "age": 188,
            "uuid": "2FB04C65-99CF-42AB-8DD3-EBCB4B108BF8",
            "event": "motionchange",
            "activity": "unknown",
            "activity_confidence": 100,
            "speed_accuracy": -1,
            "ellipsoidal_altitude": 0,
            "heading_accuracy": -1,
            "altitude_accuracy": -1,
        },
    ),
    "json_moving_phone.json": fix(
        "8737767034",
        at(2021, 7, 21, 8, 6, 34, 444000),
        -6.1148096,
        106.6837015,
        speed=18.67,
        heading=63.0,
        accuracy=3.8,
        altitude=35.7,
        battery=79.0,
        charging=False,
        odometer=0.0,
        attributes={
            "event": "motionchange",
            "is_moving": False,
            "uuid": "0e9a2473-a9a7-4c00-997b-fb97d2154e75",
            "activity": "still",
            "activity_confidence": 100,
            "speed_accuracy": 0.26,
            "heading_accuracy": 0.28,
            "altitude_accuracy": 3.8,
        },
    ),
}

REFUSED: dict[str, str] = {
    "query_missing_id.txt": "id",
    "query_cells_and_wifi_without_position.txt": "lat",
}


def test_every_fixture_file_has_an_expectation():
    assert names("osmand") == set(EXPECTED) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_captured_request_decodes_to_its_fix(name):
    assert OsmAndDecoder().decode(payload("osmand", name), received=R) == [EXPECTED[name]]


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_captured_requests_traccar_refuses_are_refused_naming_the_field(name):
    with pytest.raises(DecodeError) as caught:
        OsmAndDecoder().decode(payload("osmand", name), received=R)
    assert caught.value.field == REFUSED[name]
    assert caught.value.status == 400


def test_the_issues_query_example_is_74_08_kmh_heading_7_2_ignition_on():
    (ping,) = decode_query(payload("osmand", "query_obd_ignition_rpm_fuel.txt"), received=R)
    assert ping.time == at(2017, 9, 7, 5, 56, 50)
    assert ping.time.isoformat() == "2017-09-07T05:56:50+00:00"
    assert ping.speed_kmh is not None and round(ping.speed_kmh, 2) == 74.08
    assert ping.heading is not None and round(ping.heading, 1) == 7.2
    assert ping.ignition is True
    assert ping.attributes == {"rpm": 933, "fuel": 24}


def test_the_issues_json_example_is_67_2_kmh_heading_63_battery_79():
    (ping,) = decode_json(payload("osmand", "json_moving_phone.json"), received=R)
    assert ping.speed_kmh is not None and round(ping.speed_kmh, 1) == 67.2
    assert ping.heading == 63.0
    assert ping.battery == 79.0


def test_the_query_string_copy_traccar_client_appends_is_not_kept():
    (ping,) = decode_json(payload("osmand", "json_traccar_client_android.json"), received=R)
    assert "_" not in ping.attributes


def test_parameters_a_framework_already_parsed_decode_the_same():
    params = {
        "id": "123456789012345",
        "timestamp": "1504763810",
        "lat": "40.7232948571",
        "lon": "-74.0061408571",
        "bearing": "7.19889788244",
        "speed": "40",
        "ignition": "true",
        "rpm": "933",
        "fuel": "24",
    }
    expected = EXPECTED["query_obd_ignition_rpm_fuel.txt"]
    assert decode_params(params, received=R) == [expected]


def test_a_form_body_decodes_like_a_query_string():
    body = b"id=abc&lat=60.1&lon=24.9&timestamp=2016-01-27T18%3A55%3A47Z&speed=10"
    (ping,) = OsmAndDecoder().decode(body, received=R)
    assert (ping.device, ping.lat, ping.lon) == ("abc", 60.1, 24.9)
    assert ping.speed == 10 * KNOT_MS


@pytest.mark.parametrize(
    ("stamp", "expected"),
    [
        ("1504763810", at(2017, 9, 7, 5, 56, 50)),
        ("1504763810000", at(2017, 9, 7, 5, 56, 50)),
        ("2017-09-07T05:56:50Z", at(2017, 9, 7, 5, 56, 50)),
        ("2017-09-07 05:56:50", at(2017, 9, 7, 5, 56, 50)),
    ],
)
def test_the_timestamp_parameter_takes_all_four_formats(stamp, expected):
    (ping,) = decode_params({"id": "1", "lat": "1", "lon": "2", "timestamp": stamp}, received=R)
    assert ping.time == expected


def test_a_request_without_a_timestamp_is_as_old_as_its_arrival():
    (ping,) = decode_params({"id": "1", "lat": "1", "lon": "2"}, received=R)
    assert ping.time == R and ping.received == R


def test_the_other_optional_fields_map_onto_the_ping():
    (ping,) = decode_params(
        {
            "deviceid": "7",
            "lat": "1",
            "lon": "2",
            "heading": "90",
            "accuracy": "12.5",
            "charge": "true",
            "driverUniqueId": "D-7",
            "odometer": "1500.5",
            "valid": "false",
        },
        received=R,
    )
    assert (ping.device, ping.heading, ping.accuracy) == ("7", 90.0, 12.5)
    assert (ping.charging, ping.driver, ping.odometer) == (True, "D-7", 1500.5)
    assert ping.attributes == {"valid": False}


def test_negative_speed_and_heading_mean_unknown():
    (ping,) = decode_params(
        {"id": "1", "lat": "1", "lon": "2", "speed": "-1", "bearing": "-1"}, received=R
    )
    assert ping.speed is None and ping.heading is None


def test_a_parameter_sent_twice_is_kept_as_a_list_of_its_values():
    (ping,) = decode_query(
        "/?id=1&lat=1&lon=2&cell=257,02,16,2224&cell=257,02,16,2223,-90", received=R
    )
    assert ping.attributes == {"cell": ["257,02,16,2224", "257,02,16,2223,-90"]}


def test_a_latitude_of_95_decodes_for_the_pipeline_to_report():
    (ping,) = decode_query("/?id=1&lat=95&lon=30&timestamp=2099-01-01T00:00:00Z", received=R)
    assert ping.lat == 95.0
    assert ping.time.year == 2099


def test_epoch_seconds_after_2038_are_read_as_milliseconds_as_traccar_does():
    (ping,) = decode_query("/?id=1&lat=1&lon=2&timestamp=4070908800", received=R)
    assert ping.time == at(1970, 2, 17, 2, 48, 28, 800000)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/?lat=60&lon=30", "id"),
        ("/?id=&lat=60&lon=30", "id"),
        ("", "id"),
        ("/?id=1&lat=60&lon=30&speed=fast", "speed"),
        ("/?id=1&lat=north&lon=30", "lat"),
        ("/?id=1&lat=60", "lon"),
        ("/?id=1&location=60.0;30.0", "location"),
        ("/?id=1&location=60.0,east", "location"),
        ("/?id=1&lat=60&lon=30&timestamp=yesterday", "timestamp"),
        ("/?id=1&lat=60&lon=30&bearing=NE", "bearing"),
        ("/?id=1&lat=60&lon=30&altitude=high", "altitude"),
        ("/?id=1&lat=60&lon=30&accuracy=good", "accuracy"),
        ("/?id=1&lat=60&lon=30&batt=full", "batt"),
        ("/?id=1&lat=60&lon=30&ignition=maybe", "ignition"),
        ("/?id=1&lat=60&lon=30&charge=2", "charge"),
    ],
)
def test_bad_query_requests_are_refused_naming_the_field(query, field):
    with pytest.raises(DecodeError) as caught:
        decode_query(query, received=R)
    assert caught.value.field == field
    assert field in str(caught.value)


def test_a_non_numeric_speed_says_so():
    with pytest.raises(DecodeError, match=r"^speed: not a number: 'fast'$"):
        decode_query("/?id=1&lat=60&lon=30&speed=fast", received=R)


def test_a_missing_id_says_which_parameters_name_the_device():
    with pytest.raises(DecodeError, match=r"^id: missing: .*\(id or deviceid\)"):
        decode_query("/?lat=60&lon=30", received=R)


def test_malformed_json_is_refused_with_line_and_column():
    with pytest.raises(DecodeError, match=r"^body: malformed JSON at line 1 col 14"):
        OsmAndDecoder().decode(b'{"location": }', received=R)


def location(**coords) -> dict:
    return {
        "timestamp": "2021-07-21T08:06:34.444Z",
        "coords": {"latitude": 1, "longitude": 2, **coords},
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"location": location()}, "device_id"),
        ({"location": location(), "device_id": ""}, "device_id"),
        ({"device_id": "1"}, "location"),
        ({"location": {"timestamp": "2021-07-21T08:06:34Z"}, "device_id": "1"}, "location.coords"),
        ({"location": location(speed="fast"), "device_id": "1"}, "location.coords.speed"),
        ({"location": location(latitude=None), "device_id": "1"}, "location.coords.latitude"),
        ({"location": {**location(), "timestamp": "soon"}, "device_id": "1"}, "location.timestamp"),
        (
            {"location": {**location(), "battery": {"level": "x"}}, "device_id": "1"},
            "location.battery.level",
        ),
        ("[1]", "body"),
    ],
)
def test_bad_json_bodies_are_refused_naming_the_field(body, field):
    text = body if isinstance(body, str) else json.dumps(body)
    with pytest.raises(DecodeError) as caught:
        decode_json(text, received=R)
    assert caught.value.field == field


def test_a_batch_of_locations_decodes_in_order_and_numbers_its_errors():
    first, second = location(speed=1.0), location(speed=2.0)
    body = {"location": [first, second], "device_id": "42"}
    pings = decode_json(json.dumps(body), received=R)
    assert [p.speed for p in pings] == [1.0, 2.0] and {p.device for p in pings} == {"42"}
    top_level = [{"location": first, "device_id": "42"}, {"location": second, "device_id": "43"}]
    assert [p.device for p in decode_json(json.dumps(top_level), received=R)] == ["42", "43"]

    body["location"] = [first, location(speed="fast")]
    with pytest.raises(DecodeError) as caught:
        decode_json(json.dumps(body), received=R)
    assert (caught.value.index, caught.value.field) == (1, "location.coords.speed")
    assert str(caught.value).startswith("fix 1: location.coords.speed: ")
