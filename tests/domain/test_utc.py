from datetime import UTC, datetime, timedelta, timezone

import pytest

from doorstep.domain.utc import in_utc


def test_an_aware_time_is_the_same_instant_in_utc() -> None:
    helsinki_summer = timezone(timedelta(hours=3))
    value = in_utc(datetime(2026, 6, 1, 9, 0, tzinfo=helsinki_summer))
    assert value == datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
    assert value.utcoffset() == timedelta(0)


def test_a_time_utc_does_not_have_is_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="no such time in UTC"):
        in_utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))
    with pytest.raises(ValueError, match="no such time in UTC"):
        in_utc(datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))))
