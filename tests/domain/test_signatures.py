"""Twilio and webhook signatures, and SMS segment counting."""

from __future__ import annotations

import pytest

from doorstep.domain.signatures import (
    SmsLength,
    signature_header,
    sms_segments,
    twilio_signature,
    verify_twilio,
    verify_webhook,
    webhook_signature,
)

# Twilio's documented example (webhooks security guide).
TWILIO_TOKEN = "12345"
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def test_twilio_documented_example() -> None:
    assert (
        twilio_signature(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    )


def test_twilio_verify() -> None:
    good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert verify_twilio(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, good)
    assert not verify_twilio("54321", TWILIO_URL, TWILIO_PARAMS, good)
    assert not verify_twilio(TWILIO_TOKEN, TWILIO_URL, {**TWILIO_PARAMS, "Digits": "1235"}, good)
    assert not verify_twilio(TWILIO_TOKEN, TWILIO_URL + "&x=1", TWILIO_PARAMS, good)
    assert not verify_twilio(TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS, "")


def test_twilio_param_order_does_not_matter() -> None:
    reversed_params = dict(reversed(list(TWILIO_PARAMS.items())))
    assert twilio_signature(TWILIO_TOKEN, TWILIO_URL, reversed_params) == twilio_signature(
        TWILIO_TOKEN, TWILIO_URL, TWILIO_PARAMS
    )


SECRET, AT = "whsec_5f2b", 1_700_000_000
BODY = b'{"type":"order.delivered","order":"ord_1"}'


def test_webhook_signature_is_hex_sha256_over_timestamp_dot_body() -> None:
    import hashlib
    import hmac

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert webhook_signature(SECRET, AT, BODY) == expected
    assert signature_header(SECRET, AT, BODY) == f"t={AT},v1={expected}"


def test_webhook_roundtrip() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert verify_webhook(SECRET, header, BODY, now=AT)
    assert verify_webhook(SECRET, header, BODY, now=AT + 300)
    assert verify_webhook(SECRET, header, BODY, now=AT - 60)  # receiver's clock behind


def test_webhook_tampering_fails() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert not verify_webhook(SECRET, header, BODY.replace(b"ord_1", b"ord_2"), now=AT)
    assert not verify_webhook("whsec_other", header, BODY, now=AT)
    # Moving the timestamp forward to dodge the age check breaks the signature.
    forged = header.replace(f"t={AT}", f"t={AT + 1000}")
    assert not verify_webhook(SECRET, forged, BODY, now=AT + 1000)


def test_webhook_stale_timestamp_fails() -> None:
    header = signature_header(SECRET, AT, BODY)
    assert not verify_webhook(SECRET, header, BODY, now=AT + 301)
    assert verify_webhook(SECRET, header, BODY, now=AT + 3600, tolerance_s=3600)


def test_webhook_several_signatures_during_rotation() -> None:
    old = webhook_signature("whsec_old", AT, BODY)
    header = f"t={AT},v1={old},v1={webhook_signature(SECRET, AT, BODY)}"
    assert verify_webhook(SECRET, header, BODY, now=AT)
    assert verify_webhook("whsec_old", header, BODY, now=AT)


@pytest.mark.parametrize(
    "header", ["", "garbage", "t=abc,v1=00", f"t={AT}", "v1=00", f"t={AT},v0=00"]
)
def test_webhook_malformed_headers_fail(header: str) -> None:
    assert not verify_webhook(SECRET, header, BODY, now=AT)


def test_gsm_single_segment_limit() -> None:
    assert sms_segments("a" * 160) == SmsLength("GSM-7", 160, 1)
    assert sms_segments("a" * 161) == SmsLength("GSM-7", 161, 2)
    assert sms_segments("a" * 306) == SmsLength("GSM-7", 306, 2)
    assert sms_segments("a" * 307) == SmsLength("GSM-7", 307, 3)


def test_gsm_extension_characters_count_twice() -> None:
    assert sms_segments("Price 5€") == SmsLength("GSM-7", 9, 1)
    assert sms_segments("a" * 159 + "€") == SmsLength("GSM-7", 161, 2)
    assert sms_segments("^{}\\[~]|€").characters == 18


def test_escape_pairs_are_not_split_across_parts() -> None:
    # 152 plain + € (2) would end the first part at 154 > 153: the pair moves on.
    text = "a" * 152 + "€" + "a" * 152
    assert sms_segments(text) == SmsLength("GSM-7", 306, 3)


def test_nordic_letters_stay_gsm() -> None:
    assert sms_segments("Päivää! Åland, Øresund, Ñandu").encoding == "GSM-7"
    assert sms_segments("Ñandú").encoding == "UCS-2"  # ú is not in the GSM alphabet


def test_emoji_switch_to_ucs2_and_count_utf16_units() -> None:
    assert sms_segments("On my way 🚚") == SmsLength("UCS-2", 12, 1)
    assert sms_segments("x" * 70).encoding == "GSM-7"
    assert sms_segments("ś" * 70) == SmsLength("UCS-2", 70, 1)
    assert sms_segments("ś" * 71) == SmsLength("UCS-2", 71, 2)
    assert sms_segments("ś" * 134) == SmsLength("UCS-2", 134, 2)
    assert sms_segments("ś" * 135) == SmsLength("UCS-2", 135, 3)


def test_empty_text() -> None:
    assert sms_segments("") == SmsLength("GSM-7", 0, 0)
