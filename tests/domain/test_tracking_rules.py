"""The public tracking view's rules and the lookup rate limit, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from doorstep.domain.codes import new_tracking_code
from doorstep.domain.order_status import OrderStatus
from doorstep.domain.rate_limit import KeyedBuckets
from doorstep.domain.tracking_rules import (
    check_matches,
    expires_at,
    first_name,
    instructions_editable,
    parse_code,
    vehicle_visible,
)

S = OrderStatus


def test_only_codes_of_the_right_length_and_alphabet_parse():
    code = new_tracking_code()
    assert parse_code(code) == code
    assert parse_code(f" {code[:8].lower()}-{code[8:]} ") == code
    assert parse_code(code[:-1]) is None
    assert parse_code(code + "0") is None
    assert parse_code("U" * 16) is None  # not in Crockford's alphabet
    assert parse_code("-" * 10_000) is None


@pytest.mark.parametrize(
    ("route", "stop", "status", "away", "visible"),
    [
        ("in_progress", "pending", S.OUT_FOR_DELIVERY, 3, True),
        ("in_progress", "pending", S.OUT_FOR_DELIVERY, 1, True),
        ("in_progress", "arrived", S.ARRIVING, 1, True),
        ("in_progress", "pending", S.OUT_FOR_DELIVERY, 4, False),
        ("in_progress", "pending", S.OUT_FOR_DELIVERY, None, False),
        ("planned", "pending", S.SCHEDULED, 1, False),
        ("in_progress", "completed", S.DELIVERED, 1, False),
        ("in_progress", "pending", S.CANCELLED, 1, False),
    ],
)
def test_the_van_shows_only_while_it_is_on_its_way(route, stop, status, away, visible):
    assert (
        vehicle_visible(
            route_status=route,
            stop_status=stop,
            order_status=status,
            stops_away=away,
            show_from_stops_away=3,
        )
        is visible
    )


def test_zero_stops_away_setting_never_shows_the_van():
    assert not vehicle_visible(
        route_status="in_progress",
        stop_status="pending",
        order_status=S.OUT_FOR_DELIVERY,
        stops_away=1,
        show_from_stops_away=0,
    )


def test_access_expires_days_after_the_order_ended():
    ended = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert expires_at(ended, 14) == ended + timedelta(days=14)
    assert expires_at(None, 14) is None


def test_instructions_close_when_the_driver_arrives():
    assert instructions_editable(S.OUT_FOR_DELIVERY, "pending")
    assert not instructions_editable(S.OUT_FOR_DELIVERY, "arrived")
    assert not instructions_editable(S.ARRIVING, None)
    assert not instructions_editable(S.DELIVERED, None)


def test_only_the_first_name_leaves():
    assert first_name("Dana  Maria Kowalski") == "Dana"
    assert first_name("  ") is None


def test_checks_compare_postcodes_and_phone_digits_loosely_but_never_match_nothing():
    assert check_matches("none", None, None, None)
    assert check_matches("postcode", "00 100", "00100", None)
    assert check_matches("postcode", "sw1a-1aa", "SW1A 1AA", None)
    assert not check_matches("postcode", "00101", "00100", None)
    assert not check_matches("postcode", "", None, None)
    assert check_matches("phone_last4", "4567", None, "+358 40 123 4567")
    assert not check_matches("phone_last4", "567", None, "+358 40 123 4567")
    assert not check_matches("phone_last4", "", None, "12")


def test_a_bucket_allows_the_burst_then_the_rate_and_says_how_long_to_wait():
    buckets = KeyedBuckets(burst=3, per_second=1.0)
    assert [buckets.take("a", 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("a", 0.0) == pytest.approx(1.0)
    assert buckets.take("b", 0.0) == 0.0  # another client has its own
    assert buckets.take("a", 1.0) == 0.0  # one token back after a second
    assert buckets.wait("a", 1.0) == pytest.approx(1.0)


def test_buckets_forget_the_least_recently_used_keys_beyond_their_limit():
    buckets = KeyedBuckets(burst=1, per_second=0.001, max_keys=2)
    for key in ("a", "b", "c"):
        buckets.take(key, 0.0)
    assert buckets.take("a", 0.0) == 0.0  # forgotten, so full again
    assert buckets.take("c", 0.0) > 0
