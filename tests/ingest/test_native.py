"""Doorstep's batch API body: the fixtures decode to exactly these fixes; a bad fix
refuses the batch naming its index and field; a batch has a size limit."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from doorstep.domain.ping import Ping
from doorstep.ingest import MAX_FIXES, DecodeError, NativeDecoder, decode_batch
from tests.ingest.payloads import RECEIVED, names, payload

R = RECEIVED
VAN = "van-7-token-device"  # the device the caller's token belongs to


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fix(time: datetime, lat: float, lon: float, **fields) -> Ping:
    return Ping(device=VAN, time=time, lat=lat, lon=lon, protocol="native", received=R, **fields)


EXPECTED: dict[str, list[Ping]] = {
    "batch_list.json": [
        fix(
            at(2025, 3, 4, 7, 58),
            60.16952,
            24.93545,
            speed=0.0,
            heading=0.0,
            accuracy=4.0,
            altitude=12.5,
            ignition=True,
            odometer=48211300.0,
            battery=96.0,
            charging=True,
            driver="D-0042",
        ),
        fix(
            at(2025, 3, 4, 7, 58, 30),
            60.17031,
            24.93881,
            speed=8.33,
            heading=62.5,
            accuracy=3.5,
            altitude=13.0,
            ignition=True,
            odometer=48211520.0,
            battery=96.0,
            attributes={"fuel_level": 61.5, "door": "closed"},
        ),
        fix(at(2025, 3, 4, 7, 59), 60.17106, 24.94255, speed=None, heading=None, accuracy=6.1),
    ],
    "batch_wrapped_with_offsets.json": [
        fix(
            at(2025, 3, 4, 8, 0, 0, 250000),
            60.1699,
            24.9384,
            speed=12.5,
            heading=359.5,
            ignition=True,
            battery=81.0,
        ),
        fix(at(2025, 3, 4, 8, 0, 5), 95.0, 24.9390, ignition=False),
    ],
}


def test_every_fixture_file_has_an_expectation():
    assert names("native") == set(EXPECTED) | {"batch_bad_speed.json"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_batch_decodes_to_its_fixes(name):
    decoded = NativeDecoder().decode(payload("native", name), received=R, device=VAN)
    assert decoded == EXPECTED[name]
    assert all(p.time.utcoffset() is not None for p in decoded)


def test_a_non_numeric_speed_refuses_the_batch_naming_fix_and_field():
    with pytest.raises(DecodeError) as caught:
        decode_batch(payload("native", "batch_bad_speed.json"), device=VAN, received=R)
    assert (caught.value.index, caught.value.field) == (1, "speed")
    assert str(caught.value).startswith("fix 1: speed: Input should be a valid number")
    assert "'fast'" in str(caught.value)


def body(*fixes: dict) -> str:
    return json.dumps(list(fixes))


GOOD = {"time": "2025-03-04T07:58:00Z", "lat": 60.1, "lon": 24.9}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"lat": 60.1, "lon": 24.9}, "time"),
        ({**GOOD, "time": "2025-03-04T07:58:00"}, "time"),  # no offset
        ({**GOOD, "time": 1741075080}, "time"),  # epoch: the API says ISO 8601
        ({**GOOD, "time": "tomorrow"}, "time"),
        ({**GOOD, "time": "0001-01-01T00:00:00+14:00"}, "time"),  # before UTC's first
        ({**GOOD, "time": "9999-12-31T23:59:59-14:00"}, "time"),  # after UTC's last
        ({"time": GOOD["time"], "lon": 24.9}, "lat"),
        ({**GOOD, "lat": "north"}, "lat"),
        ({**GOOD, "lon": True}, "lon"),
        ({**GOOD, "heading": "NE"}, "heading"),
        ({**GOOD, "accuracy": [3]}, "accuracy"),
        ({**GOOD, "latitude": 60.1}, "latitude"),  # a typo is not silently dropped
        ({**GOOD, "attributes": {"ignition": "maybe"}}, "attributes.ignition"),
        ({**GOOD, "attributes": {"odometer": "far"}}, "attributes.odometer"),
        ({**GOOD, "attributes": {"battery": False}}, "attributes.battery"),
        ({**GOOD, "attributes": "ignition"}, "attributes"),
    ],
)
def test_a_bad_fix_is_refused_naming_its_index_and_field(bad, field):
    with pytest.raises(DecodeError) as caught:
        decode_batch(body(GOOD, GOOD, bad), device=VAN, received=R)
    assert (caught.value.index, caught.value.field) == (2, field)
    assert str(caught.value).startswith(f"fix 2: {field}: ")


def test_every_error_is_listed_up_to_a_few():
    bad = [{**GOOD, "speed": "x"} for _ in range(8)]
    with pytest.raises(DecodeError) as caught:
        decode_batch(body(*bad), device=VAN, received=R)
    message = str(caught.value)
    assert message.startswith("fix 0: speed: ")
    assert "fix 4: speed:" in message and "fix 5" not in message
    assert message.endswith("and 3 more")


def test_a_latitude_of_95_and_a_time_in_2099_decode_for_the_pipeline_to_report():
    (ping,) = decode_batch(
        body({**GOOD, "lat": 95, "time": "2099-01-01T00:00:00+00:00"}), device=VAN, received=R
    )
    assert ping.lat == 95.0 and ping.time.year == 2099


def test_an_empty_list_is_no_fixes_but_an_empty_body_is_refused():
    assert decode_batch("[]", device=VAN, received=R) == []
    assert decode_batch('{"fixes": []}', device=VAN, received=R) == []
    with pytest.raises(DecodeError, match=r"^body: empty body"):
        decode_batch(b"", device=VAN, received=R)


@pytest.mark.parametrize("root", [GOOD, {"fix": [GOOD]}, {"fixes": GOOD}, 3, "fixes"])
def test_anything_but_a_list_of_fixes_is_refused_naming_fixes(root):
    with pytest.raises(DecodeError) as caught:
        decode_batch(json.dumps(root), device=VAN, received=R)
    assert caught.value.field == "fixes"


def test_malformed_json_is_refused_with_line_and_column():
    with pytest.raises(DecodeError, match=r"^body: malformed JSON at line 2 col 1"):
        decode_batch('[{"lat": 1}\n', device=VAN, received=R)


def test_a_batch_of_the_maximum_size_decodes():
    assert len(decode_batch(body(*[GOOD] * MAX_FIXES), device=VAN, received=R)) == MAX_FIXES


def test_a_batch_beyond_the_maximum_is_refused_before_reading_any_fix():
    too_many = body(*[{"not": "a fix"}] * (MAX_FIXES + 1))
    with pytest.raises(DecodeError) as caught:
        decode_batch(too_many, device=VAN, received=R)
    assert caught.value.field == "fixes"
    assert f"{MAX_FIXES + 1} fixes" in str(caught.value) and f"at most {MAX_FIXES}" in str(
        caught.value
    )


def test_the_decoder_needs_the_device_its_token_names():
    with pytest.raises(ValueError, match="token"):
        NativeDecoder().decode(body(GOOD), received=R)
