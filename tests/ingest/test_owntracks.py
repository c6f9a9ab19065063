"""OwnTracks: the documented and captured payloads in tests/fixtures/pings/owntracks
decode to exactly these fixes; other message types and empty bodies are ignored."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from doorstep.domain.ping import KMH_MS, Ping
from doorstep.ingest import (
    DecodeError,
    OwnTracksDecoder,
    decode_owntracks,
    device_identity,
    identity_from_topic,
    parse_topic,
)
from tests.ingest.payloads import RECEIVED, names, payload

R = RECEIVED
JANE = "jane/phone"  # the identity the HTTP headers or MQTT topic give, where needed


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fix(device: str, time: datetime, lat: float, lon: float, **fields) -> Ping:
    return Ping(
        device=device, time=time, lat=lat, lon=lon, protocol="owntracks", received=R, **fields
    )


# (identity passed by the caller, expected fixes)
EXPECTED: dict[str, tuple[str | None, list[Ping]]] = {
    "location_android.json": (
        JANE,
        [
            fix(
                JANE,
                at(2019, 3, 6, 12, 21, 18),
                46.0681247,
                11.1512805,
                speed=0.0,
                heading=0.0,
                accuracy=15.0,
                altitude=440.0,
                battery=46.0,
                attributes={"conn": "w", "t": "u", "tid": "5t", "vac": 2},
            )
        ],
    ),
    "location_minimal.json": (
        JANE,
        [
            fix(
                JANE,
                at(2017, 6, 13, 10, 21, 56),
                48.85833,
                2.29513,
                speed=0.0,
                heading=0.0,
                accuracy=None,
                altitude=0.0,
                attributes={"tid": "JJ"},
            )
        ],
    ),
    "location_moving.json": (
        JANE,
        [
            fix(
                JANE,
                at(2017, 6, 13, 10, 21, 56),
                48.85833,
                2.29513,
                speed=61 * KMH_MS,
                heading=271.0,
                accuracy=5.0,
                altitude=167.0,
                battery=67.0,
                attributes={"vac": 21, "tid": "JJ", "t": "u"},
            )
        ],
    ),
    "location_ios_with_topic.json": (
        None,
        [
            fix(
                "ckrey/22A67880-15C3-41A6-9157-25545C7993AC",
                at(2025, 1, 6, 10, 59, 29),
                37.0,
                -122.0,
                speed=0.0,
                heading=0.0,
                accuracy=5.0,
                altitude=0.0,
                attributes={"created_at": 1736161415, "t": "u", "m": 1, "conn": "w", "tid": "AC"},
            )
        ],
    ),
    "location_qtripp_queclink.json": (
        None,
        [
            fix(
                "qtripp/865284041968706",
                at(2025, 1, 10, 14, 26, 7),
                47.420051,
                13.654704,
                speed=0.0,
                heading=113.0,
                accuracy=10.0,
                altitude=1113.0,
                attributes={
                    "mcc": 232,
                    "mnc": 1,
                    "lac": "4F4D",
                    "cid": "673A",
                    "t": "I",
                    "don": 105,
                    "tid": "CS",
                },
            )
        ],
    ),
    "location_ios_unknowns.json": (
        JANE,
        [
            fix(
                JANE,
                at(2015, 9, 11, 15, 13, 33),
                48.85833,
                2.29513,
                speed=None,
                heading=None,
                accuracy=5.0,
                altitude=0.0,
                battery=None,
                attributes={"vac": -1, "t": "u", "tid": "JJ"},
            )
        ],
    ),
    "lwt.json": (JANE, []),
    "transition.json": (JANE, []),
    "empty_body.txt": (JANE, []),
}


def test_every_fixture_file_has_an_expectation():
    assert names("owntracks") == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_payload_decodes_to_its_fixes(name):
    device, expected = EXPECTED[name]
    decoded = OwnTracksDecoder().decode(payload("owntracks", name), received=R, device=device)
    assert decoded == expected


def test_the_issues_example_is_61_kmh_heading_271_battery_67():
    (ping,) = decode_owntracks(
        payload("owntracks", "location_moving.json"), received=R, device=JANE
    )
    assert ping.speed_kmh is not None and round(ping.speed_kmh, 2) == 61.0
    assert (ping.heading, ping.battery) == (271.0, 67.0)
    assert ping.time == at(2017, 6, 13, 10, 21, 56)


@pytest.mark.parametrize(
    "message",
    [
        {"_type": "lwt", "tst": 1380738247},
        {"_type": "transition", "event": "enter", "lat": 1, "lon": 2, "tst": 1},
        {"_type": "waypoint", "desc": "Home"},
        {"_type": "card", "name": "Jane"},
        {"_type": "status"},
        {"_type": "encrypted", "data": "c2VjcmV0"},
        {"_type": "cmd", "action": "reportLocation"},
    ],
)
def test_messages_other_than_locations_are_accepted_and_ignored(message):
    assert decode_owntracks(json.dumps(message), received=R, device=JANE) == []


@pytest.mark.parametrize("body", [b"", "", b"  \n", "\t"])
def test_an_empty_body_is_ignored(body):
    assert decode_owntracks(body, received=R) == []


def test_the_callers_identity_wins_over_the_topic_element():
    body = payload("owntracks", "location_ios_with_topic.json")
    (ping,) = decode_owntracks(body, received=R, device="ckrey/ipad")
    assert ping.device == "ckrey/ipad"
    assert "topic" not in ping.attributes


def test_a_location_with_no_identity_anywhere_is_refused_naming_the_topic():
    with pytest.raises(DecodeError) as caught:
        decode_owntracks(payload("owntracks", "location_moving.json"), received=R)
    assert caught.value.field == "topic"
    assert "X-Limit-U" in str(caught.value)


def test_numbers_sent_as_strings_by_old_apps_are_read_as_numbers():
    # The minimal fixture's shape, with every value quoted as apps before Android
    # 0.5.11 and iOS 8.0 sent them.
    body = (
        '{"_type":"location","lat":"48.858334","lon":"2.295134","tst":"1415719099",'
        '"acc":"10","batt":"79","vel":"36","cog":"-1"}'
    )
    (ping,) = decode_owntracks(body, received=R, device=JANE)
    assert (ping.lat, ping.lon, ping.accuracy, ping.battery) == (48.858334, 2.295134, 10.0, 79.0)
    assert ping.time == at(2014, 11, 11, 15, 18, 19)
    assert ping.speed == 36 * KMH_MS and ping.heading is None


@pytest.mark.parametrize(
    ("bs", "charging"), [(0, None), (1, False), (2, True), (3, True), (9, None)]
)
def test_battery_status_2_charging_and_3_full_mean_on_external_power(bs, charging):
    body = json.dumps({"_type": "location", "lat": 1, "lon": 2, "tst": 1, "bs": bs})
    (ping,) = decode_owntracks(body, received=R, device=JANE)
    assert ping.charging is charging
    assert "bs" not in ping.attributes


def test_queclink_ignition_and_odometer_in_km_map_onto_the_ping():
    body = json.dumps(
        {"_type": "location", "lat": 1, "lon": 2, "tst": 1, "ign": True, "odometer": 1234.5}
    )
    (ping,) = decode_owntracks(body, received=R, device=JANE)
    assert ping.ignition is True and ping.odometer == 1234500.0


def test_a_list_of_messages_keeps_only_the_locations_in_order():
    messages = [
        {"_type": "location", "lat": 1, "lon": 2, "tst": 1},
        {"_type": "transition", "event": "leave"},
        {"_type": "location", "lat": 3, "lon": 4, "tst": 2},
    ]
    pings = decode_owntracks(json.dumps(messages), received=R, device=JANE)
    assert [(p.lat, p.lon) for p in pings] == [(1.0, 2.0), (3.0, 4.0)]


def test_a_latitude_of_95_and_a_time_in_2099_decode_for_the_pipeline_to_report():
    body = json.dumps({"_type": "location", "lat": 95, "lon": 2, "tst": 4070908800})
    (ping,) = decode_owntracks(body, received=R, device=JANE)
    assert ping.lat == 95.0 and ping.time.year == 2099


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"lat": 1, "lon": 2, "tst": 1}, "_type"),
        ({"_type": "location", "lon": 2, "tst": 1}, "lat"),
        ({"_type": "location", "lat": 1, "tst": 1}, "lon"),
        ({"_type": "location", "lat": 1, "lon": 2}, "tst"),
        ({"_type": "location", "lat": 1, "lon": 2, "tst": "noon"}, "tst"),
        ({"_type": "location", "lat": 1, "lon": 2, "tst": 1, "vel": "fast"}, "vel"),
        ({"_type": "location", "lat": 1, "lon": 2, "tst": 1, "cog": "west"}, "cog"),
        ({"_type": "location", "lat": 1, "lon": 2, "tst": 1, "acc": True}, "acc"),
        ({"_type": "location", "lat": 1, "lon": 2, "tst": 1, "batt": "full"}, "batt"),
        ({"_type": "location", "lat": 1, "lon": 2, "tst": 1, "bs": "charging"}, "bs"),
        ([1], "body"),
    ],
)
def test_bad_messages_are_refused_naming_the_field(message, field):
    with pytest.raises(DecodeError) as caught:
        decode_owntracks(json.dumps(message), received=R, device=JANE)
    assert caught.value.field == field


def test_malformed_json_is_refused_with_line_and_column():
    with pytest.raises(DecodeError, match=r"^body: malformed JSON at line 1 col 2"):
        decode_owntracks(b"{_type: location}", received=R, device=JANE)


def test_a_location_topic_names_user_and_device():
    assert parse_topic("owntracks/jane/phone") == ("jane", "phone")
    assert identity_from_topic("owntracks/jane/phone") == "jane/phone"
    assert parse_topic("tracks/jane/phone", prefix="tracks") == ("jane", "phone")


@pytest.mark.parametrize(
    "topic",
    [
        "owntracks/jane/phone/event",
        "owntracks/jane/phone/cmd",
        "owntracks/jane",
        "elsewhere/jane/phone",
        "owntracks//phone",
        "owntracks/jane/",
        "owntracks/+/phone",
        "owntracks/jane/#",
        "",
    ],
)
def test_other_topics_are_refused_with_the_reason(topic):
    with pytest.raises(DecodeError) as caught:
        parse_topic(topic)
    assert caught.value.field == "topic"
    assert repr(topic) in str(caught.value)


def test_the_device_identifier_is_user_slash_device():
    assert device_identity("jane", "phone") == "jane/phone"
    with pytest.raises(DecodeError, match="user"):
        device_identity("ja/ne", "phone")
    with pytest.raises(DecodeError, match="device"):
        device_identity("jane", "")
