"""The decoders' shared shape: the error they raise and how each is found by name."""

from __future__ import annotations

import pytest

from doorstep.domain.errors import DoorstepError
from doorstep.ingest import (
    DECODERS,
    DecodeError,
    NativeDecoder,
    OsmAndDecoder,
    OwnTracksDecoder,
    decoder_for,
)


def test_a_decode_error_names_the_field_and_reason():
    error = DecodeError("not a number: 'fast'", "speed")
    assert str(error) == "speed: not a number: 'fast'"
    assert (error.reason, error.field, error.index) == ("not a number: 'fast'", "speed", None)


def test_in_a_batch_it_also_names_the_fix():
    error = DecodeError("not a number: 'fast'", "speed").at(3)
    assert str(error) == "fix 3: speed: not a number: 'fast'"
    assert error.index == 3


def test_an_api_route_that_lets_it_through_answers_400():
    assert issubclass(DecodeError, DoorstepError)
    assert DecodeError("missing", "id").status == 400


def test_each_protocol_has_one_decoder_found_by_its_name():
    assert set(DECODERS) == {"native", "osmand", "owntracks"}
    assert isinstance(decoder_for("native"), NativeDecoder)
    assert isinstance(decoder_for("osmand"), OsmAndDecoder)
    assert isinstance(decoder_for("owntracks"), OwnTracksDecoder)
    with pytest.raises(ValueError, match="no decoder for protocol 'gt06'"):
        decoder_for("gt06")


def test_decoders_import_no_web_framework_or_database():
    import subprocess
    import sys

    code = (
        "import sys, doorstep.ingest; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fastapi', 'starlette', 'sqlalchemy', 'httpx', 'redis'}); print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.mark.parametrize("protocol", sorted(DECODERS))
def test_the_arrival_time_must_be_aware(protocol):
    from datetime import datetime

    with pytest.raises(ValueError, match="timezone-aware"):
        decoder_for(protocol).decode("[]", received=datetime(2025, 1, 1), device="d")


def test_an_arrival_time_with_an_offset_is_kept_in_utc():
    from datetime import UTC, datetime, timedelta, timezone

    helsinki = datetime(2025, 1, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    (ping,) = decoder_for("osmand").decode("/?id=1&lat=1&lon=2", received=helsinki)
    assert ping.received == ping.time == datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
    assert ping.time.tzinfo is UTC
