"""The shared value parsers: what each accepts, and that it refuses the rest naming the
field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from doorstep.ingest.base import DecodeError
from doorstep.ingest.parsing import (
    EPOCH_MILLIS_FROM,
    attribute_value,
    heading_degrees,
    is_blank,
    optional_bool,
    optional_number,
    parse_bool,
    parse_json,
    parse_number,
    time_from_any,
    time_from_epoch,
    time_from_epoch_seconds,
    time_from_iso8601,
    unknown_if_negative,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (7, 7.0),
        (12.5, 12.5),
        ("12.5", 12.5),
        (" 40 ", 40.0),
        ("-74.0061408571", -74.0061408571),
        ("1e3", 1000.0),
        (".5", 0.5),
        ("95", 95.0),
    ],
)
def test_numbers_are_read_from_json_numbers_and_decimal_strings(value, expected):
    assert parse_number(value, "speed") == expected


@pytest.mark.parametrize(
    "value", ["fast", "", "1_000", "12,5", "nan", "NaN", "inf", "-Infinity", "0x1F", True, [], {}]
)
def test_what_cannot_be_a_number_is_refused_naming_the_field(value):
    with pytest.raises(DecodeError) as caught:
        parse_number(value, "speed")
    assert caught.value.field == "speed"
    assert str(caught.value).startswith("speed: ")


def test_a_missing_number_is_called_missing():
    with pytest.raises(DecodeError, match="lat: missing"):
        parse_number(None, "lat")


def test_non_finite_json_numbers_are_refused():
    with pytest.raises(DecodeError, match="finite"):
        parse_number(float("inf"), "altitude")
    with pytest.raises(DecodeError, match="too large"):
        parse_number(10**400, "altitude")


def test_an_optional_number_that_is_absent_or_empty_is_unknown():
    assert optional_number(None, "accuracy") is None
    assert optional_number("", "accuracy") is None
    assert optional_number("  ", "accuracy") is None
    assert optional_number("3.5", "accuracy") == 3.5


def test_negative_means_unknown():
    assert unknown_if_negative(-1.0) is None
    assert unknown_if_negative(0.0) == 0.0
    assert unknown_if_negative(None) is None


@pytest.mark.parametrize(
    ("value", "expected"), [(-1.0, None), (None, None), (0.0, 0.0), (7.2, 7.2), (360.0, 0.0)]
)
def test_a_heading_is_unknown_when_negative_and_in_zero_to_360(value, expected):
    assert heading_degrees(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        (1, True),
        (0, False),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        ("yes", True),
        ("on", True),
        ("OFF", False),
        ("false", False),
        ("0", False),
        ("no", False),
        (" true ", True),
    ],
)
def test_booleans_come_in_the_spellings_trackers_use(value, expected):
    assert parse_bool(value, "ignition") is expected


@pytest.mark.parametrize("value", ["maybe", "2", 2, 1.0, None, ""])
def test_anything_else_is_not_a_boolean(value):
    with pytest.raises(DecodeError) as caught:
        parse_bool(value, "ignition")
    assert caught.value.field == "ignition"


def test_an_optional_boolean_that_is_absent_is_unknown():
    assert optional_bool(None, "charge") is None
    assert optional_bool("", "charge") is None
    assert optional_bool("false", "charge") is False


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1504763810", datetime(2017, 9, 7, 5, 56, 50, tzinfo=UTC)),
        (1504763810, datetime(2017, 9, 7, 5, 56, 50, tzinfo=UTC)),
        ("1442068686579", datetime(2015, 9, 12, 14, 38, 6, 579000, tzinfo=UTC)),
        ("2016-01-27T18:55:47Z", datetime(2016, 1, 27, 18, 55, 47, tzinfo=UTC)),
        ("2021-07-21T08:06:34.444Z", datetime(2021, 7, 21, 8, 6, 34, 444000, tzinfo=UTC)),
        ("2021-07-21T10:06:34+02:00", datetime(2021, 7, 21, 8, 6, 34, tzinfo=UTC)),
        ("2014-06-04 09:10:11", datetime(2014, 6, 4, 9, 10, 11, tzinfo=UTC)),
        ("2016-01-15 21:41:18.000", datetime(2016, 1, 15, 21, 41, 18, tzinfo=UTC)),
    ],
)
def test_osmand_times_come_in_four_formats(value, expected):
    parsed = time_from_any(value, "timestamp")
    assert parsed == expected
    assert parsed.utcoffset() is not None and parsed.utcoffset().total_seconds() == 0


def test_an_epoch_below_2147483647_is_seconds_and_from_it_milliseconds():
    assert time_from_epoch(EPOCH_MILLIS_FROM - 1, "timestamp") == datetime(
        2038, 1, 19, 3, 14, 6, tzinfo=UTC
    )
    assert time_from_epoch(EPOCH_MILLIS_FROM, "timestamp") == datetime(
        1970, 1, 25, 20, 31, 23, 647000, tzinfo=UTC
    )


def test_a_far_future_time_decodes_because_plausibility_is_the_pipelines_job():
    assert time_from_any("2099-01-01T00:00:00Z", "timestamp").year == 2099
    assert time_from_epoch_seconds(4070908800, "tst").year == 2099


@pytest.mark.parametrize("value", ["yesterday", "2016-13-45T00:00:00Z", "", "12:00", None, True])
def test_what_cannot_be_a_time_is_refused_naming_the_field(value):
    with pytest.raises(DecodeError) as caught:
        time_from_any(value, "timestamp")
    assert caught.value.field == "timestamp"


def test_an_epoch_beyond_the_calendar_is_refused_as_no_time():
    with pytest.raises(DecodeError, match="cannot be a time"):
        time_from_epoch_seconds(10**15, "tst")
    with pytest.raises(DecodeError, match="cannot be a time"):
        time_from_epoch(10**20, "timestamp")


def test_iso_times_without_an_offset_are_utc():
    assert time_from_iso8601("2014-06-04T09:10:11", "time") == datetime(
        2014, 6, 4, 9, 10, 11, tzinfo=UTC
    )


def test_malformed_json_is_refused_with_line_and_column():
    with pytest.raises(DecodeError) as caught:
        parse_json(b'{"lat": 1,\n "lon": }')
    assert caught.value.field == "body"
    assert "malformed JSON at line 2 col 9" in str(caught.value)


def test_json_nan_and_non_utf8_bytes_are_refused():
    with pytest.raises(DecodeError, match="NaN is not a JSON number"):
        parse_json('{"lat": NaN}')
    with pytest.raises(DecodeError, match="not UTF-8"):
        parse_json(b'{"tid": "\xff"}')


def test_json_with_a_byte_order_mark_reads():
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}


def test_a_blank_body_is_blank():
    assert is_blank(b"") and is_blank("  \n") and not is_blank(b"{}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("933", 933),
        ("24", 24),
        ("-90", -90),
        ("6.0", 6.0),
        ("true", True),
        ("false", False),
        ("4F4D", "4F4D"),
        ("007", "007"),
        ("00-14-22-01-23-45,-80", "00-14-22-01-23-45,-80"),
        ("nan", "nan"),
        ("123456789012345678", "123456789012345678"),
        ("", ""),
        ("OFF", "OFF"),
    ],
)
def test_free_form_parameters_keep_numbers_as_numbers_and_the_rest_as_sent(text, expected):
    value = attribute_value(text)
    assert value == expected and type(value) is type(expected)
