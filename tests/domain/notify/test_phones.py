import pytest

from doorstep.domain.notify.phones import is_e164, normalise_phone


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("040 123 4567", "FI", "+358401234567"),
        ("040-123 4567", "fi", "+358401234567"),
        ("(040) 123 4567", "FI", "+358401234567"),
        ("+358 40 123 4567", "FI", "+358401234567"),
        ("+358 40 123 4567", None, "+358401234567"),
        ("00358401234567", None, "+358401234567"),
        ("0044 20 7946 0958", "FI", "+442079460958"),
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("09 1234 5678", "FI", "+358912345678"),
    ],
)
def test_normalise(raw, region, expected):
    assert normalise_phone(raw, region) == expected
    assert is_e164(expected)


@pytest.mark.parametrize(
    ("raw", "region", "message"),
    [
        ("+358 40 123", "FI", "+358 40 123 is too short for Finland"),
        ("040 12", "FI", "040 12 is too short for Finland"),
        ("+44 20 7946", None, "+44 20 7946 is too short for United Kingdom"),
        ("call me", "FI", "not a phone number"),
        ("040 ABC 4567", "FI", "not a phone number"),
        ("", "FI", "not a phone number"),
        ("---", "FI", "not a phone number"),
        (
            "040 123 4567",
            None,
            "needs a country code (+…) because the organisation has no country set",
        ),
        ("+358 40 1234567890123", "FI", "+358 40 1234567890123 is too long for Finland"),
        ("+999 1234 5678", None, "+999 1234 5678 has an unknown country code"),
    ],
)
def test_normalise_refuses(raw, region, message):
    with pytest.raises(ValueError) as info:
        normalise_phone(raw, region)
    assert str(info.value) == message


def test_invalid_for_region():
    with pytest.raises(ValueError, match="not a valid number for United States"):
        normalise_phone("+1 555 555 5555", None)


@pytest.mark.parametrize(
    ("s", "ok"),
    [
        ("+358401234567", True),
        ("+442079460958", True),
        ("358401234567", False),
        ("+358 40 123 4567", False),
        ("+0123456", False),
        ("+1234567890123456", False),
        ("", False),
    ],
)
def test_is_e164(s, ok):
    assert is_e164(s) is ok
