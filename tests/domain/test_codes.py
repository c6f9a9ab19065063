"""Tracking codes and API keys."""

from __future__ import annotations

import math

from doorstep.domain.codes import (
    CROCKFORD,
    TRACKING_CODE_BITS,
    hash_api_key,
    new_api_key,
    new_tracking_code,
    normalise_tracking_code,
)


def test_tracking_codes_carry_at_least_64_random_bits():
    assert TRACKING_CODE_BITS >= 64
    code = new_tracking_code()
    assert len(code) * math.log2(len(CROCKFORD)) >= 64
    assert set(code) <= set(CROCKFORD)


def test_tracking_codes_do_not_repeat():
    codes = {new_tracking_code() for _ in range(10_000)}
    assert len(codes) == 10_000


def test_tracking_codes_avoid_letters_people_misread():
    assert not set("ILOU") & set(CROCKFORD)


def test_typed_codes_are_normalised():
    assert normalise_tracking_code(" abcd-efgh ijk0 ") == "ABCDEFGH1JK0"
    assert normalise_tracking_code("o0il") == "0011"


def test_api_keys_are_long_random_and_hashed_for_storage():
    key, prefix = new_api_key()
    assert key.startswith("dsk_") and key.startswith(prefix) and len(key) > 40
    assert hash_api_key(key) != key and len(hash_api_key(key)) == 64
    assert new_api_key()[0] != key
